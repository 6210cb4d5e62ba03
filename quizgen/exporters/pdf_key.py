"""Answer keys: a quick grid to mark with, then every answer with its explanation and source.

The grid's codes are what a teacher compares with a student's page: the letter of a
multiple-choice answer ("C", "A, C"), T or F, the written answer of a short-answer,
numeric or cloze question (shortened where long: "Dmitry Peskov", "4 verdicts",
"ratified; Rome Statute"), the pairs of a matching question ("1-b, 2-a, 3-c") and
the numbers an ordering question's boxes should hold, top to bottom ("2, 4, 1, 3").
The cross-version summary shows, for each question, its number and code in every
version side by side.
"""
from __future__ import annotations

from typing import Sequence

from ..i18n import count as count_of
from ..model import Bank, PlacedQuestion, QuestionSet, format_number, letter
from .pdf_doc import version_box
from .pdf_layout import Block, BlockBuilder, Run, Style, line, para, rect
from .pdf_worksheet import (
    BODY, GAP, HEADING, INSTRUCTION, NUM_W, NUMBER, POINTS, POINTS_W, SUBTITLE, TITLE, TYPE_NAMES, Layout,
    clean, cloze_parts, cloze_plain, points_label,
)

LABEL = Style("bold", 9.0, 12.5)
TEXT = Style("regular", 9.0, 12.5)
ANSWER_BOLD = Style("bold", 9.0, 12.5)
QUOTE = Style("italic", 8.5, 12.0, 0.2)
SOURCE = Style("regular", 8.5, 12.0, 0.2)
META = Style("regular", 7.0, 10.0, 0.45)
GRID_NUM = Style("bold", 9.0, 12.0, 0.3)
GRID_CODE = Style("bold", 10.0, 12.0)
TABLE_HEAD = Style("bold", 8.5, 11.0)
TABLE_TEXT = Style("regular", 8.5, 11.0)
TABLE_ID = Style("regular", 8.0, 11.0, 0.2)
PROMPT_CHARS = 220
SUMMARY_MIN_COL = 40.0


GRID_WORDS = 28  # a written answer longer than this many characters is shortened in the quick key
GRID_BLANK = 18  # ... and each blank of a cloze


def grid_code(item: PlacedQuestion) -> str:
    """The quick-key code of a question as printed in its version: what the student should write."""
    return GRID_CODES[item.question.type](item)


def shorten(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word boundary to at most ``limit`` characters plus an ellipsis."""
    text = clean(text)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(",;:.") + "\u2026"


def numeric_code(value: float | None, tolerance: float | None, unit: str | None) -> str:
    """A numeric answer as the key prints it: "4 verdicts", "1,000 \u00b1 50 km", "1998"."""
    text = number_text(value, unit)
    if tolerance:
        text += f" \u00b1 {number_text(tolerance, unit)}"
    return f"{text} {clean(unit)}" if unit else text


def ordering_boxes(item: PlacedQuestion) -> list[int]:
    """The number each printed box of an ordering question should hold (1 = first), top to bottom."""
    return [pos + 1 for pos in item.key]


GRID_CODES = {
    "multiple_choice": lambda item: ", ".join(letter(i) for i in sorted(item.key)),
    "true_false": lambda item: "T" if item.question.truth else "F",
    "short_answer": lambda item: shorten(item.question.answers[0] if item.question.answers else "", GRID_WORDS),
    "numeric": lambda item: shorten(numeric_code(item.question.number, item.question.tolerance,
                                                 item.question.unit), GRID_WORDS),
    "cloze": lambda item: "; ".join(shorten(b.answer, GRID_BLANK) for b in item.question.blanks),
    "matching": lambda item: ", ".join(f"{i + 1}-{letter(k).lower()}" for i, k in enumerate(item.key)),
    "ordering": lambda item: ", ".join(str(n) for n in ordering_boxes(item)),
}


def ordering_sequence(item: PlacedQuestion) -> list[int]:
    """Printed indexes of an ordering question's items, in the correct order."""
    return [p for _, p in sorted((pos, p) for p, pos in enumerate(item.key))]


def number_text(value: float | None, unit: str | None) -> str:
    """A numeric answer as printed: "1998" (a year: four digits and no unit), else "1,000"."""
    if value is not None and not unit and float(value).is_integer() and 1000 <= abs(value) <= 9999:
        return str(int(value))
    return format_number(value)


def short_prompt(text: str) -> str:
    text = clean(text)
    if len(text) <= PROMPT_CHARS:
        return text
    cut = text[:PROMPT_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "\u2026"


# ---- header and grid ----

def key_header(bank: Bank, qset: QuestionSet, layout: Layout) -> Block:
    w = layout.width
    b = BlockBuilder(w)
    box = 46.0
    title_w = w - (box + 14 if qset.version else 0)
    top = b.para(0, 0, para(clean(layout.sheet.get("title") or bank.title), TITLE, title_w))
    words = layout.words
    total = sum(item.question.points for item in qset.items)
    facts = [str(words["answer_key"]), count_of(words["_language"], len(qset.items), "question")]
    if layout.show_points:
        facts.append(count_of(words["_language"], total, "point"))
    if qset.version:
        facts.append(str(words["key_version_only"]).format(version=qset.version))
    top = b.para(0, top + 1, para(" \u00b7 ".join(facts), SUBTITLE, title_w))
    if qset.version:
        b.parts.extend(version_box(w - box, 0, box, qset.version, Style("bold", 24.0, 26.0),
                                   label_text=words["version_box"]))
        b.bottom = max(b.bottom, box)
        top = max(top, box)
    top = b.para(0, top + 10, para(str(words["key_intro"]), INSTRUCTION, w))
    top += 5
    b.ops(top, top + 1, line(0, top, w, top, 0.8, 0.0))
    b.bottom = top + 1
    return b.build("the answer key header", pad_bottom=12)


def grid_blocks(qset: QuestionSet, layout: Layout, first_room: float) -> list[Block]:
    """The quick key: numbers and codes in columns, numbers running down each column.

    A long key is cut into page-sized grids (the first sized to the room left under
    the header, ``first_room``), each read column by column.
    """
    w = layout.width
    entries = [(item.number, grid_code(item)) for item in qset.items]
    num_w = max((GRID_NUM.width(f"{n}.") for n, _ in entries), default=10.0) + 6
    # columns as wide as the short codes need; long codes (written answers, matching) wrap in their cell
    short = [GRID_CODE.width(c) for _, c in entries if len(c) <= 24]
    widest = max(short or [GRID_CODE.width("1-a, 2-b, 3-c")])
    cols = max(1, min(5, int(w // (num_w + widest + 16)), len(entries)))
    col_w = w / cols
    heights = [para(c, GRID_CODE, col_w - num_w - 6).height + 6 for _, c in entries]
    heading_h = HEADING.leading + 5
    blocks = []
    start = 0
    room = first_room
    while start < len(entries) or not blocks:
        # the most rows whose grid (rows as tall as their tallest cell) fits in the room
        rows = 1
        while start + rows * cols < len(entries) and \
                _grid_height(heights[start:start + (rows + 1) * cols], rows + 1) + heading_h + 18 <= room:
            rows += 1
        if _grid_height(heights[start:start + rows * cols], rows) + heading_h + 18 > room and \
                room < layout.later_height:
            room = layout.later_height  # not even one row fits under the header: start on the next page
            continue
        chunk = entries[start:start + rows * cols]
        blocks.append(_grid(chunk, cols, num_w, layout, str(layout.words["quick_key" if not blocks else "quick_key_continued"])))
        start += len(chunk)
        room = layout.later_height
        if not chunk:
            break
    return blocks


def _grid_height(heights: list[float], rows: int) -> float:
    """Height of ``heights`` (cells in column order) laid out in ``rows`` rows."""
    return sum(max(heights[r::rows] or [0.0]) for r in range(rows))


def _grid(entries: list[tuple[int, str]], max_cols: int, num_w: float, layout: Layout,
          title: str) -> Block:
    w = layout.width
    b = BlockBuilder(w)
    top = b.text(0, 0, HEADING, title) + 5
    cols = max(1, min(max_cols, len(entries)))
    rows = -(-len(entries) // cols)
    cols = max(1, -(-len(entries) // rows)) if entries else 1  # no empty column at the right
    col_w = w / cols
    pad = 3.0
    row_top = top
    for r in range(rows):
        row_bottom = row_top + GRID_CODE.leading + 2 * pad
        cells = [entries[c * rows + r] for c in range(cols) if c * rows + r < len(entries)]
        placed = []
        for c, (number, code) in enumerate(cells):
            x = c * col_w
            label = f"{number}."
            b.text(x + num_w - 4 - GRID_NUM.width(label), row_top + pad, GRID_NUM, label)
            p = para(code, GRID_CODE, col_w - num_w - 6)
            placed.append(b.para(x + num_w + 2, row_top + pad, p) + pad)
        row_bottom = max([row_bottom] + placed)
        if r % 2 == 0:
            b.parts.insert(0, (row_top, row_bottom, "ops", rect(0, row_top, w, row_bottom - row_top, 0, 1, fill=0.94)))
        row_top = row_bottom
    b.ops(top, row_top, rect(0, top, w, row_top - top, 0.6, 0.4))
    for c in range(1, cols):
        b.ops(top, row_top, line(c * col_w, top, c * col_w, row_top, 0.4, 0.6))
    b.bottom = row_top
    return b.build("the quick key", pad_bottom=16)


# ---- full key, one block per question ----

def _labelled(b: BlockBuilder, top: float, x: float, width: float, label: str, runs: list[Run]) -> float:
    return b.para(x, top, para([Run(label + " ", LABEL)] + runs, TEXT, width))


def _answer_runs(item: PlacedQuestion, words) -> tuple[str, list[Run]]:
    """The answer line's label and text for the types that fit on one line."""
    q = item.question
    one, many = str(words["answer"]), str(words["answers"])
    if q.type == "multiple_choice":
        picked = sorted(item.key)
        runs: list[Run] = []
        for n, i in enumerate(picked):
            if n:
                runs.append(Run("; ", TEXT))
            runs.append(Run(letter(i), ANSWER_BOLD))
            runs.append(Run(f" \u2014 {clean(item.options[i])}", TEXT))
        return (many if len(picked) > 1 else one), runs
    if q.type == "true_false":
        return one, [Run(str(words["true" if q.truth else "false"]), ANSWER_BOLD)]
    if q.type == "short_answer":
        runs = [Run(clean(q.answers[0]) if q.answers else "", ANSWER_BOLD)]
        others = [clean(a) for a in q.answers[1:] + q.accept]
        if others:
            runs.append(Run(f" ({words['also_accept']} " + "; ".join(others) + ")", TEXT))
        return one, runs
    if q.type == "numeric":
        return one, [Run(numeric_code(q.number, q.tolerance, q.unit), ANSWER_BOLD)]
    if q.type == "cloze":
        runs = []
        for kind, value in cloze_parts(item):
            if kind == "text":
                runs.append(Run(value, TEXT))
            else:
                runs.append(Run(clean(value.answer), ANSWER_BOLD))
                if value.accept:
                    runs.append(Run(f" ({words['also_accept']} " + "; ".join(clean(a) for a in value.accept) + ")",
                                    TEXT))
        return (many if len(q.blanks) > 1 else one), runs
    label = one if q.type == "matching" else str(words["boxes"])
    return label, [Run(grid_code(item), ANSWER_BOLD)]


def key_entry(bank: Bank, item: PlacedQuestion, layout: Layout, b: BlockBuilder | None = None,
              top: float = 0.0) -> Block:
    """The full key of one question (added below whatever ``b`` already holds)."""
    q = item.question
    w = layout.width
    b = b or BlockBuilder(w)
    x = NUM_W
    inner = w - x
    num = f"{item.number}."
    b.text(NUM_W - 6 - NUMBER.width(num), top, NUMBER, num)
    prompt_w = inner - (POINTS_W if layout.show_points else 0)
    prompt = cloze_plain(item, "_____") if q.type == "cloze" else q.prompt
    first = top
    top = b.para(x, top, para(short_prompt(prompt), BODY, prompt_w))
    if layout.show_points:
        label = f"({points_label(q.points, layout.words)})"
        b.text(w - POINTS.width(label), first, POINTS, label)
    kind = TYPE_NAMES[q.type] if layout.words["_language"] == "en" else \
        str(layout.words["section_titles"][q.type])
    top = b.para(x, top, para(f"{kind} \u00b7 {q.id}", META, prompt_w))
    top += 2
    label, runs = _answer_runs(item, layout.words)
    top = _labelled(b, top, x, inner, label, runs)
    if q.type == "matching":
        rights = item.options
        for i, (left, _) in enumerate(q.pairs):
            k = item.key[i]
            row = [Run(f"{i + 1}-{letter(k).lower()}", ANSWER_BOLD),
                   Run(f"  {clean(left)} \u2192 {clean(rights[k])}", TEXT)]
            b.allow_break(top)
            top = b.para(x + 12, top, para(row, TEXT, inner - 12))
    elif q.type == "ordering":
        for pos, p in enumerate(ordering_sequence(item)):
            row = [Run(f"{pos + 1}.", ANSWER_BOLD), Run(f" {letter(p).lower()}", ANSWER_BOLD),
                   Run(f"  {clean(item.options[p])}", TEXT)]
            b.allow_break(top)
            top = b.para(x + 12, top, para(row, TEXT, inner - 12))
    b.allow_break(top)
    if q.explanation:
        top = _labelled(b, top + 1, x, inner, str(layout.words["explanation"]), [Run(clean(q.explanation), TEXT)])
    source = bank.sources.get(q.source)
    cite = clean(source.citation()) if source else q.source
    runs = [Run(cite, SOURCE)]
    if q.evidence:
        runs += [Run(" \u2014 ", SOURCE), Run(f"\u201c{clean(q.evidence)}\u201d", QUOTE)]
    top = b.para(x, top + 1, para([Run(f"{layout.words['source']} ", LABEL.with_(size=8.5, leading=12.0))] + runs,
                                  SOURCE, inner))
    return b.build(f"question {q.id!r}", pad_bottom=GAP)


def key_blocks(bank: Bank, qset: QuestionSet, layout: Layout) -> list[Block]:
    header = key_header(bank, qset, layout)
    blocks = [header] + grid_blocks(qset, layout, layout.first_height - header.height)
    heading = BlockBuilder(layout.width)
    top = heading.text(0, 0, HEADING, str(layout.words["key_answers_heading"]))
    heading.ops(top + 1, top + 2, line(0, top + 1, layout.width, top + 1, 0.5, 0.55))
    heading.bottom = top + 2
    for i, item in enumerate(qset.items):
        if i == 0:  # the heading stays with the first answer
            blocks.append(key_entry(bank, item, layout, heading, heading.bottom + 9))
        else:
            blocks.append(key_entry(bank, item, layout))
    return blocks


# ---- cross-version summary ----

def key_summary_blocks(bank: Bank, sets: Sequence[QuestionSet], layout: Layout) -> list[Block]:
    """One table: a row per question (in the first version's order), a column per version."""
    w = layout.width
    head = BlockBuilder(w)
    words = layout.words
    lang = words["_language"]
    top = head.para(0, 0, para(clean(layout.sheet.get("title") or bank.title), TITLE, w))
    versions = [s.version or "\u2013" for s in sets]
    top = head.para(0, top + 1, para(f"{words['summary_title']} \u00b7 {count_of(lang, len(sets), 'version')} "
                                     f"\u00b7 {count_of(lang, len(sets[0].items) if sets else 0, 'question')}",
                                     SUBTITLE, w))
    top = head.para(0, top + 8, para(str(words["summary_note"]), INSTRUCTION, w))
    top += 5
    head.ops(top, top + 1, line(0, top, w, top, 0.8, 0.0))
    head.bottom = top + 1
    blocks: list[Block] = [head.build("the summary header", pad_bottom=12)]
    if not sets:
        return blocks
    placed = [{item.question.id: item for item in s.items} for s in sets]
    order = [item.question.id for item in sets[0].items]
    codes = {qid: [grid_code(placed[v][qid]) for v in range(len(sets))] for qid in order}
    # an answer that is the same in every version (written answers, true/false) is printed once
    common = {qid: c[0] for qid, c in codes.items() if len(sets) > 1 and len(set(c)) == 1}
    cells = {(qid, v): f"{placed[v][qid].number}" if qid in common else f"{placed[v][qid].number}: {codes[qid][v]}"
             for qid in order for v in range(len(sets))}
    head_question, head_both = str(words["summary_question"]), str(words["summary_question_version"])
    same_head = str(words["summary_every_version"])
    id_w = min(190.0, max([TABLE_ID.width(qid) for qid in order] + [TABLE_HEAD.width(head_both)]) + 12)
    ans_w = min(150.0, max(TABLE_HEAD.width(same_head), max(TABLE_TEXT.width(c) for c in common.values())) + 10) \
        if common else 0.0
    avail = w - id_w - ans_w
    labels = [f"{words['version']} {v}" for v in versions]
    widest = max(TABLE_TEXT.width(c) for c in cells.values()) + 10
    min_col = max(SUMMARY_MIN_COL, max(TABLE_HEAD.width(v) for v in versions) + 10)
    per_chunk = max(1, min(len(sets), int(avail // min_col)))
    tables = -(-len(sets) // per_chunk)
    even = -(-len(sets) // tables)  # 30 versions, 7 to a table: 5 tables of 6, not 4 of 7 and one of 2
    chunks = [list(range(i, min(i + even, len(sets)))) for i in range(0, len(sets), even)]
    room = layout.first_height - blocks[0].height
    head_h = 16.0
    for chunk in chunks:
        col = avail / per_chunk if len(sets) > per_chunk else min(avail / len(chunk), max(min_col, widest, 70.0))
        x0 = id_w + ans_w
        right = x0 + col * len(chunk)
        rows = []  # (height, [(x, para)]) for every question
        for qid in order:
            cells_here = [(4.0, para(qid, TABLE_ID, id_w - 8))]
            if qid in common:
                cells_here.append((id_w + 4, para(common[qid], TABLE_TEXT, ans_w - 8)))
            cells_here += [(x0 + j * col + 4, para(cells[(qid, v)], TABLE_TEXT, col - 8)) for j, v in enumerate(chunk)]
            rows.append((max(p.height for _, p in cells_here) + 4, cells_here))
        start = 0
        while start < len(rows):
            # as many rows as fit in the room left on this page (a fresh page if not even a few fit)
            used, end = head_h + 14, start
            while end < len(rows) and used + rows[end][0] <= room:
                used += rows[end][0]
                end += 1
            if end - start < min(5, len(rows) - start) and room < layout.later_height:
                room = layout.later_height
                continue
            end = max(end, start + 1)
            b = BlockBuilder(w)
            b.ops(0, head_h, rect(0, 0, right, head_h, 0, 1, fill=0.88))
            short_heads = any(TABLE_HEAD.width(labels[v]) > col - 8 for v in chunk)
            b.text(4, 2, TABLE_HEAD, head_both if short_heads else head_question)
            if ans_w:
                b.text(id_w + 4, 2, TABLE_HEAD, same_head)
            for j, v in enumerate(chunk):  # "Version C" where it fits, else "C": headings never overlap
                b.text(x0 + j * col + 4, 2, TABLE_HEAD, versions[v] if short_heads else labels[v])
            row_top = head_h
            for r in range(start, end):
                height, cells_here = rows[r]
                if (r - start) % 2 == 1:
                    b.ops(row_top, row_top + height, rect(0, row_top, right, height, 0, 1, fill=0.95))
                for x, p in cells_here:
                    b.para(x, row_top + 2, p)
                row_top += height
            b.ops(0, row_top, rect(0, 0, right, row_top, 0.6, 0.4))
            for x in ([id_w] if ans_w else []) + [x0 + j * col for j in range(len(chunk))]:
                b.ops(0, row_top, line(x, 0, x, row_top, 0.4, 0.6))
            b.bottom = row_top
            block = b.build("the summary table", pad_bottom=14)
            blocks.append(block)
            start = end
            room -= block.height
            if room < head_h + 14 + 5 * (TABLE_TEXT.leading + 4):
                room = layout.later_height
    return blocks


