"""The second process for PDFs is chosen by what the machine did (/proc/stat), not the load average."""
from __future__ import annotations

import os
import time
from types import SimpleNamespace

import pytest

from quizgen.exporters import ExportOptions
from quizgen import cores
from quizgen.exporters import pdf as pdf_exporter

linux = pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="needs /proc/stat")


def job(sets: int, **extra) -> SimpleNamespace:
    return SimpleNamespace(sets=tuple(range(sets)), options=ExportOptions(extra=extra))


@linux
def test_cpu_times_count_up_and_idle_is_part_of_all() -> None:
    first = cores.cpu_times()
    time.sleep(0.05)
    second = cores.cpu_times()
    assert first is not None and second is not None
    assert 0 <= second[0] - first[0] <= second[1] - first[1]
    assert second[1] > first[1]


@linux
def test_idle_cpus_is_between_none_and_all_and_tops_up_a_short_window() -> None:
    slept = []
    now = cores.machine_times()
    idle = cores.idle_cpus(2, since=now, sleep=lambda s: (slept.append(s), time.sleep(s)))
    assert slept == [pytest.approx(0.04)]  # no ticks yet, and no look before: a short look at the machine
    assert 0.0 <= idle <= 1.0  # of 2 CPUs, one is this build's own


def _cpus() -> int:
    with open("/proc/stat") as handle:
        return sum(line.startswith("cpu") for line in handle) - 1


@linux
def test_another_program_spinning_a_cpu_leaves_it_busy() -> None:
    import subprocess
    import sys

    since = cores.machine_times()
    spinner = subprocess.Popen([sys.executable, "-c", "import time\nend = time.perf_counter() + 0.6\n"
                                "while time.perf_counter() < end: pass"])
    try:
        time.sleep(0.4)  # looked at while it runs: a program this build did not wait for is another's work
        cpus = _cpus()
        assert cores.idle_cpus(cpus, since=since) <= cpus - 1.5
    finally:
        spinner.wait()


def test_this_builds_own_work_does_not_keep_it_on_one_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    # (idle, all, own) ticks over a window of 2 CPUs x 100 ticks: this build ran one CPU flat out
    monkeypatch.setattr(cores, "machine_times", lambda: (100, 200, 100))
    assert cores.idle_cpus(2, since=(0, 0, 0)) == 1.0  # the other CPU sat idle: free for a second process
    # the same busy CPU, but another program's (this build used none of it): nothing spare
    monkeypatch.setattr(cores, "machine_times", lambda: (100, 200, 0))
    assert cores.idle_cpus(2, since=(0, 0, 0)) == 0.0
    # both CPUs busy, one of them with this build's own second process: the second process stays
    monkeypatch.setattr(cores, "machine_times", lambda: (0, 200, 200))
    assert cores.idle_cpus(2, since=(0, 0, 0)) == 1.0


@linux
def test_a_second_look_moments_later_keeps_the_last_verdict_without_sleeping(monkeypatch) -> None:
    def no_sleep(seconds: float) -> None:
        raise AssertionError("slept")

    time.sleep(0.05)
    first = cores.idle_cpus(2)  # a window long enough to judge
    assert cores.idle_cpus(2, sleep=no_sleep) == first  # moments later: the same verdict, no sleep


def test_no_proc_stat_means_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cores, "cpu_times", lambda: None)
    assert cores.idle_cpus(2) == 0.0
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert pdf_exporter._workers(job(30)) == 1


@pytest.mark.parametrize("idle,expected", [(0.2, 1), (0.74, 1), (0.75, 2), (1.6, 2)])
def test_workers_follow_the_idle_cpu(monkeypatch: pytest.MonkeyPatch, idle: float, expected: int) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (99.0, 99.0, 99.0))  # never consulted
    monkeypatch.setattr(cores, "idle_cpus", lambda cpus, **_: idle)
    assert pdf_exporter._workers(job(30)) == expected


def test_few_documents_or_one_cpu_or_a_setting_never_look(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(cpus: int, **_: object) -> float:
        raise AssertionError("looked at the machine")

    monkeypatch.setattr(cores, "idle_cpus", fail)
    assert pdf_exporter._workers(job(pdf_exporter.PARALLEL_MIN_DOCUMENTS - 1)) == 1
    assert pdf_exporter._workers(job(30, pdf_workers=2)) == 2
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert pdf_exporter._workers(job(30)) == 1


@linux
def test_each_look_starts_where_the_last_one_ended(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cores, "_SINCE", (0, 0, 0))  # "since boot": a stale start
    cores.idle_cpus(2)
    assert cores._SINCE != (0, 0, 0) and cores._SINCE[1] > 0
    first = cores._SINCE
    time.sleep(0.02)
    cores.idle_cpus(2)
    assert cores._SINCE[1] >= first[1]
