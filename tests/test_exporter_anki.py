"""The Anki exporter without Anki: note content, ids, modification times, state, guard, package."""
from __future__ import annotations

import io
import json
import re
import sqlite3
import zipfile
from dataclasses import replace
from pathlib import Path

from conftest import NEW_QUESTION, TIMELINE

import genanki
import pytest

from quizgen.anki_diff import diff_files
from quizgen.banks import load_bank
from quizgen.errors import ExportError
from quizgen.exporters import ExportJob, ExportOptions, load_exporter
from quizgen.exporters import anki as anki_exporter
from quizgen.exporters.anki_notetypes import CSS, NOTE_TYPES, REVISION, look_of_all
from quizgen.pipeline import BuildConfig, bank_questions, build, state_bytes
from quizgen.select import SelectionSpec

NOW = 1_700_000_000
LATER = NOW + 86_400
APKG = "sample-bank.apkg"

# REVISION -> the look (HTML + CSS) of every note type at that revision. When the test
# below fails you changed a card template or the CSS: bump REVISION in anki_notetypes.py
# to a later time (so students' Anki takes the new look) and add a line here. Never edit
# an old line: decks with that revision are out there.
LOOKS = {
    1_764_547_200: "cf8058e27b465dac",
    1_796_083_200: "770b8d789dc62f65",  # shuffled options, false statements corrected, withdrawn notes
    1_796_140_800: "e8dec6766d8ea13f",  # the withdrawn banner is not struck through with a false statement
}


def dump(apkg: bytes) -> dict:
    """The collection inside an .apkg as plain data (what the golden file holds)."""
    with zipfile.ZipFile(io.BytesIO(apkg)) as archive:
        data = archive.read("collection.anki2")
    conn = sqlite3.connect(":memory:")
    conn.deserialize(data)
    col = conn.execute("SELECT models, decks FROM col").fetchone()
    models, decks = json.loads(col[0]), json.loads(col[1])
    notes = [{"guid": g, "note_type": m, "mod": mod, "tags": t.split(), "fields": f.split("\x1f")}
             for g, m, mod, t, f in conn.execute("SELECT guid, mid, mod, tags, flds FROM notes ORDER BY guid")]
    cards = conn.execute("SELECT count(*) FROM cards").fetchone()[0]
    card_decks = sorted({decks[str(d)]["name"] for (d,) in conn.execute("SELECT did FROM cards")})
    conn.close()
    return {
        "note_types": sorted(({"id": m["id"], "name": m["name"], "fields": [f["name"] for f in m["flds"]],
                               "templates": [t["name"] for t in m["tmpls"]], "mod": m["mod"]}
                              for m in models.values()), key=lambda m: m["id"]),
        "decks": sorted(({"id": d["id"], "name": d["name"], "desc": d["desc"]} for d in decks.values()),
                        key=lambda d: d["name"]),
        "card_decks": card_decks,
        "cards": cards,
        "notes": notes,
    }


def rows(apkg: bytes, sql: str) -> list[tuple]:
    with zipfile.ZipFile(io.BytesIO(apkg)) as archive:
        data = archive.read("collection.anki2")
    conn = sqlite3.connect(":memory:")
    conn.deserialize(data)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def build_deck(bank_dir: Path, out: Path, now: int = NOW, **kwargs) -> bytes:
    build(BuildConfig(paths=(str(bank_dir),), out=out, formats=("anki",), options=ExportOptions(now=now),
                      **kwargs))
    return (out / APKG).read_bytes()


def notes_by_ref(apkg: bytes) -> dict[str, dict]:
    """Question id -> note (guid, mod, fields), from the Ref field (the last one)."""
    out = {}
    for note in dump(apkg)["notes"]:
        out[note["fields"][-1].split("/", 1)[1]] = note
    return out


def edit_bank(bank_dir: Path, old: str, new: str) -> None:
    path = bank_dir / "sample.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")




def render(bank_path: Path, now: int = NOW, previous: dict | None = None):
    bank = load_bank(bank_path)
    questions, _ = bank_questions(bank)
    job = ExportJob(bank=bank, sets=(), questions=tuple(questions), options=ExportOptions(now=now),
                    previous_state=previous)
    return load_exporter("anki").render(job)[0]


# -- identity and content -----------------------------------------------------------
def test_guid_is_genankis_guid_of_bank_and_question() -> None:
    assert anki_exporter.note_guid("sample-bank", "who-signed") == genanki.guid_for("quizgen", "sample-bank",
                                                                                     "who-signed")
    for i in range(2000):
        bank, qid = f"bank-{i % 7}", f"q{i}.template-{i % 3}"
        assert anki_exporter.note_guid(bank, qid) == genanki.guid_for("quizgen", bank, qid)


def test_golden(sample_bank_dir: Path, tmp_path: Path, check_golden) -> None:
    apkg = build_deck(sample_bank_dir, tmp_path / "out")
    check_golden("anki/sample.json", json.dumps(dump(apkg), indent=1, ensure_ascii=False, sort_keys=True) + "\n")


def test_artifact_and_manifest(sample_bank_dir: Path, tmp_path: Path) -> None:
    report = build(BuildConfig(paths=(str(sample_bank_dir),), out=tmp_path / "out", formats=("anki",),
                               options=ExportOptions(now=NOW)))
    (artifact,) = report.artifacts
    assert (artifact.name, artifact.kind, artifact.version, artifact.key) == (APKG, "anki", None, None)
    bank = load_bank(sample_bank_dir / "sample.yaml")
    assert artifact.questions == tuple(q.id for q in bank.questions)  # bank order
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest[0]["kind"] == "anki" and manifest[0]["questions"] == list(artifact.questions)


def test_package_is_deflated_with_fixed_dates(sample_bank_dir: Path, tmp_path: Path) -> None:
    apkg = build_deck(sample_bank_dir, tmp_path / "out")
    with zipfile.ZipFile(io.BytesIO(apkg)) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["collection.anki2", "media"]
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in infos)
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in infos)
        assert archive.read("media") == b"{}"
        assert infos[0].compress_size * 4 < infos[0].file_size


def test_same_content_gives_identical_bytes(sample_bank_dir: Path, tmp_path: Path) -> None:
    first = build_deck(sample_bank_dir, tmp_path / "a", now=NOW)
    state = (sample_bank_dir / "sample.anki-state.json").read_text()
    second = build_deck(sample_bank_dir, tmp_path / "b", now=LATER)  # a later clock changes nothing
    assert first == second
    assert (sample_bank_dir / "sample.anki-state.json").read_text() == state


def test_fields_are_escaped_and_anki_markers_defused(tmp_path: Path) -> None:
    bank = tmp_path / "sample.yaml"
    text = (Path(__file__).parent / "data/banks/valid/sample.yaml").read_text()
    text = text.replace("prompt: Who signed the decree?",
                        "prompt: \"Is 3 < 4 & <b>bold</b>? <script>alert(1)</script> [sound:x.mp3]\"")
    bank.write_text(text)
    note = notes_by_ref(render(bank).data)["who-signed"]
    question = note["fields"][0]
    assert question == ("Is 3 &lt; 4 &amp; &lt;b&gt;bold&lt;/b&gt;? &lt;script&gt;alert(1)&lt;/script&gt; "
                        "&#91;sound:x.mp3]")
    assert "<script" not in json.dumps(dump(render(bank).data))


def test_multiple_choice_options_are_lettered_and_stable(sample_bank_dir: Path, tmp_path: Path) -> None:
    seeds = []
    for seed in (1, 2):
        out = tmp_path / f"seed{seed}"
        build(BuildConfig(paths=(str(sample_bank_dir),), out=out, formats=("anki",),
                          selection=SelectionSpec(seed=seed), options=ExportOptions(now=NOW), state_dir=out))
        seeds.append(notes_by_ref((out / APKG).read_bytes())["who-signed"])
    assert seeds[0] == seeds[1]  # the worksheet seed does not reshuffle the deck
    question, options, answer = seeds[0]["fields"][:3]
    assert question == "Who signed the decree?"
    letters = re.findall(r'<span class="qg-letter">([A-D])</span> ([^<]+)</li>', options)
    assert sorted(text for _, text in letters) == sorted(["Vladimir Putin", "Dmitry Peskov", "Fatou Bensouda",
                                                          "Sergei Lavrov"])
    right = [ltr for ltr, text in letters if text == "Vladimir Putin"]
    assert answer == f'<span class="qg-letter">{right[0]}</span> Vladimir Putin'
    assert options.count('class="qg-right"') == 1


def test_select_all_marks_every_right_option(sample_bank_dir: Path, tmp_path: Path) -> None:
    note = notes_by_ref(build_deck(sample_bank_dir, tmp_path / "out"))["select-critics"]
    options, answer = note["fields"][1:3]
    assert options.count('class="qg-right"') == 2 and answer.count("<br>") == 1
    assert "Select all that apply" not in options  # the prompt already says so


def test_cloze_blanks_hints_and_braces() -> None:
    q = replace(load_bank(Path(__file__).parent / "data/banks/valid/sample.yaml").questions[4])
    assert q.type == "cloze"
    assert anki_exporter.cloze_text(q) == "Russia signed but never {{c1::ratified}} the {{c2::Rome Statute::treaty}}."
    from quizgen.model import Blank
    tricky = replace(q, prompt="{{c9::x}} a [[b}}::c:d]] & [[<e>]]", blanks=(Blank("b}}", "c:d"), Blank("<e>")))
    assert anki_exporter.cloze_text(tricky) == ("&#123;&#123;c9::x&#125;&#125; a "
                                                "{{c1::b&#125;&#125;::c&#58;d}} &amp; {{c2::&lt;e&gt;}}")


def test_tags_decks_and_description(tmp_path: Path) -> None:
    bank = tmp_path / "sample.yaml"
    text = (Path(__file__).parent / "data/banks/valid/sample.yaml").read_text()
    text = text.replace("    tags: [timeline]\n", "    tags: [timeline]\n    deck: \"History :: Dates\"\n")
    text = text.replace("title: Sample bank for tests", "title: Sample bank::for tests")
    bank.write_text(text)
    data = dump(render(bank).data)
    notes = {n["fields"][-1]: n for n in data["notes"]}
    assert notes["sample-bank/who-signed"]["tags"] == ["decree", "multiple_choice", "people", "quizgen"]
    assert data["card_decks"] == ["Sample bank:for tests", "Sample bank:for tests::History::Dates"]
    names = [d["name"] for d in data["decks"]]
    assert names == ["Default", "Sample bank:for tests", "Sample bank:for tests::History",
                     "Sample bank:for tests::History::Dates"]
    top = next(d for d in data["decks"] if d["name"] == "Sample bank:for tests")
    assert top["desc"].startswith("Two short articles and one question of each type.<br><br>Sources:<br>")
    assert top["id"] == anki_exporter.deck_id("sample-bank", "Sample bank:for tests")


def test_every_back_shows_the_source(sample_bank_dir: Path, tmp_path: Path) -> None:
    for note in dump(build_deck(sample_bank_dir, tmp_path / "out"))["notes"]:
        source = note["fields"][-2]
        assert source.startswith(("Alpha News, \u201cAlpha Report on the Treaty\u201d, 2016-11-21",
                                  "Beta Weekly, \u201cBeta Analysis\u201d, 2016-11"))
    for nt in NOTE_TYPES:
        for _, _, back in nt.templates:
            assert "{{Source}}" in back and "{{#Evidence}}" in back


# -- modification times and state ------------------------------------------------------
def test_mod_times_follow_content(sample_bank_dir: Path, tmp_path: Path) -> None:
    first = notes_by_ref(build_deck(sample_bank_dir, tmp_path / "a", now=NOW))
    edit_bank(sample_bank_dir, "Who signed the decree?", "Who signed the 2016 decree?")
    with (sample_bank_dir / "sample.yaml").open("a") as handle:
        handle.write(NEW_QUESTION)
    second = notes_by_ref(build_deck(sample_bank_dir, tmp_path / "b", now=LATER))
    assert second["who-signed"]["mod"] == LATER and second["who-signed"]["guid"] == first["who-signed"]["guid"]
    assert second["added-later"]["mod"] == LATER
    assert {q: n["mod"] for q, n in second.items() if q not in ("who-signed", "added-later")} == \
        {q: NOW for q in first if q != "who-signed"}
    # a clock that went backwards still moves a changed note forward
    edit_bank(sample_bank_dir, "Who signed the 2016 decree?", "Who signed the decree in 2016?")
    third = notes_by_ref(build_deck(sample_bank_dir, tmp_path / "c", now=NOW))
    assert third["who-signed"]["mod"] == LATER + 1


def test_tags_count_as_content(sample_bank_dir: Path, tmp_path: Path) -> None:
    build_deck(sample_bank_dir, tmp_path / "a", now=NOW)
    edit_bank(sample_bank_dir, "tags: [decree, people]", "tags: [decree, people, signatures]")
    assert notes_by_ref(build_deck(sample_bank_dir, tmp_path / "b", now=LATER))["who-signed"]["mod"] == LATER


def test_state_file_is_small_and_keeps_unselected_questions(sample_bank_dir: Path, tmp_path: Path) -> None:
    build_deck(sample_bank_dir, tmp_path / "a", now=NOW)
    state_file = sample_bank_dir / "sample.anki-state.json"
    state = json.loads(state_file.read_text())
    assert state["format"] == 1 and state["bank"] == "sample-bank"
    digest, mod, added, qtype = state["notes"]["who-signed"].split()
    assert (len(digest), mod, added, qtype) == (12, str(NOW), str(NOW), "multiple_choice")
    assert set(state["note_types"]) == {str(nt.id) for nt in NOTE_TYPES if nt.name != "quizgen Basic"}
    # a partial build keeps the others' entries, so a later full build does not restamp them
    build_deck(sample_bank_dir, tmp_path / "b", now=LATER, selection=SelectionSpec(types=("cloze",)))
    assert json.loads(state_file.read_text()) == state
    full = notes_by_ref(build_deck(sample_bank_dir, tmp_path / "c", now=LATER))
    assert {n["mod"] for n in full.values()} == {NOW}


def test_a_rebuild_keeps_the_saved_states_strings(sample_bank_dir: Path) -> None:
    """An unchanged note's content record and state line are the saved state's own strings, not
    equal copies: a 100,000-note state is over 100 MB of text, held once during a rebuild."""
    first = render(sample_bank_dir / "sample.yaml").state
    saved = json.loads(state_bytes(first))  # as read back from the file: strings of its own
    saved["content"]["who-signed"] += "<br>edited by hand"
    again = render(sample_bank_dir / "sample.yaml", now=LATER, previous=saved).state
    assert again["content"] == first["content"] and again["notes"] == first["notes"]
    unchanged = [qid for qid in first["content"] if qid != "who-signed"]
    assert len(unchanged) >= 7 and all(again["content"][q] is saved["content"][q] for q in unchanged)
    assert all(again["notes"][q] is saved["notes"][q] for q in first["notes"])
    assert again["content"]["who-signed"] is not saved["content"]["who-signed"]


def test_notes_are_not_all_held_while_the_collection_is_written(sample_bank_dir: Path, monkeypatch) -> None:
    """Each note is rendered once and only its content record is kept: while SQLite takes the
    rows, no list of NoteContent (fields, tags, deck: the whole note again) is alive (the last
    one rendered may be)."""
    import gc

    from quizgen.exporters import anki_apkg

    alive: list[int] = []
    write_collection = anki_apkg.write_collection

    def counting(rows, path):
        alive.append(sum(isinstance(o, anki_exporter.NoteContent) for o in gc.get_objects()))
        write_collection(rows, path)

    monkeypatch.setattr(anki_apkg, "write_collection", counting)
    artifact = render(sample_bank_dir / "sample.yaml")
    assert len(artifact.questions) == 8 and len(alive) == 1 and alive[0] <= 1


def test_a_large_state_is_written_as_json_dumps_writes_it() -> None:
    """pipeline.state_bytes writes a state whose notes and content are large mappings of strings
    one entry at a time (the state itself is a small mapping that holds them); the bytes are
    json.dumps's all the same."""

    state = {"format": 1, "bank": "b", "columns": "hash mod added type", "retired": ["q1", "q\u00e9"],
             "notes": {f"q{i:03d}": f"{i:012x} {NOW} {NOW} multiple_choice" for i in range(100)},
             "content": {f"q{i:03d}": f"1\x1fDeck::\u201cSub\u201d\x1fquizgen\x1fWho? \\ \"{i}\"\x1f<br>\u2060x"
                         for i in range(100)},
             "note_types": {"1": {"name": "n", "fields": ["a"], "templates": [], "mod": 1}}, "empty": {}}
    assert state_bytes(state) == (json.dumps(state, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def test_lost_state_restamps_every_note(sample_bank_dir: Path, tmp_path: Path) -> None:
    first = build_deck(sample_bank_dir, tmp_path / "a", now=NOW)
    (sample_bank_dir / "sample.anki-state.json").unlink()
    second = build_deck(sample_bank_dir, tmp_path / "b", now=LATER)
    assert {n["mod"] for n in dump(second)["notes"]} == {LATER}
    old, new = tmp_path / "old.apkg", tmp_path / "new.apkg"
    old.write_bytes(first)
    new.write_bytes(second)
    diff = diff_files(old, new)
    assert diff.counts()["updated"] == 8  # harmless, but every note once
    assert "      sample-bank/who-signed (same content, newer time: rewrites students' own edits of it)" \
        in diff.summary_lines()


def test_note_and_card_ids_are_stable_and_unique(sample_bank_dir: Path, tmp_path: Path) -> None:
    first = build_deck(sample_bank_dir, tmp_path / "a", now=NOW)
    with (sample_bank_dir / "sample.yaml").open("a") as handle:
        handle.write(NEW_QUESTION)
    second = build_deck(sample_bank_dir, tmp_path / "b", now=LATER)
    sql = "SELECT n.guid, n.id, c.ord, c.id FROM notes n JOIN cards c ON c.nid = n.id ORDER BY n.guid, c.ord"
    before, after = rows(first, sql), rows(second, sql)
    assert set(before) < set(after)
    assert len({r[3] for r in after}) == len(after) and len({r[1] for r in after}) == len({r[0] for r in after})
    for _, nid, _, cid in after:  # ids are times in ms, after the note first appeared
        assert NOW * 1000 <= nid < (LATER + 1000) * 1000 and NOW * 1000 <= cid < (LATER + 1000) * 1000


def test_stable_ids_never_collide() -> None:
    entries = [(NOW, f"key{i}") for i in range(5000)] + [(NOW + 1, f"key{i}") for i in range(5000)]
    ids = anki_exporter.stable_ids(entries)
    assert len(set(ids)) == len(ids) and anki_exporter.stable_ids(entries) == ids


def test_ids_come_in_order_of_first_choice_then_key() -> None:
    """ids_in_order against its definition: sorted by (first choice, key, index), each id the
    first choice or one past the id before it."""
    from hypothesis import given, settings, strategies as st

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.tuples(st.integers(NOW, NOW + 3), st.sampled_from(["a", "b", "c", "key1", "key2", "z"])),
                    max_size=40))
    def check(entries) -> None:
        expected, last = [], -1
        for first, _, i in sorted((s * 1000 + anki_exporter._offset(k), k, i) for i, (s, k) in enumerate(entries)):
            last = first if first > last else last + 1
            expected.append((last, i))
        assert list(anki_exporter.ids_in_order(iter(entries))) == expected

    check()
    clash = [(NOW, f"k{i}") for i in range(3000)]  # offsets of 3,000 keys in one second: some shared
    offsets = [anki_exporter._offset(k) for _, k in clash]
    assert len(set(offsets)) < len(offsets)
    ids = [nid for nid, _ in anki_exporter.ids_in_order(clash)]
    assert ids == sorted(set(ids))


def test_changing_a_question_type_warns(sample_bank_dir: Path, tmp_path: Path) -> None:
    build_deck(sample_bank_dir, tmp_path / "a", now=NOW)
    edit_bank(sample_bank_dir, """    type: numeric
    prompt: According to the ministry, how many verdicts did the court pass in 14 years?
    answer: 4
    tolerance: 0
    unit: verdicts""", """    type: short_answer
    prompt: According to the ministry, how many verdicts did the court pass in 14 years?
    answer: four""")
    report = build(BuildConfig(paths=(str(sample_bank_dir),), out=tmp_path / "b", formats=("anki",),
                               options=ExportOptions(now=LATER)))
    assert len(report.warnings) == 1
    assert "question 'verdicts' changed from numeric to short_answer" in report.warnings[0]
    assert "give the question a new id" in report.warnings[0]


# -- note types -------------------------------------------------------------------------
def test_note_types_have_fixed_ids_and_unique_names() -> None:
    assert len({nt.id for nt in NOTE_TYPES}) == len({nt.name for nt in NOTE_TYPES}) == len(NOTE_TYPES)
    for nt in NOTE_TYPES:
        assert (1 << 30) <= nt.id < (1 << 31)
        assert nt.fields[-4:] == ("Explanation", "Evidence", "Source", "Ref")


def test_template_changes_bump_revision() -> None:
    """Changing HTML or CSS without bumping REVISION would never reach students."""
    assert REVISION == max(LOOKS)
    assert LOOKS[REVISION] == look_of_all(), ("card templates or CSS changed: bump REVISION in "
                                              "anki_notetypes.py to a later time and add it to LOOKS")
    assert "{{" not in CSS


def test_note_type_mod_follows_its_look(sample_bank_dir: Path) -> None:
    bank = sample_bank_dir / "sample.yaml"
    state = dict(render(bank).state)
    types = dump(render(bank, previous=state).data)["note_types"]
    assert {t["mod"] for t in types} == {REVISION}
    changed = json.loads(state_bytes(state))
    mc = str(anki_exporter.NOTE_TYPE_FOR["multiple_choice"].id)
    changed["note_types"][mc].update(hash="0" * 16, mod=REVISION + 50)  # as if the look had changed
    artifact = render(bank, previous=changed)
    mods = {t["name"]: t["mod"] for t in dump(artifact.data)["note_types"]}
    assert mods.pop("quizgen Multiple choice") == REVISION + 51
    assert set(mods.values()) == {REVISION}
    assert artifact.state["note_types"][mc]["mod"] == REVISION + 51


@pytest.mark.parametrize("change", ["fields", "templates"])
def test_guard_refuses_a_changed_note_type(sample_bank_dir: Path, change: str) -> None:
    bank = sample_bank_dir / "sample.yaml"
    state = json.loads(state_bytes(render(bank).state))
    mc = str(anki_exporter.NOTE_TYPE_FOR["multiple_choice"].id)
    if change == "fields":
        state["note_types"][mc]["fields"].remove("Answer")
    else:
        state["note_types"][mc]["templates"] = ["Card 1"]
    with pytest.raises(ExportError) as caught:
        render(bank, previous=state)
    message = str(caught.value)
    assert message.startswith(f"{bank}: Anki note type 'quizgen Multiple choice' (id {mc}) would change")
    assert "conflicting" in message
    assert "keep the fields and card templates as they were" in message
    assert "introduce a new note type deliberately" in message


def test_damaged_or_newer_state_is_an_error(sample_bank_dir: Path) -> None:
    bank = sample_bank_dir / "sample.yaml"
    with pytest.raises(ExportError, match="is damaged .*entry 'who-signed'"):
        render(bank, previous={"format": 1, "notes": {"who-signed": "abc"}, "note_types": {}})
    with pytest.raises(ExportError, match="has format 2; expected 1"):
        render(bank, previous={"format": 2})


def test_state_of_another_bank_id_is_not_reused(sample_bank_dir: Path) -> None:
    bank = sample_bank_dir / "sample.yaml"
    state = json.loads(state_bytes(render(bank, now=NOW).state))
    state["bank"] = "renamed"
    assert {n["mod"] for n in dump(render(bank, now=LATER, previous=state).data)["notes"]} == {LATER}


def test_basic_note_type_is_the_fallback(sample_bank_dir: Path) -> None:
    bank = load_bank(sample_bank_dir / "sample.yaml")
    q = replace(bank.questions[0], type="essay")
    content = anki_exporter.note_content(bank, q)
    assert content.note_type.name == "quizgen Basic"
    assert content.fields[:2] == ("Who signed the decree?", "Vladimir Putin")


# -- the import preview ---------------------------------------------------------------
def test_anki_diff_reports_each_kind(sample_bank_dir: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.apkg"
    old.write_bytes(build_deck(sample_bank_dir, tmp_path / "a", now=NOW))
    edit_bank(sample_bank_dir, "Who signed the decree?", "Who signed the 2016 decree?")
    with (sample_bank_dir / "sample.yaml").open("a") as handle:
        handle.write(NEW_QUESTION)
    edit_bank(sample_bank_dir, TIMELINE, "")
    new = tmp_path / "new.apkg"
    new.write_bytes(build_deck(sample_bank_dir, tmp_path / "b", now=LATER))
    diff = diff_files(old, new)
    # the deleted question stays, as a withdrawn note: an update
    assert diff.counts() == {"added": 1, "updated": 2, "unchanged": 6, "skipped": 0, "conflicting": 0,
                             "removed": 0}
    assert sorted((c.label, c.changed) for c in diff.of("updated")) == [
        ("sample-bank/timeline", ("Question", "tags")), ("sample-bank/who-signed", ("Question",))]
    assert [c.label for c in diff.of("added")] == ["sample-bank/added-later"]
    text = "\n".join(diff.summary_lines())
    assert "  updated          2  updated in place (review history kept)\n" in text
    assert "      sample-bank/who-signed (Question)" in text
    assert "      sample-bank/timeline (withdrawn: marked on the card, tagged quizgen::retired)" in text
    assert [c.withdrawn for c in sorted(diff.of("updated"), key=lambda c: c.label)] == [True, False]
    from quizgen import anki_diff
    assert anki_diff.RETIRED_TAG == anki_exporter.RETIRED_TAG
    # reversed: older content is "skipped", the extra note "removed"
    back = diff_files(new, old)
    assert sorted(c.label for c in back.of("skipped")) == ["sample-bank/timeline", "sample-bank/who-signed"]
    assert [c.label for c in back.of("removed")] == ["sample-bank/added-later"]


def test_anki_diff_sees_a_changed_note_type(sample_bank_dir: Path, tmp_path: Path, monkeypatch) -> None:
    old = tmp_path / "old.apkg"
    old.write_bytes(build_deck(sample_bank_dir, tmp_path / "a", now=NOW, state_dir=tmp_path))
    mc = anki_exporter.NOTE_TYPE_FOR["multiple_choice"]
    monkeypatch.setitem(anki_exporter.NOTE_TYPE_FOR, "multiple_choice",
                        replace(mc, fields=mc.fields[:2] + ("Right answer",) + mc.fields[3:]))
    # with the state, the guard stops the build
    with pytest.raises(ExportError, match="would change under the same id"):
        build_deck(sample_bank_dir, tmp_path / "b", now=LATER, state_dir=tmp_path)
    # without its record of that note type, the build goes through: what would students see?
    state = json.loads((tmp_path / "sample-bank.anki-state.json").read_text())
    del state["note_types"][str(mc.id)]
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "sample-bank.anki-state.json").write_text(json.dumps(state))
    new = tmp_path / "new.apkg"
    new.write_bytes(build_deck(sample_bank_dir, tmp_path / "b", now=LATER, state_dir=tmp_path / "b"))
    diff = diff_files(old, new)
    assert diff.counts()["conflicting"] == 2 and diff.counts()["unchanged"] == 6
    assert [t.status for t in diff.note_types if t.name == "quizgen Multiple choice"] == ["conflicting"]
    assert {c.label for c in diff.of("conflicting")} == {"sample-bank/who-signed", "sample-bank/select-critics"}


def test_anki_diff_command(sample_bank_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from quizgen.cli import app

    old = tmp_path / "old.apkg"
    old.write_bytes(build_deck(sample_bank_dir, tmp_path / "a", now=NOW))
    edit_bank(sample_bank_dir, "Who signed the decree?", "Who signed the 2016 decree?")
    new = tmp_path / "new.apkg"
    new.write_bytes(build_deck(sample_bank_dir, tmp_path / "b", now=LATER))
    runner = CliRunner()
    result = runner.invoke(app, ["anki-diff", str(old), str(new)], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.splitlines()[2:5] == ["  added            0  new notes",
                                               "  updated          1  updated in place (review history kept)",
                                               "      sample-bank/who-signed (Question)"]
    result = runner.invoke(app, ["anki-diff", str(old), str(new), "--json"], catch_exceptions=False)
    data = json.loads(result.output)
    assert data["counts"]["updated"] == 1 and len(data["notes"]) == 8
    assert data["notes"][0] == {"status": "updated", "label": "sample-bank/who-signed",
                                "guid": anki_exporter.note_guid("sample-bank", "who-signed"),
                                "note_type": "quizgen Multiple choice", "changed": ["Question"],
                                "withdrawn": False}
    result = runner.invoke(app, ["anki-diff", str(tmp_path / "missing.apkg"), str(new)])
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {tmp_path / 'missing.apkg'}: cannot read (No such file or directory); "
                             "expected an Anki package (.apkg)\n")
    (tmp_path / "notzip.apkg").write_text("hello")
    result = runner.invoke(app, ["anki-diff", str(tmp_path / "notzip.apkg"), str(new)])
    assert result.exit_code == 1 and "expected an Anki package (.apkg)" in result.stderr
    help_text = runner.invoke(app, ["anki-diff", "--help"]).output
    assert "Example: quizgen anki-diff" in help_text


def test_identical_bytes_across_processes(sample_bank_dir: Path, tmp_path: Path) -> None:
    """No set or dict order, hash seed or clock leaks into the package."""
    import os
    import shutil
    import subprocess
    import sys

    digests = []
    for seed in ("1", "2"):
        banks = tmp_path / f"banks{seed}"
        shutil.copytree(sample_bank_dir, banks)
        code = ("import sys; from quizgen.cli import app; sys.argv = ['quizgen'] + sys.argv[1:]; app()")
        subprocess.run([sys.executable, "-c", code, "build", str(banks), "--format", "anki", "--out",
                        str(tmp_path / f"out{seed}"), "--timestamp", str(NOW)], check=True, capture_output=True,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        digests.append((tmp_path / f"out{seed}" / APKG).read_bytes())
    assert digests[0] == digests[1]


def test_esc_normalizes_and_defuses() -> None:
    esc = anki_exporter.esc
    assert esc("Caf\u0065\u0301 & co") == "Caf\u00e9 &amp; co"  # NFC, as Anki stores it
    assert esc("one\ntwo") == "one<br>two"
    assert esc("[latex]x[/latex] [$]y[/$] [anki:tts]z[/anki:tts] [1]") == \
        "&#91;latex]x[/latex] &#91;$]y[/$] &#91;anki:tts]z[/anki:tts] [1]"
    assert esc('"quoted" \'text\'') == '"quoted" \'text\''  # quotes are text, not attributes
    assert esc(None) == "" and esc("") == ""


def test_a_false_statement_without_explanation_warns(sample_bank_dir: Path, tmp_path: Path) -> None:
    edit_bank(sample_bank_dir, "    explanation: It signed but never ratified it.\n", "")
    report = build(BuildConfig(paths=(str(sample_bank_dir),), out=tmp_path / "out", formats=("anki",),
                               options=ExportOptions(now=NOW)))
    assert report.warnings == [
        f"{sample_bank_dir / 'sample.yaml'}:44: question never-ratified: a false true/false statement without "
        "an explanation, so the back of its card cannot say what is true; add an explanation that states it"]


def test_the_multiple_choice_script_is_on_both_sides_and_inert_without_javascript() -> None:
    from quizgen.exporters.anki_notetypes import MULTIPLE_CHOICE, SHUFFLE_SCRIPT, TRUE_FALSE

    ((_, front, back),) = MULTIPLE_CHOICE.templates
    assert front.endswith(SHUFFLE_SCRIPT) and back.endswith(SHUFFLE_SCRIPT)
    assert "{{" not in SHUFFLE_SCRIPT  # no field text ever reaches the script
    assert 'class="qg qg-tf qg-back qg-tf-{{Answer}}"' in TRUE_FALSE.templates[0][2]


def test_anki_diff_against_the_bank_as_it_would_build_now(sample_bank_dir: Path, tmp_path: Path,
                                                          default_bank_dir: Path) -> None:
    """A teacher previews what students get before building and publishing: nothing is written."""
    from typer.testing import CliRunner

    from quizgen.anki_diff import PackageError, diff_with_banks
    from quizgen.cli import app

    published = tmp_path / "published.apkg"
    published.write_bytes(build_deck(sample_bank_dir, tmp_path / "a", now=NOW))
    edit_bank(sample_bank_dir, "Who signed the decree?", "Who signed the 2016 decree?")
    state = (sample_bank_dir / "sample.anki-state.json").read_text()
    config = BuildConfig(paths=(str(sample_bank_dir),), out=tmp_path / "out", options=ExportOptions(now=LATER))
    diff = diff_with_banks(published, config)
    assert diff.new == "the deck of bank 'sample-bank' as built now (sample-bank.apkg)"
    assert [(c.label, c.changed) for c in diff.of("updated")] == [("sample-bank/who-signed", ("Question",))]
    assert diff.counts()["unchanged"] == 7
    assert (sample_bank_dir / "sample.anki-state.json").read_text() == state and not (tmp_path / "out").exists()
    # with several banks, the one whose notes the package holds
    both = replace(config, paths=(str(sample_bank_dir), str(default_bank_dir)))
    assert diff_with_banks(published, both).counts() == diff.counts()
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "s.yaml").write_text((sample_bank_dir / "sample.yaml").read_text().replace(
        "bank: sample-bank", "bank: stranger-bank"))
    build(BuildConfig(paths=(str(stranger),), out=tmp_path / "c", formats=("anki",), options=ExportOptions(now=NOW)))
    other = tmp_path / "c" / "stranger-bank.apkg"
    with pytest.raises(PackageError, match="none of the banks' decks shares a note with this package"):
        diff_with_banks(other, both)

    result = CliRunner().invoke(app, ["anki-diff", str(published), "--bank", str(sample_bank_dir)],
                                catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.splitlines()[3:5] == ["  updated          1  updated in place (review history kept)",
                                               "      sample-bank/who-signed (Question)"]


def test_a_true_false_card_shows_its_explanation_without_the_verdict() -> None:
    """The generator's explanations start "True."/"False."; on the card the verdict is already shown
    (and a false statement's explanation sits under "What is true"), so the card leaves it out."""
    from conftest import SAMPLE_BANK

    bank = load_bank(SAMPLE_BANK)
    tf = next(q for q in bank.questions if q.id == "never-ratified")
    mc = next(q for q in bank.questions if q.type == "multiple_choice")
    for given, shown in [("False. It signed but never ratified it.", "It signed but never ratified it."),
                         ("True.  It did.", "It did."), ("True to form, it signed.", "True to form, it signed."),
                         ("False.", "False."), ("It was false.", "It was false.")]:
        assert anki_exporter.note_content(bank, replace(tf, explanation=given)).fields[2] == shown
    assert anki_exporter.note_content(bank, replace(mc, explanation="False. Not B.")).fields[3] == "False. Not B."
    russian = replace(bank, language="ru")
    assert anki_exporter.note_content(russian, replace(tf, explanation="Неверно. Подписала, но не ратифицировала.")
                                      ).fields[2] == "Подписала, но не ратифицировала."


# -- content records held off the heap (exporters/anki_records) ----------------------------
def test_a_deck_whose_records_went_to_a_file_is_the_same_deck(sample_bank_dir: Path, monkeypatch) -> None:
    """Past SPOOL_IN_MEMORY characters a deck's content records move to a temporary file: the
    .apkg and the state are byte for byte those of records held in memory, built cold and
    rebuilt over a saved state with one question changed and one deleted."""
    from quizgen.exporters import anki_records

    bank = sample_bank_dir / "sample.yaml"
    in_memory = render(bank)
    assert in_memory.state["content"].spool.file is None  # a classroom deck stays in memory
    monkeypatch.setattr(anki_records, "SPOOL_IN_MEMORY", 0)
    spooled = render(bank)
    assert spooled.state["content"].spool.file is not None
    assert spooled.data == in_memory.data and state_bytes(spooled.state) == state_bytes(in_memory.state)

    saved = json.loads(state_bytes(in_memory.state))
    edit_bank(sample_bank_dir, "Who signed the decree?", "Who signed the 2016 decree?")
    text = bank.read_text()
    start = text.index("  - id: verdicts")
    bank.write_text(text[:start] + text[text.index("  - id:", start + 1):])
    again = render(bank, now=LATER, previous=saved)
    monkeypatch.setattr(anki_records, "SPOOL_IN_MEMORY", 10**9)
    again_in_memory = render(bank, now=LATER, previous=saved)
    assert again.data == again_in_memory.data
    assert state_bytes(again.state) == state_bytes(again_in_memory.state)
    assert "verdicts" in again.state["retired"] and again.state["content"]["verdicts"] == saved["content"]["verdicts"]
    assert again.state["content"] != saved["content"]  # one record changed
    assert render(bank, now=LATER, previous=json.loads(state_bytes(again.state))).state["content"] \
        == json.loads(state_bytes(again.state))["content"]


def test_record_spool_gives_back_every_record() -> None:
    from hypothesis import given, settings, strategies as st

    from quizgen.exporters.anki_records import RecordSpool

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.text(max_size=40), max_size=30), st.integers(0, 200), st.data())
    def check(texts: list[str], limit: int, data) -> None:
        spool, handles = RecordSpool(limit), []
        for text in texts:
            handles.append(spool.add(text))
            if handles:  # reads between writes must not disturb them
                k = data.draw(st.integers(0, len(handles) - 1))
                assert spool[handles[k]] == texts[k]
        assert handles == list(range(len(texts))) and len(spool) == len(texts)
        assert [spool[h] for h in handles] == texts
        assert (spool.file is not None) == (sum(map(len, texts)) > limit)
        spool.close()

    check()


def test_content_records_read_as_the_mapping_they_stand_for() -> None:
    from quizgen.exporters.anki_records import ContentRecords, RecordSpool

    base = {"a": "1\x1fA", "b": "1\x1fB"}
    spool = RecordSpool(0)
    records = ContentRecords(base, spool)
    assert records == base and base == records and len(records) == 2 and records["a"] is base["a"]
    records.put("b", spool.add("1\x1fB2"))
    records.put("c", spool.add("1\x1fC \u201cq\u201d"))
    expected = {"a": "1\x1fA", "b": "1\x1fB2", "c": "1\x1fC \u201cq\u201d"}
    assert records == expected and expected == records and records != base and base != records
    assert dict(records) == expected and sorted(records) == ["a", "b", "c"] and len(records) == 3
    assert "c" in records and "d" not in records and records.get("d") is None
    assert ContentRecords(records, RecordSpool()) == expected


def test_a_large_saved_state_is_read_a_slice_at_a_time_with_the_same_deck(sample_bank_dir: Path, tmp_path: Path,
                                                                        monkeypatch) -> None:
    """A saved state over STREAMED_STATE_BYTES has its records read a few lines at a time into
    a spool (no string per record); the rebuilt deck and state are the same bytes."""
    from quizgen.exporters import anki_records
    from quizgen.pipeline import read_state

    state_file = sample_bank_dir / "sample.anki-state.json"
    build_deck(sample_bank_dir, tmp_path / "v1")
    saved = state_file.read_bytes()
    edit_bank(sample_bank_dir, "Who signed the decree?", "Who signed the 2016 decree?")
    whole = build_deck(sample_bank_dir, tmp_path / "whole", now=LATER), state_file.read_bytes()
    assert not hasattr(read_state(state_file)["content"], "spool")

    monkeypatch.setattr(anki_records, "STREAMED_STATE_BYTES", 0)
    monkeypatch.setattr(anki_records, "SPOOL_IN_MEMORY", 0)
    monkeypatch.setattr(anki_records, "_BATCH_LINES", 3)
    state_file.write_bytes(saved)
    read = read_state(state_file)
    assert read["content"].spool.file is not None and read["content"] == json.loads(saved)["content"]
    sliced = build_deck(sample_bank_dir, tmp_path / "sliced", now=LATER), state_file.read_bytes()
    assert sliced == whole
    assert build_deck(sample_bank_dir, tmp_path / "sliced", now=LATER + 60) == whole[0]  # a fixed point
