"""quizgen: turn the facts of news articles into study material.

The library API, stage by stage::

    from quizgen import load_banks, build, BuildConfig
    banks = load_banks(["question_banks"])
    report = build(BuildConfig(out=Path("output")))

Names are imported on first use, so ``import quizgen`` (and ``quizgen --help``)
stays fast.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "banks": ["load_bank", "load_bank_text", "load_banks"],
    "errors": ["BankError", "BankErrors", "ExportError", "QuizgenError", "SelectionError",
               "SourceRef", "TemplateError"],
    "model": ["Bank", "Entity", "Fact", "PlacedQuestion", "Question", "QuestionSet", "Source"],
    "pipeline": ["BuildConfig", "BuildReport", "build", "list_questions", "validate"],
    "select": ["SelectionSpec", "select_questions"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE) + ["__version__"]


def __getattr__(name: str) -> object:
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module 'quizgen' has no attribute {name!r}")
