"""Benchmark the Anki deck build against raw genanki (a script, not a test).

    .venv/bin/python benchmarks/anki.py [--runs 5] [--sizes 10000,100000] [--large-runs 5]

For each size N it writes a synthetic bank of N questions to YAML (all seven types, in
realistic proportions) and measures, as medians of the runs:

1. quizgen's whole build of the deck, in one process: ``quizgen.pipeline.build`` with
   ``formats=("anki",)`` (YAML parse, validation, selection, rendering, atomic writes of
   the .apkg, manifest and state), both a first build (no state) and a rebuild (state
   present, nothing changed: the everyday case);
2. where that time goes: load (YAML + validation), generate, select, render (notes /
   SQLite / zip), write;
3. the floor: raw genanki writing N basic notes (Front = the prompt, Back = the answer
   text) with ``Package.write_to_file``, in the same process (warm imports);
4. both again as whole processes (``quizgen build ... --format anki`` and a genanki
   script), with the peak resident memory of each process: quizgen's rebuild (state
   present) and its cold build (the state removed before each run), run round by round
   (genanki, rebuild, cold) so that a machine whose speed drifts during the run weighs on
   both sides of each round's ratio; the ratio shown is the median of the rounds' ratios.

Target (issue 4): quizgen's whole build within 2x the raw genanki floor, growing linearly.

quizgen keeps validated large banks in a cache keyed by the file's bytes
(quizgen/bankcache.py). The main rows run with that cache off, so every build reads and
validates the YAML; the "cache warm" rows show a re-run on an unchanged bank with the cache
on: the bank cache, and since issue 15 the record of the last build (quizgen/rebuild.py), so
an unchanged rebuild into the same folder writes nothing.

The loader refuses bank files over 256 MB (``banks.MAX_FILE_BYTES``, 20 MB before issue 15);
a 200,000-question bank of this shape is about 81 MB, so the benchmark's banks load as a
user's would (``lift_file_cap`` stays for larger experiments).
"""
from __future__ import annotations

import argparse
import json
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
NOW = 1_700_000_000

WORDS = ("treaty court statute decree ministry signature withdrawal verdict prosecutor spokesman "
         "member state report annexation investigation budget jurisdiction ratification council "
         "session assembly vote sanction tribunal charter").split()
NAMES = ["Vladimir Putin", "Dmitry Peskov", "Fatou Bensouda", "Sergei Lavrov", "Maria Zakharova",
         "Ban Ki-moon", "Barack Obama", "Theresa May", "Angela Merkel", "Xi Jinping", "Recep Erdogan"]
# question type -> share of the bank
MIX = [("multiple_choice", 40), ("true_false", 15), ("short_answer", 15), ("cloze", 10),
       ("numeric", 10), ("matching", 5), ("ordering", 5)]


def words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def synthetic_bank(n: int, seed: int = 7, mix=None) -> str:
    """YAML text of a bank with ``n`` questions of every type (or of ``mix``'s types)."""
    rng = random.Random(seed)
    kinds = [kind for kind, share in (mix or MIX) for _ in range(share)]
    out = ["bank: bench", "title: Benchmark bank", "description: A synthetic bank for benchmarks.",
           "sources:", "  src:", "    title: A report on the court", "    publisher: Bench News",
           "    date: 2016-11-17", "questions:"]
    for i in range(n):
        kind = kinds[i % len(kinds)]
        out += [f"  - id: q{i:06d}", f"    type: {kind}"]
        if kind == "multiple_choice":
            options = rng.sample(NAMES, 4)
            out += [f'    prompt: "Question {i}: who {words(rng, 6, 14)}?"', f'    answer: "{options[0]}"',
                    "    distractors: [" + ", ".join(f'"{o}"' for o in options[1:]) + "]"]
        elif kind == "true_false":
            out += [f'    statement: "Statement {i}: the {words(rng, 6, 14)}."', "    answer: true"]
        elif kind == "short_answer":
            out += [f'    prompt: "Question {i}: name the {words(rng, 5, 12)}."',
                    f'    answer: "{rng.choice(NAMES)}"', f'    accept: ["{words(rng, 1, 2)} {i}"]']
        elif kind == "cloze":
            out += [f'    text: "Text {i}: the [[{words(rng, 1, 2)}]] of the {words(rng, 3, 8)} '
                    f'[[{words(rng, 1, 2)}::hint]]."']
        elif kind == "numeric":
            out += [f'    prompt: "Question {i}: how many {words(rng, 4, 10)}?"',
                    f"    answer: {rng.randint(1, 500)}", "    unit: verdicts"]
        elif kind == "matching":
            people = rng.sample(NAMES, 3)
            out += [f'    prompt: "Question {i}: match {words(rng, 3, 6)}."', "    pairs:"]
            out += [f'      - ["{p}", "{w} {k}"]' for k, (p, w) in enumerate(zip(people, rng.sample(WORDS, 3)))]
        else:
            out += [f'    prompt: "Question {i}: put the {words(rng, 3, 6)} in order."', "    items:"]
            out += [f'      - "{w} {k}"' for k, w in enumerate(rng.sample(WORDS, 4))]
        out += ["    source: src", f'    explanation: "Because the {words(rng, 3, 8)} said so."',
                f'    evidence: "the {words(rng, 2, 5)}"', f"    tags: [{rng.choice(WORDS)}, bench]"]
    return "\n".join(out) + "\n"


def lift_file_cap() -> None:
    import quizgen.banks

    quizgen.banks.MAX_FILE_BYTES = max(quizgen.banks.MAX_FILE_BYTES, 1 << 30)


def median_of(fn, runs: int) -> tuple[float, list[float]]:
    """Median wall time of ``fn``. The benchmark's own objects (the bank text, the raw
    notes) are moved out of the garbage collector's sight first, so that collections
    during a run cost what they would in a fresh process."""
    import gc

    gc.collect()
    gc.freeze()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


# -- in-process workloads -------------------------------------------------------------
def quizgen_build(bank: Path, out: Path, fresh: bool):
    from quizgen.exporters import ExportOptions
    from quizgen.pipeline import BuildConfig, build

    config = BuildConfig(paths=(str(bank),), out=out, formats=("anki",), options=ExportOptions(now=NOW),
                         state_dir=out)

    def run():
        if fresh:
            for state in out.glob("*.anki-state.json"):
                state.unlink()
        build(config)
    return run


def stages(bank: Path, out: Path) -> dict[str, float]:
    """One pass through what ``pipeline.build`` does, each stage timed on its own."""
    from quizgen.banks import load_banks
    from quizgen.exporters import ExportJob, ExportOptions, anki
    from quizgen.exporters.anki_apkg import write_collection, zip_package
    from quizgen.pipeline import StateFile, bank_questions, read_state, write_all_atomically
    from quizgen.select import filter_questions

    t = {}
    start = time.perf_counter()
    (b,) = load_banks([str(bank)])
    t["load (YAML + validation)"] = time.perf_counter() - start
    start = time.perf_counter()
    questions, _ = bank_questions(b)
    t["generate"] = time.perf_counter() - start
    start = time.perf_counter()
    # a deck-only build chooses no printed quiz (the anki exporter needs no versions): the deck
    # is the whole bank after --tags/--types, as pipeline.build gives it
    sets = ()
    chosen = tuple(filter_questions(questions, (), ()))
    t["select (the deck's questions)"] = time.perf_counter() - start
    start = time.perf_counter()
    previous = read_state(out / "bench.anki-state.json")
    t["read state"] = time.perf_counter() - start
    job = ExportJob(bank=b, sets=sets, questions=chosen, options=ExportOptions(now=NOW), previous_state=previous)
    exporter = anki.AnkiExporter()
    start = time.perf_counter()
    artifact = exporter.render(job)[0]
    t["render (all)"] = time.perf_counter() - start
    # the render again, in its parts
    start = time.perf_counter()
    make = anki.NoteMaker(b)
    contents = [make(q) for q in chosen]
    states = [anki.NoteState(c.content_hash(), NOW, NOW, c.question.type) for c in contents]
    t["  render: note fields + hashes"] = time.perf_counter() - start
    used = sorted({c.note_type.id: c.note_type for c in contents}.values(), key=lambda nt: nt.id)
    start = time.perf_counter()
    rows = exporter._rows(b, contents, states, used, {nt.id: anki.REVISION for nt in used})
    t["  render: ids, decks, note types"] = time.perf_counter() - start
    scratch = Path(tempfile.mkdtemp(prefix="quizgen-anki-bench-scratch-"))
    start = time.perf_counter()
    write_collection(rows, scratch / "collection.anki2")
    t["  render: rows into SQLite (scratch file)"] = time.perf_counter() - start
    collection_size = (scratch / "collection.anki2").stat().st_size
    start = time.perf_counter()
    zip_package(scratch / "collection.anki2")
    t["  render: zip (deflate)"] = time.perf_counter() - start
    shutil.rmtree(scratch)
    start = time.perf_counter()
    write_all_atomically({out / "bench.apkg": artifact.data, out / "bench.anki-state.json": StateFile(artifact.state)})
    t["write (.apkg + state, atomic)"] = time.perf_counter() - start
    state_size = (out / "bench.anki-state.json").stat().st_size
    t["_sizes"] = (len(artifact.data), collection_size, state_size)  # type: ignore[assignment]
    return t


def raw_genanki(path: Path) -> None:
    """The floor: genanki's own Deck/Model/Note/Package for the basic notes in RAW_QUESTIONS
    (the bank's prompts and answers, parsed once beforehand)."""
    import genanki

    model = genanki.Model(1_607_392_319, "Basic", fields=[{"name": "Front"}, {"name": "Back"}],
                          templates=[{"name": "Card 1", "qfmt": "{{Front}}",
                                      "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}])
    deck = genanki.Deck(2_059_400_110, "Benchmark bank")
    for q in RAW_QUESTIONS:
        deck.add_note(genanki.Note(model=model, fields=[q[0], q[1]], guid=genanki.guid_for("bench", q[2])))
    genanki.Package(deck).write_to_file(str(path), timestamp=NOW)


RAW_QUESTIONS: list[tuple[str, str, str]] = []

# peak resident memory of the process itself: VmHWM (ru_maxrss of a child started by a
# big parent reports the parent's peak on Linux, as the high-water mark survives fork+exec)
PEAK = "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')), file=sys.stderr)"

RAW_SCRIPT = """
import json, sys, genanki
rows = json.load(open(sys.argv[1]))
model = genanki.Model(1607392319, "Basic", fields=[{"name": "Front"}, {"name": "Back"}],
                      templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}])
deck = genanki.Deck(2059400110, "Benchmark bank")
for front, back, qid in rows:
    deck.add_note(genanki.Note(model=model, fields=[front, back], guid=genanki.guid_for("bench", qid)))
genanki.Package(deck).write_to_file(sys.argv[2], timestamp=1700000000)
""" + PEAK

QUIZGEN_SCRIPT = """
import sys
import quizgen.banks
quizgen.banks.MAX_FILE_BYTES = 1 << 30  # see the module docstring
sys.argv = ["quizgen"] + sys.argv[1:]
try:
    from quizgen.cli import command  # what the installed quizgen command runs
    command()
finally:
    """ + PEAK


def process(cmd: list[str], runs: int, before=None) -> tuple[float, list[float], int]:
    """Median wall time of a fresh process, and its peak resident memory (KiB); ``before`` is
    called ahead of each run, untimed."""
    times, peak = [], 0
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        peak = max(peak, int(done.stderr.strip().splitlines()[-1]))
    return statistics.median(times), times, peak


def fmt(seconds: float) -> str:
    return f"{seconds:7.3f} s"


def prepare(tmp: Path, n: int, mix) -> tuple[Path, Path, str]:
    """A folder for size ``n``: the synthetic bank (bench.yaml) and the raw genanki script's
    notes (raw.json: prompt, answer text and id of each question, as quizgen reads them)."""
    from quizgen.banks import load_bank_text

    folder = tmp / f"n{n}"
    folder.mkdir()
    bank = folder / "bench.yaml"
    text = synthetic_bank(n, mix=mix)
    bank.write_text(text, encoding="utf-8")
    parsed = load_bank_text(text, str(bank))
    (folder / "raw.json").write_text(json.dumps([(q.prompt, q.answer_text, q.id) for q in parsed.questions]))
    return folder, bank, text


def memory(sizes: list[int], mix) -> None:
    """Peak resident memory of a cold deck build (no state) against raw genanki, per size, and
    of the rebuild that follows it with one question changed (the saved state read back)."""
    lift_file_cap()
    os.environ["QUIZGEN_CACHE_DIR"] = "off"
    tmp = Path(tempfile.mkdtemp(prefix="quizgen-anki-memory-"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; "
          "one process each (bank cache off): a cold build (no state), raw genanki, then a rebuild with "
          "one question changed\n")
    print("| questions | YAML | quizgen cold peak RSS | time | raw genanki peak RSS | time | ratio (cold) | "
          "quizgen KiB/question | rebuild peak RSS | ratio (rebuild) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    try:
        for n in sizes:
            folder, bank, text = prepare(tmp, n, mix)
            q_cmd = [sys.executable, "-c", QUIZGEN_SCRIPT, "build", str(bank), "--format", "anki", "--out",
                     str(folder / "cli"), "--timestamp", str(NOW)]
            q_time, _, q_peak = process(q_cmd, 1)
            r_time, _, r_peak = process([sys.executable, "-c", RAW_SCRIPT, str(folder / "raw.json"),
                                         str(folder / "raw.apkg")], 1)
            bank.write_text(text.replace("Question 1", "Question one", 1), encoding="utf-8")
            _, _, again_peak = process(q_cmd[:-1] + [str(NOW + 86_400)], 1)
            print(f"| {n:,} | {len(text.encode()) / 1e6:.0f} MB | {q_peak / 1024:.0f} MiB | {q_time:.1f} s | "
                  f"{r_peak / 1024:.0f} MiB | {r_time:.1f} s | {q_peak / r_peak:.2f}\u00d7 | {q_peak / n:.1f} | "
                  f"{again_peak / 1024:.0f} MiB | {again_peak / r_peak:.2f}\u00d7 |", flush=True)
            shutil.rmtree(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measurement at 10,000 (at least 5)")
    parser.add_argument("--large-runs", type=int, default=5, help="runs per measurement for larger sizes")
    parser.add_argument("--sizes", default="10000,100000", help="bank sizes, comma-separated")
    parser.add_argument("--short-answers", action="store_true",
                        help="every question a short answer (the issue's first deck row), not the mix")
    parser.add_argument("--memory", action="store_true",
                        help="only peak memory: one whole quizgen process and one raw genanki process per size "
                        "(e.g. --memory --sizes 10000,50000,100000,200000)")
    args = parser.parse_args()
    compile_quizgen()  # benchmarks/installed.py: quizgen from bytecode, as its peers
    mix = [("short_answer", 1)] if args.short_answers else None
    if args.memory:
        memory(sorted(int(s) for s in args.sizes.split(",")), mix)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    lift_file_cap()
    os.environ["QUIZGEN_CACHE_DIR"] = "off"  # the main rows read and validate the YAML every time
    python = sys.executable
    tmp = Path(tempfile.mkdtemp(prefix="quizgen-anki-bench-"))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; "
          f"wall-clock medians\n")
    results = {}
    try:
        for n in sizes:
            runs = max(5, args.runs) if n <= 10_000 else max(1, args.large_runs)
            folder, bank, text = prepare(tmp, n, mix)
            RAW_QUESTIONS[:] = json.loads((folder / "raw.json").read_text())
            kind = "short answers" if mix else "questions of 7 types"
            print(f"## {n:,} {kind} ({len(text.encode()) / 1e6:.1f} MB of YAML), {runs} runs each\n")

            out = folder / "out"
            first, first_t = median_of(quizgen_build(bank, out, fresh=True), runs)
            again, again_t = median_of(quizgen_build(bank, out, fresh=False), runs)
            floor, floor_t = median_of(lambda: raw_genanki(folder / "raw.apkg"), runs)
            parts = [stages(bank, out) for _ in range(runs)]
            sizes_ = parts[0].pop("_sizes")
            for p in parts[1:]:
                p.pop("_sizes")
            breakdown = {k: statistics.median(p[k] for p in parts) for k in parts[0]}

            print("| in one process (imports warm) | median | min | vs raw genanki |")
            print("| --- | --- | --- | --- |")
            print(f"| raw genanki, {n:,} basic notes (floor) | {fmt(floor)} | {fmt(min(floor_t))} | 1.00x |")
            print(f"| quizgen build, first (no state) | {fmt(first)} | {fmt(min(first_t))} | {first / floor:.2f}x |")
            print(f"| quizgen build, rebuild (state, no change) | {fmt(again)} | {fmt(min(again_t))} | "
                  f"{again / floor:.2f}x |")
            exporter_only = breakdown["render (all)"] + breakdown["write (.apkg + state, atomic)"]
            print(f"| quizgen without load/generate/select (render + write) | {fmt(exporter_only)} | | "
                  f"{exporter_only / floor:.2f}x |")
            print("\n| stage (rebuild, state present) | median |\n| --- | --- |")
            for k, v in breakdown.items():
                print(f"| {k} | {fmt(v)} |")
            print(f"\n.apkg {sizes_[0] / 1e6:.2f} MB (collection {sizes_[1] / 1e6:.2f} MB deflated), "
                  f"state file {sizes_[2] / 1e6:.2f} MB; raw genanki .apkg "
                  f"{(folder / 'raw.apkg').stat().st_size / 1e6:.2f} MB (stored, not deflated)\n")

            q_cmd = [python, "-c", QUIZGEN_SCRIPT, "--quiet", "build", str(bank), "--format", "anki", "--out",
                     str(folder / "cli"), "--timestamp", str(NOW)]
            if subprocess.run(q_cmd, capture_output=True).returncode != 0:  # a CLI without --quiet
                q_cmd.remove("--quiet")
            # whole processes, interleaved round by round (genanki, quizgen rebuild, quizgen cold), so a
            # machine that slows down or speeds up during the run weighs on both sides of each ratio alike
            raw_cmd = [python, "-c", RAW_SCRIPT, str(folder / "raw.json"), str(folder / "raw-cli.apkg")]
            q_t, c_t, r_t, q_peak, c_peak, r_peak = [], [], [], 0, 0, 0
            for _ in range(runs):
                _, one_r, peak = process(raw_cmd, 1)
                r_t += one_r
                r_peak = max(r_peak, peak)
                _, one_q, peak = process(q_cmd, 1)
                q_t += one_q
                q_peak = max(q_peak, peak)
                _, one_c, peak = process(q_cmd, 1, before=lambda: [p.unlink() for p in
                                                                   folder.glob("*.anki-state.json")])
                c_t += one_c
                c_peak = max(c_peak, peak)
            r_time, q_time, c_time = (statistics.median(t) for t in (r_t, q_t, c_t))
            c_ratio = statistics.median(c / r for c, r in zip(c_t, r_t))
            q_ratio = statistics.median(q / r for q, r in zip(q_t, r_t))
            print("| whole process (rounds interleaved) | median | min | peak RSS | vs raw genanki (median of "
                  "each round's ratio) |\n| --- | --- | --- | --- | --- |")
            print(f"| raw genanki script (reads the notes from JSON) | {fmt(r_time)} | {fmt(min(r_t))} | "
                  f"{r_peak / 1024:.0f} MiB | 1.00x |")
            print(f"| quizgen build --format anki (cold: no state) | {fmt(c_time)} | {fmt(min(c_t))} | "
                  f"{c_peak / 1024:.0f} MiB | {c_ratio:.2f}x (min-max {min(c / r for c, r in zip(c_t, r_t)):.2f}-"
                  f"{max(c / r for c, r in zip(c_t, r_t)):.2f}) |")
            print(f"| quizgen build --format anki (rebuild) | {fmt(q_time)} | {fmt(min(q_t))} | "
                  f"{q_peak / 1024:.0f} MiB | {q_ratio:.2f}x |\n", flush=True)
            warm_dir = folder / "bank-cache"
            os.environ["QUIZGEN_CACHE_DIR"] = str(warm_dir)
            quizgen_build(bank, out, fresh=False)()  # fills the cache
            warm, warm_t = median_of(quizgen_build(bank, out, fresh=False), runs)
            w_time, w_t, w_peak = process(q_cmd, runs)
            os.environ["QUIZGEN_CACHE_DIR"] = "off"
            print("| cache warm (unchanged bank re-run: bank cache, record of the last build) | median | min | "
                  "vs raw genanki |\n| --- | --- | --- | --- |")
            print(f"| quizgen rebuild, in one process | {fmt(warm)} | {fmt(min(warm_t))} | {warm / floor:.2f}x |")
            print(f"| quizgen build --format anki, whole process | {fmt(w_time)} | {fmt(min(w_t))} | "
                  f"{w_time / r_time:.2f}x |\n", flush=True)
            results[n] = {"first": first, "again": again, "floor": floor, "breakdown": breakdown,
                          "process": q_time, "raw_process": r_time, "peak": q_peak, "raw_peak": r_peak}
        if len(results) > 1:
            small, large = min(results), max(results)
            factor = large / small
            print(f"## growth {small:,} -> {large:,} questions ({factor:.0f}x)\n")
            for key, label in (("again", "quizgen rebuild, in process"), ("floor", "raw genanki, in process"),
                               ("process", "quizgen, whole process"), ("peak", "quizgen peak RSS")):
                ratio = results[large][key] / results[small][key]
                print(f"- {label}: {ratio:.1f}x")
            for stage in results[small]["breakdown"]:
                ratio = results[large]["breakdown"][stage] / max(results[small]["breakdown"][stage], 1e-9)
                print(f"  - {stage.strip()}: {ratio:.1f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
