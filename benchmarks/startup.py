"""Benchmark quizgen's start-up against importing typer (a script, not a test).

    .venv/bin/python benchmarks/startup.py [--runs 21]

Measures whole processes, medians of the runs: `python -c pass`, `python -c "import typer"`
(the floor: quizgen's CLI is a typer app), `quizgen --help`, `quizgen build --help`.
Target (issue 6): `quizgen --help` within 1.5x `import typer`. Heavy libraries (reportlab,
genanki, jinja2, yaml, anki) must not be imported for --help; tests/test_layering.py checks it.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from installed import compile_quizgen

BIN = Path(sys.executable).parent


def timed(cmd: list[str], runs: int) -> list[float]:
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)  # warm the file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    compile_quizgen()  # benchmarks/installed.py: quizgen from bytecode, as its peers
    quizgen = str(BIN / "quizgen")
    rows = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("python -c 'import typer' (floor)", [sys.executable, "-c", "import typer"]),
        ("quizgen --help", [quizgen, "--help"]),
        ("quizgen build --help", [quizgen, "build", "--help"]),
    ]
    results = {name: timed(cmd, args.runs) for name, cmd in rows}
    floor = statistics.median(results["python -c 'import typer' (floor)"])
    print(f"{'start-up (whole process)':<36} {'median':>8} {'min-max':>15} {'x floor':>8}")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"{name:<36} {median * 1000:7.0f}ms {min(times) * 1000:6.0f}-{max(times) * 1000:.0f}ms "
              f"{median / floor:7.2f}x")
    ratio = statistics.median(results["quizgen --help"]) / floor
    print(f"target: quizgen --help <= 1.5x import typer: {'met' if ratio <= 1.5 else 'NOT met'} ({ratio:.2f}x)")


if __name__ == "__main__":
    main()
