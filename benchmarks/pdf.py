"""Benchmark the worksheet and answer-key PDFs (a script, not a test).

    .venv/bin/python benchmarks/pdf.py [--runs 7] [--quick]

Workloads:

1. class set: a synthetic 20-question multiple-choice bank, 30 versions, worksheets and
   per-version answer keys, through ``quizgen.pipeline.build`` (the call the CLI makes;
   bank loading, selection, rendering and the atomic writes included), against
   auto-multiple-choice (Debian package, installed by ``make bench-peers``) preparing the same
   20 questions as 30 shuffled copies with their solutions, whole processes, in the same run.
   Target (issue 15): a tenth of AMC's time.
2. the floor: raw reportlab platypus (Paragraph + KeepTogether, DejaVu Sans) laying out
   a 1,000-question multiple-choice worksheet, measured here on this machine.
3. quizgen's 1,000-question worksheet + answer key through ``pipeline.build``.
   Target: no more than the raw platypus worksheet alone (workload 2).

"warm" runs are medians in one process (fonts registered, modules imported); the
"cold" row is a fresh ``quizgen build`` process, imports and all, for the class set.
"""
from __future__ import annotations

import argparse
import io
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

WORDS = ("treaty court statute decree ministry signature withdrawal verdict prosecutor spokesman "
         "member state report annexation investigation budget jurisdiction ratification council "
         "session assembly vote sanction tribunal charter").split()
NAMES = ["Vladimir Putin", "Dmitry Peskov", "Fatou Bensouda", "Sergei Lavrov", "Maria Zakharova",
         "Ban Ki-moon", "Barack Obama", "Theresa May", "Angela Merkel", "Xi Jinping", "Recep Erdogan",
         "Jacob Zuma", "Yahya Jammeh", "Pierre Nkurunziza", "Rodrigo Duterte", "Sidiki Kaba"]


def synthetic_bank(n: int, seed: int = 7) -> str:
    """YAML text of a bank with ``n`` multiple-choice questions of realistic length."""
    rng = random.Random(seed)
    lines = [
        "bank: bench", "title: Benchmark bank \u2014 the ICC and its members",
        "sources:", "  src:", "    title: \u201cA report on the court\u201d", "    publisher: Bench News",
        "    date: 2016-11-17", "questions:",
    ]
    for i in range(n):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16)))
        options = rng.sample(NAMES, 4) if i % 2 else [
            " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6))) for _ in range(4)]
        if len(set(options)) < 4:
            options = [f"{o} {k}" for k, o in enumerate(options)]
        lines += [
            f"  - id: q{i:04d}", "    type: multiple_choice",
            f"    prompt: \"Question {i}: which {words}?\"",
            f"    answer: \"{options[0]}\"",
            "    distractors: [" + ", ".join(f"\"{o}\"" for o in options[1:]) + "]",
            "    source: src",
            f"    explanation: \"Because the {rng.choice(WORDS)} said so in the {rng.choice(WORDS)}.\"",
            f"    evidence: \"the {rng.choice(WORDS)} of the {rng.choice(WORDS)}\"",
        ]
    return "\n".join(lines) + "\n"


CPU: dict[int, list[float]] = {}  # id(times list) -> CPU seconds of each run (this process + children)


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(fn, runs: int) -> list[float]:
    """Wall-clock seconds of ``runs`` calls; their CPU seconds are kept in ``CPU``."""
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), cpu_seconds()
        fn()
        times.append(time.perf_counter() - start)
        cpu.append(cpu_seconds() - start_cpu)
    CPU[id(times)] = cpu
    return times


def quizgen_build(bank_dir: Path, out: Path, versions: int, formats=("worksheet", "key")):
    from quizgen.pipeline import BuildConfig, build
    from quizgen.select import SelectionSpec

    config = BuildConfig(paths=(str(bank_dir),), out=out, formats=formats,
                         selection=SelectionSpec(versions=versions), state_dir=out)
    return lambda: build(config)


def exporters_only(bank_path: Path, versions: int, workers: int | None = None):
    """Just the worksheet and key exporters' render calls for an already selected set."""
    from quizgen.banks import load_bank
    from quizgen.exporters import ExportJob, load_exporter
    from quizgen.select import SelectionSpec, select_questions

    bank = load_bank(bank_path)
    sets = tuple(select_questions(bank, bank.questions, SelectionSpec(versions=versions)))
    from quizgen.exporters import ExportOptions

    extra = {"pdf_workers": workers} if workers else {}
    job = ExportJob(bank=bank, sets=sets, questions=bank.questions, options=ExportOptions(extra=extra))
    exporters = [load_exporter("worksheet"), load_exporter("key")]
    return lambda: [e.render(job) for e in exporters]


def raw_platypus_worksheet(n: int) -> bytes:
    """The floor: a plain platypus worksheet, Paragraphs in KeepTogether, DejaVu Sans."""
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

    from quizgen.exporters.pdf_fonts import fonts
    from quizgen.banks import load_bank_text

    fonts()
    bank = load_bank_text(synthetic_bank(n), "bench.yaml")
    prompt = ParagraphStyle("p", fontName="QuizgenSans", fontSize=10, leading=13.5, leftIndent=24,
                            firstLineIndent=-24)
    option = ParagraphStyle("o", fontName="QuizgenSans", fontSize=10, leading=13.5, leftIndent=40)
    story = []
    for number, q in enumerate(bank.questions, start=1):
        parts = [Paragraph(f"<b>{number}.</b> {q.prompt}", prompt)]
        for k, text in enumerate(q.answers + q.distractors):
            parts.append(Paragraph(f"({'ABCD'[k]}) {text}", option))
        parts.append(Spacer(1, 10))
        story.append(KeepTogether(parts))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=LETTER, invariant=1).build(story)
    return buf.getvalue()


LATEX_SPECIALS = {c: f"\\{c}" for c in "&%$#_{}"} | {"~": r"\textasciitilde{}", "^": r"\^{}",
                                                          "\\": r"\textbackslash{}"}


def amc_source(bank_text: str, copies: int) -> str:
    """The same multiple-choice questions as an auto-multiple-choice LaTeX source: one group,
    shuffled questions and options, ``copies`` copies (AMC's versions)."""
    from quizgen.banks import load_bank_text

    def tex(text: str) -> str:
        return "".join(LATEX_SPECIALS.get(c, c) for c in text)

    bank = load_bank_text(bank_text, "bench.yaml")
    out = [r"\documentclass[letterpaper]{article}", r"\usepackage[utf8]{inputenc}", r"\usepackage[T1]{fontenc}",
           r"\usepackage[box,completemulti]{automultiplechoice}", r"\begin{document}"]
    for q in bank.questions:
        out += [r"\element{bench}{", rf"\begin{{question}}{{{q.id}}}", tex(q.prompt), r"\begin{choices}"]
        out += [rf"\correctchoice{{{tex(a)}}}" for a in q.answers]
        out += [rf"\wrongchoice{{{tex(d)}}}" for d in q.distractors]
        out += [r"\end{choices}", r"\end{question}", "}"]
    out += [rf"\onecopy{{{copies}}}{{", r"\noindent{\bf " + tex(bank.title) + r"}\hfill Name: \namefield{}\par",
            r"\shufflegroup{bench}", r"\insertgroup{bench}", "}", r"\end{document}"]
    return "\n".join(out) + "\n"


def amc_class_set(folder: Path, bank_text: str, copies: int):
    """A whole ``auto-multiple-choice prepare --mode s`` process: every copy's subject and its
    solution (the answer key), as one PDF each, from a fresh project folder per run."""
    source = folder / "bench.tex"
    source.write_text(amc_source(bank_text, copies), encoding="utf-8")

    def run() -> None:
        project = folder / "project"
        shutil.rmtree(project, ignore_errors=True)
        (project / "data").mkdir(parents=True)
        done = subprocess.run(["auto-multiple-choice", "prepare", "--mode", "s", "--with", "pdflatex",
                               "--prefix", f"{project}/", "--data", str(project / "data"),
                               "--out-sujet", str(project / "subject.pdf"), "--out-corrige",
                               str(project / "key.pdf"), "--out-calage", str(project / "calage.xy"),
                               str(source)], capture_output=True, text=True)
        if done.returncode or not (project / "key.pdf").exists():
            raise SystemExit(f"auto-multiple-choice failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return run


def row(name: str, times: list[float], target: float | None) -> str:
    med = statistics.median(times)
    ratio = f"{med / target:5.2f}\u00d7 of {target:.2f} s" if target else ""
    cpu = CPU.get(id(times))
    cpu_text = f"{statistics.median(cpu):6.3f} s" if cpu else "     \u2013"
    return (f"| {name:<46} | {med:7.3f} s | {min(times):6.3f}\u2013{max(times):6.3f} s | {cpu_text} "
            f"| {len(times):>4} | {ratio} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="skip the 1,000-question workloads")
    parser.add_argument("--amc-runs", type=int, default=3, help="runs of auto-multiple-choice (seconds each)")
    args = parser.parse_args()
    compile_quizgen()  # benchmarks/installed.py: quizgen from bytecode, as its peers
    runs = max(5, args.runs)
    # every run a real build: no bank cache, and no record of the last build (an unchanged
    # rebuild would write nothing: benchmarks/rebuild.py measures that)
    os.environ["QUIZGEN_CACHE_DIR"] = "off"
    tmp = Path(tempfile.mkdtemp(prefix="quizgen-bench-"))
    try:
        class_dir = tmp / "class"
        class_dir.mkdir()
        (class_dir / "bench.yaml").write_text(synthetic_bank(20), encoding="utf-8")
        big_dir = tmp / "big"
        big_dir.mkdir()
        (big_dir / "bench.yaml").write_text(synthetic_bank(1000), encoding="utf-8")

        print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores; medians of {runs} runs\n")
        print(f"load average before: {os.getloadavg()[0]:.2f} (other processes on this machine inflate wall times)\n")
        print("| workload | median | min\u2013max | CPU median | runs | median vs target |")
        print("| --- | --- | --- | --- | --- | --- |")
        class_set = quizgen_build(class_dir, tmp / "out-class", versions=30)
        class_set()  # warm up: imports, font registration
        class_times = timed(class_set, runs)
        print(row("class set: 20 MC \u00d7 30 versions, sheets + keys", class_times, 0.4), flush=True)

        for workers, label in ((None, "the PDF exporters (no load, no write)"), (1, "  same, one process"),
                               (2, "  same, a second process forced")):
            render_only = exporters_only(class_dir / "bench.yaml", versions=30, workers=workers)
            render_only()
            print(row(f"  {label}", timed(render_only, runs), 0.4), flush=True)

        cold: list[float] = []
        cold_cpu: list[float] = []
        CPU[id(cold)] = cold_cpu
        exe = ROOT / ".venv" / "bin" / "quizgen"
        cmd = [str(exe) if exe.exists() else "quizgen", "build", str(class_dir), "--out", str(tmp / "out-cold"),
               "--versions", "30", "--format", "worksheet,key"]
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), cpu_seconds()
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"quizgen build failed:\n{done.stderr}")
            cold.append(time.perf_counter() - start)
            cold_cpu.append(cpu_seconds() - start_cpu)
        print(row("class set, fresh `quizgen build` process", cold, 0.4), flush=True)
        if shutil.which("auto-multiple-choice"):
            amc_dir = tmp / "amc"
            amc_dir.mkdir()
            amc = timed(amc_class_set(amc_dir, synthetic_bank(20), copies=30), args.amc_runs)
            amc_med = statistics.median(amc)
            print(row("peer: auto-multiple-choice, same 20 MC × 30 copies", amc, None), flush=True)
            print(f"\nclass set against auto-multiple-choice in this run (target ≤ 0.10×): "
                  f"quizgen in one process {statistics.median(class_times) / amc_med:.3f}×, "
                  f"a fresh quizgen process {statistics.median(cold) / amc_med:.3f}× "
                  f"(AMC {amc_med:.2f} s, {min(amc):.2f}–{max(amc):.2f} s)\n", flush=True)
        else:
            print("\nno auto-multiple-choice on this machine (`make bench-peers` installs it): no peer row\n")

        if not args.quick:
            floor = timed(lambda: raw_platypus_worksheet(1000), max(3, runs // 2))
            floor_med = statistics.median(floor)
            print(row("floor: raw platypus, 1,000-question worksheet", floor, None), flush=True)
            big = quizgen_build(big_dir, tmp / "out-big", versions=1)
            big()
            big_times = timed(big, runs)
            print(row("quizgen: 1,000 questions, worksheet + key", big_times, floor_med), flush=True)
            cold_big = quizgen_build(big_dir, tmp / "out-big2", versions=1)
            from quizgen.exporters import pdf_fonts, pdf_layout
            def uncached():
                pdf_layout._paras.clear()
                pdf_fonts._widths.clear()
                pdf_fonts._stream_cache.clear()
                cold_big()
            print(row("  same, layout caches emptied before each run", timed(uncached, runs), floor_med),
                  flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
