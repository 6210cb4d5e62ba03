"""The deck in a real Anki collection (the `anki` package from PyPI): what a student sees."""
from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

from conftest import NEW_QUESTION

import pytest

pytest.importorskip("anki")
from anki.collection import Collection  # noqa: E402
from anki.import_export_pb2 import (  # noqa: E402
    IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)

from quizgen.anki_diff import diff_files  # noqa: E402
from quizgen.exporters import ExportOptions  # noqa: E402
from quizgen.exporters import anki as anki_exporter  # noqa: E402
from quizgen.pipeline import BuildConfig, build  # noqa: E402

pytestmark = pytest.mark.real_client

NOW = 1_700_000_000
LATER = NOW + 86_400
APKG = "sample-bank.apkg"


def build_deck(bank_dir: Path, out: Path, now: int) -> Path:
    build(BuildConfig(paths=(str(bank_dir),), out=out, formats=("anki",), options=ExportOptions(now=now)))
    return out / APKG


def student_options() -> ImportAnkiPackageOptions:
    """What a student gets by default: update notes and note types if newer, no merging."""
    return ImportAnkiPackageOptions(merge_notetypes=False,
                                    update_notes=IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
                                    update_notetypes=IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER,
                                    with_scheduling=False, with_deck_configs=False)


def import_deck(col: Collection, apkg: Path) -> dict[str, int]:
    log = col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg), options=student_options())).log
    return {"new": len(log.new), "updated": len(log.updated), "duplicate": len(log.duplicate),
            "conflicting": len(log.conflicting)}


@pytest.fixture
def col(tmp_path: Path):
    folder = tmp_path / "student"
    folder.mkdir()
    collection = Collection(str(folder / "collection.anki2"))
    yield collection
    collection.close()


def note_for(col: Collection, question_id: str):
    (nid,) = col.find_notes(f'"Ref:sample-bank/{question_id}"')
    return col.get_note(nid)


def edit_bank(bank_dir: Path, old: str, new: str) -> None:
    path = bank_dir / "sample.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def card_state(col: Collection, cid: int) -> tuple:
    card = col.get_card(cid)
    return card.id, card.nid, card.type, card.queue, card.ivl, card.due, card.reps, card.factor


# -- what a student sees on first import ----------------------------------------------
def test_first_import(col: Collection, sample_bank_dir: Path, tmp_path: Path) -> None:
    counts = import_deck(col, build_deck(sample_bank_dir, tmp_path / "out", NOW))
    assert counts == {"new": 8, "updated": 0, "duplicate": 0, "conflicting": 0}
    assert col.note_count() == 8 and col.card_count() == 9  # the cloze has two blanks
    assert "Sample bank for tests" in [d.name for d in col.decks.all_names_and_ids()]
    deck = col.decks.by_name("Sample bank for tests")
    assert deck["desc"].startswith("Two short articles and one question of each type.")
    assert len(col.find_cards('"deck:Sample bank for tests"')) == 9
    names = sorted(m.name for m in col.models.all_names_and_ids())
    assert [n for n in names if n.startswith("quizgen")] == sorted(
        nt.name for nt in anki_exporter.NOTE_TYPES if nt.name != "quizgen Basic")

    mc = note_for(col, "who-signed")
    assert mc.tags == ["decree", "multiple_choice", "people", "quizgen"]
    (card,) = mc.cards()
    question, answer = card.question(), card.answer()
    assert "Who signed the decree?" in question
    for option in ("Vladimir Putin", "Dmitry Peskov", "Fatou Bensouda", "Sergei Lavrov"):
        assert option in question
    for letter in "ABCD":
        assert f'<span class="qg-letter">{letter}</span>' in question
    assert 'class="qg qg-mc qg-back"' not in question and 'class="qg qg-mc qg-back"' in answer
    assert "the decree signed by Putin" in answer and "The decree was signed by the president." in answer
    assert "Alpha News, \u201cAlpha Report on the Treaty\u201d, 2016-11-21" in answer

    cloze = note_for(col, "cloze-ratify")
    assert sorted(c.ord for c in cloze.cards()) == [0, 1]
    first, second = sorted(cloze.cards(), key=lambda c: c.ord)
    assert "[...]" in first.question() and "Rome Statute" in first.question()
    assert "[treaty]" in second.question() and "ratified" in second.question()

    typein = note_for(col, "spokesman-name")
    assert "[[type:Answer]]" in typein.cards()[0].question()
    assert "typeGood" in col.compare_answer(typein["Answer"], "Dmitry Peskov")
    assert "Also accepted" in typein.cards()[0].answer() and "Peskov" in typein.cards()[0].answer()
    assert "\u00b1" not in note_for(col, "verdicts").cards()[0].answer()  # a zero tolerance is not shown
    assert "President of Russia" in note_for(col, "roles").cards()[0].answer()
    assert "<ol class=\"qg-order\">" in note_for(col, "timeline").cards()[0].answer()


def test_markup_in_a_bank_arrives_as_text(col: Collection, sample_bank_dir: Path, tmp_path: Path) -> None:
    edit_bank(sample_bank_dir, "prompt: Who signed the decree?",
              'prompt: "Is 3 < 4 & 5 > 2? <b>bold</b> <script>alert(1)</script>"')
    edit_bank(sample_bank_dir, "answer: Dmitry Peskov\n    accept:", 'answer: "AT&T <x>"\n    accept:')
    import_deck(col, build_deck(sample_bank_dir, tmp_path / "out", NOW))
    note = note_for(col, "who-signed")
    assert note["Question"] == ("Is 3 &lt; 4 &amp; 5 &gt; 2? &lt;b&gt;bold&lt;/b&gt; "
                                "&lt;script&gt;alert(1)&lt;/script&gt;")
    question = note.cards()[0].question()
    assert "&lt;b&gt;bold&lt;/b&gt;" in question and "<b>bold</b>" not in question
    assert "<script>alert" not in question
    # a typed answer is compared with the text, entities decoded
    typein = note_for(col, "spokesman-name")
    assert typein["Answer"] == "AT&amp;T &lt;x&gt;"
    assert "typeGood" in col.compare_answer(typein["Answer"], "AT&T <x>")


# -- the re-import story --------------------------------------------------------------
def test_reimport_updates_in_place_and_keeps_progress(col: Collection, sample_bank_dir: Path,
                                                      tmp_path: Path) -> None:
    first = build_deck(sample_bank_dir, tmp_path / "v1", NOW)
    assert import_deck(col, first) == {"new": 8, "updated": 0, "duplicate": 0, "conflicting": 0}

    # the student studies the first card (who-signed comes first in the bank) and rates it Easy
    col.decks.set_current(col.decks.id_for_name("Sample bank for tests"))
    card = col.sched.getCard()
    assert card.note()["Ref"] == "sample-bank/who-signed"
    col.sched.answerCard(card, 4)
    studied = card_state(col, card.id)
    assert studied[2] == 2 and studied[6] == 1  # a review card, answered once
    nid = card.nid
    others = {c: card_state(col, c) for c in col.find_cards("") if c != card.id}

    # the teacher fixes the wording of that question and adds one question
    edit_bank(sample_bank_dir, "Who signed the decree?", "Who signed the 2016 decree?")
    with (sample_bank_dir / "sample.yaml").open("a", encoding="utf-8") as handle:
        handle.write(NEW_QUESTION)
    second = build_deck(sample_bank_dir, tmp_path / "v2", LATER)
    preview = diff_files(first, second).counts()
    counts = import_deck(col, second)
    print("re-import log:", json.dumps(counts))
    assert counts == {"new": 1, "updated": 1, "duplicate": 7, "conflicting": 0}  # "duplicate": left alone
    assert (preview["added"], preview["updated"], preview["unchanged"], preview["conflicting"]) == (1, 1, 7, 0)

    note = note_for(col, "who-signed")
    assert note.id == nid and note["Question"] == "Who signed the 2016 decree?"
    assert card_state(col, card.id) == studied  # same card id, review state kept
    assert {c: card_state(col, c) for c in others} == others  # every other card untouched
    assert col.note_count() == 9 and col.card_count() == 10
    guids = [col.get_note(n).guid for n in col.find_notes("")]
    assert len(guids) == len(set(guids))  # no duplicate notes
    assert len([m for m in col.models.all_names_and_ids() if m.name.startswith("quizgen")]) == 7

    # a third build with no change is byte-identical and imports as all unchanged
    third = build_deck(sample_bank_dir, tmp_path / "v3", LATER + 3600)
    assert third.read_bytes() == second.read_bytes()
    counts = import_deck(col, third)
    print("third import log:", json.dumps(counts))
    assert counts == {"new": 0, "updated": 0, "duplicate": 9, "conflicting": 0}
    assert card_state(col, card.id) == studied and col.note_count() == 9


def test_students_own_edit_survives_reimport(col: Collection, sample_bank_dir: Path, tmp_path: Path) -> None:
    import_deck(col, build_deck(sample_bank_dir, tmp_path / "v1", NOW))
    mine = note_for(col, "never-ratified")
    mine["Explanation"] = "My own mnemonic: signed, never ratified."
    mine.tags.append("hard-for-me")
    col.update_note(mine)

    edit_bank(sample_bank_dir, "Who signed the decree?", "Who signed the 2016 decree?")
    counts = import_deck(col, build_deck(sample_bank_dir, tmp_path / "v2", LATER))
    assert counts == {"new": 0, "updated": 1, "duplicate": 7, "conflicting": 0}
    mine = note_for(col, "never-ratified")
    assert mine["Explanation"] == "My own mnemonic: signed, never ratified."
    assert "hard-for-me" in mine.tags
    assert note_for(col, "who-signed")["Question"] == "Who signed the 2016 decree?"


def test_a_changed_note_type_conflicts_as_anki_diff_predicts(col: Collection, sample_bank_dir: Path,
                                                             tmp_path: Path, monkeypatch) -> None:
    """Why the guard exists: what students would get if a note type changed under its id."""
    first = build_deck(sample_bank_dir, tmp_path / "v1", NOW)
    import_deck(col, first)
    mc = anki_exporter.NOTE_TYPE_FOR["multiple_choice"]
    monkeypatch.setitem(anki_exporter.NOTE_TYPE_FOR, "multiple_choice",
                        replace(mc, fields=mc.fields[:2] + ("Right answer",) + mc.fields[3:]))
    edit_bank(sample_bank_dir, "Who signed the decree?", "Who signed the 2016 decree?")
    state_file = sample_bank_dir / "sample.anki-state.json"
    state = json.loads(state_file.read_text())
    del state["note_types"][str(mc.id)]  # without it, the guard could not stop this build
    state_file.write_text(json.dumps(state))
    second = build_deck(sample_bank_dir, tmp_path / "v2", LATER)
    preview = diff_files(first, second).counts()
    counts = import_deck(col, second)
    assert counts == {"new": 0, "updated": 0, "duplicate": 6, "conflicting": 2}
    names = [m.name for m in col.models.all_names_and_ids()]
    assert "quizgen Multiple choice+" in names  # the forked copy the upgrade test checks never appears
    assert (preview["updated"], preview["unchanged"], preview["conflicting"]) == (0, 6, 2)
    assert note_for(col, "who-signed")["Question"] == "Who signed the decree?"  # the fix never arrives


# -- the cards in a browser (Debian's chromium through Playwright; skipped without it) -----------
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
# How Anki's reviewer shows a side: the card's HTML goes into #qa, and its scripts are run anew
SHELL = """<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body class="card card1"><div id="qa"></div></body></html>"""
SHOW = """html => {
  const qa = document.getElementById("qa");
  qa.innerHTML = html;
  for (const old of qa.querySelectorAll("script")) {
    const fresh = document.createElement("script");
    fresh.textContent = old.textContent;
    old.replaceWith(fresh);
  }
}"""
OPTIONS = """() => Array.from(document.querySelectorAll("#qa ol.qg-options li")).map(li => ({
  letter: li.querySelector(".qg-letter").textContent, text: li.textContent.trim().slice(1).trim(),
  right: li.classList.contains("qg-right")}))"""


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make test-deps installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def reviewer(browser, tmp_path: Path):
    """A page like Anki's reviewer, at phone width; ``show(html)`` puts a side of a card in it."""
    shell = tmp_path / "reviewer.html"
    shell.write_text(SHELL, encoding="utf-8")
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto(shell.as_uri())

    def show(html: str, night: bool = False) -> None:
        page.evaluate("night => { document.body.className = 'card card1' + "
                      "(night ? ' nightMode night_mode' : ''); }", night)
        page.evaluate(SHOW, html)

    page.show = show  # type: ignore[attr-defined]
    yield page
    page.close()


def test_multiple_choice_options_reorder_at_review_time(col: Collection, sample_bank_dir: Path,
                                                        tmp_path: Path, reviewer) -> None:
    import_deck(col, build_deck(sample_bank_dir, tmp_path / "out", NOW))
    card = note_for(col, "who-signed").cards()[0]
    front, back = card.question(), card.answer()
    names = ["Vladimir Putin", "Dmitry Peskov", "Fatou Bensouda", "Sergei Lavrov"]
    seen = []
    for review in range(3):
        reviewer.show(front)
        shown = reviewer.evaluate(OPTIONS)
        assert [o["letter"] for o in shown] == ["A", "B", "C", "D"]  # lettered in the order shown
        assert sorted(o["text"] for o in shown) == sorted(names)
        order = [o["text"] for o in shown]
        assert order not in seen[-1:], f"review {review} showed the same order as the one before"
        seen.append(order)
        reviewer.show(back)  # the back keeps the front's order, and the answer names the new letter
        assert [o["text"] for o in reviewer.evaluate(OPTIONS)] == order
        letter = "ABCD"[order.index("Vladimir Putin")]
        assert reviewer.inner_text("#qa .qg-answer").split() == [letter, "Vladimir", "Putin"]
        assert [o["letter"] for o in reviewer.evaluate(OPTIONS) if o["right"]] == [letter]
    assert len({tuple(o) for o in seen}) >= 2

    # select-all: every right option keeps its mark and the answer lists them in the new order
    card = note_for(col, "select-critics").cards()[0]
    reviewer.show(card.question())
    reviewer.show(card.answer())
    rights = [f"{o['letter']} {o['text']}" for o in reviewer.evaluate(OPTIONS) if o["right"]]
    assert len(rights) == 2 and reviewer.inner_text("#qa .qg-answer").splitlines() == rights


def test_cards_read_well_on_a_phone_by_day_and_night(col: Collection, sample_bank_dir: Path, tmp_path: Path,
                                                     reviewer) -> None:
    """Every kind of card, both sides, 360 px wide, day and night: nothing wider than the screen,
    night mode dark. Screenshots go to $QUIZGEN_CARD_SCREENSHOTS (for a person to look at) or tmp."""
    import os

    import_deck(col, build_deck(sample_bank_dir, tmp_path / "v1", NOW))
    edit_bank(sample_bank_dir, "  - id: timeline\n", "  - id: timeline-gone\n")  # timeline is withdrawn
    import_deck(col, build_deck(sample_bank_dir, tmp_path / "v2", LATER))
    axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe()
    problems: list[str] = []
    shots = Path(os.environ.get("QUIZGEN_CARD_SCREENSHOTS") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    for qid in ("who-signed", "never-ratified", "spokesman-name", "cloze-ratify", "verdicts", "roles",
                "timeline", "timeline-gone"):
        card = note_for(col, qid).cards()[0]
        guess = "Dmitri Peskov" if "[[type:Answer]]" in card.question() else "4"  # what a student typed
        typed = col.compare_answer(card.note().fields[1], guess) if "[[type:" in card.question() else ""
        sides = {"front": card.question().replace("[[type:Answer]]", '<input id="typeans" value="Dmitri Peskov">')
                 .replace("[[type:Value]]", '<input id="typeans" value="4">'),
                 "back": card.answer().replace("[[type:Answer]]", f'<div id="typeans">{typed}</div>')
                 .replace("[[type:Value]]", f'<div id="typeans">{typed}</div>')}
        for side, html in sides.items():
            for night in (False, True):
                reviewer.show(html, night=night)
                width = reviewer.evaluate("() => document.documentElement.scrollWidth")
                assert width <= 360, f"{qid} {side}: {width} px wide on a 360 px screen"
                background = reviewer.evaluate("() => getComputedStyle(document.body).backgroundColor")
                assert background == ("rgb(30, 30, 30)" if night else "rgb(255, 255, 255)")
                reviewer.screenshot(path=str(shots / f"{qid}-{side}-{'night' if night else 'day'}.png"),
                                    full_page=True)
                contrast = axe.run(reviewer, options={"runOnly": ["color-contrast"]}).response["violations"]
                problems += [f"{qid} {side} {'night' if night else 'day'}: {node['html'][:80]} "
                             f"{node['any'][0]['message'] if node['any'] else ''}"
                             for v in contrast for node in v["nodes"]]

    assert problems == [], "text without enough contrast (axe):\n" + "\n".join(problems)

    # a false statement: struck through on the back, the verdict in red, "What is true" above the correction
    reviewer.show(note_for(col, "never-ratified").cards()[0].answer())
    assert reviewer.evaluate("() => getComputedStyle(document.querySelector('#qa .qg-prompt'))"
                             ".textDecorationLine") == "line-through"
    assert reviewer.evaluate("() => getComputedStyle(document.querySelector('#qa .qg-explanation'), "
                             "'::before').content") == '"What is true"'
    assert reviewer.inner_text("#qa .qg-explanation").endswith("It signed but never ratified it.")
    # a true one is not struck through
    edit_bank(sample_bank_dir, "    answer: false\n    explanation: It signed", "    answer: true\n    explanation: It signed")
    import_deck(col, build_deck(sample_bank_dir, tmp_path / "v3", LATER + 60))
    reviewer.show(note_for(col, "never-ratified").cards()[0].answer())
    assert reviewer.evaluate("() => getComputedStyle(document.querySelector('#qa .qg-prompt'))"
                             ".textDecorationLine") == "none"
    # the withdrawn card says so on its front
    reviewer.show(note_for(col, "timeline").cards()[0].question())
    assert reviewer.inner_text("#qa .qg-withdrawn").startswith("WITHDRAWN")


def test_numeric_cards_take_a_typed_answer_when_it_must_be_exact(col: Collection, sample_bank_dir: Path,
                                                                  tmp_path: Path) -> None:
    import_deck(col, build_deck(sample_bank_dir, tmp_path / "v1", NOW))
    card = note_for(col, "verdicts").cards()[0]
    assert "[[type:Value]]" in card.question() and "[[type:Value]]" in card.answer()
    assert "typeGood" in col.compare_answer(card.note()["Value"], "4")
    assert "typeBad" in col.compare_answer(card.note()["Value"], "5")
    edit_bank(sample_bank_dir, "    tolerance: 0\n", "    tolerance: 1\n")  # a range: no exact text to type
    import_deck(col, build_deck(sample_bank_dir, tmp_path / "v2", LATER))
    card = note_for(col, "verdicts").cards()[0]
    assert "[[type:" not in card.question() and "\u00b1 1" in card.answer()


def test_a_withdrawn_false_statement_strikes_through_the_statement_only(col: Collection, sample_bank_dir: Path,
                                                                        tmp_path: Path, reviewer) -> None:
    edit_bank(sample_bank_dir, "explanation: It signed but never ratified it.",
              "explanation: False. It signed but never ratified it.")
    import_deck(col, build_deck(sample_bank_dir, tmp_path / "v1", NOW))
    card = note_for(col, "never-ratified").cards()[0]
    reviewer.show(card.answer())
    # the verdict is big above; "What is true" holds the correct statement, not "False. ..."
    assert reviewer.inner_text("#qa .qg-verdict") == "False"
    assert reviewer.inner_text("#qa .qg-explanation") == "It signed but never ratified it."

    edit_bank(sample_bank_dir, "  - id: never-ratified\n", "  - id: never-ratified-gone\n")
    import_deck(col, build_deck(sample_bank_dir, tmp_path / "v2", LATER))
    card = note_for(col, "never-ratified").cards()[0]
    assert anki_exporter.RETIRED_TAG in card.note().tags
    banners = {}
    for side, html in (("front", card.question()), ("back", card.answer())):
        for night in (False, True):
            reviewer.show(html, night=night)
            banners[side, night] = reviewer.locator("#qa .qg-withdrawn").screenshot()
            if os.environ.get("QUIZGEN_CARD_SCREENSHOTS"):  # for a person to look at
                reviewer.screenshot(full_page=True, path=str(Path(os.environ["QUIZGEN_CARD_SCREENSHOTS"]) /
                                    f"withdrawn-false-{side}-{'night' if night else 'day'}.png"))
    # the statement on the back is struck through, and the banner looks exactly as on the front
    assert reviewer.evaluate("() => getComputedStyle(document.querySelector('#qa .qg-prompt'))"
                             ".textDecorationLine") == "line-through"
    for night in (False, True):
        assert banners["front", night] == banners["back", night], f"night={night}: the banner differs on the back"
