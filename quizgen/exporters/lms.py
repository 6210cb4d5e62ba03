"""What the LMS exporters (moodle, gift, qti, html) share: which questions a file carries,
how they are grouped one group per fact, the feedback text, and the per-type parts
(options, accepted answers, cloze pieces, numeric range) each format renders.

Every LMS exporter is a table: ``RENDER: dict[question type, function]`` plus
``SUPPORT: dict[question type, str]`` saying how the format carries the type
("native", or the faithful conversion it uses, or "left out with a warning").
``tests/test_exporter_lms.py`` walks ``EXPORTERS × QUESTION_TYPES`` so a new type or a
new format cannot be half-supported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

from ..model import Bank, Question, QUESTION_TYPES
from . import ExportJob

NATIVE = "native"
BLANK_PATTERN = re.compile(r"\[\[(.*?)\]\]", re.S)  # the bank's cloze markup (banks.parse_cloze)


@dataclass(frozen=True)
class FactGroup:
    """Questions of which a quiz should hold at most one: they test a common fact.

    ``key`` is a stable identifier (the first fact's id, or ``question-<id>`` for a
    question that tests no declared fact), ``facts`` the facts the group covers (bank
    order), ``tag`` the first tag of its first question (Moodle's parent category).
    """

    key: str
    facts: tuple[str, ...]
    tag: str | None
    questions: tuple[Question, ...]

    @property
    def title(self) -> str:
        if not self.facts:
            return f"question {self.questions[0].id}"
        if len(self.facts) == 1:
            return f"fact {self.facts[0]}"
        return f"facts {', '.join(self.facts)}"


def carried_questions(job: ExportJob) -> tuple[Question, ...]:
    """What an LMS file holds: the chosen quiz when quiz flags were given, else the whole bank."""
    return job.quiz if job.quiz_requested else job.questions


def fact_groups(bank: Bank, questions: Sequence[Question]) -> list[FactGroup]:
    """Group questions so that drawing one per group never repeats a fact.

    Questions that share a fact are in one group; a question testing several facts
    (a timeline, a matching of roles) joins the groups of all of them. A question
    with no declared fact is a group of its own. Groups come in the order of their
    first question; facts within a group in bank order.
    """
    parent: dict[str, str] = {}

    def find(item: str) -> str:
        root = item
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[item] != root:  # path compression
            parent[item], item = root, parent[item]
        return root

    fact_order = {fact.id: i for i, fact in enumerate(bank.facts)}
    for q in questions:
        for other in q.facts[1:]:
            a, b = find(q.facts[0]), find(other)
            if a != b:
                parent[max(a, b, key=lambda f: (fact_order.get(f, len(fact_order)), f))] = \
                    min(a, b, key=lambda f: (fact_order.get(f, len(fact_order)), f))
    members: dict[str, list[Question]] = {}
    facts_of: dict[str, set[str]] = {}
    for q in questions:
        key = find(q.facts[0]) if q.facts else f"question-{q.id}"
        members.setdefault(key, []).append(q)
        facts_of.setdefault(key, set()).update(q.facts)
    return [
        FactGroup(key=key,
                  facts=tuple(sorted(facts_of[key], key=lambda f: (fact_order.get(f, len(fact_order)), f))),
                  tag=qs[0].tags[0] if qs[0].tags else None,
                  questions=tuple(qs))
        for key, qs in members.items()
    ]


# -- text shared by every format ------------------------------------------------
def source_line(bank: Bank, q: Question) -> str:
    """"Source: publisher, “title”, date (url)"; the evidence quoted when the bank has it."""
    source = bank.sources.get(q.source)
    if source is None:
        return f"Source: {q.source}"
    text = f"Source: {source.citation()}"
    if source.url:
        text += f" ({source.url})"
    if q.evidence:
        text += f": \u201c{q.evidence}\u201d"
    return text


def feedback_text(bank: Bank, q: Question) -> str:
    """The general feedback: the explanation (if any), then the source it comes from."""
    parts = [q.explanation] if q.explanation else []
    parts.append(source_line(bank, q))
    return "\n".join(parts)


# -- per-type parts --------------------------------------------------------------
def options(q: Question) -> tuple[tuple[str, bool], ...]:
    """Multiple choice: (text, correct) for every option, answers first (LMSs shuffle)."""
    return tuple((a, True) for a in q.answers) + tuple((d, False) for d in q.distractors)


def accepted(q: Question) -> tuple[str, ...]:
    """Short answer: the model answer, then every other accepted answer, without repeats."""
    return tuple(dict.fromkeys(q.answers + q.accept))


def cloze_pieces(q: Question) -> list[str | int]:
    """A cloze text as text pieces and blank numbers (0-based), in reading order."""
    pieces: list[str | int] = []
    last = 0
    for index, match in enumerate(BLANK_PATTERN.finditer(q.prompt)):
        if match.start() > last:
            pieces.append(q.prompt[last:match.start()])
        pieces.append(index)
        last = match.end()
    if last < len(q.prompt):
        pieces.append(q.prompt[last:])
    return pieces


def cloze_display(q: Question, blank: Callable[[int], str] = lambda i: "_____") -> str:
    """A cloze text with each blank replaced by ``blank(i)`` (its hint, if any, after it)."""
    out = []
    for piece in cloze_pieces(q):
        if isinstance(piece, int):
            hint = q.blanks[piece].hint
            out.append(blank(piece) + (f" ({hint})" if hint else ""))
        else:
            out.append(piece)
    return "".join(out)


def numeric_range(q: Question) -> tuple[float, float]:
    """The accepted interval of a numeric answer."""
    number = q.number or 0.0
    tolerance = q.tolerance or 0.0
    return number - tolerance, number + tolerance


def number_text(value: float | None) -> str:
    """A number as a machine reads it: no thousands separators, "4" not "4.0"."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def numeric_prompt(q: Question) -> str:
    """The numeric prompt, with the unit said when the format has nowhere else to put it."""
    return f"{q.prompt} (in {q.unit})" if q.unit else q.prompt


def ordering_pairs(q: Question) -> tuple[tuple[str, str], ...]:
    """An ordering question as matching: each item to its position ("1", "2", ...)."""
    return tuple((item, str(i + 1)) for i, item in enumerate(q.items))


def ordering_prompt(q: Question) -> str:
    return f"{q.prompt} (Give each item its position, 1 = first.)"


# Moodle accepts only these answer grades (percent; negatives for wrong choices), as its
# question editor offers them; an imported file with another value is rounded or refused.
MOODLE_FRACTIONS = ("100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333",
                    "30", "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0")


def moodle_share(count: int) -> str | None:
    """The grade of one of ``count`` equal parts, as Moodle writes it ("33.33333"), or None."""
    if count < 1:
        return None
    wanted = 100 / count
    for value in MOODLE_FRACTIONS:
        if abs(float(value) - wanted) < 1e-4:
            return value
    return None


def check_table(name: str, render: Mapping[str, Callable], support: Mapping[str, str]) -> None:
    """Import-time guard: a format's tables name every question type, and nothing else."""
    for table in (render, support):
        missing = set(QUESTION_TYPES) - set(table)
        extra = set(table) - set(QUESTION_TYPES)
        if missing or extra:
            raise AssertionError(f"exporter {name}: types missing {sorted(missing)}, unknown {sorted(extra)}")


class LeftOut(Exception):
    """Raised by a format's per-type function for a question it cannot carry faithfully."""

    def __init__(self, what: str, fix: str):
        super().__init__(what)
        self.what = what
        self.fix = fix


def warning(q: Question, what: str, fix: str) -> str:
    """A warning about a question (DESIGN §11.4): ``path:line: question ID: what; fix``.

    The CLI prints "warning:" in front of every warning the library reports.
    """
    where = f"{q.ref}: " if q.ref else ""
    return f"{where}question {q.id}: {what}; {fix}"


__all__ = ["FactGroup", "carried_questions", "fact_groups", "feedback_text", "source_line", "options",
           "accepted", "cloze_pieces", "cloze_display", "numeric_range", "number_text", "numeric_prompt",
           "ordering_pairs", "ordering_prompt", "check_table", "LeftOut", "warning", "NATIVE", "MOODLE_FRACTIONS", "moodle_share"]
