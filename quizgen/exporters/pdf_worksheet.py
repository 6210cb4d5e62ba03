"""The worksheet: header, section headings and one block per question, by type.

Every question is one ``Block`` (never split across pages; its options never
orphaned from its prompt). A section heading and the word bank are part of the
block of the first question they introduce, so they never end a page alone.
Blocks are built from cached ``Para``s, so a version costs little more than placing
the pieces again: only the numbers and the option order differ between versions.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Mapping

from ..i18n import count as count_of
from ..i18n import form, words as words_for
from ..model import Bank, PlacedQuestion, QuestionSet, format_number, letter
from .pdf_doc import version_box
from .pdf_layout import Block, BlockBuilder, Piece, Run, Style, circle, line, para, rect

BODY = Style("regular", 10.0, 13.5)
NUMBER = Style("bold", 10.0, 13.5)
POINTS = Style("regular", 8.0, 13.5, 0.35)
NOTE = Style("italic", 8.5, 12.0, 0.3)
HINT = Style("italic", 7.5, 13.5, 0.35)
MARK_LETTER = Style("regular", 6.5, 8.0, 0.3)
ITEM_LABEL = Style("bold", 9.5, 13.5, 0.15)
TF_STYLE = Style("regular", 10.0, 13.5, 0.1)
HEADING = Style("bold", 12.0, 15.0)
HEADING_POINTS = Style("regular", 8.5, 15.0, 0.35)
INSTRUCTION = Style("italic", 9.0, 12.0, 0.25)
TITLE = Style("bold", 16.0, 20.0)
SUBTITLE = Style("regular", 9.5, 13.0, 0.3)
SHEET_SUBTITLE = Style("regular", 11.0, 14.5, 0.15)
SCHOOL = Style("bold", 8.0, 11.0, 0.4)
FIELD = Style("regular", 9.5, 13.0)
BANK_LABEL = Style("bold", 8.5, 12.0, 0.2)
BANK_SEP = Style("bold", 10.0, 13.5, 0.5)

NUM_W = 24.0  # the number column
POINTS_W = 44.0  # kept free at the right of a prompt when points are shown
MARK_X = NUM_W + 1.0  # where bubbles, boxes and answer spaces start
GAP = 13.0  # between questions
BUBBLE_R = 6.0
LINE_GRAY = 0.45
BLANK_MARKUP = re.compile(r"\[\[(.*?)\]\]", re.S)

TYPE_NAMES = {
    "multiple_choice": "multiple choice",
    "true_false": "true or false",
    "short_answer": "short answer",
    "cloze": "fill in the blanks",
    "numeric": "number",
    "matching": "matching",
    "ordering": "ordering",
}


@dataclass(frozen=True)
class Layout:
    """What shapes a worksheet page apart from the questions."""

    width: float
    show_points: bool = True
    group_by: str = "type"
    word_bank: bool = False
    first_height: float = 600.0  # the text frame's height on a first page ...
    later_height: float = 560.0  # ... and on the pages after it
    words: Mapping[str, object] = field(default_factory=lambda: words_for("en"))  # i18n.words(bank.language)
    sheet: Mapping[str, str] = field(default_factory=dict)  # title, subtitle, instructions, time_allowed, school
    blank: str = ""  # what every cloze blank of the sheet prints (sheet_blank); "" until worksheet_blocks sets it


def points_label(points: float, words: Mapping[str, object] | None = None) -> str:
    """"1 pt", "2 pts" (or the language's abbreviation)."""
    if words is None:
        return f"{format_number(points)} {'pt' if points == 1 else 'pts'}"
    return f"{format_number(points)} {form(words['_language'], points, words['point_short'])}"


def clean(text: str) -> str:
    """Bank text on one line: runs of whitespace (newlines from YAML blocks) become one space."""
    return " ".join(text.split())


def cloze_parts(item: PlacedQuestion) -> list[tuple[str, object]]:
    """The cloze text as ("text", str) and ("blank", Blank) pieces, in order."""
    q = item.question
    out: list[tuple[str, object]] = []
    pos = 0
    blanks = list(q.blanks)
    for i, match in enumerate(BLANK_MARKUP.finditer(q.prompt)):
        if match.start() > pos:
            out.append(("text", q.prompt[pos:match.start()]))
        if i < len(blanks):
            out.append(("blank", blanks[i]))
        pos = match.end()
    if pos < len(q.prompt):
        out.append(("text", q.prompt[pos:]))
    return out


def cloze_plain(item: PlacedQuestion, fill: str | None = None) -> str:
    """The cloze text with each blank as ``fill`` (or its answer when fill is None)."""
    return clean("".join(v if k == "text" else (fill if fill is not None else v.answer)
                         for k, v in cloze_parts(item)))


def blank_underscores(answer: str) -> str:
    """A blank as underscores: room for ``answer``, rounded up to a step of 33 pt (66 to 220 pt)."""
    needed = max(66.0, min(220.0, BODY.width(answer) * 1.3 + 14))
    step = 33.0
    width = math.ceil(needed / step) * step
    return "_" * max(8, int(width / BODY.width("_")))


def sheet_blank(qset: QuestionSet) -> str:
    """The one blank every cloze gap of a sheet prints: room for the sheet's longest answer.

    One length for the whole sheet, not one per blank or per question: a blank sized for
    its own answer tells a student how long the answer is (and, with a word bank, which
    entry fits), and even one size per question gives away the answer of a question with
    a single blank. Every version prints the same questions, so every version gets the
    same blank. Rounding and limits are those of ``blank_underscores``: a very long
    answer gets the longest blank, 220 pt, not the whole line.
    """
    answers = [clean(b.answer) for item in qset.items if item.question.type == "cloze"
               for b in item.question.blanks]
    return blank_underscores(max(answers, key=BODY.width)) if answers else blank_underscores("")


def word_bank_entries(qset: QuestionSet) -> list[str]:
    """Every blank answer of the set's cloze questions, once each, sorted alphabetically.

    Answers that differ only in capitals ("Genocide", "genocide") are listed once, in
    the form with the fewest capitals: the bank must not hint which blank starts a
    sentence.
    """
    seen: dict[str, str] = {}
    for item in qset.items:
        if item.question.type == "cloze":
            for blank in item.question.blanks:
                entry = clean(blank.answer)
                key = entry.casefold()
                if key not in seen or _capitals(entry) < _capitals(seen[key]):
                    seen[key] = entry
    return sorted(seen.values(), key=lambda e: (e.casefold(), e))


def extra_words(bank: Bank, qset: QuestionSet, answers: list[str]) -> list[str]:
    """Words for the word bank that answer no blank, drawn from the bank, so that the last
    blank cannot be filled by elimination: about one for every two answers (at least two).

    Candidates are the bank's other blank answers, its multiple-choice options, its
    entities' names and its defined terms, as long and as many words as the answers are
    (an extra word that stands out gives itself away). The choice depends on the bank
    and the seed only, so every version of a quiz has the same word bank.
    """
    import random

    if not answers:
        return []
    taken = {a.casefold() for a in answers}
    taken |= {clean(other).casefold() for item in qset.items if item.question.type == "cloze"
              for b in item.question.blanks for other in b.accept}  # an alternative is an answer too
    longest = max(len(a) for a in answers)
    most_words = max(len(a.split()) for a in answers)
    pool: list[str] = []
    for q in bank.questions:
        pool += [b.answer for b in q.blanks] + list(q.answers if q.type == "multiple_choice" else ()) \
            + list(q.distractors)
    pool += [e.name for e in bank.entities.values()]
    pool += [str(f.data["term"]) for f in bank.facts if f.data.get("term")]
    candidates = sorted({clean(p) for p in pool
                         if clean(p) and clean(p).casefold() not in taken and len(clean(p)) <= longest * 1.5 + 4
                         and len(clean(p).split()) <= most_words + 1 and not any(ch.isdigit() for ch in p)})
    wanted = min(len(candidates), max(2, -(-len(answers) // 2)), 8)
    return random.Random(f"word-bank:{bank.id}:{qset.seed}").sample(candidates, wanted)


def _capitals(text: str) -> int:
    return sum(1 for c in text if c.isupper())


# ---- header ----

def worksheet_header(bank: Bank, qset: QuestionSet, layout: Layout, kind: str | None = None) -> Block:
    """The first page's header: title, version, Name/Class/Date, instructions."""
    w = layout.width
    words = layout.words
    lang = words["_language"]
    b = BlockBuilder(w)
    box = 46.0
    title_w = w - (box + 14 if qset.version else 0)
    sheet = layout.sheet
    top = 0.0
    if sheet.get("school"):
        top = b.para(0, 0, para(clean(sheet["school"]).upper(), SCHOOL, title_w)) + 1
    title = para(clean(sheet.get("title") or bank.title), TITLE, title_w)
    top = b.para(0, top, title)
    if sheet.get("subtitle"):
        top = b.para(0, top + 1, para(clean(sheet["subtitle"]), SHEET_SUBTITLE, title_w))
    total = sum(item.question.points for item in qset.items)
    facts = [kind or words["worksheet"], count_of(lang, len(qset.items), "question")]
    if layout.show_points:
        facts.append(count_of(lang, total, "point"))
    if sheet.get("time_allowed") and kind is None:
        facts.append(str(words["time_allowed"]).format(time=clean(sheet["time_allowed"])))
    top = b.para(0, top + 1, para(" \u00b7 ".join(facts), SUBTITLE, title_w))
    if qset.version:
        for part in version_box(w - box, 0, box, qset.version, Style("bold", 24.0, 26.0),
                                label_text=words["version_box"]):
            b.parts.append(part)
        b.bottom = max(b.bottom, box)
        top = max(top, box)
    top += 14
    # Name / Class / Date
    fields = [(words["name"], 0.5), (words["class"], 0.25), (words["date"], 0.25)]
    x = 0.0
    for label, share in fields:
        cell = w * share
        b.text(x, top, FIELD, label)
        start = x + FIELD.width(label) + 4
        end = x + cell - (12 if x + cell < w - 1 else 0)
        b.ops(top, top + 14, line(start, top + FIELD.baseline + 2, end, top + FIELD.baseline + 2, 0.6, 0.2))
        x += cell
    top += FIELD.leading + 10
    instructions = words["instructions"]
    if layout.group_by != "type":
        instructions = words["instructions_ungrouped"]
    if layout.show_points:
        instructions += words["points_note"]
    if sheet.get("instructions"):  # the teacher's own words replace the standard ones
        instructions = clean(sheet["instructions"])
    top = b.para(0, top, para(instructions, INSTRUCTION, w))
    top += 5
    b.ops(top, top + 1, line(0, top, w, top, 0.8, 0.0))
    b.bottom = top + 1
    return b.build("the worksheet header", pad_bottom=12)


# ---- one question ----

def _start(b: BlockBuilder, item: PlacedQuestion, layout: Layout, top: float, prompt: str | list[Run],
           note: str | None = None, beside: tuple[tuple[str, Style], ...] = ()) -> float:
    """Number, prompt and points; returns the top of what follows.

    ``beside`` are words printed at the right of the prompt's first line, before the
    points (a true/false question's True and False), 16 points apart.
    """
    q = item.question
    num = f"{item.number}."
    b.text(NUM_W - 6 - NUMBER.width(num), top, NUMBER, num)
    gap = 16.0
    right = sum(style.width(text) + gap for text, style in beside) + (8 if beside else 0)
    prompt_w = layout.width - NUM_W - (POINTS_W if layout.show_points else 0) - right
    bottom = b.para(NUM_W, top, para(prompt, BODY, prompt_w))
    x = NUM_W + prompt_w + 8 + gap / 2
    for text, style in beside:
        b.text(x, top, style, text)
        x += style.width(text) + gap
    if layout.show_points:
        label = f"({points_label(q.points, layout.words)})"
        b.text(layout.width - POINTS.width(label), top, POINTS, label)
    if note:
        bottom = b.para(NUM_W, bottom + 1, para(note, NOTE, prompt_w))
    return bottom


def heading_parts(b: BlockBuilder, qtype: str, layout: Layout, first: bool, points: float,
                  select_all: bool, word_bank: bool) -> float:
    """A section heading with its one instruction line; returns the top of what follows."""
    top = 0.0 if first else 8.0
    b.text(0, top, HEADING, layout.words["section_titles"][qtype])
    if layout.show_points:
        label = points_label(points, layout.words)
        b.text(layout.width - HEADING_POINTS.width(label), top, HEADING_POINTS, label)
    top += HEADING.leading + 1
    b.ops(top, top + 1, line(0, top, layout.width, top, 0.5, 0.55))
    text = layout.words["section_instructions"][qtype]
    if select_all:
        text += layout.words["select_all_instruction"]
    if word_bank:
        text += layout.words["word_bank_instruction"]
    top = b.para(0, top + 3, para(text, INSTRUCTION, layout.width))
    return top + 9


def word_bank_parts(b: BlockBuilder, entries: list[str], layout: Layout, top: float) -> float:
    """A boxed word bank in alphabetical order, no entry ever broken over two lines.

    Even columns when at least three fit; otherwise (long entries) the entries run on
    along the lines, separated by dots.
    """
    pad = 8.0
    inner = layout.width - 2 * pad
    gap = 14.0
    widest = max(BODY.width(e) for e in entries)
    cols = min(5, int((inner + gap) // (widest + gap)), len(entries))
    label_top = top + pad - 2
    row_top = label_top + BANK_LABEL.leading
    parts_at = len(b.parts)
    if cols >= 3 or len(entries) < 3:
        cols = max(1, cols)
        col_w = (inner + gap) / cols
        if len(entries) <= cols:  # a single row: keep the entries together at the left
            col_w = min(col_w, widest + 3 * gap)
        for start in range(0, len(entries), cols):
            bottom = row_top + BODY.leading
            for c, entry in enumerate(entries[start:start + cols]):
                bottom = max(bottom, b.para(pad + c * col_w, row_top, para(entry, BODY, inner)))
            row_top = bottom
    else:
        sep = "\u00b7"
        sep_w = BANK_SEP.width(sep)
        x = 0.0
        for i, entry in enumerate(entries):
            w = BODY.width(entry)
            if x and x + sep_w + 2 * gap + w > inner:
                row_top += BODY.leading
                x = 0.0
            if x:
                b.text(pad + x + gap, row_top, BANK_SEP, sep)
                x += sep_w + 2 * gap
            if w > inner:
                row_top = b.para(pad, row_top, para(entry, BODY, inner)) - BODY.leading
                x = inner
            else:
                b.text(pad + x, row_top, BODY, entry)
                x += w
        row_top += BODY.leading
    height = row_top - top + pad - 2
    b.parts.insert(parts_at, (top, top + height, "ops", rect(0, top, layout.width, height, 0.7, 0.35, fill=0.96)))
    b.parts.insert(parts_at + 1, (label_top, label_top + BANK_LABEL.leading, "text", pad, BANK_LABEL, layout.words["word_bank"]))
    return top + height + 10


_marks: dict[tuple[int, bool], Piece] = {}


def _mark(b: BlockBuilder, x: float, top: float, index: int, square: bool) -> None:
    """An empty bubble (or box) with the option's letter in it, centred on a text line."""
    piece = _marks.get((index, square))
    if piece is None:
        cx = BUBBLE_R
        cy = BODY.baseline - 0.36 * BODY.size
        if square:
            s = BUBBLE_R * 1.85
            ops = rect(cx - s / 2, cy - s / 2, s, s, 0.7, 0.1)
        else:
            ops = circle(cx, cy, BUBBLE_R, 0.7, 0.1)
        mark = letter(index)
        w = MARK_LETTER.width(mark)
        text = (cx - w / 2, cy + 0.36 * MARK_LETTER.size - MARK_LETTER.baseline, MARK_LETTER, mark)
        piece = _marks[(index, square)] = Piece(ops, [text], BODY.leading)
    b.para(x, top, piece)


def _columns(texts: tuple[str, ...], avail: float, text_offset: float) -> int:
    """4 or 2 columns when every option fits on one line of such a column, else 1."""
    widest = max((BODY.width(clean(t)) for t in texts), default=0.0)
    for cols in (4, 2):
        if len(texts) >= cols and widest <= avail / cols - text_offset - 10:
            return cols
    return 1


def _multiple_choice(b: BlockBuilder, item: PlacedQuestion, layout: Layout, top: float) -> float:
    q = item.question
    note = None
    select_note = str(layout.words["select_all_note"])
    if q.select_all and select_note.rstrip(".").casefold() not in q.prompt.casefold():
        note = select_note
    top = _start(b, item, layout, top, clean(q.prompt), note) + 4
    text_offset = 2 * BUBBLE_R + 7
    avail = layout.width - MARK_X
    cols = _columns(item.options, avail, text_offset)
    col_w = avail / cols
    row_top = top
    row_bottom = top
    for i, option in enumerate(item.options):
        col = i % cols
        if col == 0 and i:
            row_top = row_bottom + 3
            b.allow_break(row_top)
        x = MARK_X + col * col_w
        _mark(b, x, row_top, i, q.select_all)
        p = para(clean(option), BODY, col_w - text_offset - (8 if cols > 1 else 0))
        row_bottom = max(row_bottom, b.para(x + text_offset, row_top, p))
    return row_bottom


def _true_false(b: BlockBuilder, item: PlacedQuestion, layout: Layout, top: float) -> float:
    """The statement, with True and False to circle at the right of its first line."""
    note = layout.words["question_notes"]["true_false"] if layout.group_by != "type" else None
    return _start(b, item, layout, top, clean(item.question.prompt), note,
                  beside=((layout.words["true"], TF_STYLE), (layout.words["false"], TF_STYLE)))


def _short_answer(b: BlockBuilder, item: PlacedQuestion, layout: Layout, top: float) -> float:
    note = layout.words["question_notes"]["short_answer"] if layout.group_by != "type" else None
    top = _start(b, item, layout, top, clean(item.question.prompt), note)
    for _ in range(2):
        top += 22
        b.ops(top - 1, top + 1, line(NUM_W, top, layout.width, top, 0.5, LINE_GRAY))
    return top + 2


def _cloze(b: BlockBuilder, item: PlacedQuestion, layout: Layout, top: float) -> float:
    runs: list[Run] = []
    for kind, value in cloze_parts(item):
        if kind == "text":
            runs.append(Run(value, BODY))
        else:
            runs.append(Run(layout.blank or blank_underscores(value.answer), BODY))
            if value.hint:
                runs.append(Run(f" ({clean(value.hint)})", HINT, glue=True))
    note = layout.words["question_notes"]["cloze"] if layout.group_by != "type" else None
    return _start(b, item, layout, top, runs, note)


def _numeric(b: BlockBuilder, item: PlacedQuestion, layout: Layout, top: float) -> float:
    q = item.question
    top = _start(b, item, layout, top, clean(q.prompt)) + 4
    text = f"{layout.words['answer_line']} " + "_" * 22
    if q.unit:
        text += " " + clean(q.unit)
    b.para(MARK_X, top, para(text, BODY, layout.width - MARK_X))
    return top + BODY.leading


def _matching(b: BlockBuilder, item: PlacedQuestion, layout: Layout, top: float) -> float:
    q = item.question
    note = layout.words["question_notes"]["matching"] if layout.group_by != "type" else None
    top = _start(b, item, layout, top, clean(q.prompt), note) + 5
    avail = layout.width - MARK_X
    space = "_" * 5
    space_w = BODY.width(space) + 6
    # share the width by what each column holds, the left one taking 38 to 60 per cent
    left_need = max((BODY.width(clean(left)) for left, _ in q.pairs), default=1.0) + space_w + 20
    right_need = max((BODY.width(clean(t)) for t in item.options), default=1.0) + 26
    share = min(0.6, max(0.38, left_need / (left_need + right_need)))
    left_w = avail * share
    right_x = MARK_X + left_w + 10
    label_w = 16.0
    row_top = top
    for i, (left, _) in enumerate(q.pairs):
        if i:
            b.allow_break(row_top)
        b.text(MARK_X, row_top, BODY, space)
        num = f"{i + 1}."
        b.text(MARK_X + space_w, row_top, ITEM_LABEL, num)
        lp = para(clean(left), BODY, left_w - space_w - label_w - 4)
        bottom = b.para(MARK_X + space_w + label_w, row_top, lp)
        if i < len(item.options):
            b.text(right_x, row_top, ITEM_LABEL, f"{letter(i).lower()}.")
            rp = para(clean(item.options[i]), BODY, layout.width - right_x - label_w)
            bottom = max(bottom, b.para(right_x + label_w, row_top, rp))
        row_top = bottom + 4
    # a right-hand item with no left partner (never from the bank format, but be safe)
    for i in range(len(q.pairs), len(item.options)):
        b.text(right_x, row_top, ITEM_LABEL, f"{letter(i).lower()}.")
        row_top = b.para(right_x + label_w, row_top, para(clean(item.options[i]), BODY,
                                                          layout.width - right_x - label_w)) + 4
    return row_top - 4


def _ordering(b: BlockBuilder, item: PlacedQuestion, layout: Layout, top: float) -> float:
    note = layout.words["question_notes"]["ordering"] if layout.group_by != "type" else None
    top = _start(b, item, layout, top, clean(item.question.prompt), note) + 5
    box_w, box_h = 17.0, 13.5
    label_w = 16.0
    row_top = top
    for i, text in enumerate(item.options):
        if i:
            b.allow_break(row_top)
        b.ops(row_top, row_top + box_h, rect(MARK_X, row_top, box_w, box_h, 0.7, 0.1))
        b.text(MARK_X + box_w + 7, row_top, ITEM_LABEL, f"{letter(i).lower()}.")
        x = MARK_X + box_w + 7 + label_w
        row_top = b.para(x, row_top, para(clean(text), BODY, layout.width - x)) + 5
    return row_top - 5


LAYOUTS = {
    "multiple_choice": _multiple_choice,
    "true_false": _true_false,
    "short_answer": _short_answer,
    "cloze": _cloze,
    "numeric": _numeric,
    "matching": _matching,
    "ordering": _ordering,
}


def question_block(item: PlacedQuestion, layout: Layout, heading: dict | None = None,
                   bank_entries: list[str] | None = None) -> Block:
    """The block of one question, with a section heading and word bank above it if given."""
    b = BlockBuilder(layout.width)
    top = 0.0
    if heading is not None:
        top = heading_parts(b, item.question.type, layout, **heading)
    if bank_entries:
        top = word_bank_parts(b, bank_entries, layout, top)
    LAYOUTS[item.question.type](b, item, layout, top)
    return b.build(f"question {item.question.id!r}", pad_bottom=GAP)


def page_counts(heights: list[float], first_height: float, later_height: float) -> list[int]:
    """How many whole blocks each page takes, filling pages in order (as the document does)."""
    counts: list[int] = []
    room, n = first_height, 0
    for h in heights:
        if h > room + 1e-6 and n:
            counts.append(n)
            room, n = later_height, 0
        room -= h
        n += 1
    return counts + [n] if n else counts


TIGHT_GAP = 5.0  # the space between questions when the sheet is tightened


def tighten_last_page(blocks: list[Block], layout: Layout) -> list[Block]:
    """The blocks with less space between questions, if that saves a last page holding a single
    question; else the blocks as they are. (A block taller than a page is never tightened.)"""
    heights = [b.height for b in blocks]
    if any(h > layout.later_height for h in heights):
        return blocks
    counts = page_counts(heights, layout.first_height, layout.later_height)
    if len(counts) < 2 or counts[-1] != 1:
        return blocks
    squeeze = GAP - TIGHT_GAP
    tight = [Block(b.width, b.height - squeeze, b.parts, b.breaks, b.label, b.shift)
             if b.label.startswith("question ") else b for b in blocks]
    if len(page_counts([b.height for b in tight], layout.first_height, layout.later_height)) < len(counts):
        return tight
    return blocks


def worksheet_blocks(bank: Bank, qset: QuestionSet, layout: Layout) -> list[Block]:
    """Header plus one block per question, with section headings when grouped by type."""
    if not layout.blank:
        layout = replace(layout, blank=sheet_blank(qset))
    blocks: list[Block] = [worksheet_header(bank, qset, layout)]
    entries = word_bank_entries(qset) if layout.word_bank else []
    if entries:
        entries = sorted(entries + extra_words(bank, qset, entries), key=lambda e: (e.casefold(), e))
    sections: dict[str, list[PlacedQuestion]] = {}
    for item in qset.items:
        sections.setdefault(item.question.type, []).append(item)
    previous = None
    bank_done = False
    for item in qset.items:
        qtype = item.question.type
        heading = None
        if layout.group_by == "type" and qtype != previous:
            members = sections[qtype]
            heading = {
                "first": previous is None,
                "points": sum(m.question.points for m in members),
                "select_all": qtype == "multiple_choice" and any(m.question.select_all for m in members),
                "word_bank": bool(entries) and qtype == "cloze",
            }
        bank_here = None
        if entries and qtype == "cloze" and not bank_done:
            bank_here = entries
            bank_done = True
        blocks.append(question_block(item, layout, heading, bank_here))
        previous = qtype
    return blocks
