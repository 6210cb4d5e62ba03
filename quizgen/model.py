"""The data quizgen works on: frozen dataclasses, no I/O, no rendering.

``banks`` builds these from YAML, ``generate`` adds questions made from facts,
``select`` arranges them into ``QuestionSet`` objects, and the exporters render those.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from .errors import SourceRef

QUESTION_TYPES = (
    "multiple_choice",
    "true_false",
    "short_answer",
    "cloze",
    "numeric",
    "matching",
    "ordering",
)
ENTITY_KINDS = ("person", "organization", "country", "place", "document", "event", "other")
FACT_KINDS = ("action", "quote", "quantity", "event", "claim", "role", "definition")
DIFFICULTIES = ("easy", "medium", "hard")
PAPER_SIZES = ("letter", "a4")


@dataclass(frozen=True, slots=True)
class Source:
    """An article a bank is written from."""

    id: str
    title: str
    publisher: str
    date: str | None = None  # "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    author: str | None = None
    url: str | None = None
    ref: SourceRef | None = None
    kind: str = "article"  # "article" or "reference" (background knowledge)
    text_file: str | None = None  # the article's text, relative to the bank file

    def citation(self) -> str:
        """One line naming the article: publisher, title, date."""
        parts = [self.publisher, f"\u201c{self.title}\u201d"]
        if self.date:
            parts.append(self.date)
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Entity:
    """A person, organisation, country, place, document or event the bank talks about."""

    id: str
    name: str
    kind: str
    role: str | None = None
    aliases: tuple[str, ...] = ()
    ref: SourceRef | None = None
    group: str | None = None  # entities that can stand in for each other as wrong options


@dataclass(frozen=True, slots=True)
class Fact:
    """One atomic statement from a source. ``data`` holds the kind's own fields."""

    id: str
    kind: str
    source: str
    data: Mapping[str, object]
    evidence: str | None = None
    tags: tuple[str, ...] = ()
    deck: str | None = None
    ref: SourceRef | None = None


@dataclass(frozen=True, slots=True)
class Blank:
    """One ``[[answer]]`` or ``[[answer::hint]]`` gap in a cloze text.

    ``accept`` holds the other answers that also fill it right, written
    ``[[answer|other|another::hint]]``; the first, ``answer``, is the one keys print.
    """

    answer: str
    hint: str | None = None
    accept: tuple[str, ...] = ()

    @property
    def accepted(self) -> tuple[str, ...]:
        """Every answer that fills the blank right: ``answer`` first, then ``accept``."""
        return (self.answer, *self.accept)


@dataclass(frozen=True, slots=True)
class Question:
    """A question of any type, hand-written or generated from a fact.

    Which fields are used depends on ``type``:

    - multiple_choice: ``prompt``, ``answers`` (one, or several for select-all), ``distractors``
    - true_false: ``prompt`` (the statement), ``truth``
    - short_answer: ``prompt``, ``answers`` (first is the model answer), ``accept``
    - cloze: ``prompt`` (the text with ``[[...]]`` markup), ``blanks``
    - numeric: ``prompt``, ``number``, ``tolerance``, ``unit``
    - matching: ``prompt``, ``pairs``
    - ordering: ``prompt``, ``items`` (in the correct order)
    """

    id: str
    bank: str
    type: str
    prompt: str
    source: str
    answers: tuple[str, ...] = ()
    distractors: tuple[str, ...] = ()
    select_all: bool = False
    truth: bool | None = None
    accept: tuple[str, ...] = ()
    blanks: tuple[Blank, ...] = ()
    number: float | None = None
    tolerance: float | None = None
    unit: str | None = None
    pairs: tuple[tuple[str, str], ...] = ()
    items: tuple[str, ...] = ()
    explanation: str | None = None
    evidence: str | None = None
    tags: tuple[str, ...] = ()
    difficulty: str | None = None
    points: float = 1
    deck: str | None = None
    origin: str = "hand"  # "hand" or "template"
    fact: str | None = None  # the fact a generated question came from
    template: str | None = None  # the template that made it
    facts: tuple[str, ...] = ()  # the facts the question tests (a generated one: its fact or facts)
    ref: SourceRef | None = None

    @property
    def answer_text(self) -> str:
        """The answer as one line of text, for lists, keys and card backs."""
        if self.type == "true_false":
            return "True" if self.truth else "False"
        if self.type == "cloze":
            return "; ".join(b.answer for b in self.blanks)
        if self.type == "numeric":
            text = format_number(self.number)
            if self.tolerance:
                text += f" (\u00b1 {format_number(self.tolerance)})"
            return f"{text} {self.unit}" if self.unit else text
        if self.type == "matching":
            return "; ".join(f"{left} \u2192 {right}" for left, right in self.pairs)
        if self.type == "ordering":
            return " \u2192 ".join(self.items)
        return "; ".join(self.answers)


def format_number(value: float | None) -> str:
    """Print 4.0 as "4", 1998 as "1998" (years!), 1000000000 as "1,000,000,000", 0.5 as "0.5".

    Thousands separators start at five digits, as most style guides have it, so that a
    year never prints as "1,998".
    """
    if value is None:
        return ""
    if abs(value) < 10_000:
        return f"{int(value)}" if float(value).is_integer() else f"{value}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,}"


@dataclass(frozen=True, slots=True)
class Bank:
    """A validated bank file: sources, entities, facts and hand-written questions."""

    id: str
    title: str
    path: str
    sources: Mapping[str, Source]
    entities: Mapping[str, Entity] = field(default_factory=dict)
    facts: tuple[Fact, ...] = ()
    questions: tuple[Question, ...] = ()
    language: str = "en"
    description: str | None = None
    paper: str | None = None
    disable: tuple[str, ...] = ()  # generated question ids the teacher switched off
    sheet: Mapping[str, str] = field(default_factory=dict)  # title, subtitle, instructions, time_allowed, school
    ref: SourceRef | None = None
    warnings: tuple[str, ...] = ()  # authoring traps found while reading (DESIGN §11.4 lines)


@dataclass(frozen=True, slots=True)
class PlacedQuestion:
    """A question as printed in one version: its number and the order of its parts.

    ``options`` is what the student sees in order: the choices of a multiple-choice
    question, the right-hand column of a matching question, the shuffled items of an
    ordering question; empty for the other types. ``key`` gives, for multiple choice,
    the indexes of the correct options; for matching, for each left item (in the
    question's order) the index of its partner in ``options``; for ordering, for each
    printed item its 0-based position in the correct order.
    """

    number: int
    question: Question
    options: tuple[str, ...] = ()
    key: tuple[int, ...] = ()

    @property
    def key_text(self) -> str | None:
        """The manifest's ``key``: "C" or "A,C" for multiple choice, "True"/"False", else None."""
        q = self.question
        if q.type == "multiple_choice":
            return ",".join(letter(i) for i in sorted(self.key))
        if q.type == "true_false":
            return "True" if q.truth else "False"
        return None


def letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


@dataclass(frozen=True, slots=True)
class QuestionSet:
    """The questions of one bank in one printed version, order and options fixed once.

    The worksheet and its answer key are both rendered from the same object.
    ``version`` is "A", "B", ... when several versions are built, else None.
    """

    bank: Bank
    version: str | None
    items: tuple[PlacedQuestion, ...]
    seed: int

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(item.question for item in self.items)
