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

from installed import compile_quizgen

BIN = Path(sys.executable).parent


CPU: dict[str, list[float]] = {}  # workload -> CPU seconds of each run (the child process)


def children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def timed(cmd: list[str], runs: int, cwd: Path, env: dict, before=None, name: str = "") -> list[float]:
    """Wall-clock seconds of ``runs`` processes; their CPU seconds go to ``CPU[name]`` (on a busy
    machine CPU time is the steadier figure: waiting for a core is not counted)."""
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        start, start_cpu = time.perf_counter(), children_cpu()
        subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
        CPU.setdefault(name, []).append(children_cpu() - start_cpu)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    compile_quizgen()  # benchmarks/installed.py: quizgen from bytecode, as its peers
    runs = max(5, args.runs)
    tmp = Path(tempfile.mkdtemp(prefix="quizgen-rebuild-bench-"))
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "QUIZGEN_CACHE_DIR": str(tmp / "cache")}
    quizgen = str(BIN / "quizgen")
    try:
        warm, cold = tmp / "warm", tmp / "cold"
        build = [quizgen, "build", "--out"]
        for _ in range(3):  # the second build settles the deck's state, the third is a no-op
            subprocess.run(build + [str(warm)], cwd=tmp, env=env, stdout=subprocess.DEVNULL, check=True)
        # paired runs: each round times the floor, the unchanged rebuild and a cold build in turn,
        # so a change in the machine's load falls on all three alike
        names = ("python -c 'import typer' (floor)", "unchanged rebuild of the default bank",
                 "cold build of the default bank into an empty folder")
        results: dict[str, list[float]] = {name: [] for name in names}
        for _ in range(runs):
            results[names[0]] += timed([sys.executable, "-c", "import typer"], 1, tmp, env, name=names[0])
            results[names[1]] += timed(build + [str(warm)], 1, tmp, env, name=names[1])
            results[names[2]] += timed(build + [str(cold)], 1, tmp, env, name=names[2],
                                       before=lambda: shutil.rmtree(cold, ignore_errors=True))
        said = subprocess.run(build + [str(warm)], cwd=tmp, env=env, capture_output=True, text=True, check=True)
        floor = statistics.median(results["python -c 'import typer' (floor)"])
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; "
              f"whole processes, {runs} runs each\n")
        cpu_floor = statistics.median(CPU[names[0]])
        print("| workload | median | min\u2013max | vs import typer | CPU median | CPU vs import typer |\n"
              "| --- | --- | --- | --- | --- | --- |")
        for name, times in results.items():
            median, cpu = statistics.median(times), statistics.median(CPU[name])
            print(f"| {name} | {median:.3f} s | {min(times):.3f}\u2013{max(times):.3f} s | {median / floor:.2f}\u00d7 "
                  f"| {cpu:.3f} s | {cpu / cpu_floor:.2f}\u00d7 |")
        ratio = statistics.median(results[names[1]]) / floor
        cpu_ratio = statistics.median(CPU[names[1]]) / cpu_floor
        print(f"\ntarget: unchanged rebuild <= 1.5x import typer: {'met' if ratio <= 1.5 else 'NOT met'} "
              f"({ratio:.2f}x wall, {cpu_ratio:.2f}x CPU)")
        first = (said.stdout + said.stderr).strip().splitlines()
        print(f"the rebuild said: {first[0] if first else '(nothing)'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
