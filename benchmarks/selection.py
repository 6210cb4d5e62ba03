"""Benchmark choosing a printed quiz on large banks (a script, not a test).

    .venv/bin/python benchmarks/selection.py [--runs 3] [--sizes 1000,3000,10000] [--profile 10000]

For each size, the synthetic bank of benchmarks/anki.py (seven types, answers drawn from
eleven names, prompts from a 25-word vocabulary: heavy shared vocabulary, so many
candidate giveaways) is loaded once, and ``select.choose_quiz`` is timed for a plain build
(worksheet + key: the best question of each fact) and for ``--count 20``. The rule
profiles (``RuleBook``) are built inside each timed run, as a build does. Medians and
min-max of ``--runs`` runs; ``--profile N`` prints cProfile's top functions for a plain
build at N questions instead.
"""
from __future__ import annotations

import sys
from pathlib import Path

from installed import compile_quizgen

# this file's name is also the standard library's `select` (which subprocess imports): run as
# a script, its folder must not come first on the path
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse
import cProfile
import os
import pstats
import importlib.util
import statistics
import time

ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("bench_anki", HERE / "anki.py")  # not the `anki` package
bench_anki = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_anki)
lift_file_cap, synthetic_bank = bench_anki.lift_file_cap, bench_anki.synthetic_bank


def load(n: int):
    from quizgen.banks import load_bank_text
    from quizgen.pipeline import bank_questions

    lift_file_cap()
    bank = load_bank_text(synthetic_bank(n), f"bench-{n}.yaml")
    questions, _ = bank_questions(bank)
    return bank, questions


def workloads():
    from quizgen.select import SelectionSpec

    return [("plain build (every fact once)", SelectionSpec()), ("--count 20", SelectionSpec(count=20))]


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement")
    parser.add_argument("--sizes", default="1000,3000,10000", help="bank sizes, comma-separated")
    parser.add_argument("--profile", type=int, default=0, help="profile a plain build at this size instead")
    args = parser.parse_args()
    compile_quizgen()  # benchmarks/installed.py: quizgen from bytecode, as its peers
    from quizgen.select import SelectionSpec, choose_quiz

    if args.profile:
        bank, questions = load(args.profile)
        profiler = cProfile.Profile()
        profiler.enable()
        quiz = choose_quiz(bank, questions, SelectionSpec())
        profiler.disable()
        print(f"{len(quiz.questions)} of {len(questions)} questions chosen")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        return
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; "
          f"choose_quiz wall time, {args.runs} runs, rule profiles built in each run\n")
    print("| questions | workload | chosen | median | min-max | per question |")
    print("| --- | --- | --- | --- | --- | --- |")
    for n in (int(s) for s in args.sizes.split(",")):
        bank, questions = load(n)
        for title, spec in workloads():
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                quiz = choose_quiz(bank, questions, spec)
                times.append(time.perf_counter() - start)
            median = statistics.median(times)
            print(f"| {n:,} | {title} | {len(quiz.questions)} | {fmt(median)} | {fmt(min(times))}-{fmt(max(times))} "
                  f"| {median / n * 1e6:.0f} us |", flush=True)


if __name__ == "__main__":
    main()
