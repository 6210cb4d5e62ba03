"""Imports point one way: cli -> pipeline -> stages -> model -> errors (an AST scan)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "quizgen"

# module -> quizgen modules it may import (directly, at any depth of the file)
ALLOWED = {
    "errors": set(),
    "model": {"errors"},
    "yamlnodes": set(),
    "banks": {"errors", "model", "yamlnodes", "bankcache", "bankshare"},
    "bankshare": {"errors", "model", "yamlnodes", "cores"},
    "cores": set(),
    "cachedir": set(),
    "bankcache": {"model", "cachedir"},
    "spec": {"errors", "model"},
    "select": {"errors", "model", "quizrules", "spec"},
    "quizrules": {"errors", "model"},
    "generate": {"errors", "model", "banks", "distractors", "flaws"},
    "flaws": {"model", "banks", "distractors"},
    "distractors": {"errors", "model", "banks"},
    "pipeline": {"errors", "model", "banks", "generate", "select", "exporters", "starter", "flaws", "rebuild",
                 "spec", "statefile"},
    "statefile": set(),
    "rebuild": {"cachedir"},
    "starter": set(),
    "config": {"errors"},
    "mark": {"errors", "exporters", "pipeline"},
    "i18n": {"model"},
    "cli": {"errors", "exporters", "pipeline", "select", "banks", "generate", "anki_diff", "starter", "config",
            "mark", "spec"},
}
# third-party libraries only some modules may import
HEAVY = {"yaml": {"yamlnodes"}, "jinja2": {"generate"}, "genanki": {"exporters"},
         "reportlab": {"exporters"}, "typer": {"cli"}}


def imports_of(path: Path) -> set[str]:
    """Top-level names imported by a file: third-party packages and quizgen modules."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level == 0 and module.startswith("quizgen."):
                found.add(module.split(".")[1])
            elif node.level == 0:
                found.add(module.split(".")[0])
            elif module:  # from .x import y / from ..x import y
                found.add(module.split(".")[0])
            else:  # from . import x
                found.update(alias.name for alias in node.names)
    return found


def test_quizgen_modules_import_downwards_only() -> None:
    for module, allowed in ALLOWED.items():
        path = PACKAGE / f"{module}.py"
        if not path.exists():
            continue
        internal = {m for m in imports_of(path) if (PACKAGE / f"{m}.py").exists() or (PACKAGE / m).is_dir()}
        assert internal <= allowed, f"{module} imports {sorted(internal - allowed)}"


def test_heavy_libraries_stay_in_their_modules() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        owner = "exporters" if path.parent.name == "exporters" else path.stem
        for lib, owners in HEAVY.items():
            if lib in imports_of(path):
                assert owner in owners, f"{path.relative_to(PACKAGE)} imports {lib}"


def test_help_does_not_import_renderers() -> None:
    code = ("import sys; from quizgen.cli import app; "
            "print(sorted(m for m in ('reportlab', 'genanki', 'anki', 'jinja2', 'yaml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_quizgen_help_does_not_import_renderers() -> None:
    """`quizgen --help` (typer renders it) imports neither jinja2 nor reportlab nor the deck's libraries."""
    code = ("import sys; sys.argv = ['quizgen', '--help']\nfrom quizgen.cli import app\ntry:\n    app()\n"
            "except SystemExit as done:\n    assert not done.code, done\n"
            "print(sorted(m for m in ('reportlab', 'genanki', 'anki', 'jinja2', 'yaml') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "Usage" in out and out.strip().splitlines()[-1] == "[]"
