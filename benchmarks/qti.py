"""Benchmark the Canvas QTI export against text2qti (a script, not a test).

    make bench-peers                     # installs text2qti (PyPI) into .venv, once
    .venv/bin/python benchmarks/qti.py [--runs 7] [--questions 1000]

The same N multiple-choice questions (a prompt, one right and three wrong options, an
explanation) are written twice: as a quizgen bank (YAML) and as a text2qti quiz (its
plain-text format). Then, side by side on this machine, medians and min-max of the runs:

1. whole process, text file to .zip on disk: ``quizgen build BANK --format qti`` against
   ``text2qti QUIZ.txt`` (both CLIs, fresh processes, imports included);
2. in one process, warm imports, text to zip bytes: quizgen's ``load_bank`` + the qti
   exporter against text2qti's ``Quiz`` + ``QTI.zip_bytes``;
3. quizgen's exporter alone (the questions already loaded), for where the time goes.

Target (issue 13): quizgen at most 0.5x text2qti for 1,000 questions. The quizgen bank
cache is off (``QUIZGEN_CACHE_DIR=off``), so every quizgen run parses and validates the
YAML. text2qti's config file is kept in a temporary HOME.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from installed import compile_quizgen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

WORDS = ("treaty court statute decree ministry signature withdrawal verdict prosecutor spokesman "
         "member state report annexation investigation budget jurisdiction ratification council").split()
NAMES = ["Vladimir Putin", "Dmitry Peskov", "Fatou Bensouda", "Sergei Lavrov", "Maria Zakharova",
         "Ban Ki-moon", "Barack Obama", "Theresa May", "Angela Merkel", "Xi Jinping"]


def questions(n: int, seed: int = 13) -> list[tuple[str, list[str], str]]:
    """(prompt, [right, wrong, wrong, wrong], explanation) for n questions."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14)))
        out.append((f"Question {i}: who {words}?", rng.sample(NAMES, 4),
                    f"The report on the {rng.choice(WORDS)} says so."))
    return out


def quizgen_bank(items) -> str:
    lines = ["bank: bench-qti", "title: QTI benchmark", "sources:", "  src:", "    title: A report",
             "    publisher: Bench News", "questions:"]
    for i, (prompt, options, explanation) in enumerate(items):
        lines += [f"  - id: q{i:05d}", "    type: multiple_choice", f'    prompt: "{prompt}"',
                  f'    answer: "{options[0]}"', "    distractors: [" + ", ".join(f'"{o}"' for o in options[1:]) + "]",
                  f'    explanation: "{explanation}"', "    source: src"]
    return "\n".join(lines) + "\n"


def text2qti_quiz(items) -> str:
    lines = ["Quiz title: QTI benchmark", "Quiz description: The same questions as the quizgen bank.", ""]
    for i, (prompt, options, explanation) in enumerate(items):
        lines += [f"{i + 1}.  {prompt}", f"... {explanation}", f"*a) {options[0]}",
                  f"b)  {options[1]}", f"c)  {options[2]}", f"d)  {options[3]}", ""]
    return "\n".join(lines)


def timed(run, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def row(label: str, times: list[float], floor: list[float] | None) -> str:
    median = statistics.median(times)
    ratio = f"{median / statistics.median(floor):.2f}x" if floor else ""
    return f"| {label} | {median:.3f} s | {min(times):.3f}-{max(times):.3f} s | {ratio} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--questions", type=int, default=1000)
    args = parser.parse_args()
    compile_quizgen()  # benchmarks/installed.py: quizgen from bytecode, as its peers
    text2qti_cli = shutil.which("text2qti", path=str(BIN)) or shutil.which("text2qti")
    try:
        import text2qti.config
        import text2qti.qti
        import text2qti.quiz
    except ImportError:
        print("skipped: benchmarks/qti.py compares with text2qti; run `make bench-peers` "
              "(pip install text2qti) first")
        return

    from quizgen.banks import load_bank
    from quizgen.exporters import ExportJob, load_exporter

    items = questions(args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "bank").mkdir()
        bank_file = folder / "bank" / "bench-qti.yaml"
        bank_file.write_text(quizgen_bank(items), encoding="utf-8")
        quiz_file = folder / "quiz.txt"
        quiz_text = text2qti_quiz(items)
        quiz_file.write_text(quiz_text, encoding="utf-8")
        env = dict(os.environ, QUIZGEN_CACHE_DIR="off", HOME=str(folder))
        os.environ["QUIZGEN_CACHE_DIR"] = "off"
        text2qti.config.Config._config_path = folder / ".text2qti.bespon"

        def quizgen_process():
            subprocess.run([str(BIN / "quizgen"), "--quiet", "build", str(bank_file), "--format", "qti",
                            "--out", str(folder / "out")], check=True, env=env)

        def text2qti_process():
            subprocess.run([text2qti_cli, str(quiz_file)], check=True, env=env, cwd=folder,
                           stdout=subprocess.DEVNULL)

        exporter = load_exporter("qti")

        def quizgen_in_process():
            bank = load_bank(str(bank_file))
            exporter.render(ExportJob(bank=bank, sets=(), questions=bank.questions, quiz=bank.questions))

        config = text2qti.config.Config()
        config.load()

        def text2qti_in_process():
            quiz = text2qti.quiz.Quiz(quiz_text, config=config, source_name=str(quiz_file))
            text2qti.qti.QTI(quiz).zip_bytes()

        bank = load_bank(str(bank_file))
        job = ExportJob(bank=bank, sets=(), questions=bank.questions, quiz=bank.questions)

        quizgen_process()  # warm the disk cache and check that both run
        text2qti_process()
        assert (folder / "out" / "bench-qti.qti.zip").exists() and (folder / "quiz.zip").exists()
        t2q_proc = timed(text2qti_process, args.runs)
        qg_proc = timed(quizgen_process, args.runs)
        t2q_in = timed(text2qti_in_process, args.runs)
        qg_in = timed(quizgen_in_process, args.runs)
        qg_render = timed(lambda: exporter.render(job), args.runs)

    n = args.questions
    print(f"{n:,} multiple-choice questions to a Canvas QTI zip, {args.runs} runs each\n")
    print("| what | median | min-max | vs text2qti |\n| --- | --- | --- | --- |")
    print(row("text2qti, whole process (CLI)", t2q_proc, None))
    print(row("quizgen build --format qti, whole process", qg_proc, t2q_proc))
    print(row("text2qti, in process: Quiz + QTI.zip_bytes", t2q_in, None))
    print(row("quizgen, in process: load_bank + qti exporter", qg_in, t2q_in))
    print(row("quizgen qti exporter alone (bank loaded)", qg_render, t2q_in))
    ratio = statistics.median(qg_proc) / statistics.median(t2q_proc)
    print(f"\nwhole process: quizgen takes {ratio:.2f}x text2qti's time (target: at most 0.5x)")


if __name__ == "__main__":
    main()
