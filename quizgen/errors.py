"""The one error root of quizgen and its named subclasses.

Expected failures (a bad bank, a bad template, an unwritable output folder) raise a
``QuizgenError`` whose message starts with ``path:line:`` when a place in a file is to
blame. Anything else that escapes is a bug. The library never prints and never exits.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True, slots=True)
class SourceRef:
    """A place in an input file: the path as the user gave it and a 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class QuizgenError(Exception):
    """Base of every error quizgen reports to its user."""


class BankError(QuizgenError):
    """One problem in a bank file, at a known place."""

    def __init__(self, ref: SourceRef | None, message: str):
        self.ref = ref
        self.message = message
        super().__init__(f"{ref}: {message}" if ref else message)


class BankErrors(QuizgenError):
    """Every problem found while loading one or more bank files."""

    def __init__(self, errors: list[BankError]):
        self.errors = sorted(errors, key=lambda e: (e.ref or SourceRef("", 0)))
        files = {e.ref.path for e in self.errors if e.ref}
        self.summary = (
            f"Aborted: {len(self.errors)} error{'s' if len(self.errors) != 1 else ''} "
            f"in {len(files)} bank file{'s' if len(files) != 1 else ''}"
        )
        super().__init__("\n".join([str(e) for e in self.errors] + [self.summary]))


class TemplateError(QuizgenError):
    """A question template failed to load or to render."""


class SelectionError(QuizgenError):
    """The filters or counts asked for cannot be met by the questions available."""


class ExportError(QuizgenError):
    """An exporter could not render, or the pipeline could not write, an output."""
