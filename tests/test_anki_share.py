"""The Anki exporter's work on a second CPU: a child makes the last notes (``NoteShare``), the
package is compressed on a thread (``PackageBuild``) while the state file is encoded ahead
(``statefile.encode_ahead``). None of it may change a byte, a warning or an error."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from quizgen import statefile
from quizgen.errors import ExportError
from quizgen.exporters import ExportOptions, anki_apkg
from quizgen.exporters.anki import NoteShare
from quizgen.banks import load_bank
from quizgen.pipeline import BuildConfig, bank_questions, build, state_bytes

from conftest import NEW_QUESTION
from test_exporter_anki import render  # the exporter on a bank file, as those tests run it

NOW = 1_700_000_000
LATER = NOW + 86_400
needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def outcome(bank_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int, **kwargs):
    """(package bytes, state bytes, warnings) of a render with ``workers`` note makers, or the error."""
    monkeypatch.setattr(NoteShare, "WORKERS", workers)
    try:
        artifact = render(bank_path, **kwargs)
    except ExportError as exc:
        return str(exc)
    return artifact.data, state_bytes(artifact.state), artifact.warnings


@pytest.fixture
def child_rows(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every deck of two notes or more is shared; the list collects how many notes each child
    made (-1: none, its share was made here)."""
    monkeypatch.setattr(NoteShare, "MIN_NOTES", 2)
    sent: list[int] = []
    real = NoteShare.finish

    def finish(self):
        theirs = real(self)
        sent.append(-1 if theirs is None else self._count)
        return theirs

    monkeypatch.setattr(NoteShare, "finish", finish)
    return sent


def no_child_left() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@needs_fork
def test_notes_made_by_a_child_are_the_same_deck(sample_bank_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                 child_rows: list[int]) -> None:
    bank = sample_bank_dir / "sample.yaml"
    alone = outcome(bank, monkeypatch, 1)
    assert child_rows == []
    shared = outcome(bank, monkeypatch, 2)
    assert child_rows and child_rows[0] > 0  # the child's notes came back
    assert shared == alone
    # a rebuild: one question edited, one changed type (a warning from the child's share), one new
    saved = json.loads(alone[1])
    text = bank.read_text(encoding="utf-8")
    text = text.replace("Who signed the decree?", "Who signed the 2016 decree?")
    text = text.replace("    type: numeric\n    prompt: According to the ministry, how many verdicts did the court "
                        "pass in 14 years?\n    answer: 4\n    tolerance: 0\n    unit: verdicts",
                        "    type: short_answer\n    prompt: According to the ministry, how many verdicts did "
                        "the court pass in 14 years?\n    answer: four")
    bank.write_text(text + NEW_QUESTION, encoding="utf-8")
    again = outcome(bank, monkeypatch, 2, now=LATER, previous=saved)
    assert child_rows[-1] > 0
    assert again == outcome(bank, monkeypatch, 1, now=LATER, previous=saved)
    assert any("changed from numeric to short_answer" in w for w in again[2])
    assert no_child_left()


@needs_fork
def test_a_state_error_in_the_childs_share_is_the_same_error(sample_bank_dir: Path,
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              child_rows: list[int]) -> None:
    bank = sample_bank_dir / "sample.yaml"
    saved = json.loads(outcome(bank, monkeypatch, 1)[1])
    questions, _ = bank_questions(load_bank(bank))
    in_child = questions[-1].id  # the deck's last note: in the child's share
    digest, _, _, kind = saved["notes"][in_child].split(" ")
    saved["notes"][in_child] = f"{digest} {NOW + 10**9} {NOW} {kind}"  # stamped far in the future
    error = outcome(bank, monkeypatch, 2, now=LATER, previous=saved)
    assert child_rows == [-1]  # the child met the error and left its share to this process
    assert isinstance(error, str) and error == outcome(bank, monkeypatch, 1, now=LATER, previous=saved)
    assert no_child_left()


@needs_fork
def test_a_child_that_fails_leaves_the_same_deck(sample_bank_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                 child_rows: list[int]) -> None:
    from quizgen.exporters import anki as anki_exporter

    bank = sample_bank_dir / "sample.yaml"
    alone = outcome(bank, monkeypatch, 1)
    monkeypatch.setattr(anki_exporter, "_note_records", lambda *args: os._exit(3))
    assert outcome(bank, monkeypatch, 2) == alone

    def fails(*args):
        raise MemoryError

    monkeypatch.setattr(anki_exporter, "_note_records", fails)
    assert outcome(bank, monkeypatch, 2) == alone
    assert child_rows == [-1, -1]
    assert no_child_left()


def test_the_state_encoded_ahead_is_the_state_file(sample_bank_dir: Path) -> None:
    state = render(sample_bank_dir / "sample.yaml").state
    assert isinstance(state, statefile.EncodedState)
    expected = statefile.state_bytes(dict(state))  # encoded afresh (a plain dict)
    assert json.loads(expected)["format"] == 1
    assert state_bytes(state) == expected and state_bytes(state) == expected  # read again from the start
    written = statefile.StateFile(state)
    assert b"".join(written.chunks()) == expected
    import hashlib

    assert written.sha256 == hashlib.sha256(expected).hexdigest()


def test_no_room_to_encode_ahead_changes_nothing(sample_bank_dir: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    build(BuildConfig(paths=(str(sample_bank_dir),), out=tmp_path / "a", formats=("anki",),
                      options=ExportOptions(now=NOW)))
    first = {p.name: p.read_bytes() for p in [*(tmp_path / "a").iterdir(), *sample_bank_dir.glob("*.json")]}
    for path in sample_bank_dir.glob("*.json"):
        path.unlink()
    import tempfile

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", full)
    assert not isinstance(statefile.encode_ahead({"a": 1}), statefile.EncodedState)
    build(BuildConfig(paths=(str(sample_bank_dir),), out=tmp_path / "b", formats=("anki",),
                      options=ExportOptions(now=NOW)))
    assert {p.name: p.read_bytes() for p in [*(tmp_path / "b").iterdir(), *sample_bank_dir.glob("*.json")]} == first


def test_a_zip_that_fails_on_its_thread_is_a_located_error(sample_bank_dir: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def full(path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(anki_apkg, "zip_package", full)
    with pytest.raises(ExportError, match=r"cannot write the Anki collection \(No space left on device\)"):
        render(sample_bank_dir / "sample.yaml")
    assert not [t for t in threading.enumerate() if t.name == "quizgen-apkg-zip"]
