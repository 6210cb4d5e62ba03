"""Choose, order and shuffle questions into ``QuestionSet`` objects.

Everything random here flows from one explicit seed: the same questions, seed and
options always give the same sets. The worksheet and the answer key of a version
are rendered from the same set, so they can never disagree.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterable, Sequence

from .errors import SelectionError
from .model import QUESTION_TYPES, Bank, PlacedQuestion, Question, QuestionSet, letter

DEFAULT_SEED = 2016
MAX_VERSIONS = 100  # A..Z, then AA, AB, ...: a class set of 30 is common


@dataclass(frozen=True)
class SelectionSpec:
    """What to take from a bank and how to lay it out."""

    seed: int = DEFAULT_SEED
    count: int | None = None  # None: every question that passes the filters
    versions: int = 1
    tags: tuple[str, ...] = ()  # keep questions with any of these tags
    types: tuple[str, ...] = ()  # keep questions of any of these types
    group_by: str = "type"  # "type": one section per question type; "none": fully shuffled


def filter_questions(questions: Iterable[Question], tags: Sequence[str] = (),
                     types: Sequence[str] = ()) -> list[Question]:
    """Questions that carry any of ``tags`` and are of any of ``types`` (empty: no filter)."""
    wanted_tags = {t.casefold() for t in tags}
    out = []
    for q in questions:
        if types and q.type not in types:
            continue
        if wanted_tags and not wanted_tags & {t.casefold() for t in q.tags}:
            continue
        out.append(q)
    return out


def check_spec(spec: SelectionSpec) -> None:
    """Reject impossible settings before any work is done."""
    unknown = [t for t in spec.types if t not in QUESTION_TYPES]
    if unknown:
        raise SelectionError(f"unknown question type {unknown[0]!r}; expected one of: "
                             f"{', '.join(QUESTION_TYPES)}")
    if not 1 <= spec.versions <= MAX_VERSIONS:
        raise SelectionError(f"--versions {spec.versions} is out of range; expected 1 to {MAX_VERSIONS}")
    if spec.count is not None and spec.count < 1:
        raise SelectionError(f"--count {spec.count} is out of range; expected 1 or more")
    if spec.group_by not in ("type", "none"):
        raise SelectionError(f"--group-by {spec.group_by!r} is not allowed; expected type or none")


def choose_questions(bank: Bank, questions: Sequence[Question], spec: SelectionSpec) -> list[Question]:
    """The filtered questions, sampled down to ``spec.count``, in bank order."""
    check_spec(spec)
    pool = filter_questions(questions, spec.tags, spec.types)
    if not pool:
        raise SelectionError(f"{bank.path}: no question of bank {bank.id!r} matches "
                             f"{_describe_filters(spec)}; expected at least one")
    if spec.count is None or spec.count == len(pool):
        return pool
    if spec.count > len(pool):
        raise SelectionError(f"{bank.path}: --count {spec.count} asks for more questions than bank "
                             f"{bank.id!r} has ({len(pool)} match {_describe_filters(spec)}); "
                             f"expected at most {len(pool)}")
    rng = random.Random(f"quizgen:{spec.seed}:{bank.id}:choose")
    picked = set(rng.sample(range(len(pool)), spec.count))
    return [q for i, q in enumerate(pool) if i in picked]


def select_questions(bank: Bank, questions: Sequence[Question], spec: SelectionSpec) -> list[QuestionSet]:
    """One QuestionSet per version, each with its own question and option order."""
    return arrange_versions(bank, choose_questions(bank, questions, spec), spec)


def arrange_versions(bank: Bank, chosen: Sequence[Question], spec: SelectionSpec) -> list[QuestionSet]:
    """Lay out already chosen questions as ``spec.versions`` shuffled versions."""
    sets = []
    for v in range(spec.versions):
        version = letter(v) if spec.versions > 1 else None
        rng = random.Random(f"quizgen:{spec.seed}:{bank.id}:version:{v}")
        ordered = list(chosen)
        rng.shuffle(ordered)
        if spec.group_by == "type":
            rank = {t: i for i, t in enumerate(QUESTION_TYPES)}
            ordered.sort(key=lambda q: rank[q.type])  # stable: shuffled order kept inside a section
        items = tuple(place_question(n, q, rng) for n, q in enumerate(ordered, start=1))
        sets.append(QuestionSet(bank=bank, version=version, items=items, seed=spec.seed))
    return sets


def place_question(number: int, question: Question, rng: random.Random) -> PlacedQuestion:
    """Fix the printed order of a question's options, and where the right answers went."""
    if question.type == "multiple_choice":
        options = list(question.answers) + list(question.distractors)
        order = list(range(len(options)))
        rng.shuffle(order)
        printed = tuple(options[i] for i in order)
        key = tuple(pos for pos, i in enumerate(order) if i < len(question.answers))
        return PlacedQuestion(number, question, printed, key)
    if question.type == "matching":
        rights = [right for _, right in question.pairs]
        order = _derangement_like(len(rights), rng)
        printed = tuple(rights[i] for i in order)
        key = tuple(order.index(i) for i in range(len(rights)))
        return PlacedQuestion(number, question, printed, key)
    if question.type == "ordering":
        order = _derangement_like(len(question.items), rng)
        printed = tuple(question.items[i] for i in order)
        return PlacedQuestion(number, question, printed, tuple(order))
    return PlacedQuestion(number, question)


def _derangement_like(n: int, rng: random.Random) -> list[int]:
    """A shuffled order of range(n) that is never the identity (n >= 2)."""
    order = list(range(n))
    for _ in range(20):
        rng.shuffle(order)
        if order != sorted(order):
            return order
    return order[1:] + order[:1]


def _describe_filters(spec: SelectionSpec) -> str:
    parts = []
    if spec.tags:
        parts.append(f"tags {', '.join(spec.tags)}")
    if spec.types:
        parts.append(f"types {', '.join(spec.types)}")
    return " and ".join(parts) if parts else "no filter"
