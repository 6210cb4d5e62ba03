"""Measure the bank loader's memory and the 10k load time (a script, not a test).

    .venv/bin/python benchmarks/load_memory.py [--sizes 10000,50000,100000,200000] [--runs 9]

For each size N it writes the deck benchmark's synthetic bank of N questions
(benchmarks/anki.py ``synthetic_bank``: seven types, about 400 bytes of YAML a question)
and loads it with ``quizgen.banks.load_banks`` in a fresh process, the bank cache off
(``QUIZGEN_CACHE_DIR=off``). That process reports its resident memory (/proc/self/status)
after its imports, the peak reached during the load (VmHWM, reset after the imports) and
what stays resident once the load returned (the banks still held), each also per question
above the imports. Then, in one more fresh process, the median wall time of ``load_banks``
on the 10,000-question bank (a first run untimed; the banks of a run dropped before the next).
Target (issue 15): the deck build's peak within 2x raw genanki's, flat per question; this
is the loader's share of it.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from installed import compile_quizgen

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, sys

def status(field):
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith(field + ":"))

import quizgen.banks
base = status("VmRSS")
try:  # start the high-water mark afresh, so the peak is the load's (Linux 4.0 and later)
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")
except OSError:
    pass
banks = quizgen.banks.load_banks([sys.argv[1]])
print(json.dumps({"base": base, "peak": status("VmHWM"), "after": status("VmRSS"),
                  "questions": sum(len(b.questions) for b in banks)}))
"""

TIMER = r"""
import gc, json, statistics, sys, time
import quizgen.banks
quizgen.banks.load_banks([sys.argv[1]])  # untimed: first-use costs (regex compiles, ...)
times = []
for _ in range(int(sys.argv[2])):
    gc.collect()
    start = time.perf_counter()
    banks = quizgen.banks.load_banks([sys.argv[1]])
    times.append(time.perf_counter() - start)
    del banks
print(json.dumps(times))
"""


def synthetic_bank(n: int) -> str:
    """benchmarks/anki.py's bank, loaded by path (``anki`` is also Anki's own package)."""
    spec = importlib.util.spec_from_file_location("quizgen_benchmark_anki", HERE / "anki.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.synthetic_bank(n)


def child(script: str, *args: str) -> object:
    env = dict(os.environ, QUIZGEN_CACHE_DIR="off")
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,100000,200000", help="bank sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=9, help="timed loads of the 10,000-question bank (0: none)")
    args = parser.parse_args()
    compile_quizgen()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; "
          "load_banks in a fresh process per size, bank cache off\n")
    print("| questions | YAML | after imports | peak | after load | peak above imports, per question "
          "| after load above imports, per question |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory(prefix="quizgen-load-memory-") as tmp:
        for n in sizes:
            bank = Path(tmp) / f"bench-{n}.yaml"
            bank.write_text(synthetic_bank(n), encoding="utf-8")
            got = child(CHILD, str(bank))
            assert got["questions"] == n, got
            base, peak, after = got["base"], got["peak"], got["after"]
            print(f"| {n:,} | {bank.stat().st_size / 1e6:.0f} MB | {base / 1024:.0f} MiB | {peak / 1024:.0f} MiB "
                  f"| {after / 1024:.0f} MiB | {(peak - base) * 1024 / n:.0f} B | {(after - base) * 1024 / n:.0f} B |",
                  flush=True)
            if n != 10_000:
                bank.unlink()
        if args.runs > 0:
            bank = Path(tmp) / "bench-10000.yaml"
            if not bank.exists():
                bank.write_text(synthetic_bank(10_000), encoding="utf-8")
            times = child(TIMER, str(bank), str(args.runs))
            print(f"\nload_banks, 10,000 questions, {args.runs} runs in one process: median "
                  f"{statistics.median(times) * 1000:.0f} ms (min-max {min(times) * 1000:.0f}-"
                  f"{max(times) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
