"""The benchmark scripts start: each runs as ``make bench`` runs it (a script in benchmarks/,
that folder first on sys.path) far enough to print its usage. Their timings are never
asserted (README: benchmarks are scripts, not tests); this only keeps them runnable."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPTS = sorted(p.name for p in BENCHMARKS.glob("*.py") if p.name != "installed.py")


def test_every_script_is_listed():
    assert {"run.py", "anki.py", "pdf.py", "rebuild.py", "selection.py", "startup.py", "qti.py"} <= set(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_starts(script):
    # benchmarks/select.py once shadowed the standard library's select module this way
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), "--help"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage:"), done.stdout


def test_no_script_shadows_the_standard_library():
    clashes = sorted(name for name in SCRIPTS if name[:-3] in sys.stdlib_module_names)
    assert not clashes
