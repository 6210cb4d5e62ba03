"""Measure quizgen as users run it: with its modules compiled to bytecode.

``pip install`` compiles a package's modules to ``__pycache__`` (as it did for genanki, typer
and text2qti in this venv), but an editable install (``make install``) leaves quizgen's own
modules to be compiled on first import, and where ``PYTHONDONTWRITEBYTECODE`` is set (as on
the project's machines) on *every* import: each process would then pay for compiling about
15,000 lines of quizgen that a peer never pays for. Every benchmark script calls
``compile_quizgen()`` first, so both sides of a ratio start from bytecode.
"""
from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def compile_quizgen() -> None:
    """Write (or refresh) the bytecode of quizgen's modules, quietly."""
    if not compileall.compile_dir(str(ROOT / "quizgen"), quiet=1):
        raise SystemExit("could not compile quizgen's modules to bytecode")
