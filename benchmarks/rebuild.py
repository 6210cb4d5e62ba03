"""Benchmark an unchanged rebuild of the default bank (a script, not a test).

    .venv/bin/python benchmarks/rebuild.py [--runs 15]

Whole processes, medians and min-max of the runs, side by side on this machine:

1. the floor: ``python -c "import typer"`` (quizgen's CLI is a typer app);
2. a cold build of the default bank (anki, worksheet, key) into an empty folder;
3. the same build again into that folder: banks, state, templates, options and quizgen
   unchanged, outputs as the manifest lists them (issue 15: at most 1.5x the floor).

Every process runs in an empty temporary folder (so the bank shipped inside quizgen is
the default and its state is written beside the outputs, never into this checkout),
with SOURCE_DATE_EPOCH fixed and a cache folder of its own (where quizgen keeps the record
of the last build; the default bank is too small for the bank cache).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(cmd: list[str], runs: int, cwd: Path, env: dict, before=None) -> list[float]:
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    runs = max(5, args.runs)
    tmp = Path(tempfile.mkdtemp(prefix="quizgen-rebuild-bench-"))
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "QUIZGEN_CACHE_DIR": str(tmp / "cache")}
    quizgen = str(BIN / "quizgen")
    try:
        out = tmp / "out"

        def empty_out() -> None:
            shutil.rmtree(out, ignore_errors=True)

        build = [quizgen, "build", "--out", str(out)]
        subprocess.run(build, cwd=tmp, env=env, stdout=subprocess.DEVNULL, check=True)  # warm the file cache
        results = {
            "python -c 'import typer' (floor)": timed([sys.executable, "-c", "import typer"], runs, tmp, env),
            "cold build of the default bank": timed(build, runs, tmp, env, before=empty_out),
        }
        subprocess.run(build, cwd=tmp, env=env, stdout=subprocess.DEVNULL, check=True)
        subprocess.run(build, cwd=tmp, env=env, stdout=subprocess.DEVNULL, check=True)
        results["unchanged rebuild of the default bank"] = timed(build, runs, tmp, env)
        said = subprocess.run(build, cwd=tmp, env=env, capture_output=True, text=True, check=True)
        floor = statistics.median(results["python -c 'import typer' (floor)"])
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; "
              f"whole processes, {runs} runs each\n")
        print("| workload | median | min\u2013max | vs import typer |\n| --- | --- | --- | --- |")
        for name, times in results.items():
            median = statistics.median(times)
            print(f"| {name} | {median:.3f} s | {min(times):.3f}\u2013{max(times):.3f} s | {median / floor:.2f}\u00d7 |")
        ratio = statistics.median(results["unchanged rebuild of the default bank"]) / floor
        print(f"\ntarget: unchanged rebuild <= 1.5x import typer: {'met' if ratio <= 1.5 else 'NOT met'} "
              f"({ratio:.2f}x)")
        first = (said.stdout + said.stderr).strip().splitlines()
        print(f"the rebuild said: {first[0] if first else '(nothing)'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
