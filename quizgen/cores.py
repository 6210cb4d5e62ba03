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


def child_start(count: int, minimum: int, workers: int | None, child_share: float) -> int | None:
    """Where a forked child's share of ``count`` items starts (it takes the last ``child_share``
    of them), or None to do them all here: fewer than ``minimum`` items, one worker wanted
    (``workers`` 1), or, unless two are wanted (2), no second CPU idle right now."""
    if count < minimum or workers == 1:
        return None
    if workers is None and not second_cpu_idle(now=True):
        return None
    return count - round(count * child_share)


def can_fork() -> bool:
    """Whether this process may fork a copy of itself: a platform with ``os.fork`` and no other
    thread running (a copy of a process with threads can deadlock on a lock one of them held)."""
    return hasattr(os, "fork") and threading.active_count() == 1


class ShareFailed(Exception):
    """The child of ``fork_share`` did not finish its share: do it here."""


class Share:
    """A share of the work running in a forked copy of this process (``fork_share``)."""

    def __init__(self, pid: int, spill):
        self._pid = pid
        self._spill = spill  # the anonymous temporary file the child writes its records to
        self._waited = False

    def records(self) -> Iterator[bytes]:
        """The child's records, read one at a time once it has finished. ``ShareFailed``
        comes before the first record, never between two: a child that failed, or records
        that do not fill the file exactly, give none. Read them once."""
        status = self._wait()
        with self._spill as spill:
            fd = spill.fileno()
            if status != 0:
                raise ShareFailed(f"the child exited with status {status}")
            places, offset, end = [], 8, os.fstat(fd).st_size
            count = int.from_bytes(os.pread(fd, 8, 0), "little") if end >= 8 else -1
            while 0 <= len(places) < count and offset + 8 <= end:  # check the layout before giving anything
                size = int.from_bytes(os.pread(fd, 8, offset), "little")
                places.append((offset + 8, size))
                offset += 8 + size
            if count < 0 or len(places) != count or offset != end:
                raise ShareFailed("the records do not fill the file")
            for start, size in places:
                yield os.pread(fd, size, start)

    def cancel(self) -> None:
        """Stop the child: its results are not needed (an error here, say). Safe to call
        at any time, also after ``records``."""
        import signal

        if not self._waited:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except OSError:  # it has left already
                pass
            self._wait()
        self._spill.close()

    def _wait(self) -> int:
        """The child's exit status, once it has exited (waited for once)."""
        if self._waited:
            return -1
        status = os.waitpid(self._pid, 0)[1]  # (interrupted, the child is still there for cancel)
        self._waited = True
        return status


def fork_share(work: Callable[[], Sequence[bytes]]) -> Share | None:
    """Start ``work`` in a forked copy of this process; the records (bytes) it returns come
    back by ``Share.records``. None when the process cannot fork (``can_fork``) or the
    temporary folder cannot take a file: do the work here.

    The child writes its records to an anonymous temporary file (in ``TMPDIR``) rather than a
    pipe, so it never waits on a parent busy with its own share, and the parent reads them
    one at a time (a 100,000-note deck's share is 45 MB): the number of records, then each
    record after its length. The child leaves with ``os._exit`` and status 0 only once all is
    written: nothing of the parent's (buffered output, exit handlers, temporary files) is run
    or flushed twice."""
    import tempfile

    if not can_fork():
        return None
    try:
        spill = tempfile.TemporaryFile(prefix="quizgen-share-")
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        spill.close()
        return None
    if pid == 0:  # the child
        status = 1
        try:
            records = work()
            fd = spill.fileno()
            _write_all(fd, len(records).to_bytes(8, "little"))
            for record in records:
                _write_all(fd, len(record).to_bytes(8, "little"))
                _write_all(fd, record)
            status = 0
        except BaseException:  # any failure: the parent does the share itself
            pass
        finally:
            os._exit(status)
    return Share(pid, spill)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
