"""Turn a bank's facts into questions with jinja2 templates (see templates/).

``expand_bank`` returns the bank's hand-written questions plus the questions its
facts generate, minus the generated ids the bank disables or overrides.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .model import Bank, Question


@dataclass(frozen=True)
class Expansion:
    """The questions of one bank after generation, and what the generator has to say."""

    questions: tuple[Question, ...]
    warnings: tuple[str, ...] = ()


def expand_bank(bank: Bank, include_generated: bool = True,
                templates_dir: Path | None = None) -> Expansion:
    """Hand-written questions, then generated ones (not yet: facts make no questions)."""
    return Expansion(questions=tuple(bank.questions))
