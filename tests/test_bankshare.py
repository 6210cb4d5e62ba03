"""A large bank's questions read by two processes (quizgen.bankshare, quizgen.cores).

The share must change nothing: with a child reading the second part of the list, every
bank equals the one-process read (lines included), every mistake gives the same messages,
and a child that fails, is killed or is not wanted leaves the same result.
"""
from __future__ import annotations

import os
import threading

import pytest

from quizgen import bankshare, banks, cores, yamlnodes
from quizgen.banks import load_bank_text
from quizgen.errors import BankErrors

from conftest import SAMPLE_BANK

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

KINDS = [
    "    type: short_answer\n    prompt: Who signed decree {i}?\n    answer: Person {i}\n    accept: [P{i}]\n",
    "    type: multiple_choice\n    prompt: Which court heard case {i}?\n    answer: Court {i}\n"
    "    distractors: [Tribunal {i}, Council {i}]\n    tags: [court, unit-{j}]\n",
    "    type: true_false\n    statement: Statement {i} is true.\n    answer: {truth}\n"
    "    explanation: Because of report {i}.\n",
    "    type: cloze\n    text: The [[statute {i}|law {i}::a treaty]] was signed in [[Rome]].\n",
    "    type: numeric\n    prompt: How many states signed in year {i}?\n    answer: {i}\n    tolerance: 0.5\n"
    "    unit: states\n    difficulty: hard\n",
    "    type: matching\n    prompt: Match set {i}.\n    pairs: [[A{i}, B{i}], [C{i}, D{i}], [E{i}, F{i}]]\n"
    "    deck: Unit {j}\n",
    "    type: ordering\n    prompt: Order set {i}.\n    items: [first {i}, second {i}, third {i}]\n    points: 2\n",
]


def bank_text(count: int, item=None) -> str:
    """A bank of ``count`` questions of every type; ``item(i)``, if given, may replace the
    YAML of question ``i`` (return None to keep it)."""
    out = ["bank: share", "title: Shared reading", "sources:", "  s: {title: A report, publisher: P}",
           "questions:"]
    for i in range(count):
        written = item(i) if item else None
        if written is None:
            written = f"  - id: q{i:05d}\n    source: s\n" + KINDS[i % len(KINDS)].format(
                i=i, j=i % 3, truth="true" if i % 2 else "false")
        out.append(written.rstrip("\n"))
    return "\n".join(out) + "\n"


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Small banks take the sliced fast path and are always shared with a child; the list
    collects the number of questions each child sent back."""
    monkeypatch.setattr(yamlnodes, "FAST_PATH_MIN_CHARS", 0)
    monkeypatch.setattr(yamlnodes, "SLICED_MIN_CHARS", 0)
    monkeypatch.setattr(yamlnodes, "SLICE_ITEMS", 7)
    monkeypatch.setattr(bankshare, "MIN_QUESTIONS", 10)
    monkeypatch.setattr(bankshare, "WORKERS", 2)
    sent: list[int] = []
    real = bankshare.QuestionShare.finish

    def finish(self, reader, seen):
        theirs = real(self, reader, seen)
        sent.append(-1 if theirs is None else len(theirs))
        return theirs

    monkeypatch.setattr(bankshare.QuestionShare, "finish", finish)
    return sent


def one_process(text: str, monkeypatch: pytest.MonkeyPatch, path: str = "b.yaml"):
    """The bank (or the error messages) read by this process alone."""
    monkeypatch.setattr(bankshare, "WORKERS", 1)
    try:
        return load_bank_text(text, path)
    except BankErrors as exc:
        return [str(e) for e in exc.errors]
    finally:
        monkeypatch.setattr(bankshare, "WORKERS", 2)


def read(text: str, path: str = "b.yaml"):
    try:
        return load_bank_text(text, path)
    except BankErrors as exc:
        return [str(e) for e in exc.errors]


def no_child_left() -> bool:
    try:
        return os.waitpid(-1, os.WNOHANG) == (0, 0) and False
    except ChildProcessError:
        return True


@needs_fork
@pytest.mark.parametrize("count", [10, 61, 200])
def test_a_shared_read_is_the_same_bank(shared: list[int], monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    text = bank_text(count)
    bank = read(text)
    assert shared == [count - (count - round(count * bankshare.CHILD_SHARE))]  # the child's share came back
    assert bank == one_process(text, monkeypatch)  # every field, refs (lines) included
    assert [q.ref.line for q in bank.questions][-1] == text.count("\n") - KINDS[(count - 1) % 7].count("\n") - 1
    assert no_child_left()


@needs_fork
def test_the_sample_bank_read_with_a_child(shared: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bankshare, "MIN_QUESTIONS", 4)
    text = SAMPLE_BANK.read_text(encoding="utf-8")
    bank = read(text, "sample.yaml")
    assert bank == one_process(text, monkeypatch, "sample.yaml")
    assert len(shared) == 1


def _item(i: int, body: str) -> str:
    return f"  - id: q{i:05d}\n    source: s\n{body}"


MISTAKES = {
    # an id of the first share written again in the child's: the child cannot see it
    "duplicate across shares": lambda i: _item(3, KINDS[0].format(i=i, j=0)) if i == 150 else None,
    # a mistake in the child's share: it gives up, and this process reports it with its line
    "mistake in the child's share": lambda i: _item(i, "    type: short_answer\n    prompt: No answer?\n")
    if i == 170 else None,
    "mistake in both shares": lambda i: _item(i, "    type: true_false\n    statement: P\n    answer: maybe\n")
    if i in (20, 180) else None,
    # a deck spelt one way in the first share and another in the child's
    "deck spelt two ways": lambda i: _item(i, KINDS[0].format(i=i, j=0) + "    deck: " + ("Unit 9" if i == 20 else "UNIT 9"))
    if i in (20, 173) else None,
    # a control character (from an escape) in the child's share
    "control character": lambda i: _item(i, '    type: short_answer\n    prompt: "Bell \\a here"\n    answer: x\n')
    if i == 160 else None,
    "not a mapping": lambda i: "  - just text" if i == 140 else None,
}


@needs_fork
@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_mistakes_read_with_a_child_give_the_same_messages(shared: list[int], monkeypatch: pytest.MonkeyPatch,
                                                           name: str) -> None:
    text = bank_text(200, MISTAKES[name])
    got = read(text)
    assert got == one_process(text, monkeypatch)
    assert isinstance(got, list) and got, "expected errors"
    assert no_child_left()


@needs_fork
def test_an_item_for_the_full_checks_in_the_childs_share_is_read_here(shared: list[int],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """An override (which the fast path leaves to the full checks) in the child's share."""
    text = bank_text(200, lambda i: _item(i, KINDS[0].format(i=i, j=0) + "    override: f.t\n") if i == 190 else None)
    got = read(text)
    assert shared == [-1]  # the child gave up its share
    assert got == one_process(text, monkeypatch)
    assert got.questions[190].id == "f.t"


@needs_fork
def test_a_child_that_fails_or_dies_leaves_the_same_bank(shared: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    text = bank_text(120)
    expected = one_process(text, monkeypatch)
    real = bankshare._child_records

    def fails(*args):
        raise RuntimeError("out of memory, say")

    monkeypatch.setattr(bankshare, "_child_records", fails)
    assert read(text) == expected
    monkeypatch.setattr(bankshare, "_child_records", lambda *args: os._exit(9))
    assert read(text) == expected
    monkeypatch.setattr(bankshare, "_child_records", lambda *args: real(*args)[:-1])  # a batch short
    assert read(text) == expected
    assert shared == [-1, -1, -1]
    assert no_child_left()


@needs_fork
def test_an_error_in_this_process_stops_the_child(shared: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    text = bank_text(120)
    real = banks._BankReader.question

    def interrupted(self, i, *args):
        if i == 5:
            raise KeyboardInterrupt
        return real(self, i, *args)

    monkeypatch.setattr(banks._BankReader, "question", interrupted)
    with pytest.raises(KeyboardInterrupt):
        read(text)
    assert no_child_left()


def test_small_banks_one_worker_or_a_busy_machine_never_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlnodes, "FAST_PATH_MIN_CHARS", 0)
    monkeypatch.setattr(yamlnodes, "SLICED_MIN_CHARS", 0)
    monkeypatch.setattr(bankshare, "MIN_QUESTIONS", 50)

    def no_fork(work):
        raise AssertionError("forked")

    monkeypatch.setattr(cores, "fork_share", no_fork)
    monkeypatch.setattr(bankshare, "WORKERS", 2)
    read(bank_text(49))  # too few questions
    monkeypatch.setattr(bankshare, "WORKERS", 1)
    read(bank_text(60))  # one worker wanted
    monkeypatch.setattr(bankshare, "WORKERS", None)
    monkeypatch.setattr(cores, "second_cpu_idle", lambda now=False: False)
    read(bank_text(60))  # no idle CPU


@needs_fork
def test_fork_share_sends_records_back_and_reports_a_failed_child() -> None:
    share = cores.fork_share(lambda: [b"one", b"", b"three" * 100_000])
    assert share is not None
    assert list(share.records()) == [b"one", b"", b"three" * 100_000]  # more than a pipe holds
    share = cores.fork_share(lambda: os._exit(0))  # gone without a word
    assert share is not None
    with pytest.raises(cores.ShareFailed):
        list(share.records())
    assert no_child_left()


def test_no_fork_while_other_threads_run() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert cores.fork_share(lambda: [b"x"]) is None
    finally:
        stop.set()
        thread.join()


def test_a_look_that_must_not_wait_counts_the_running_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sleep(seconds: float) -> None:
        raise AssertionError("slept")

    monkeypatch.setattr(cores, "_LAST", None)
    monkeypatch.setattr(cores, "machine_times", lambda: (0, 4, 0))  # a window too short to judge
    monkeypatch.setattr(cores, "_SINCE", (0, 0, 0))
    monkeypatch.setattr(cores, "running_tasks", lambda: 1)  # this build alone
    assert cores.idle_cpus(2, sleep=no_sleep, now=True) == 1.0
    monkeypatch.setattr(cores, "running_tasks", lambda: 3)  # two more programs running
    assert cores.idle_cpus(2, sleep=no_sleep, now=True) == 0.0
    monkeypatch.setattr(cores, "running_tasks", lambda: None)  # no /proc/loadavg
    assert cores.idle_cpus(2, sleep=no_sleep, now=True) == 0.0


@pytest.mark.skipif(not os.path.exists("/proc/loadavg"), reason="needs /proc/loadavg")
def test_running_tasks_counts_this_one() -> None:
    assert cores.running_tasks() >= 1
