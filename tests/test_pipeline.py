"""The pipeline: all outputs rendered before any is written, atomic writes, manifest, state."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from quizgen import exporters
from quizgen.errors import ExportError
from quizgen.exporters import Artifact, ExportJob, ExportOptions, register
from quizgen.pipeline import BuildConfig, build, list_questions, state_path, write_all_atomically
from quizgen.select import SelectionSpec


@pytest.fixture
def text_exporters():
    """Two test-only exporters: 'text' writes each version's ids, 'boom' always fails."""

    @register("text")
    class TextExporter:
        description = "test: question ids as text"

        def render(self, job: ExportJob) -> list[Artifact]:
            out = []
            for qset in job.sets:
                suffix = f"-{qset.version}" if qset.version else ""
                body = "\n".join(f"{i.number} {i.question.id} {i.key_text}" for i in qset.items)
                out.append(Artifact(f"{job.bank.id}{suffix}.txt", body.encode(), "worksheet", job.bank.id,
                                    qset.version, tuple(i.question.id for i in qset.items),
                                    tuple(i.key_text for i in qset.items),
                                    state={"builds": int((job.previous_state or {}).get("builds", 0)) + 1}))
            return out

    @register("boom")
    class BoomExporter:
        description = "test: always fails"

        def render(self, job: ExportJob) -> list[Artifact]:
            raise ExportError("boom: this exporter always fails")

    yield
    for name in ("text", "boom"):
        exporters.EXPORTERS.pop(name, None)
        exporters._LOADED.pop(name, None)


def config(banks: Path, out: Path, **kwargs) -> BuildConfig:
    return BuildConfig(paths=(str(banks),), out=out, formats=kwargs.pop("formats", ("text",)), **kwargs)


def test_build_writes_files_and_manifest(text_exporters, sample_bank_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    report = build(config(sample_bank_dir, out, selection=SelectionSpec(versions=2)))
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "sample-bank-A.txt", "sample-bank-B.txt"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert [m["version"] for m in manifest] == ["A", "B"]
    entry = manifest[0]
    assert set(entry) == {"kind", "bank", "version", "path", "sha256", "questions", "key"}
    assert entry["path"] == "sample-bank-A.txt" and entry["kind"] == "worksheet"
    lines = (out / "sample-bank-A.txt").read_text().splitlines()
    assert entry["questions"] == [line.split()[1] for line in lines]
    assert entry["key"] == [None if line.split()[2] == "None" else line.split()[2] for line in lines]
    assert report.written[-1] == out / "manifest.json"
    assert (out / "sample-bank-A.txt").stat().st_mode & 0o777 == 0o644


def test_state_is_kept_beside_the_bank(text_exporters, sample_bank_dir: Path, tmp_path: Path) -> None:
    build(config(sample_bank_dir, tmp_path / "out"))
    build(config(sample_bank_dir, tmp_path / "out"))
    state = sample_bank_dir / "sample.anki-state.json"
    assert json.loads(state.read_text()) == {"builds": 2}


def test_failed_build_leaves_previous_outputs(text_exporters, sample_bank_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(config(sample_bank_dir, out))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(ExportError, match="boom"):
        build(config(sample_bank_dir, out, formats=("text", "boom"), selection=SelectionSpec(seed=99)))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_unknown_format(sample_bank_dir: Path, tmp_path: Path) -> None:
    from quizgen.exporters import EXPORTERS

    assert {"anki", "key", "worksheet"} <= set(EXPORTERS)
    with pytest.raises(ExportError, match=f"unknown format 'docx'; expected one of: {', '.join(sorted(EXPORTERS))}$"):
        build(config(sample_bank_dir, tmp_path, formats=("docx",)))


def test_output_folder_that_is_a_file(text_exporters, sample_bank_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("not a folder")
    with pytest.raises(ExportError, match=r"cannot write \(File exists\); expected a writable output folder"):
        build(config(sample_bank_dir, out))
    assert out.read_text() == "not a folder"


def test_disk_full_leaves_previous_outputs(text_exporters, sample_bank_dir: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(config(sample_bank_dir, out))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls = []

    def full_disk(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:  # the second file does not fit
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(ExportError, match=r"cannot write \(No space left on device\)"):
        build(config(sample_bank_dir, out, selection=SelectionSpec(seed=3)))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no stray temporary files either


def test_write_failure_removes_staged_files(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(OSError):
        write_all_atomically({target: b"new", tmp_path / "missing-dir" / "b.txt": b"x"})
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_state_for_the_builtin_bank_goes_to_the_output_folder(tmp_path: Path) -> None:
    from quizgen.banks import default_bank_paths, load_banks

    os.chdir(tmp_path)  # no ./question_banks here: the built-in bank is used
    try:
        bank = load_banks(default_bank_paths())[0]
    finally:
        os.chdir(Path(__file__).parent.parent)
    assert state_path(bank, BuildConfig(out=tmp_path / "o")) == tmp_path / "o" / f".{bank.id}.anki-state.json"


def test_list_records(sample_bank_dir: Path) -> None:
    records = list_questions([str(sample_bank_dir)])
    first = records[0]
    assert {k: first[k] for k in ("id", "bank", "type", "prompt", "answer", "choices", "source", "origin", "fact")} == {
        "id": "who-signed", "bank": "sample-bank", "type": "multiple_choice", "prompt": "Who signed the decree?",
        "answer": "Vladimir Putin",
        "choices": ["Vladimir Putin", "Dmitry Peskov", "Fatou Bensouda", "Sergei Lavrov"],
        "source": "alpha", "origin": "hand", "fact": None,
    }
    by_id = {r["id"]: r for r in records}
    assert by_id["never-ratified"]["answer"] is False
    assert by_id["select-critics"]["answer"] == ["too slow", "too expensive"]
    assert by_id["cloze-ratify"]["prompt"].startswith("Russia signed but never [[ratified]]")
    assert by_id["verdicts"]["answer"] == 4 and by_id["roles"]["choices"] is None


def test_progress_is_reported_step_by_step(text_exporters, sample_bank_dir: Path, tmp_path: Path) -> None:
    calls = []
    build(config(sample_bank_dir, tmp_path / "out", formats=("text",)), progress=lambda *a: calls.append(a))
    assert calls == [(0, 3, "sample-bank: generating and choosing questions"), (1, 3, "sample-bank: text"),
                     (2, 3, "writing"), (3, 3, "done")]


def test_the_builtin_bank_starts_from_its_shipped_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Built anywhere (no ./question_banks), the default bank gives the checkout's deck."""
    from quizgen.exporters import ExportOptions

    monkeypatch.chdir(tmp_path)  # no ./question_banks here: the built-in bank is built
    build(BuildConfig(out=tmp_path / "out", formats=("anki",), options=ExportOptions(now=2_000_000_000)))
    shipped = json.loads((Path(__file__).parent.parent / "question_banks" /
                          "icc-withdrawal-2016.anki-state.json").read_text())
    saved = json.loads((tmp_path / "out" / ".icc-withdrawal-2016.anki-state.json").read_text())
    assert saved == shipped  # nothing changed, so every note kept the committed time


def test_the_deck_is_the_whole_bank_whatever_the_quiz_flags(tmp_path: Path) -> None:
    """--count, --mix, --include, --exclude shape the printed quiz; the .apkg keeps every question."""
    import shutil
    import sqlite3
    import zipfile

    from conftest import DATA

    from quizgen.banks import load_bank
    from quizgen.pipeline import bank_questions

    banks = tmp_path / "banks"
    banks.mkdir()
    shutil.copy(DATA / "banks" / "valid" / "chile-miners-2010.yaml", banks / "chile.yaml")
    questions, _ = bank_questions(load_bank(banks / "chile.yaml"))
    # the whole bank, less the generated true/false items a deck leaves out by default (docs/anki.md)
    whole = [q for q in questions if not (q.origin == "template" and q.type == "true_false")]
    specs = [SelectionSpec(), SelectionSpec(count=5, seed=3), SelectionSpec(mix=(("numeric", 2),)),
             SelectionSpec(count=4, include=("days-below",), exclude=("desert", "first-out"), versions=2)]
    for n, spec in enumerate(specs):
        out = tmp_path / f"out{n}"
        report = build(BuildConfig(paths=(str(banks),), out=out, selection=spec, state_dir=tmp_path / f"s{n}",
                                   formats=("anki", "worksheet")))
        with zipfile.ZipFile(out / "chile-miners-2010.apkg") as archive:
            (tmp_path / "c.anki2").write_bytes(archive.read("collection.anki2"))
        with sqlite3.connect(tmp_path / "c.anki2") as conn:
            assert conn.execute("select count(*) from notes").fetchone()[0] == len(whole)
        sheet = next(m for m in report.manifest if m["kind"] == "worksheet")
        assert len(sheet["questions"]) < len(whole)
        if spec.count:
            assert len(sheet["questions"]) == spec.count
