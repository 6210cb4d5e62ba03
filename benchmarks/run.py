"""Run every performance workload named in the issues and print their tables.

    make bench                       # or: .venv/bin/python benchmarks/run.py [--quick]

- start-up: `quizgen --help` against `import typer`             (benchmarks/startup.py)
- unchanged rebuild of the default bank against `import typer`  (benchmarks/rebuild.py)
- class set: 20 questions x 30 versions, worksheets + keys, against
  auto-multiple-choice when installed (`make bench-peers`);
  1,000-question worksheet + key against raw reportlab platypus   (benchmarks/pdf.py)
- deck: 10,000 questions against raw genanki, and 100,000 for
  linear growth with peak memory                                 (benchmarks/anki.py)
- the bank loader's peak and resident memory at 10,000-200,000
  questions, and the 10,000-question load time                   (benchmarks/load_memory.py)
- quiz selection: choose_quiz for a plain build and --count 20 at
  1,000, 3,000 and 10,000 synthetic questions                    (benchmarks/selection.py)
- Canvas QTI: 1,000 multiple-choice questions against text2qti
  (needs `make bench-peers`; skipped with a note without it)      (benchmarks/qti.py)

Each script prints medians, min-max and the ratio to its floor, measured side by side on
this machine. These are scripts, not tests: timings are never asserted in the test suite.
`--quick` runs fewer repetitions and skips the 100,000-question deck.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, no 100,000-question deck")
    args = parser.parse_args()
    runs = [
        ("start-up", ["startup.py"] + (["--runs", "7"] if args.quick else [])),
        ("unchanged rebuild", ["rebuild.py"] + (["--runs", "7"] if args.quick else [])),
        ("worksheets and keys", ["pdf.py"] + (["--runs", "5"] if args.quick else [])),
        ("Anki deck", ["anki.py"] + (["--runs", "5", "--sizes", "10000"] if args.quick else [])),
        ("Anki deck, short answers", ["anki.py", "--short-answers", "--sizes", "10000"]
         + (["--runs", "5"] if args.quick else [])),
        ("Anki deck, peak memory", ["anki.py", "--memory", "--sizes",
                                    "10000,50000" if args.quick else "10000,50000,100000,200000"]),
        ("bank loader, memory", ["load_memory.py"] + (["--sizes", "10000,50000", "--runs", "3"] if args.quick else [])),
        ("quiz selection", ["selection.py"] + (["--runs", "1", "--sizes", "1000,3000"] if args.quick else [])),
        ("Canvas QTI", ["qti.py"] + (["--runs", "3"] if args.quick else [])),
    ]
    failed = []
    for title, script in runs:
        print(f"\n=== {title} ({script[0]}) ===", flush=True)
        if subprocess.run([sys.executable, str(HERE / script[0]), *script[1:]]).returncode != 0:
            failed.append(title)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
