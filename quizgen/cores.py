"""A second CPU for a build: whether one sits idle, and a share of the work done in a forked copy.

Two parts of a build can use a second process: rendering many PDFs (``exporters.pdf``)
and reading a large bank (``banks``). Both ask the same two questions here:

1. ``idle_cpus``: did the machine leave a CPU idle while this build ran? Judged by what
   the machine did (``/proc/stat``), not by the load average (which lags a minute and
   counts waiting tasks).
2. ``fork_share``: run a share of the work in a forked copy of this process, which sends
   its results back through a pipe while this process does the rest.

Every result of a share is a pure function of its input, so the outputs are the same bytes
whichever process made them; a share that fails in the child (or a platform without
``os.fork``, or a process with other threads running) is done in this process instead.
"""
from __future__ import annotations

import os
import threading
from typing import Callable, Iterator, Sequence

_TICKS_PER_SECOND: int
try:
    _TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
except (AttributeError, ValueError, OSError):  # not POSIX: cpu_times() is None there anyway
    _TICKS_PER_SECOND = 100


def cpu_times() -> tuple[int, int] | None:
    """(idle, all) clock ticks of every CPU since boot, from /proc/stat (None: not Linux)."""
    try:
        with open("/proc/stat", "rb") as handle:
            fields = handle.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != b"cpu":
        return None
    ticks = [int(f) for f in fields[1:9]]  # user nice system idle iowait irq softirq steal
    return ticks[3] + ticks[4], sum(ticks)


def own_ticks() -> int:
    """Clock ticks of CPU this process has used, with its children that have finished
    (a second process among them)."""
    t = os.times()
    return round((t.user + t.system + t.children_user + t.children_system) * _TICKS_PER_SECOND)


def machine_times() -> tuple[int, int, int] | None:
    """(idle, all, this build's own) clock ticks: what ``idle_cpus`` compares over a window."""
    times = cpu_times()
    return None if times is None else (*times, own_ticks())


def running_tasks() -> int | None:
    """How many tasks the machine runs right now, this one included (the fourth field of
    /proc/loadavg, "running/all"); None where there is no such file."""
    try:
        with open("/proc/loadavg", "rb") as handle:
            return int(handle.read().split()[3].split(b"/")[0])
    except (OSError, IndexError, ValueError):
        return None


def cpu_count() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# The window the machine is watched over: from this module's import (the build's start) to the
# first look, then from each look to the next. A window shorter than MIN_WINDOW_TICKS of all
# CPUs' clock ticks (10 ms each) is too short to judge: the last look's verdict stands (a build's
# worksheets and then its keys ask twice within moments); with none yet, a short sleep tops it
# up, or, for a caller that must not wait (``now=True``), the tasks running at this moment decide.
_SINCE = machine_times()
_LAST: float | None = None
MIN_WINDOW_TICKS = 8
IDLE_CPU_NEEDED = 0.75  # a second process pays when at least this much of a CPU sat idle meanwhile


def idle_cpus(cpus: int, since: tuple[int, int, int] | None = None,
              sleep: Callable[[float], None] | None = None, now: bool = False) -> float:
    """How many CPUs, besides the one this build runs on, other programs left idle, on average,
    from ``since`` (a ``machine_times()``; default: this module's import, or the last look, so a
    long-running program looks at the recent past) until now: what the machine did, not the load
    average. This build's own CPU time, and its finished second process's, counts as idle: its
    own work is no reason to stay on one CPU."""
    import time

    global _SINCE, _LAST
    start = since if since is not None else _SINCE
    current = machine_times()
    if start is None or current is None:
        return 0.0
    if current[1] - start[1] < MIN_WINDOW_TICKS:
        if since is None and _LAST is not None:
            return _LAST
        if now:
            running = running_tasks()
            return 0.0 if running is None else float(max(0, cpus - max(running, 1)))
        (sleep or time.sleep)(0.01 * MIN_WINDOW_TICKS / max(cpus, 1))
        current = machine_times() or current
    idle, total, own = current[0] - start[0], current[1] - start[1], current[2] - start[2]
    free = min(float(cpus), cpus * (idle + own) / total) if total > 0 else 0.0
    spare = max(0.0, free - 1.0)
    if since is None:
        _SINCE, _LAST = current, spare
    return spare


def second_cpu_idle(now: bool = False) -> bool:
    """Whether a second process would have a CPU to itself (``idle_cpus``)."""
    cpus = cpu_count()
    return cpus >= 2 and idle_cpus(cpus, now=now) >= IDLE_CPU_NEEDED


def can_fork() -> bool:
    """Whether this process may fork a copy of itself: a platform with ``os.fork`` and no other
    thread running (a copy of a process with threads can deadlock on a lock one of them held)."""
    return hasattr(os, "fork") and threading.active_count() == 1


class ShareFailed(Exception):
    """The child of ``fork_share`` did not send all its records: do its share here."""


class Share:
    """A share of the work running in a forked copy of this process (``fork_share``)."""

    def __init__(self, pid: int, read_fd: int):
        self._pid = pid
        self._pipe = os.fdopen(read_fd, "rb")
        self._waited = False

    def records(self) -> Iterator[bytes]:
        """The records the child sent, as they come; raises ``ShareFailed`` (after the ones
        already given) if the child failed before it sent them all. Read them once."""
        try:
            with self._pipe as pipe:
                count = int.from_bytes(pipe.read(8), "little")
                for _ in range(count):
                    size = int.from_bytes(pipe.read(8), "little")
                    data = pipe.read(size)
                    if len(data) != size:
                        raise ShareFailed("a record is cut short")
                    yield data
                if pipe.read(1) != b"\x00":
                    raise ShareFailed("the records are cut short")
        finally:
            status = self._wait()
        if status != 0:
            raise ShareFailed(f"the child exited with status {status}")

    def cancel(self) -> None:
        """Stop the child: its results are not needed (an error here, say). Safe to call
        at any time, also after ``records``."""
        import signal

        self._pipe.close()
        if not self._waited:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except OSError:  # it has left already
                pass
            self._wait()

    def _wait(self) -> int:
        """The child's exit status, once it has exited (waited for once)."""
        if self._waited:
            return -1
        self._waited = True
        return os.waitpid(self._pid, 0)[1]


def fork_share(work: Callable[[], Sequence[bytes]]) -> Share | None:
    """Start ``work`` in a forked copy of this process; its records (bytes) come back by
    ``Share.records``. None when the process cannot fork (``can_fork``): do the work here.

    The child does the whole of its work before it writes anything (a pipe holds 64 KB, and
    a child that writes as it goes would wait on a parent busy with its own share), then
    sends the number of records, each record with its length, and a final zero byte, and
    leaves with ``os._exit``: nothing of the parent's (buffered output, exit handlers, temporary
    files) is run or flushed twice."""
    if not can_fork():
        return None
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # the child
        status = 1
        try:
            os.close(read_fd)
            records = work()
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(len(records).to_bytes(8, "little"))
                for record in records:
                    pipe.write(len(record).to_bytes(8, "little"))
                    pipe.write(record)
                pipe.write(b"\x00")
            status = 0
        except BaseException:  # any failure: the parent does the share itself
            pass
        finally:
            os._exit(status)
    os.close(write_fd)
    return Share(pid, read_fd)
