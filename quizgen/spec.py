"""What a build asks of the selection: the ``SelectionSpec`` and its checks.

Kept apart from ``select`` (which chooses and shuffles, with the rules of ``quizrules``)
so that the command line and an unchanged rebuild (``quizgen.rebuild``) can describe a
build without importing the selection machinery.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

from .errors import SelectionError

if TYPE_CHECKING:
    from .model import Question

DEFAULT_SEED = 2016
MAX_VERSIONS = 100  # A..Z, then AA, AB, ...: a class set of 30 is common


@dataclass(frozen=True)
class SelectionSpec:
    """What to take from a bank and how to lay it out."""

    seed: int = DEFAULT_SEED
    count: int | None = None  # None: the best question of each fact (every question that fits the rules)
    versions: int = 1
    tags: tuple[str, ...] = ()  # keep questions with any of these tags
    types: tuple[str, ...] = ()  # keep questions of any of these types
    group_by: str = "type"  # "type": one section per question type; "none": fully shuffled
    mix: tuple[tuple[str, int], ...] = ()  # exactly N questions of each named type
    include: tuple[str, ...] = ()  # question ids always chosen
    exclude: tuple[str, ...] = ()  # question ids never chosen

    @property
    def quiz_requested(self) -> bool:
        """True when the user asked for a particular quiz (--count, --mix, --include, --exclude)."""
        return bool(self.count is not None or self.mix or self.include or self.exclude)


def parse_mix(text: str) -> tuple[tuple[str, int], ...]:
    """"multiple_choice=5,true_false=3" -> (("multiple_choice", 5), ("true_false", 3))."""
    out: list[tuple[str, int]] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        from .model import QUESTION_TYPES  # here: an empty --mix (every build without one) needs no model

        name, sep, number = part.partition("=")
        name = name.strip()
        if not sep or not number.strip().isdigit():
            raise SelectionError(f"--mix {part!r} is not TYPE=N; expected for example multiple_choice=5,true_false=3")
        if name not in QUESTION_TYPES:
            raise SelectionError(f"--mix: unknown question type {name!r}; expected one of: {', '.join(QUESTION_TYPES)}")
        if any(name == seen for seen, _ in out):
            raise SelectionError(f"--mix names {name!r} twice; expected each type once")
        out.append((name, int(number)))
    return tuple(out)


def check_spec(spec: SelectionSpec) -> None:
    """Reject impossible settings before any work is done."""
    from .model import QUESTION_TYPES

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
    for name, number in spec.mix:
        if name not in QUESTION_TYPES:
            raise SelectionError(f"--mix: unknown question type {name!r}; expected one of: {', '.join(QUESTION_TYPES)}")
        if number < 1:
            raise SelectionError(f"--mix {name}={number} is out of range; expected 1 or more")
    if spec.mix and spec.count is not None and spec.count != sum(n for _, n in spec.mix):
        raise SelectionError(f"--count {spec.count} does not match --mix, which adds up to "
                             f"{sum(n for _, n in spec.mix)}; expected one of them, or both equal")
    both = sorted(set(spec.include) & set(spec.exclude))
    if both:
        raise SelectionError(f"question {both[0]!r} is both in --include and in --exclude; expected one or the other")


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
