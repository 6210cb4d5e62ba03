"""A deck a class keeps for a year: upgrades across releases, retired questions, what changed,
stale outputs. The Anki parts run in a real collection (the `anki` package from PyPI)."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from conftest import DATA, DEFAULT_BANK, NEW_QUESTION, TIMELINE

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizgen.banks import load_bank
from quizgen.exporters import ExportOptions
from quizgen.exporters import anki as anki_exporter
from quizgen.exporters.anki_notetypes import CSS, NOTE_TYPES
from quizgen.pipeline import BuildConfig, bank_questions, build
from quizgen.select import SelectionSpec

NOW = 1_700_000_000
LATER = NOW + 86_400
RELEASE_1_DECK = DATA / "anki" / "release-1-icc-withdrawal-2016.apkg"


def build_deck(bank_dir: Path, out: Path, now: int, **options):
    return build(BuildConfig(paths=(str(bank_dir),), out=out, formats=("anki",),
                             options=ExportOptions(now=now, extra=options)))


def edit_bank(bank_dir: Path, old: str, new: str) -> None:
    path = next(bank_dir.glob("*.yaml"))
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- what changed, retired questions (no Anki needed) ---------------------------------------
def test_changes_against_the_previous_build(sample_bank_dir: Path, tmp_path: Path) -> None:
    first = build_deck(sample_bank_dir, tmp_path / "v1", NOW)
    ids = [q.id for q in load_bank(sample_bank_dir / "sample.yaml").questions]
    assert first.manifest[0]["changes"] == {"new": ids, "updated": [], "retired": []}

    edit_bank(sample_bank_dir, "Who signed the decree?", "Who signed the 2016 decree?")
    edit_bank(sample_bank_dir, TIMELINE, "")
    with (sample_bank_dir / "sample.yaml").open("a", encoding="utf-8") as handle:
        handle.write(NEW_QUESTION)
    second = build_deck(sample_bank_dir, tmp_path / "v2", LATER, anki_changelog=True)
    changes = {"new": ["added-later"], "updated": ["who-signed"], "retired": ["timeline"]}
    manifest = json.loads((tmp_path / "v2" / "manifest.json").read_text())
    assert manifest[0]["kind"] == "anki" and manifest[0]["changes"] == changes
    assert second.deck_changes["sample-bank"] == {**changes, "retired_in_all": 1, "notes": 8}
    assert manifest[1]["kind"] == "changes" and manifest[1]["path"] == "sample-bank-changes.md"
    changelog = (tmp_path / "v2" / "sample-bank-changes.md").read_text()
    assert changelog.startswith("# Sample bank for tests: what changed in the Anki deck\n\n"
                                "The deck `sample-bank.apkg` built on 2023-11-15.")
    assert ("## New questions (1)\n\n- The decree was published in November 2016. "
            "(`sample-bank/added-later`)\n") in changelog
    assert "## Updated questions (1)\n\n" in changelog and "- Who signed the 2016 decree? (`sample-bank/who-signed`)" in changelog
    assert "search `tag:quizgen::retired`" in changelog
    assert "- Put these events in order, earliest first. (`sample-bank/timeline`)" in changelog

    third = build_deck(sample_bank_dir, tmp_path / "v3", LATER + 60, anki_changelog=True)
    assert third.manifest[0]["changes"] == {"new": [], "updated": [], "retired": []}
    assert third.deck_changes["sample-bank"]["retired_in_all"] == 1  # still in the deck, withdrawn
    assert (tmp_path / "v3" / "sample-bank.apkg").read_bytes() == (tmp_path / "v2" / "sample-bank.apkg").read_bytes()
    assert "Nothing changed" in (tmp_path / "v3" / "sample-bank-changes.md").read_text()


def test_a_filtered_build_retires_nothing(sample_bank_dir: Path, tmp_path: Path) -> None:
    build_deck(sample_bank_dir, tmp_path / "v1", NOW)
    report = build(BuildConfig(paths=(str(sample_bank_dir),), out=tmp_path / "v2", formats=("anki",),
                               selection=SelectionSpec(types=("cloze",)), options=ExportOptions(now=LATER)))
    assert report.manifest[0]["changes"] == {"new": [], "updated": [], "retired": []}
    assert report.artifacts[0].questions == ("cloze-ratify",)
    state = json.loads((sample_bank_dir / "sample.anki-state.json").read_text())
    assert state["retired"] == [] and len(state["content"]) == 8
    cards, deck, tags, sort, *fields = state["content"]["who-signed"].split("\x1f")
    assert (cards, deck, tags, sort) == ("1", "Sample bank for tests", "decree multiple_choice people quizgen",
                                         "Who signed the decree?")
    assert fields[0] == "Who signed the decree?" and len(fields) == 7


def test_generated_true_false_stays_out_of_the_deck_unless_asked(default_bank_dir: Path, tmp_path: Path) -> None:
    bank = load_bank(default_bank_dir / DEFAULT_BANK.name)
    questions, _ = bank_questions(bank)
    generated_tf = sorted(q.id for q in questions if q.origin == "template" and q.type == "true_false")
    assert len(generated_tf) > 10
    plain = build_deck(default_bank_dir, tmp_path / "a", NOW)
    assert not set(generated_tf) & set(plain.artifacts[0].questions)
    assert any(q.origin == "hand" and q.type == "true_false" for q in questions
               if q.id in plain.artifacts[0].questions)
    shutil.rmtree(tmp_path / "a")
    (default_bank_dir / "icc-withdrawal-2016.anki-state.json").unlink()
    both = build_deck(default_bank_dir, tmp_path / "b", NOW, anki_generated_true_false=True)
    assert set(generated_tf) <= set(both.artifacts[0].questions)
    # brought back and then left out again: they are retired (students have them)
    again = build_deck(default_bank_dir, tmp_path / "c", LATER)
    assert again.manifest[0]["changes"]["retired"] == generated_tf


def test_a_disabled_generated_question_is_retired(default_bank_dir: Path, tmp_path: Path) -> None:
    build_deck(default_bank_dir, tmp_path / "a", NOW)
    bank = load_bank(default_bank_dir / DEFAULT_BANK.name)
    questions, _ = bank_questions(bank)
    victim = next(q.id for q in questions if q.origin == "template" and q.type == "multiple_choice")
    path = default_bank_dir / DEFAULT_BANK.name
    text = path.read_text(encoding="utf-8")
    if "\ndisable:\n" in text:  # the bank already disables some: add one to its list
        path.write_text(text.replace("\ndisable:\n", f"\ndisable:\n  - {victim}\n", 1), encoding="utf-8")
    else:
        path.write_text(text + f"\ndisable:\n  - {victim}\n", encoding="utf-8")
    report = build_deck(default_bank_dir, tmp_path / "b", LATER)
    assert report.manifest[0]["changes"] == {"new": [], "updated": [], "retired": [victim]}
    state = json.loads((default_bank_dir / "icc-withdrawal-2016.anki-state.json").read_text())
    assert victim in state["retired"] and victim in state["content"]


def test_a_state_without_content_warns_once(sample_bank_dir: Path, tmp_path: Path) -> None:
    """A state written by release 1 has no cards to rebuild a deleted question from."""
    build_deck(sample_bank_dir, tmp_path / "v1", NOW)
    state_file = sample_bank_dir / "sample.anki-state.json"
    state = json.loads(state_file.read_text())
    del state["content"], state["retired"]
    state_file.write_text(json.dumps(state))
    edit_bank(sample_bank_dir, TIMELINE, "")
    report = build_deck(sample_bank_dir, tmp_path / "v2", LATER)
    assert report.warnings == [
        f"{sample_bank_dir / 'sample.yaml'}: question timeline: it left the deck, but the saved Anki state "
        "(written by an older quizgen) does not hold its card, so the deck cannot mark it withdrawn; tell "
        "students to suspend it (students keep their copy as it was)"]
    assert report.manifest[0]["changes"]["retired"] == ["timeline"]
    assert "timeline" not in report.artifacts[0].questions
    assert build_deck(sample_bank_dir, tmp_path / "v3", LATER).warnings == []


# -- stale outputs -------------------------------------------------------------------------
def test_stale_outputs_are_removed_and_nothing_else(sample_bank_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    two = build(BuildConfig(paths=(str(sample_bank_dir),), out=out, formats=("anki", "key"),
                            selection=SelectionSpec(versions=2), options=ExportOptions(now=NOW)))
    versioned = sorted(p.name for p in two.written if p.name.endswith(("-A.pdf", "-B.pdf")))
    assert versioned == ["sample-bank-answer-key-A.pdf", "sample-bank-answer-key-B.pdf"]
    # files quizgen never wrote, and a manifest that lists things it must not touch
    mine = out / "my-notes.txt"
    mine.write_text("mine")
    outside = tmp_path / "outside.pdf"
    outside.write_text("outside")
    (out / "sub").mkdir()
    inner = out / "sub" / "inner.pdf"
    inner.write_text("inner")
    hidden = out / ".hidden.pdf"
    hidden.write_text("hidden")
    target = tmp_path / "target.pdf"
    target.write_text("target")
    (out / "link.pdf").symlink_to(target)
    edited = out / "sample-bank-answer-key-B.pdf"
    manifest = json.loads((out / "manifest.json").read_text())
    manifest += [{"path": "../outside.pdf", "sha256": sha256(outside)},
                 {"path": str(outside), "sha256": sha256(outside)},
                 {"path": "sub/inner.pdf", "sha256": sha256(inner)},
                 {"path": "sub", "sha256": "x"},
                 {"path": ".hidden.pdf", "sha256": sha256(hidden)},
                 {"path": "link.pdf", "sha256": sha256(target)},
                 {"path": "manifest.json", "sha256": "x"},
                 {"path": 5}, "junk", None]
    (out / "manifest.json").write_text(json.dumps(manifest))
    edited.write_bytes(edited.read_bytes() + b"\n% the teacher's own annotation")

    one = build(BuildConfig(paths=(str(sample_bank_dir),), out=out, formats=("anki", "key"),
                            options=ExportOptions(now=NOW)))
    assert one.removed == [out / "sample-bank-answer-key-A.pdf"]  # B was changed since: kept
    assert sorted(p.name for p in out.iterdir()) == sorted([
        ".hidden.pdf", "link.pdf", "manifest.json", "my-notes.txt", "sample-bank-answer-key-B.pdf",
        "sample-bank-answer-key.pdf", "sample-bank.apkg", "sub"])
    assert [p.read_text() for p in (mine, outside, inner, hidden, target)] == [
        "mine", "outside", "inner", "hidden", "target"]

    (out / "manifest.json").write_text("{not json")
    assert build(BuildConfig(paths=(str(sample_bank_dir),), out=out, formats=("anki",),
                             options=ExportOptions(now=NOW))).removed == []
    assert (out / "sample-bank-answer-key.pdf").exists()  # the unreadable manifest listed nothing


# -- in a real Anki collection -------------------------------------------------------------
try:
    from anki.collection import Collection
    from anki.import_export_pb2 import (
        IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
        ImportAnkiPackageOptions,
        ImportAnkiPackageRequest,
    )
except ImportError:  # the tests that need a collection skip (see the col fixture); the others run
    Collection = None  # type: ignore[assignment,misc]


def import_deck(col: Collection, apkg: Path, with_scheduling: bool = False) -> dict[str, int]:
    """Import as a student does by default: update notes and note types if newer, no merging
    (``with_scheduling``: the import dialog's "Import any learning progress", off by default)."""
    options = ImportAnkiPackageOptions(merge_notetypes=False,
                                       update_notes=IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
                                       update_notetypes=IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
                                       with_scheduling=with_scheduling, with_deck_configs=False)
    log = col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg), options=options)).log
    return {"new": len(log.new), "updated": len(log.updated), "duplicate": len(log.duplicate),
            "conflicting": len(log.conflicting)}


@pytest.fixture
def col(tmp_path: Path):
    if Collection is None:
        pytest.skip("the anki package is not installed")
    folder = tmp_path / "student"
    folder.mkdir()
    collection = Collection(str(folder / "collection.anki2"))
    yield collection
    collection.close()


def card_state(col: Collection, cid: int) -> tuple:
    card = col.get_card(cid)
    return card.id, card.nid, card.type, card.queue, card.ivl, card.due, card.reps, card.factor


def quizgen_note_types(col: Collection) -> list[str]:
    return sorted(m.name for m in col.models.all_names_and_ids() if m.name.startswith("quizgen"))


def default_bank_deck(tmp_path: Path) -> tuple[Path, list[str]]:
    """The default bank's deck as a teacher builds it now, from the state committed beside the bank,
    and the ids of the questions it carries as withdrawn."""
    banks = tmp_path / "banks"
    banks.mkdir()
    for name in ("icc-withdrawal-2016.yaml", "icc-withdrawal-2016.anki-state.json"):
        shutil.copy(DEFAULT_BANK.parent / name, banks / name)
    build_deck(banks, tmp_path / "out", 2_000_000_000)
    state = json.loads((banks / "icc-withdrawal-2016.anki-state.json").read_text())
    return tmp_path / "out" / "icc-withdrawal-2016.apkg", state["retired"]


def refs(col: Collection, note_ids) -> list[str]:
    return sorted(col.get_note(n)["Ref"].split("/", 1)[1] for n in note_ids)


COURSE = "Russia and the International Criminal Court, November 2016"


@pytest.mark.real_client
@pytest.mark.parametrize("with_scheduling", [False, True])
def test_a_new_student_does_not_study_withdrawn_cards(col: Collection, tmp_path: Path,
                                                      with_scheduling: bool) -> None:
    """Anki keeps a new card's deck; it keeps its suspension only when the student imports with
    scheduling (rslib import_export/gather.rs resets cards to new otherwise). So the withdrawn
    cards arrive in a deck of their own beside the course, and suspended when Anki keeps it."""
    apkg, retired = default_bank_deck(tmp_path)
    log = import_deck(col, apkg, with_scheduling)
    print(f"fresh import log (with_scheduling={with_scheduling}):", json.dumps(log))
    notes = col.note_count()
    assert log == {"new": notes, "updated": 0, "duplicate": 0, "conflicting": 0} and len(retired) > 50
    tagged = col.find_notes(f"tag:{anki_exporter.RETIRED_TAG}")
    assert refs(col, tagged) == sorted(retired)
    withdrawn_deck = COURSE + anki_exporter.WITHDRAWN_DECK_SUFFIX
    assert sorted(col.find_cards(f'"deck:{withdrawn_deck}"')) == sorted(col.find_cards(f"tag:{anki_exporter.RETIRED_TAG}"))
    assert col.find_cards(f'"deck:{COURSE}" tag:{anki_exporter.RETIRED_TAG}') == []
    assert "you do not need to study them" in col.decks.by_name(withdrawn_deck)["desc"]
    # the generated statements' explanations began "True."/"False."; the cards leave the verdict out
    explanations = [col.get_note(n)["Explanation"] for n in tagged if "Statement" in col.get_note(n)]
    assert len(explanations) > 50 and not any(e.startswith(("True.", "False.")) for e in explanations)
    suspended = col.find_cards("is:suspended")
    assert sorted(suspended) == (sorted(col.find_cards(f"tag:{anki_exporter.RETIRED_TAG}")) if with_scheduling else [])
    # studying the course: every card of today's 20 new ones is a live one
    col.decks.set_current(col.decks.id_for_name(COURSE))
    shown = []
    while (card := col.sched.getCard()) is not None and len(shown) < 40:
        shown.append(card.note())
        col.sched.answerCard(card, 4)
    assert len(shown) == 20 and not any(anki_exporter.RETIRED_TAG in note.tags for note in shown)


@pytest.mark.real_client
def test_the_release_1_deck_upgrades_in_place(col: Collection, tmp_path: Path) -> None:
    """Students hold the deck release 1 built from the default bank; this release's deck imports over it."""
    assert import_deck(col, RELEASE_1_DECK) == {"new": 185, "updated": 0, "duplicate": 0, "conflicting": 0}
    before_types = quizgen_note_types(col)
    # a student studies five cards and writes a mnemonic on a note this release leaves unchanged
    col.decks.set_current(col.decks.id_for_name("Russia and the International Criminal Court, November 2016"))
    studied = []
    for ease in (3, 4, 3, 2, 4):
        card = col.sched.getCard()
        col.sched.answerCard(card, ease)
        studied.append(card.id)
    states = {cid: card_state(col, cid) for cid in studied}
    (mine,) = col.find_notes('"Ref:icc-withdrawal-2016/peskov-reason"')
    note = col.get_note(mine)
    note["Explanation"] += " My mnemonic: P for Peskov."
    note.tags.append("my-tag")
    col.update_note(note)

    # the teacher builds the default bank with this release, from the state committed beside it
    banks = tmp_path / "banks"
    banks.mkdir()
    for name in ("icc-withdrawal-2016.yaml", "icc-withdrawal-2016.anki-state.json"):
        shutil.copy(DEFAULT_BANK.parent / name, banks / name)
    report = build_deck(banks, tmp_path / "out", 2_000_000_000)
    decks_before = {cid: col.get_card(cid).did for cid in col.find_cards("")}
    questions, _ = bank_questions(load_bank(banks / "icc-withdrawal-2016.yaml"))
    held = {col.get_note(n)["Ref"].split("/", 1)[1] for n in col.find_notes("")}
    in_deck = {q.id for q in questions if not (q.origin == "template" and q.type == "true_false")}
    withdrawn = sorted(held - in_deck)
    added = in_deck - held
    assert withdrawn and report.deck_changes["icc-withdrawal-2016"]["retired_in_all"] == len(withdrawn)

    log = import_deck(col, tmp_path / "out" / "icc-withdrawal-2016.apkg")
    print("upgrade import log:", json.dumps(log))
    assert log["new"] == len(added) and log["conflicting"] == 0
    assert log["updated"] + log["duplicate"] == 185 and log["updated"] >= len(withdrawn)
    assert col.note_count() == 185 + len(added)
    guids = [col.get_note(n).guid for n in col.find_notes("")]
    assert len(guids) == len(set(guids))
    # the note types were updated in place: same names, no "+" copies, this release's look
    assert quizgen_note_types(col) == before_types and not any("+" in n for n in quizgen_note_types(col))
    col.models._clear_cache()  # the Python side caches note types it has read: read what the import left
    for nt in NOTE_TYPES:
        model = col.models.get(nt.id)
        if model is None:
            continue
        assert model["name"] == nt.name and model["css"] == CSS
        assert [(t["name"], t["qfmt"], t["afmt"]) for t in model["tmpls"]] == list(nt.templates)
    assert {cid: card_state(col, cid) for cid in studied} == states  # review history kept
    note = col.get_note(mine)
    assert note["Explanation"].endswith(" My mnemonic: P for Peskov.") and "my-tag" in note.tags
    retired = col.find_notes(f"tag:{anki_exporter.RETIRED_TAG}")
    assert sorted(col.get_note(n)["Ref"].split("/", 1)[1] for n in retired) == withdrawn
    card = col.get_note(retired[0]).cards()[0]
    assert "Withdrawn" in card.question() and "qg-withdrawn" in card.question()
    # the student's cards stay where they were, as they were: none moved to the withdrawn deck or suspended
    assert {cid: col.get_card(cid).did for cid in decks_before} == decks_before
    withdrawn_deck = COURSE + anki_exporter.WITHDRAWN_DECK_SUFFIX
    assert col.find_cards(f'"deck:{withdrawn_deck}"') == [] and col.find_cards("is:suspended") == []


@pytest.mark.real_client
def test_a_retired_question_stays_marked_and_can_come_back(col: Collection, sample_bank_dir: Path,
                                                           tmp_path: Path) -> None:
    build_deck(sample_bank_dir, tmp_path / "v1", NOW)
    import_deck(col, tmp_path / "v1" / "sample-bank.apkg")
    (nid,) = col.find_notes('"Ref:sample-bank/timeline"')
    cid = col.get_note(nid).cards()[0].id
    card = col.get_card(cid)
    card.start_timer()
    col.sched.answerCard(card, 3)
    studied = card_state(col, cid)
    assert studied[6] == 1  # answered once

    edit_bank(sample_bank_dir, TIMELINE, "")
    build_deck(sample_bank_dir, tmp_path / "v2", LATER)
    assert import_deck(col, tmp_path / "v2" / "sample-bank.apkg") == {
        "new": 0, "updated": 1, "duplicate": 7, "conflicting": 0}
    assert col.find_notes(f"tag:{anki_exporter.RETIRED_TAG}") == [nid]
    assert col.note_count() == 8 and card_state(col, cid) == studied
    card = col.get_card(cid)
    assert "Withdrawn" in card.question() and "Putin signs the decree" in card.question()
    assert "Putin signs the decree" in card.answer()  # the solution is still there to read

    build_deck(sample_bank_dir, tmp_path / "v3", LATER + 60)  # nothing changed: nothing moves
    assert import_deck(col, tmp_path / "v3" / "sample-bank.apkg")["duplicate"] == 8

    edit_bank(sample_bank_dir, "  - id: roles\n", TIMELINE + "  - id: roles\n")
    report = build_deck(sample_bank_dir, tmp_path / "v4", LATER + 120)
    assert report.manifest[0]["changes"] == {"new": [], "updated": ["timeline"], "retired": []}
    assert import_deck(col, tmp_path / "v4" / "sample-bank.apkg")["updated"] == 1
    assert col.find_notes(f"tag:{anki_exporter.RETIRED_TAG}") == []
    assert "Withdrawn" not in col.get_card(cid).question() and col.note_count() == 8


def test_build_prints_the_deck_summary_and_what_it_removed(sample_bank_dir: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from quizgen.cli import app

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    args = ["build", str(sample_bank_dir), "--format", "anki,key", "--timestamp", str(NOW)]
    first = runner.invoke(app, args + ["--versions", "2", "--changelog"], catch_exceptions=False)
    assert first.exit_code == 0
    assert first.stdout.splitlines()[-1] == ("sample-bank.apkg: 8 new, 0 updated, 0 retired since the last build; "
                                             "the deck holds 8 questions and 0 withdrawn (tagged quizgen::retired)")
    edit_bank(sample_bank_dir, TIMELINE, "")
    second = runner.invoke(app, args, catch_exceptions=False)
    assert second.exit_code == 0
    lines = second.stdout.splitlines()
    assert lines[:3] == ["wrote output/sample-bank.apkg", "wrote output/sample-bank-answer-key.pdf",
                         "wrote output/manifest.json"]
    assert sorted(lines[3:6]) == [f"removed output/{name} (written by the previous build, not by this one)"
                                  for name in ("sample-bank-answer-key-A.pdf", "sample-bank-answer-key-B.pdf",
                                               "sample-bank-changes.md")]
    assert lines[6:] == ["sample-bank.apkg: 0 new, 0 updated, 1 retired since the last build; "
                         "the deck holds 7 questions and 1 withdrawn (tagged quizgen::retired)"]


# any manifest: only plain names of files inside OUT whose bytes match the recorded sha256 go
NAMES = st.sampled_from(["kept.pdf", "stale.pdf", "changed.pdf", "../outside.pdf", "sub/inner.pdf", "sub",
                         ".hidden.pdf", "manifest.json", "link.pdf", "", ".", "..", "/", "stale.pdf/",
                         "./stale.pdf", "missing.pdf"])
ENTRIES = st.lists(st.one_of(
    st.fixed_dictionaries({"path": st.one_of(NAMES, st.text(max_size=12)),
                           "sha256": st.sampled_from(["right", "wrong"])}),
    st.none(), st.integers(), st.text(max_size=5), st.fixed_dictionaries({"path": st.integers()})), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=ENTRIES, absolute=st.booleans())
def test_stale_removal_never_leaves_the_folder_or_touches_a_changed_file(tmp_path_factory, entries,
                                                                          absolute: bool) -> None:
    from quizgen.pipeline import remove_stale_outputs

    root = tmp_path_factory.mktemp("stale")
    out = root / "out"
    (out / "sub").mkdir(parents=True)
    files = {out / "kept.pdf": "kept", out / "stale.pdf": "stale", out / "changed.pdf": "changed",
             out / "sub" / "inner.pdf": "inner", out / ".hidden.pdf": "hidden", out / "manifest.json": "[]",
             root / "outside.pdf": "outside", root / "target.pdf": "target"}
    for path, text in files.items():
        path.write_text(text)
    (out / "link.pdf").symlink_to(root / "target.pdf")
    recorded = {name: hashlib.sha256(text.encode()).hexdigest() for name, text in
                [("kept.pdf", "kept"), ("stale.pdf", "stale"), ("changed.pdf", "before the edit"),
                 ("../outside.pdf", "outside"), ("sub/inner.pdf", "inner"), (".hidden.pdf", "hidden"),
                 ("link.pdf", "target"), ("manifest.json", "[]")]}
    manifest = []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("path"), str) and isinstance(entry.get("sha256"), str):
            path = entry["path"]
            digest = recorded.get(path, "0" * 64) if entry["sha256"] == "right" else "f" * 64
            if absolute and path == "../outside.pdf":
                path = str(root / "outside.pdf")
            entry = {"path": path, "sha256": digest}
        manifest.append(entry)
    removed = remove_stale_outputs(out, manifest, {"kept.pdf", "manifest.json"})
    assert set(removed) <= {out / "stale.pdf"}
    for path, text in files.items():
        assert path in removed or path.read_text() == text
    assert (out / "link.pdf").is_symlink() and (out / "sub").is_dir()
    listed = any(isinstance(e, dict) and e.get("path") == "stale.pdf" and e.get("sha256") == recorded["stale.pdf"]
                 for e in manifest)
    assert (out / "stale.pdf" in removed) == listed
