"""The practice page, driven in Debian's chromium through Playwright: every type answered
through accessible controls, the score, the retry of wrong answers, keyboard use, no
request leaving the page, and axe-core finding no serious or critical violation."""
from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import pytest

from conftest import DATA, DEFAULT_BANK

from quizgen.banks import load_bank
from quizgen.exporters import ExportJob, load_exporter
from quizgen.exporters import lms
from quizgen.model import Question
from quizgen.pipeline import bank_questions

EVERY_TYPE_BANK = DATA / "banks" / "lms" / "every-type.yaml"
BANKS = {"every-type": EVERY_TYPE_BANK, "icc-withdrawal-2016": DEFAULT_BANK}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


def render(name: str) -> tuple[bytes, dict[str, Question], int]:
    bank = load_bank(str(BANKS[name]))
    questions, _ = bank_questions(bank)
    [artifact] = load_exporter("html").render(ExportJob(bank=bank, sets=(), questions=questions, quiz=questions))
    return artifact.data, {q.id: q for q in questions}, len(lms.fact_groups(bank, questions))


def page_data(page_bytes: bytes) -> dict:
    """The question data inside a page, decoded as the page's script decodes it."""
    text = page_bytes.decode("utf-8")
    match = re.search(r'<script type="application/octet-stream" id="quiz-data" data-key="(\w+)">\n(.*?)\n</script>',
                      text, re.S)
    key = match.group(1).encode()
    raw = base64.b64decode(match.group(2))
    return json.loads(bytes(b ^ key[i % len(key)] for i, b in enumerate(raw)).decode("utf-8"))


# -- without a browser -------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(BANKS))
def test_answers_are_not_readable_in_the_page_source(name: str) -> None:
    data, questions, _ = render(name)
    title = page_data(data)["title"]
    source = data.decode("utf-8").replace(html.escape(title), "")  # the title is shown, of course
    for q in questions.values():
        if q.type == "true_false":
            continue
        for answer in {q.answer_text, *q.answers, *q.distractors, *(b.answer for b in q.blanks)}:
            if len(answer) > 3:
                assert answer not in source, f"{q.id}: {answer!r} readable in the page"
    assert "lightly obfuscated" in source  # the page says what it is


@pytest.mark.parametrize("name", sorted(BANKS))
def test_the_page_carries_every_question_and_its_fact_groups(name: str) -> None:
    data, questions, groups = render(name)
    decoded = page_data(data)
    assert [q["id"] for q in decoded["questions"]] == list(questions)
    assert len(decoded["groups"]) == groups
    assert sorted(i for g in decoded["groups"] for i in g) == list(range(len(questions)))
    assert "http://" not in data.decode() and "src=" not in data.decode()  # nothing to fetch


def test_golden(check_golden) -> None:
    data, _, _ = render("every-type")
    text = re.sub(r'(id="quiz-data" data-key="\w+">\n).*?(\n</script>)', r"\1(the data below)\2",
                  data.decode("utf-8"), flags=re.S)
    check_golden("html/every-type-practice.html.txt",
                 text + "\n=== the data, decoded\n" + json.dumps(page_data(data), indent=1, ensure_ascii=False) + "\n")


# -- in the browser ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (make test-deps)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser, tmp_path: Path):
    opened = []

    def open_(name: str):
        data, questions, groups = render(name)
        path = tmp_path / f"{name}-practice.html"
        path.write_bytes(data)
        context = browser.new_context(viewport={"width": 900, "height": 1200})
        page = context.new_page()
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(path.as_uri())
        opened.append((context, requests, errors, path.as_uri()))
        return page, questions, groups

    yield open_
    for context, requests, errors, url in opened:
        context.close()
        assert requests == [url], f"requests left the page: {requests}"
        assert errors == []


def answer(section, q: Question, right: bool = True) -> None:
    """Answer one question through its accessible controls (roles and labels)."""
    if q.type == "multiple_choice":
        wanted = set(q.answers) if right else {q.distractors[0]}
        role = "checkbox" if len(q.answers) > 1 else "radio"
        for text in wanted:
            section.get_by_role(role, name=text, exact=True).check()
    elif q.type == "true_false":
        section.get_by_role("radio", name="True" if q.truth == right else "False", exact=True).check()
    elif q.type == "short_answer":
        section.get_by_role("textbox", name=re.compile("^Your answer")).fill(q.answers[0] if right else "nobody")
    elif q.type == "cloze":
        for i, blank in enumerate(q.blanks):
            box = section.get_by_role("textbox", name=re.compile(rf"^Blank {i + 1} of {len(q.blanks)}\b"))
            # case and spacing do not matter; the last alternative ([[answer|alternative]]) is right too
            box.fill(f"  {blank.accepted[-1].upper()} " if right else "wrong")
    elif q.type == "numeric":
        value = (q.number + (q.tolerance or 0)) if right else q.number + 2 * (q.tolerance or 0) + 1
        section.get_by_role("textbox", name=re.compile("^Your answer")).fill(lms.number_text(value))
    elif q.type == "matching":
        rights = [right_ for _, right_ in q.pairs]
        for n, (left, right_) in enumerate(q.pairs):
            chosen = right_ if right else rights[(n + 1) % len(rights)]
            section.get_by_role("combobox", name=left, exact=True).select_option(label=chosen)
    elif q.type == "ordering":
        for n, item in enumerate(q.items):
            position = n if right else (n + 1) % len(q.items)
            section.get_by_role("combobox", name=item, exact=True).select_option(label=str(position + 1))
    else:  # pragma: no cover - a new type must be taught to this test
        raise AssertionError(f"no way to answer {q.type}")


def shown(page, questions: dict[str, Question]) -> list[tuple[object, Question]]:
    sections = page.locator("section.question")
    return [(sections.nth(i), questions[sections.nth(i).get_attribute("data-qid")]) for i in range(sections.count())]


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page).response
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in response["violations"] if v["impact"] in ("serious", "critical")]


def test_every_type_answered_scored_and_retried(open_page, tmp_path: Path) -> None:
    page, questions, groups = open_page("every-type")
    drawn = shown(page, questions)
    assert len(drawn) == groups
    assert page.get_by_text(f"Answered 0 of {groups}, 0 right.").is_visible()
    assert serious_violations(page) == []
    wrong_id = next(q.id for _, q in drawn if q.type == "matching")
    for n, (section, q) in enumerate(drawn):
        answer(section, q, right=q.id != wrong_id)
        section.get_by_role("button", name=f"Check answer {n + 1}").click()
        status = section.get_by_role("status")
        assert status.get_by_text("Not right." if q.id == wrong_id else "Right.", exact=True).is_visible(), q.id
        if q.explanation:
            assert status.get_by_text(q.explanation, exact=True).is_visible()
        assert status.get_by_text(re.compile("^Source: ")).is_visible()
    page.screenshot(path=str(tmp_path / "checked.png"), full_page=True)
    assert serious_violations(page) == []  # with feedback and the score shown
    drawn_points = sum(q.points for _, q in drawn)
    wrong_points = questions[wrong_id].points
    score = page.get_by_role("heading", name=re.compile("^Score: "))
    assert score.inner_text() == (f"Score: {lms.number_text(drawn_points - wrong_points)} of "
                                  f"{lms.number_text(drawn_points)} points ({groups - 1} of {groups} questions right)")
    assert score.evaluate("node => node === document.activeElement")  # focus moves to the score
    assert page.get_by_text(f"Answered {groups} of {groups}, {groups - 1} right.").is_visible()
    status = next(s for s, q in drawn if q.id == wrong_id).get_by_role("status")
    assert status.get_by_text(f"The answer: {questions[wrong_id].answer_text}").is_visible()

    page.get_by_role("button", name="Retry the 1 I got wrong").click()
    [(section, q)] = shown(page, questions)
    assert q.id == wrong_id
    answer(section, q)
    section.get_by_role("button", name="Check answer 1").click()
    assert page.get_by_role("heading", name=re.compile("^Retry score: ")).inner_text() == \
        f"Retry score: {lms.number_text(q.points)} of {lms.number_text(q.points)} points (1 of 1 questions right)"
    assert page.get_by_text("All right. Well done!").is_visible()

    page.get_by_role("button", name="New set of questions").last.click()
    assert len(shown(page, questions)) == groups


def test_each_set_is_one_question_per_fact_drawn_afresh(open_page) -> None:
    page, questions, groups = open_page("every-type")
    seen = set()
    for _ in range(12):
        drawn = [q for _, q in shown(page, questions)]
        facts = [f for q in drawn for f in q.facts]
        assert len(facts) == len(set(facts))  # never the same fact twice in a set
        seen.add(next(q.id for q in drawn if "decree-signed" in q.facts))
        page.get_by_role("button", name="New set of questions").first.click()
    assert len(seen) > 1  # the decree group's questions take turns (6 in the group, 12 draws)


def test_every_blank_has_the_same_width_whatever_its_answer(open_page) -> None:
    """A blank's box must not give its answer's length away: every cloze box is as wide as the others."""
    page, questions, _ = open_page("every-type")
    widths: set[float] = set()
    answers: set[str] = set()
    wanted = {"The Hague", "ratified", "Rome Statute", "Договор"}  # 8 to 12 letters, both cloze questions
    # The page draws with the browser's randomness: the decree group's three-blank cloze takes its turn
    # among six questions, so draw until both have shown (200 draws miss it with odds of about 1e-16).
    for _ in range(200):
        for section, q in shown(page, questions):
            if q.type == "cloze":
                boxes = section.get_by_role("textbox")
                widths |= {round(boxes.nth(i).bounding_box()["width"], 1) for i in range(boxes.count())}
                answers |= {b.answer for b in q.blanks}
        if wanted <= answers:
            break
        page.get_by_role("button", name="New set of questions").first.click()
    assert wanted <= answers
    assert len(widths) == 1


def test_keyboard_alone(open_page) -> None:
    page, questions, _ = open_page("every-type")
    section, q = next((s, q) for s, q in shown(page, questions) if q.type == "true_false" and q.id == "tf-false")
    section.get_by_role("radio", name="True", exact=True).focus()
    page.keyboard.press("ArrowDown")  # radio groups move with the arrows: False
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").startswith("Check answer")
    page.keyboard.press("Enter")
    assert section.get_by_role("status").get_by_text("Right.", exact=True).is_visible()


def test_default_bank_every_question_right(open_page) -> None:
    page, questions, groups = open_page("icc-withdrawal-2016")
    drawn = shown(page, questions)
    assert len(drawn) == groups
    for n, (section, q) in enumerate(drawn):
        answer(section, q)
        section.get_by_role("button", name=f"Check answer {n + 1}").click()
    total = lms.number_text(sum(q.points for _, q in drawn))
    assert page.get_by_role("heading", name=re.compile("^Score: ")).inner_text() == \
        f"Score: {total} of {total} points ({groups} of {groups} questions right)"
    assert serious_violations(page) == []
