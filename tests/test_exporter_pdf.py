"""The worksheet and answer-key PDFs, read back with pypdf.

Each test renders QuestionSets laid out by ``arrange_versions`` through the exporters (one
test goes through ``pipeline.build``) and checks what a teacher would: every question
is on the worksheet, every answer is in the key, numbering and letters agree between
the two and the manifest, no question is cut by a page break, any script prints.
"""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")

from quizgen.banks import load_bank, load_bank_text  # noqa: E402
from quizgen.exporters import ExportJob, ExportOptions, load_exporter  # noqa: E402
from quizgen.exporters import pdf as pdf_exporter  # noqa: E402
from quizgen.exporters import pdf_fonts, pdf_layout  # noqa: E402
from quizgen.exporters.pdf_key import grid_code  # noqa: E402
from quizgen.exporters.pdf_worksheet import cloze_plain  # noqa: E402
from quizgen.model import letter  # noqa: E402
from quizgen.pipeline import BuildConfig, build  # noqa: E402
from quizgen.select import SelectionSpec, arrange_versions  # noqa: E402

SAMPLE = Path(__file__).parent / "data" / "banks" / "valid" / "sample.yaml"
LETTER_SIZE = (612.0, 792.0)
A4_SIZE = (595.276, 841.89)


# ---- helpers ----

def make_job(bank, versions=1, seed=2016, group_by="type", **options):
    # every question of the sample bank, laid out (the layout is under test here, not the choice)
    sets = tuple(arrange_versions(bank, bank.questions, SelectionSpec(seed=seed, versions=versions,
                                                                      group_by=group_by)))
    return ExportJob(bank=bank, sets=sets, questions=bank.questions,
                     options=ExportOptions(group_by=group_by, **options))


def render(job, *names):
    out = []
    for name in names or ("worksheet", "key"):
        out.extend(load_exporter(name).render(job))
    return {a.name: a for a in out}


def pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def flat(text: str) -> str:
    return " ".join(text.split())


def page_of(texts: list[str], needle: str) -> int:
    hits = [i for i, t in enumerate(texts) if flat(needle) in flat(t)]
    assert hits, f"{needle!r} is on no page"
    return hits[0]


def mc_bank(n: int, bank_id: str = "many", extra: str = "") -> str:
    """A bank of ``n`` multiple-choice questions with unique, longish texts (forces page breaks)."""
    lines = [f"bank: {bank_id}", "title: Many questions", "sources:", "  s:", "    title: Report",
             "    publisher: Pub", "    date: 2016-11", "questions:"]
    for i in (f"{k:03d}" for k in range(n)):
        lines += [
            f"  - id: q{i}", "    type: multiple_choice",
            f"    prompt: Question {i} asks about a fairly long statement number {i} that needs some room "
            f"on the printed page to be read properly by student number {i}.",
            f"    answer: right answer {i}",
            f"    distractors: [first wrong {i}, second wrong {i}, a much longer wrong answer number {i} that "
            f"goes on and on so it cannot fit in a column of its own]",
            "    source: s",
        ]
    return "\n".join(lines) + "\n" + extra


@pytest.fixture(scope="module")
def sample():
    return load_bank(SAMPLE)


@pytest.fixture(scope="module")
def sample_pdfs(sample):
    job = make_job(sample, word_bank=True)
    return job, render(job)


# ---- artifacts and names (the outputs contract) ----

def test_single_version_artifacts(sample_pdfs):
    job, arts = sample_pdfs
    assert sorted(arts) == ["sample-bank-answer-key.pdf", "sample-bank-worksheet.pdf"]
    qset = job.sets[0]
    ids = tuple(item.question.id for item in qset.items)
    keys = tuple(item.key_text for item in qset.items)
    sheet, key = arts["sample-bank-worksheet.pdf"], arts["sample-bank-answer-key.pdf"]
    assert (sheet.kind, key.kind) == ("worksheet", "answer_key")
    for art in (sheet, key):
        assert art.bank == "sample-bank" and art.version is None
        assert art.questions == ids and art.key == keys
        assert art.data.startswith(b"%PDF-")
        assert art.warnings == ()


def test_versions_artifacts_hold_the_same_questions_in_other_orders(sample):
    job = make_job(sample, versions=3, group_by="none")
    arts = render(job)
    names = sorted(arts)
    assert names == [f"sample-bank-{kind}-{v}.pdf" for kind in ("answer-key", "worksheet") for v in "ABC"]
    orders = [arts[f"sample-bank-worksheet-{v}.pdf"].questions for v in "ABC"]
    assert all(sorted(o) == sorted(orders[0]) for o in orders)
    assert len(set(orders)) > 1, "versions should differ in question order"
    for v in "ABC":
        assert arts[f"sample-bank-worksheet-{v}.pdf"].version == v
        assert arts[f"sample-bank-answer-key-{v}.pdf"].questions == arts[f"sample-bank-worksheet-{v}.pdf"].questions
    # the printed order is the set's order, never reshuffled by the exporter
    for qset in job.sets:
        printed = [flat(t) for t in pages(arts[f"sample-bank-worksheet-{qset.version}.pdf"].data)]
        text = " ".join(printed)
        positions = [text.index(f"{item.number}. ") for item in qset.items]
        assert positions == sorted(positions)


# ---- the worksheet ----

def _prompt_pieces(item) -> list[str]:
    q = item.question
    if q.type == "cloze":
        return [flat(p) for p in re.split(r"\[\[.*?\]\]", q.prompt) if flat(p).strip(" .")]
    return [flat(q.prompt)]


def test_worksheet_prints_every_question_and_option(sample_pdfs):
    job, arts = sample_pdfs
    text = flat(" ".join(pages(arts["sample-bank-worksheet.pdf"].data)))
    for item in job.sets[0].items:
        assert f"{item.number}. " in text
        for piece in _prompt_pieces(item):
            assert piece in text, (item.question.id, piece)
        for option in item.options:
            assert flat(option) in text
        for left, _ in item.question.pairs:
            assert left in text
        if item.question.unit:
            assert item.question.unit in text
    # the answers of other types are not on the worksheet
    assert "Dmitry Peskov" not in text.split("Name the Kremlin spokesman.")[1].split("Fill in")[0]


def test_worksheet_layout_marks(sample_pdfs):
    job, arts = sample_pdfs
    text = flat(" ".join(pages(arts["sample-bank-worksheet.pdf"].data)))
    for heading in ("Multiple choice", "True or false", "Short answer", "Fill in the blanks", "Numeric answers",
                    "Matching", "Ordering"):
        assert heading in text
    assert "True False" in text
    assert "Select all that apply" in text
    assert text.count("Select all that apply") == 2  # the section note and the prompt, not a third
    assert "Answer: ______" in text and "verdicts" in text
    assert "(treaty)" in text  # the hint after the blank
    assert re.search(r"_{8,} the _{8,} \(treaty\)", text)
    assert "Name" in text and "Class" in text and "Date" in text
    assert "8 questions" in text and "11 points" in text and "(2 pts)" in text
    assert "(3 pts)" in text  # the three-pair matching: one point per pair


def test_word_bank_is_sorted_and_above_the_fill_in_section(sample_pdfs):
    job, arts = sample_pdfs
    text = flat(" ".join(pages(arts["sample-bank-worksheet.pdf"].data)))
    assert "WORD BANK ratified Rome Statute Sergei Lavrov too expensive" in text  # two words that fill no blank
    cloze = next(item for item in job.sets[0].items if item.question.type == "cloze")
    assert text.index("WORD BANK") < text.index(f"{cloze.number}. Russia signed")
    assert text.index("Fill in the blanks") < text.index("WORD BANK")
    plain = render(make_job(load_bank(SAMPLE)), "worksheet")["sample-bank-worksheet.pdf"]
    assert "WORD BANK" not in " ".join(pages(plain.data))


def test_every_page_has_version_page_numbers_and_sources(sample):
    job = make_job(sample, versions=2)
    arts = render(job)
    for name, art in arts.items():
        texts = pages(art.data)
        for n, text in enumerate(texts, start=1):
            assert f"Page {n} of {len(texts)}" in text, name
            assert f"Version {art.version}" in text, name
            assert "Alpha News" in text and "Beta Weekly" in text and "\u201cBeta Analysis\u201d" in flat(text)
        assert re.search(rf"VERSION\s+{art.version}\b", texts[0])


def test_points_can_be_left_out(sample):
    arts = render(make_job(sample, show_points=False))
    for art in arts.values():
        text = " ".join(pages(art.data))
        assert "pts" not in text and "(1 pt)" not in text and "points" not in text


def test_group_by_none_prints_no_sections_but_notes(sample):
    job = make_job(sample, group_by="none", word_bank=True)
    text = flat(" ".join(pages(render(job, "worksheet")["sample-bank-worksheet.pdf"].data)))
    assert "Multiple choice" not in text and "Numeric answers" not in text
    assert "Circle True or False." in text and "Number the boxes to put the items in order." in text
    assert "WORD BANK" in text


# ---- the answer key ----

def _grid(text: str) -> dict[int, str]:
    block = text.split("Quick key", 1)[1].split("Answers, explanations and sources", 1)[0]
    grid = {}
    for line in block.splitlines():
        for number, code in re.findall(r"(\d+)\.\s+(.+?)(?=\s+\d+\.\s|$)", line.strip()):
            grid[int(number)] = code.strip()
    return grid


def test_key_grid_matches_full_key_and_manifest(sample):
    for versions in (1, 3):
        job = make_job(sample, versions=versions, group_by="none")
        for qset, art in zip(job.sets, [a for a in render(job, "key").values() if a.kind == "answer_key"]):
            texts = pages(art.data)
            grid = _grid(texts[0])
            assert sorted(grid) == [item.number for item in qset.items]
            full = flat(" ".join(texts))
            for item, key_text in zip(qset.items, art.key):
                q = item.question
                code = grid[item.number]
                if q.type == "multiple_choice":
                    assert code == key_text.replace(",", ", ")
                    for index in item.key:
                        assert f"{letter(index)} \u2014 {flat(item.options[index])}" in full
                elif q.type == "true_false":
                    assert code == key_text[0]
                    assert f"Answer: {key_text}" in full
                else:
                    assert code == grid_code(item)
                    assert code in full
            assert "see below" not in full


def test_key_prints_every_answer_explanation_and_source(sample_pdfs):
    job, arts = sample_pdfs
    text = flat(" ".join(pages(arts["sample-bank-answer-key.pdf"].data)))
    for item in job.sets[0].items:
        q = item.question
        assert f"{q.id}" in text
        assert f"{item.number}. " in text
        if q.explanation:
            assert flat(q.explanation) in text
        if q.evidence:
            assert f"\u201c{q.evidence}\u201d" in text
    assert "Answers: Russia signed but never ratified the Rome Statute." in text
    assert "Dmitry Peskov (also accept: Peskov)" in text
    assert "Answer: 4 verdicts" in text
    roles = next(i for i in job.sets[0].items if i.question.id == "roles")
    for i, (left, right) in enumerate(roles.question.pairs):
        assert f"{i + 1}-{letter(roles.key[i]).lower()} {left} \u2192 {right}" in text
    timeline = next(i for i in job.sets[0].items if i.question.id == "timeline")
    for pos, item_text in enumerate(timeline.question.items, start=1):
        assert re.search(rf"{pos}\. [a-d] {re.escape(item_text)}", text)
    assert "Alpha News, \u201cAlpha Report on the Treaty\u201d, 2016-11-21" in text


def test_numbering_matches_between_worksheet_and_key(sample):
    job = make_job(sample, versions=2, group_by="none")
    arts = render(job)
    for qset in job.sets:
        sheet = flat(" ".join(pages(arts[f"sample-bank-worksheet-{qset.version}.pdf"].data)))
        key = flat(" ".join(pages(arts[f"sample-bank-answer-key-{qset.version}.pdf"].data)))
        for item in qset.items:
            q = item.question
            start = flat(cloze_plain(item, "_____") if q.type == "cloze" else q.prompt)[:25]
            if q.type != "cloze":
                assert f"{item.number}. {start}" in sheet
            assert f"{item.number}. {start}" in key


def test_key_summary_shows_every_version(sample):
    job = make_job(sample, versions=3, group_by="none", key_summary=True)
    arts = render(job, "key")
    summary = arts["sample-bank-answer-key-summary.pdf"]
    assert (summary.kind, summary.questions, summary.key, summary.version) == ("key_summary", (), None, None)
    text = flat(" ".join(pages(summary.data)))
    assert "Question Every version Version A Version B Version C" in text
    for item_a in job.sets[0].items:
        placed = [next(i for i in qset.items if i.question.id == item_a.question.id) for qset in job.sets]
        codes = {grid_code(item) for item in placed}
        if len(codes) == 1:  # the same answer in every version: printed once, then the numbers
            row = [item_a.question.id, codes.pop()] + [f"{item.number}" for item in placed]
        else:
            row = [item_a.question.id] + [f"{item.number}: {grid_code(item)}" for item in placed]
        assert " ".join(row) in text
    assert "spokesman-name Dmitry Peskov" in text and "never-ratified F" in text


def test_quick_key_writes_every_answer_as_the_student_should(sample):
    job = make_job(sample, versions=2, group_by="none")
    for qset, art in zip(job.sets, [a for a in render(job, "key").values() if a.kind == "answer_key"]):
        grid = _grid(pages(art.data)[0])
        by_id = {item.question.id: item for item in qset.items}
        assert grid[by_id["spokesman-name"].number] == "Dmitry Peskov"
        assert grid[by_id["verdicts"].number] == "4 verdicts"
        assert grid[by_id["cloze-ratify"].number] == "ratified; Rome Statute"
        roles = by_id["roles"]
        assert grid[roles.number] == ", ".join(f"{i + 1}-{letter(k).lower()}" for i, k in enumerate(roles.key))
        # ordering: the number each printed box (a, b, c, d from the top) should hold
        timeline = by_id["timeline"]
        boxes = [int(n) for n in grid[timeline.number].split(", ")]
        assert [timeline.options[boxes.index(pos)] for pos in (1, 2, 3, 4)] == list(timeline.question.items)


def test_long_written_answers_are_shortened_in_the_quick_key():
    long_answer = "the Ministry of Foreign Affairs of the Russian Federation in Moscow"
    extra = f"""  - id: long-short
    type: short_answer
    prompt: Who published the statement?
    answer: {long_answer}
    source: s
  - id: long-cloze
    type: cloze
    text: The statement came from [[{long_answer}]] and [[Peskov]].
    source: s
  - id: big-number
    type: numeric
    prompt: How many people?
    answer: 1234567
    tolerance: 1000
    unit: people in the survey
    source: s
"""
    bank = load_bank_text(mc_bank(2, extra=extra), "long.yaml")
    job = make_job(bank, group_by="none")
    art = render(job, "key")["many-answer-key.pdf"]
    grid = _grid(flat(pages(art.data)[0]).replace("Answers, explanations", "\nAnswers, explanations"))
    by_id = {item.question.id: item.number for item in job.sets[0].items}
    assert grid[by_id["long-short"]] == "the Ministry of Foreign\u2026"  # cut at a word, 28 characters at most
    assert grid[by_id["long-cloze"]] == "the Ministry of\u2026; Peskov"  # each blank: 18 at most
    assert grid[by_id["big-number"]] == "1,234,567 \u00b1 1000 people in\u2026"  # the number is never cut
    assert flat(long_answer) in flat(" ".join(pages(art.data)))  # the full key keeps it whole


@pytest.mark.parametrize("versions", [4, 10, 30])
def test_key_summary_headers_never_overlap_and_fit_the_page(sample, versions):
    job = make_job(sample, versions=versions, group_by="none", key_summary=True)
    data = render(job, "key")["sample-bank-answer-key-summary.pdf"].data
    reader = pypdf.PdfReader(io.BytesIO(data))
    head = pdf_layout.Style("bold", 8.5, 11.0)
    texts: list[tuple[int, float, float, str]] = []  # page, baseline, x, text
    for n, page in enumerate(reader.pages):
        right = float(page.mediabox.width) - 50  # the margin is 54 points

        def visit(text, cm, tm, font, size, n=n, right=right):
            if text.strip():
                x = tm[4] * cm[0] + cm[4]
                style = pdf_layout.Style("bold" if "Bold" in str(font.get("/BaseFont")) else "regular", size, size)
                assert 0 <= x and x + style.width(text) <= right, f"{text!r} leaves the page"
                texts.append((n, round(tm[5] * cm[3] + cm[5], 1), x, text))

        page.extract_text(visitor_text=visit)
    header_rows = {(n, y) for n, y, _, t in texts if t.startswith("Question")}
    seen = []
    for row in sorted(header_rows):
        cells = sorted((x, t) for n, y, x, t in texts if (n, y) == row)
        for (x1, t1), (x2, t2) in zip(cells, cells[1:]):
            assert x1 + head.width(t1) + 4 <= x2, f"heading {t1!r} runs into {t2!r}"
        seen += [t.replace("Version ", "") for _, t in cells if t not in ("Question", "Question / version",
                                                                            "Every version")]
    assert set(seen) == {qset.version for qset in job.sets}
    assert len(reader.pages) <= (1 if versions <= 10 else 2)


# ---- pages ----

def test_no_question_is_split_across_pages():
    bank = load_bank_text(mc_bank(40), "many.yaml")
    for paper in ("letter", "a4"):
        job = make_job(bank, paper=paper)
        arts = render(job)
        sheet_pages = pages(arts["many-worksheet.pdf"].data)
        key_pages = pages(arts["many-answer-key.pdf"].data)
        assert len(sheet_pages) >= 4
        for item in job.sets[0].items:
            q = item.question
            first = page_of(sheet_pages, f"{item.number}. {q.prompt[:30]}")
            assert page_of(sheet_pages, item.options[-1]) == first, (paper, q.id)
            assert page_of(sheet_pages, q.prompt[-40:]) == first
            key_first = page_of(key_pages, f"{item.number}. {q.prompt[:30]}")
            assert page_of(key_pages, f"multiple choice \u00b7 {q.id} Answer:") == key_first
            assert page_of(key_pages, f"{item.options[item.key[0]]} Source:") == key_first


def test_paper_sizes(sample):
    def size(data):
        box = pypdf.PdfReader(io.BytesIO(data)).pages[0].mediabox
        return (round(float(box.width), 3), round(float(box.height), 3))

    for art in render(make_job(sample)).values():
        assert size(art.data) == LETTER_SIZE
    for art in render(make_job(sample, paper="a4")).values():
        assert size(art.data) == A4_SIZE
    bank_a4 = load_bank_text(SAMPLE.read_text(encoding="utf-8").replace("title: Sample bank for tests",
                                                                       "title: Sample bank for tests\npaper: a4"))
    assert bank_a4.paper == "a4"
    assert size(render(make_job(bank_a4), "worksheet")["sample-bank-worksheet.pdf"].data) == A4_SIZE
    assert size(render(make_job(bank_a4, paper="letter"), "worksheet")["sample-bank-worksheet.pdf"].data) == LETTER_SIZE


def test_combined_pdf_starts_every_version_on_an_odd_page():
    bank = load_bank_text(mc_bank(3, "odd"), "odd.yaml")
    job = make_job(bank, versions=3, combined=True)
    arts = render(job, "worksheet")
    combined = arts["odd-worksheets-all.pdf"]
    assert (combined.kind, combined.questions, combined.key, combined.version) == ("worksheet_combined", (), None, None)
    singles = [pages(arts[f"odd-worksheet-{v}.pdf"].data) for v in "ABC"]
    assert len(singles[0]) % 2 == 1, "the test needs versions with an odd page count"
    texts = pages(combined.data)
    start = 0
    for v, single in zip("ABC", singles):
        assert start % 2 == 0  # 0-based even index: an odd page number
        assert re.search(rf"VERSION\s+{v}\b", texts[start])
        for n in range(len(single)):
            assert f"Version {v} \u00b7 Page {n + 1} of {len(single)}" in texts[start + n]
        start += len(single)
        if start % 2 == 1 and v != "C":
            assert "intentionally left blank" in texts[start]
            start += 1
    assert start == len(texts)


def test_a_question_taller_than_a_page_still_prints():
    pairs = "\n".join(f"      - [left item number {i}, right item number {i}]" for i in range(70))
    text = ("bank: tall\ntitle: Tall\nsources:\n  s: {title: T, publisher: P}\nquestions:\n"
            "  - id: huge\n    type: matching\n    prompt: Match them all.\n    pairs:\n" + pairs + "\n    source: s\n")
    bank = load_bank_text(text, "tall.yaml")
    arts = render(make_job(bank))
    sheet = pages(arts["tall-worksheet.pdf"].data)
    assert len(sheet) >= 2
    joined = flat(" ".join(sheet))
    assert "left item number 0" in joined and "left item number 69" in joined


# ---- text of any kind ----

RUSSIAN = """bank: ru
title: Россия и МУС
language: ru
sources:
  tass:
    title: Распоряжение президента
    publisher: ТАСС
    date: 2016-11-16
questions:
  - id: who
    type: multiple_choice
    prompt: Кто подписал распоряжение?
    answer: Владимир Путин
    distractors: [Дмитрий Песков, Сергей Лавров, Мария Захарова]
    explanation: Распоряжение подписал президент.
    evidence: «Путин подписал распоряжение»
    source: tass
  - id: greek
    type: true_false
    statement: "Ελληνικά, français « ç », café — “quotes” ‘single’ … fine"
    answer: true
    source: tass
"""


def test_cyrillic_greek_and_accents_print_as_text():
    bank = load_bank_text(RUSSIAN, "ru.yaml")
    arts = render(make_job(bank, versions=2))
    for art in arts.values():
        assert art.warnings == ()
        text = flat(" ".join(pages(art.data)))
        assert "Кто подписал распоряжение?" in text
        assert "Ελληνικά, français « ç », café — “quotes” ‘single’ … fine" in text
        assert "ТАСС, \u201cРаспоряжение президента\u201d, 2016-11-16" in text
    key = flat(" ".join(pages(arts["ru-answer-key-A.pdf"].data)))
    assert "Владимир Путин" in key and "Распоряжение подписал президент." in key
    reader = pypdf.PdfReader(io.BytesIO(arts["ru-worksheet-A.pdf"].data))
    fonts = {f["/BaseFont"] for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert any("DejaVuSans" in str(f) for f in fonts)
    assert not any("Helvetica" in str(f) for f in fonts)


def test_markup_characters_print_literally():
    text = SAMPLE.read_text(encoding="utf-8").replace(
        "prompt: Who signed the decree?", "prompt: \"Who signed <b>the</b> decree & why? 1 < 2 > 0 &amp;\"")
    bank = load_bank_text(text, "markup.yaml")
    arts = render(make_job(bank))
    for art in arts.values():
        assert "Who signed <b>the</b> decree & why? 1 < 2 > 0 &amp;" in flat(" ".join(pages(art.data)))


def test_missing_glyphs_are_reported_with_the_question():
    text = SAMPLE.read_text(encoding="utf-8").replace("prompt: Name the Kremlin spokesman.",
                                                      "prompt: Name the Kremlin spokesman \u6f22\u5b57.")
    bank = load_bank_text(text, "cjk.yaml")
    arts = render(make_job(bank, versions=2))
    for name, art in arts.items():
        if name.endswith("-A.pdf"):
            assert len(art.warnings) == 1
            assert "spokesman-name" in art.warnings[0] and "U+6F22" in art.warnings[0] and "U+5B57" in art.warnings[0]
        else:
            assert art.warnings == ()  # reported once per exporter, not once per version


# ---- reproducibility ----

def test_rebuilds_are_byte_identical_with_or_without_caches(sample):
    job = make_job(sample, versions=3, combined=True, key_summary=True, word_bank=True)
    first = {n: a.data for n, a in render(job).items()}
    assert {n: a.data for n, a in render(job).items()} == first
    pdf_layout._paras.clear()
    pdf_fonts._widths.clear()
    pdf_fonts._stream_cache.clear()
    pdf_exporter._PLANS.clear()
    assert {n: a.data for n, a in render(job).items()} == first
    assert b"CreationDate (D:20000101000000" in first["sample-bank-worksheet-A.pdf"]


def test_second_process_gives_the_same_bytes():
    bank = load_bank_text(mc_bank(8, "par"), "par.yaml")
    serial = render(make_job(bank, versions=8, extra={"pdf_workers": 1}))
    parallel = render(make_job(bank, versions=8, extra={"pdf_workers": 2}))
    assert len(serial) == 16
    assert {n: a.data for n, a in serial.items()} == {n: a.data for n, a in parallel.items()}


def test_render_all_falls_back_when_the_child_fails():
    calls = []

    def render_one(i):
        calls.append(i)
        return bytes([i])

    assert pdf_exporter.render_all(render_one, 10, workers=2) == [bytes([i]) for i in range(10)]
    assert pdf_exporter.render_all(render_one, 3, workers=2) == [bytes([i]) for i in range(3)]
    assert pdf_exporter.render_all(render_one, 0, workers=2) == []


# ---- through the pipeline ----

def test_build_writes_worksheets_keys_and_manifest(sample_bank_dir, tmp_path):
    out = tmp_path / "out"
    config = BuildConfig(paths=(str(sample_bank_dir),), out=out, formats=("worksheet", "key"),
                         selection=SelectionSpec(versions=2),
                         options=ExportOptions(combined=True, key_summary=True, word_bank=True))
    report = build(config)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["manifest.json", "sample-bank-answer-key-A.pdf", "sample-bank-answer-key-B.pdf",
                     "sample-bank-answer-key-summary.pdf", "sample-bank-worksheet-A.pdf",
                     "sample-bank-worksheet-B.pdf", "sample-bank-worksheets-all.pdf"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    by_path = {entry["path"]: entry for entry in manifest}
    for v in "AB":
        sheet, key = by_path[f"sample-bank-worksheet-{v}.pdf"], by_path[f"sample-bank-answer-key-{v}.pdf"]
        assert sheet["questions"] == key["questions"] and sheet["key"] == key["key"]
        assert sheet["version"] == v and sheet["kind"] == "worksheet"
        grid = _grid(pages((out / f"sample-bank-answer-key-{v}.pdf").read_bytes())[0])
        for number, (qid, key_text) in enumerate(zip(key["questions"], key["key"]), start=1):
            if key_text in ("True", "False"):
                assert grid[number] == key_text[0]
            elif key_text:
                assert grid[number] == key_text.replace(",", ", ")
    assert by_path["sample-bank-worksheets-all.pdf"]["kind"] == "worksheet_combined"
    assert by_path["sample-bank-answer-key-summary.pdf"]["key"] is None
    assert report.warnings == []


# ---- golden text ----

def _golden_text(data: bytes) -> str:
    texts = pages(data)
    out = []
    for n, text in enumerate(texts, start=1):
        out.append(f"--- page {n} of {len(texts)} ---")
        out.extend(line.rstrip() for line in text.splitlines())
    return "\n".join(out) + "\n"


def test_golden_text(sample_pdfs, check_golden):
    _, arts = sample_pdfs
    check_golden("pdf/worksheet.txt", _golden_text(arts["sample-bank-worksheet.pdf"].data))
    check_golden("pdf/answer_key.txt", _golden_text(arts["sample-bank-answer-key.pdf"].data))


def test_golden_text_a4_versions(sample, check_golden):
    job = make_job(sample, versions=2, group_by="none", paper="a4", key_summary=True)
    arts = render(job)
    check_golden("pdf/worksheet-B-a4-ungrouped.txt", _golden_text(arts["sample-bank-worksheet-B.pdf"].data))
    check_golden("pdf/answer-key-summary.txt", _golden_text(arts["sample-bank-answer-key-summary.pdf"].data))


def test_text_outside_the_plan_still_prints_in_every_document():
    """A character the plan was not seeded with is encoded per document, never cached across."""
    from quizgen.exporters.pdf_doc import DocInfo, Geometry, Section, render_document
    from quizgen.exporters.pdf_fonts import TextPlan
    from quizgen.exporters.pdf_layout import BlockBuilder, Style, para

    plan = TextPlan("")  # seeded with nothing beyond the furniture's own characters
    geometry = Geometry("letter")
    texts = []
    for word in ("\u03a9mega \u0416uk", "\u0416uk \u03a9mega \u00e9t\u00e9", "\u03a9mega \u0416uk"):
        b = BlockBuilder(geometry.width)
        b.para(0, 0, para(word, Style(), geometry.width))
        data = render_document([Section([b.build("t")], "running", None)], DocInfo("t", "s", sources="S"),
                               geometry, plan)
        texts.append(flat(pages(data)[0]))
    assert "\u03a9mega \u0416uk" in texts[0]
    assert "\u0416uk \u03a9mega \u00e9t\u00e9" in texts[1]
    assert "\u03a9mega \u0416uk" in texts[2]


def test_default_bank_builds_in_every_layout(default_bank_dir, tmp_path):
    """The embedded default bank prints on both papers, grouped or not, with every extra."""
    for paper, group_by in (("letter", "type"), ("a4", "none")):
        out = tmp_path / f"{paper}-{group_by}"
        config = BuildConfig(paths=(str(default_bank_dir),), out=out, formats=("worksheet", "key"),
                             selection=SelectionSpec(versions=2, group_by=group_by), state_dir=tmp_path,
                             options=ExportOptions(paper=paper, group_by=group_by, word_bank=True, combined=True,
                                                   key_summary=True))
        report = build(config)
        keys = [a for a in report.artifacts if a.kind == "answer_key"]
        assert len(keys) == 2
        for art in keys:
            texts = pages(art.data)
            grid: dict[int, str] = {}
            for text in texts:
                if "Quick key" in text:
                    grid.update(_grid(text.replace("Quick key (continued)", "Quick key")
                                      + "\nAnswers, explanations and sources"))
            assert sorted(grid) == list(range(1, len(art.questions) + 1))
            for number, key_text in enumerate(art.key, start=1):
                if key_text in ("True", "False"):
                    assert grid[number] == key_text[0]
                elif key_text:
                    assert grid[number] == key_text.replace(",", ", ")


# ---- answer sheets ----

def page_image(data: bytes, tmp_path: Path, page: int = 1, dpi: int = 150):
    """Page ``page`` rendered by poppler's pdftoppm, as a PIL image."""
    import shutil
    import subprocess

    from PIL import Image

    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm is not installed (make test installs poppler-utils)")
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                    str(pdf), str(tmp_path / "page")], check=True)
    return Image.open(tmp_path / "page.png")


def test_answer_sheet_per_version_with_the_version_as_text_and_qr_code(sample, tmp_path):
    zxingcpp = pytest.importorskip("zxingcpp")
    from quizgen.exporters.pdf_answer_sheet import sheet_code

    job = make_job(sample, versions=2, group_by="none")
    arts = render(job, "answer_sheet")
    assert sorted(arts) == ["sample-bank-answer-sheet-A.pdf", "sample-bank-answer-sheet-B.pdf",
                            "sample-bank-answer-sheet-key-A.pdf", "sample-bank-answer-sheet-key-B.pdf"]
    for qset in job.sets:
        sheet = arts[f"sample-bank-answer-sheet-{qset.version}.pdf"]
        assert (sheet.kind, sheet.version, sheet.questions) == \
            ("answer_sheet", qset.version, tuple(i.question.id for i in qset.items))
        assert [m["type"] for m in sheet.marking] == [i.question.type for i in qset.items]
        texts = pages(sheet.data)
        assert len(texts) == 1
        text = flat(texts[0])
        assert f"Answer sheet · Version {qset.version}" in text
        assert f"sample-bank · Version {qset.version} · 8 questions" in text
        assert "Name" in text and "Class" in text and "Date" in text and "Student number" in text
        image = page_image(sheet.data, tmp_path)
        found = [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]
        assert found == [sheet_code("sample-bank", qset.version)] == [f"quizgen:answer-sheet:sample-bank:{qset.version}"]
        # the four corner markers: solid black squares near each corner of the page
        gray = image.convert("L")
        w, h = gray.size
        inset, size = round(22 / 72 * 150), round(14 / 72 * 150)
        for x in (inset + size // 2, w - inset - size // 2):
            for y in (inset + size // 2, h - inset - size // 2):
                assert gray.getpixel((x, y)) < 40, (x, y)


def test_answer_sheet_overlay_prints_the_key_at_the_sheet_positions(sample):
    job = make_job(sample, versions=1, group_by="none")
    arts = render(job, "answer_sheet")
    sheet, overlay = arts["sample-bank-answer-sheet.pdf"], arts["sample-bank-answer-sheet-key.pdf"]

    def numbers(data):
        out = {}
        def visit(text, cm, tm, font, size):
            if re.fullmatch(r"\d+", text.strip()) and size == 9.5:
                out[int(text)] = (round(tm[4], 1), round(tm[5], 1))
        pypdf.PdfReader(io.BytesIO(data)).pages[0].extract_text(visitor_text=visit)
        return out

    assert numbers(sheet.data) == numbers(overlay.data)
    assert sorted(numbers(sheet.data)) == list(range(1, 9))
    text = flat(pages(overlay.data)[0])
    assert "Marking overlay" in text
    by_id = {item.question.id: item for item in job.sets[0].items}
    for qid in ("spokesman-name", "verdicts", "cloze-ratify"):
        assert grid_code(by_id[qid]) in text
    assert "Dmitry Peskov" not in flat(pages(sheet.data)[0])


# ---- the class's language ----

RUSSIAN_BANK = """bank: ru-bank
title: Россия и Международный уголовный суд
language: ru
sources:
  s: {title: Указ президента, publisher: Новости, date: 2016-11-16}
questions:
  - id: who-signed
    type: multiple_choice
    prompt: Кто подписал указ?
    answer: Владимир Путин
    distractors: [Дмитрий Песков, Сергей Лавров]
    source: s
    points: 2
  - id: ratified
    type: true_false
    statement: Россия ратифицировала Римский статут.
    answer: false
    source: s
  - id: spokesman
    type: short_answer
    prompt: Как зовут пресс-секретаря Кремля?
    answer: Дмитрий Песков
    source: s
  - id: cloze
    type: cloze
    text: Россия подписала, но не [[ратифицировала]] статут.
    source: s
  - id: roles
    type: matching
    prompt: Сопоставьте людей и должности.
    pairs: [[Владимир Путин, президент], [Дмитрий Песков, пресс-секретарь], [Фату Бенсуда, прокурор]]
    source: s
  - id: order
    type: ordering
    prompt: Расположите события по порядку.
    items: [Римский статут принят, Крым аннексирован, Указ подписан]
    source: s
"""


def test_a_russian_bank_prints_russian_furniture():
    bank = load_bank_text(RUSSIAN_BANK, "ru.yaml")
    job = make_job(bank, versions=2, word_bank=True)
    arts = render(job, "worksheet", "key", "answer_sheet")
    sheet = flat(" ".join(pages(arts["ru-bank-worksheet-A.pdf"].data)))
    for words in ("Рабочий лист · 6 вопросов · 9 баллов", "Имя", "Класс", "Дата", "Инструкция: ответьте",
                  "Выбор ответа", "Верно или неверно", "Верно Неверно", "Краткий ответ", "Заполните пропуски",
                  "БАНК СЛОВ", "Соответствие", "Порядок", "(2 б.)", "Вариант A", "Страница 1 из", "ВАРИАНТ"):
        assert words in sheet, words
    for english in ("Name", "Class", "Page ", "Instructions", "True", "Multiple choice", "pts", "WORD BANK"):
        assert english not in sheet, english
    key = flat(" ".join(pages(arts["ru-bank-answer-key-A.pdf"].data)))
    for words in ("Ответы · 6 вопросов · 9 баллов · только для варианта A", "Краткий ключ",
                  "Ответы, пояснения и источники", "Ответ: Неверно", "Источник: Новости", "Числа в клетках:",
                  "Выбор ответа · who-signed"):
        assert words in key, words
    summary = flat(pages(render(make_job(bank, versions=2, key_summary=True), "key")
                         ["ru-bank-answer-key-summary.pdf"].data)[0])
    assert "Сводка ответов · 2 варианта · 6 вопросов" in summary
    assert "Вопрос Во всех вариантах Вариант A Вариант B" in summary
    answer_sheet = flat(pages(arts["ru-bank-answer-sheet-A.pdf"].data)[0])
    assert "Бланк ответов · Вариант A" in answer_sheet and "Номер ученика" in answer_sheet
    assert "ru-bank · Вариант A · 6 вопросов" in answer_sheet


@pytest.mark.parametrize("language,name,page", [("de", "Name Klasse Datum", "Seite 1 von 2"),
                                                ("fr", "Nom Classe Date", "Page 1 sur 2"),
                                                ("es", "Nombre Clase Fecha", "Página 1 de 2"),
                                                ("de-AT", "Name Klasse Datum", "Seite 1 von 2"),
                                                ("it", "Name Class Date", "Page 1 of 2")])
def test_worksheet_furniture_follows_the_bank_language(sample, language, name, page):
    from dataclasses import replace

    job = make_job(replace(sample, language=language))
    text = flat(pages(render(job, "worksheet")["sample-bank-worksheet.pdf"].data)[0])
    assert name in text and page in text


def test_every_language_has_every_entry_of_the_table():
    from quizgen import i18n

    english = i18n.LANGUAGES["en"]
    for code, table in i18n.LANGUAGES.items():
        assert set(table) == set(english), code
        for key, value in english.items():
            if isinstance(value, dict):
                assert set(table[key]) == set(value), (code, key)
            if isinstance(value, str) and "{" in value:
                assert set(re.findall(r"{\w+}", table[key])) == set(re.findall(r"{\w+}", value)), (code, key)
        assert set(i18n.PLURALS[code]) == set(i18n.PLURALS["en"])
    assert i18n.count("ru", 1, "question") == "1 вопрос"
    assert i18n.count("ru", 3, "question") == "3 вопроса"
    assert i18n.count("ru", 11, "question") == "11 вопросов"
    assert i18n.count("ru", 21, "point") == "21 балл"
    assert i18n.card_labels("de") == {"question": "Frage", "answer": "Antwort", "explanation": "Erklärung",
                                      "source": "Quelle"}


def test_right_to_left_text_is_refused_naming_the_question(sample):
    from quizgen.errors import ExportError

    text = SAMPLE.read_text(encoding="utf-8").replace("prompt: Name the Kremlin spokesman.",
                                                      "prompt: מי דובר הקרמלין?")
    bank = load_bank_text(text, "he.yaml")
    job = make_job(bank)
    with pytest.raises(ExportError, match=r"he\.yaml:\d+: question 'spokesman-name' has right-to-left text"):
        render(job, "worksheet")


# ---- the sheet a teacher wants ----

def test_word_bank_has_extra_words_from_the_bank_that_answer_no_blank(sample):
    from quizgen.exporters.pdf_worksheet import extra_words, word_bank_entries

    job = make_job(sample, versions=3, word_bank=True)
    answers = word_bank_entries(job.sets[0])
    extras = [extra_words(sample, qset, answers) for qset in job.sets]
    assert extras[0] == extras[1] == extras[2]  # every version has the same word bank
    assert len(extras[0]) == 2 and not {e.casefold() for e in extras[0]} & {a.casefold() for a in answers}
    pool = {e.name for e in sample.entities.values()} | {t for q in sample.questions for t in q.answers + q.distractors}
    assert set(extras[0]) <= pool
    for qset in job.sets:
        text = flat(" ".join(pages(render(ExportJob(bank=sample, sets=(qset,), questions=sample.questions,
                                                    options=ExportOptions(word_bank=True)), "worksheet")
                                   [f"sample-bank-worksheet-{qset.version}.pdf"].data)))
        bank_text = text.split("WORD BANK", 1)[1]
        for word in answers + extras[0]:
            assert word in bank_text
    other = make_job(sample, seed=3, word_bank=True)
    assert extra_words(sample, other.sets[0], answers) != extras[0] or len(pool) < 4


SHEET_TEXTS = {"title": "Unit 3 quiz: the ICC", "subtitle": "Russia and the Rome Statute", "school": "Lycée Victor Hugo",
               "time_allowed": "40 minutes", "instructions": "Work alone. No phones."}


def test_title_subtitle_instructions_time_and_school_from_the_options(sample):
    job = make_job(sample, versions=2, group_by="none")
    job = ExportJob(bank=job.bank, sets=job.sets, questions=job.questions,
                    options=ExportOptions(group_by="none", sheet=SHEET_TEXTS))
    arts = render(job, "worksheet", "key", "answer_sheet")
    texts = pages(arts["sample-bank-worksheet-A.pdf"].data)
    first = flat(texts[0])
    assert first.startswith("LYCÉE VICTOR HUGO Unit 3 quiz: the ICC Russia and the Rome Statute "
                            "Worksheet · 8 questions · 11 points · Time allowed: 40 minutes")
    assert "Instructions: Work alone. No phones." not in first and "Work alone. No phones." in first
    assert "Answer every question" not in first and "Sample bank for tests" not in first
    assert all("Unit 3 quiz: the ICC · Worksheet" in t for t in texts[1:])
    key = flat(pages(arts["sample-bank-answer-key-A.pdf"].data)[0])
    assert key.startswith("Unit 3 quiz: the ICC Answer key") and "Time allowed" not in key
    sheet = flat(pages(arts["sample-bank-answer-sheet-A.pdf"].data)[0])
    assert "LYCÉE VICTOR HUGO" in sheet and "Unit 3 quiz: the ICC" in sheet


def test_the_bank_sheet_table_fills_in_what_the_options_leave_out(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8").replace(
        "description: Two short articles and one question of each type.",
        "sheet:\n  school: Gymnasium Nord\n  time_allowed: 30 minutes\n  title: Bank title on the sheet")
    bank = load_bank_text(text, "sheet.yaml")
    assert bank.sheet == {"school": "Gymnasium Nord", "time_allowed": "30 minutes", "title": "Bank title on the sheet"}
    job = make_job(bank)
    job = ExportJob(bank=bank, sets=job.sets, questions=job.questions,
                    options=ExportOptions(sheet={"title": "Flag title"}))
    first = flat(pages(render(job, "worksheet")["sample-bank-worksheet.pdf"].data)[0])
    assert first.startswith("GYMNASIUM NORD Flag title Worksheet · 8 questions · 11 points · Time allowed: 30 minutes")


def test_sheet_flags_win_over_the_project_settings(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from quizgen.cli import app

    monkeypatch.chdir(tmp_path)
    (tmp_path / "quizgen.toml").write_text('[build]\nschool = "Escuela Norte"\ntitle = "From settings"\n'
                                           'time_allowed = "1 hour"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(SAMPLE), "--format", "worksheet", "--out", "out",
                                      "--title", "From the flag", "--subtitle", "Unit 3"])
    assert result.exit_code == 0, result.output
    first = flat(pages((tmp_path / "out" / "sample-bank-worksheet.pdf").read_bytes())[0])
    # the count is the selection's business (tests/test_select.py); the header's words are this test's
    assert re.match(r"ESCUELA NORTE From the flag Unit 3 Worksheet · \d+ questions · \d+ points · "
                    r"Time allowed: 1 hour", first)


def test_no_last_page_holds_a_single_question_when_a_tighter_layout_fits():
    from quizgen.exporters.pdf import _Renderer
    from quizgen.exporters.pdf_worksheet import page_counts, worksheet_blocks

    tightened = checked = 0
    for n in range(8, 18):  # five to a page here: 10 and 15 leave one question alone
        bank = load_bank_text(mc_bank(n), "many.yaml")
        job = make_job(bank, group_by="none")
        r = _Renderer(job)
        loose = page_counts([b.height for b in worksheet_blocks(bank, job.sets[0], r.layout)],
                            r.layout.first_height, r.layout.later_height)
        texts = pages(render(job, "worksheet")["many-worksheet.pdf"].data)
        if loose[-1] == 1 and len(loose) > 1:
            if len(texts) == len(loose) - 1:  # tightened: one page fewer, every question still there
                tightened += 1
                assert all(f"{k}. Question" in flat(" ".join(texts)) for k in range(1, n + 1))
            last = [k for k in range(1, n + 1) if f"{k}. Question" in flat(texts[-1])]
            assert len(last) > 1 or len(texts) == len(loose), n
        else:
            checked += 1
            assert len(texts) == len(loose), n  # the page count the tightening predicts is the real one
    assert tightened == 2 and checked == 8


# ---- cloze blanks: alternatives in the key, one blank length per sheet ----

ALTERNATIVES = """bank: alt
title: Blanks
sources:
  s: {title: Report, publisher: Pub}
questions:
  - id: court
    type: cloze
    text: The court sits in [[The Hague|Hague|'s-Gravenhage]] and was set up by the [[Rome Statute::treaty]].
    source: s
  - id: short
    type: cloze
    text: Russia [[signed]] the statute in 2000 but the Duma never [[ratified|approved]] it.
    source: s
  - id: who
    type: short_answer
    prompt: Who prosecuted?
    answer: Fatou Bensouda
    source: s
"""


def test_key_shows_what_else_each_blank_accepts():
    bank = load_bank_text(ALTERNATIVES, path="alt.yaml")
    arts = render(make_job(bank), "key")
    text = flat(" ".join(pages(arts["alt-answer-key.pdf"].data)))
    assert "The Hague (also accept: Hague; 's-Gravenhage)" in text
    assert "ratified (also accept: approved)" in text
    assert "Rome Statute (also" not in text and "signed (also" not in text  # nothing else for these


def drawn_lines(image, dark: int = 140, shortest: int = 40) -> list[tuple[int, int, int]]:
    """Horizontal lines on a rendered page as (top row, left x, length in pixels), rows of one
    line merged: rules, answer lines and the runs of underscores that print a blank."""
    gray = image.convert("L")
    px = gray.load()
    width, height = gray.size
    found: list[list[int]] = []  # [x0, x1, first row, last row]
    for y in range(height):
        x = 0
        while x < width:
            if px[x, y] < dark:
                start = x
                while x < width and px[x, y] < dark:
                    x += 1
                if x - start >= shortest:
                    line = next((f for f in found if abs(f[0] - start) <= 2 and abs(f[1] - x) <= 2
                                 and y - f[3] <= 1), None)
                    if line:
                        line[3] = y
                    else:
                        found.append([start, x, y, y])
            x += 1
    return sorted((top, x0, x1 - x0) for x0, x1, top, _ in found)


def test_every_blank_of_a_sheet_prints_the_same_length_in_every_version(tmp_path):
    """Blanks over "signed", "ratified", "The Hague" and "Rome Statute" are drawn equally long
    (measured on the page rendered by pdftoppm), on both versions: a blank's length must not
    tell which answer, or which word-bank entry, fills it."""
    bank = load_bank_text(ALTERNATIVES, path="alt.yaml")
    arts = render(make_job(bank, versions=2, word_bank=True), "worksheet")
    lengths = {}
    for version in ("A", "B"):
        lines = drawn_lines(page_image(arts[f"alt-worksheet-{version}.pdf"].data, tmp_path))
        rule = max(length for _, _, length in lines)  # the full-width rules and answer lines
        header_rule = min(top for top, _, length in lines if length >= rule - 2)
        blanks = [length for top, _, length in lines if top > header_rule and length < rule * 0.6]
        assert len(blanks) == 4, lines
        assert max(blanks) - min(blanks) <= 2, blanks
        lengths[version] = blanks[0]
    assert abs(lengths["A"] - lengths["B"]) <= 2
    # long enough for the sheet's longest answer, "Rome Statute" (10 pt type at 150 dpi)
    assert lengths["A"] >= pdf_layout.text_width("Rome Statute", "regular", 10.0) * 150 / 72


def test_no_extra_word_of_the_word_bank_is_an_alternative_answer():
    """The word bank's extra words must answer no blank: a blank's alternatives are answers too."""
    bank = load_bank_text(ALTERNATIVES.replace("questions:", """entities:
  hague: {name: Hague, kind: place}
  gravenhage: {name: "'s-Gravenhage", kind: place}
  approved: {name: approved, kind: other}
  duma: {name: State Duma, kind: organization}
  kremlin: {name: Kremlin, kind: organization}
  court: {name: Court, kind: organization}
questions:"""), path="alt.yaml")
    from quizgen.exporters.pdf_worksheet import extra_words, word_bank_entries

    for seed in range(20):
        qset = make_job(bank, seed=seed).sets[0]
        extras = {e.casefold() for e in extra_words(bank, qset, word_bank_entries(qset))}
        assert extras and not extras & {"hague", "'s-gravenhage", "approved"}, extras
