"""The build: load -> generate -> select -> export -> write, as one library call.

Only this module writes files. Every output is rendered to bytes first; nothing is
written until every exporter has succeeded, and each file is then written to a
temporary name and renamed, so a failed or interrupted build leaves the previous
outputs as they were.
"""
from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import shutil
import stat
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Sequence, Union

from . import rebuild
from .errors import ExportError, QuizgenError
from .exporters import Artifact, ExportJob, ExportOptions, load_exporter
from .spec import SelectionSpec, check_spec, filter_questions
from .statefile import StateFile, state_bytes, state_chunks  # noqa: F401  (state_bytes, state_chunks: the library's names)

if TYPE_CHECKING:
    from .model import Bank, Question

# The bank reader (YAML), the generator (jinja2), the flaw checker, the selection and the
# exporters' modules are imported when a build first needs them, not with this module: an
# unchanged rebuild (quizgen.rebuild) needs none of them.
def load_banks(paths: Iterable[str | Path] | None = None) -> list[Bank]:
    from .banks import load_banks as load

    return load(paths)


def builtin_bank_path() -> Path:
    from .banks import builtin_bank_path as builtin

    return builtin()


def check_questions(bank: Bank, questions: Sequence[Question]) -> list[str]:
    from .flaws import check_questions as check

    return check(bank, questions)


def expand_bank(bank: Bank, include_generated: bool = True):
    from .generate import expand_bank as expand

    return expand(bank, include_generated=include_generated)


DEFAULT_FORMATS = ("anki", "worksheet", "key")
MANIFEST_NAME = "manifest.json"
STATE_SUFFIX = ".anki-state.json"
MAX_BUILD_TIME = 253_402_300_799  # 9999-12-31 23:59:59 UTC


@dataclass(frozen=True)
class BuildConfig:
    """Everything a build needs; the CLI fills it from its flags."""

    paths: tuple[str, ...] = ()  # bank files or folders; empty: the default
    out: Path = Path("output")
    selection: SelectionSpec = SelectionSpec()
    formats: tuple[str, ...] = DEFAULT_FORMATS
    include_generated: bool = True
    options: ExportOptions = ExportOptions()
    state_dir: Path | None = None  # where exporter state lives; None: beside each bank
    strict: bool = False  # any warning stops the build before anything is written


@dataclass
class BuildReport:
    """What a build did: the banks, the files written, and any warnings."""

    banks: list[Bank] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    manifest: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # bank id -> the deck's changes against the previous build ({"new": [ids], "updated": [ids],
    # "retired": [ids]}) and "retired_in_all": how many questions the deck carries as withdrawn
    deck_changes: dict[str, dict] = field(default_factory=dict)
    removed: list[Path] = field(default_factory=list)  # stale outputs of the previous build, removed
    unchanged: bool = False  # nothing to do: inputs and outputs as the last build left them (quizgen.rebuild)
    up_to_date: list[Path] = field(default_factory=list)  # the files an unchanged build left as they were


class StrictError(QuizgenError):
    """--strict and there are warnings: nothing was written."""


def bank_warnings(bank: Bank) -> list[str]:
    """Warnings about the bank itself (DESIGN §11.4): authoring traps found while reading
    it and the item-writing flaws of its hand-written questions (quizgen.flaws)."""
    return list(bank.warnings) + check_questions(bank, bank.questions)


def strict_error(warnings: Sequence[str]) -> StrictError:
    count = f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
    return StrictError(f"{count} and --strict, so nothing was written; fix them, or run without --strict:\n"
                       + "\n".join(warnings))


def bank_questions(bank: Bank, include_generated: bool = True) -> tuple[tuple[Question, ...], tuple[str, ...]]:
    """All questions of a bank (hand-written and generated) and the generator's warnings."""
    expansion = expand_bank(bank, include_generated=include_generated)
    return expansion.questions, expansion.warnings


def list_questions(paths: Sequence[str] = (), include_generated: bool = True) -> list[dict]:
    """Every question of every bank, as the records ``quizgen list --json`` prints."""
    records = []
    for bank in load_banks(paths):
        questions, _ = bank_questions(bank, include_generated)
        records.extend(question_record(q) for q in questions)
    return records


def question_record(q: Question) -> dict:
    """One question as a plain, JSON-ready dict (the ``list --json`` contract, extended)."""
    answer: object
    if q.type == "multiple_choice":
        answer = list(q.answers) if q.select_all else q.answers[0]
    elif q.type == "true_false":
        answer = q.truth
    elif q.type == "numeric":
        answer = q.number
    elif q.type == "cloze":
        answer = [b.answer for b in q.blanks]
    elif q.type == "matching":
        answer = [list(p) for p in q.pairs]
    elif q.type == "ordering":
        answer = list(q.items)
    else:
        answer = q.answers[0]
    return {
        "id": q.id,
        "bank": q.bank,
        "type": q.type,
        "prompt": q.prompt,
        "answer": answer,
        "choices": list(q.answers) + list(q.distractors) if q.type == "multiple_choice" else None,
        "source": q.source,
        "origin": q.origin,
        "fact": q.fact,
        "facts": list(q.facts),
        "explanation": q.explanation,
        "template": q.template,
        "tags": list(q.tags),
        "points": q.points,
        "line": q.ref.line if q.ref else None,
    }


Progress = Callable[[int, int, str], None]  # (steps done, steps in all, what is next)


def build(config: BuildConfig, progress: Progress | None = None) -> BuildReport:
    """Build every bank under ``config.paths`` into ``config.out``.

    ``progress``, if given, is called before each step with the number of steps done,
    the number of steps in all, and a label (for a progress bar; the library never prints).

    Python's cyclic garbage collector is paused while the build runs (and restored after):
    a build makes millions of short-lived objects, freed by reference counting, and the
    collector only rescans them (issue 15: 7-8% of a 10,000 or 50,000-question deck build's
    CPU time, the same peak memory).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return build_with_collector_paused(config, progress)
    finally:
        if enabled:
            gc.enable()


def build_with_collector_paused(config: BuildConfig, progress: Progress | None = None) -> BuildReport:
    """``build``'s work (called by ``build``, which pauses the garbage collector around it)."""
    # first, as it is the cheapest way out: a record exists only for a build that passed every check below
    done_before = rebuild.unchanged(config)
    if done_before is not None:
        return unchanged_report(config, done_before, progress)
    check_spec(config.selection)
    now = config.options.now
    if isinstance(now, bool) or not isinstance(now, (int, float)) or not 0 <= now <= MAX_BUILD_TIME:
        raise ExportError(f"the build's time {now!r} is out of range; expected whole seconds since 1970 up to "
                          f"{MAX_BUILD_TIME} (the end of year 9999): check --timestamp or SOURCE_DATE_EPOCH")
    twice = sorted({name for name in config.formats if config.formats.count(name) > 1})
    if twice:
        raise ExportError(f"format {twice[0]!r} is listed twice; expected each format once")
    exporters = [load_exporter(name) for name in config.formats]  # unknown names fail early
    versions_needed = any(getattr(e, "needs_versions", True) for e in exporters)
    report = BuildReport(banks=load_banks(config.paths))
    check_state_paths(report.banks, config)
    states: dict[Path, Mapping] = {}
    previous_states: dict[str, Mapping | None] = {}
    previous_manifest = read_manifest(config.out / MANIFEST_NAME)  # before this build replaces it
    total = len(report.banks) * (1 + len(exporters)) + 1
    step = 0

    def advance(label: str) -> None:
        nonlocal step
        if progress is not None:
            progress(step, total, label)
        step += 1

    for bank in report.banks:
        advance(f"{bank.id}: generating and choosing questions")
        questions, warnings = bank_questions(bank, config.include_generated)
        report.warnings.extend(bank_warnings(bank))
        report.warnings.extend(warnings)
        chosen: tuple[Question, ...] = ()
        sets: tuple = ()
        if versions_needed or config.selection.quiz_requested:  # else no exporter reads job.quiz or job.sets
            from .select import arrange_versions, choose_quiz  # a deck-only build never loads the rules

            quiz = choose_quiz(bank, questions, config.selection)
            report.warnings.extend(quiz.warnings)
            chosen = quiz.questions
            if versions_needed:
                sets = tuple(arrange_versions(bank, chosen, config.selection))
        state_file = state_path(bank, config)
        whole = tuple(filter_questions(questions, config.selection.tags, config.selection.types))
        job = ExportJob(bank=bank, sets=sets, questions=whole, quiz=chosen,
                        options=bank_options(config.options, every_question(bank, questions, config)),
                        previous_state=read_state(state_file) or shipped_state(bank),
                        quiz_requested=config.selection.quiz_requested)
        previous_states[bank.id] = job.previous_state
        for exporter in exporters:
            advance(f"{bank.id}: {exporter.name}")
            for artifact in exporter.render(job):
                report.artifacts.append(artifact)
                report.warnings.extend(artifact.warnings)
                if artifact.state is not None:
                    states[state_file] = artifact.state
    report.manifest = [manifest_entry(a) for a in report.artifacts if a.kind]
    add_deck_changes(report, previous_states)
    names = [a.name for a in report.artifacts]
    if len(set(names)) != len(names):
        raise ExportError("two outputs of this build have the same file name; expected distinct bank ids")
    if config.strict and report.warnings:
        raise strict_error(report.warnings)
    manifest = json.dumps(report.manifest, indent=2, ensure_ascii=False) + "\n"
    files = {config.out / a.name: a.data for a in report.artifacts}
    files[config.out / MANIFEST_NAME] = manifest.encode()
    for path, state in states.items():
        files[path] = StateFile(state)
    files[config.out / MANIFEST_NAME] = files.pop(config.out / MANIFEST_NAME)  # renamed last
    advance("writing")
    try:
        for folder in {path.parent for path in files}:
            folder.mkdir(parents=True, exist_ok=True)
        write_all_atomically(files)
    except MixedOutputsError as exc:
        raise mixed_outputs_error(exc, config.out / MANIFEST_NAME) from None
    except OSError as exc:
        where = exc.filename or config.out
        raise ExportError(f"{where}: cannot write ({exc.strerror or exc}); expected a writable output "
                          "folder with free space (the previous outputs are unchanged)") from None
    report.written = [config.out / a.name for a in report.artifacts] + [config.out / MANIFEST_NAME]
    report.removed = remove_stale_outputs(config.out, previous_manifest, {p.name for p in report.written})
    fixed_point = all(previous_states.get(a.bank) == a.state for a in report.artifacts if a.state is not None)
    rebuild.remember(config, files, fixed_point, {"warnings": report.warnings, "manifest": report.manifest,
                                                  "deck_changes": report.deck_changes},
                     read=[Path(bank.path).parent / source.text_file for bank in report.banks
                           for source in bank.sources.values() if source.text_file])
    if progress is not None:
        progress(total, total, "done")
    return report


def unchanged_report(config: BuildConfig, record: Mapping, progress: Progress | None) -> BuildReport:
    """The report of a build that found nothing to do (``rebuild.unchanged``): the last
    build's warnings, manifest and deck changes, nothing written."""
    report = BuildReport(warnings=list(record.get("warnings", [])), manifest=list(record.get("manifest", [])),
                         deck_changes=dict(record.get("deck_changes", {})), unchanged=True,
                         up_to_date=[Path(p) for p in record.get("files", {})])
    if config.strict and report.warnings:
        raise strict_error(report.warnings)
    if progress is not None:
        progress(1, 1, "done")
    return report


def preview_decks(config: BuildConfig) -> list[Artifact]:
    """The Anki decks a build with ``config`` would write now, rendered in memory from each
    bank's saved state; nothing is written (``quizgen anki-diff`` compares them with a package)."""
    exporter = load_exporter("anki")
    decks = []
    for bank in load_banks(config.paths):
        questions, _ = bank_questions(bank, config.include_generated)
        whole = tuple(filter_questions(questions, config.selection.tags, config.selection.types))
        job = ExportJob(bank=bank, sets=(), questions=whole,
                        options=bank_options(config.options, every_question(bank, questions, config)),
                        previous_state=read_state(state_path(bank, config)) or shipped_state(bank))
        decks.extend(a for a in exporter.render(job) if a.kind == "anki")
    return decks


def bank_options(options: ExportOptions, questions: Sequence[Question]) -> ExportOptions:
    """The build's options for one bank: ``extra["bank_questions"]`` names every question of
    the bank (before ``--tags``/``--types``), so the deck can tell a question deleted from the
    bank (retired) from one this build merely filtered out."""
    return replace(options, extra={**options.extra, "bank_questions": frozenset(q.id for q in questions)})


def every_question(bank: Bank, questions: Sequence[Question], config: BuildConfig) -> Sequence[Question]:
    """The bank's questions a deck must not retire: ``questions``, and with ``--no-generated`` the
    generated ones too (left out of this build, like ``--tags``, not deleted from the bank)."""
    return questions if config.include_generated else bank_questions(bank, True)[0]


def add_deck_changes(report: BuildReport, previous_states: Mapping[str, Mapping | None]) -> None:
    """Give each ``anki`` manifest entry its ``changes`` against the previous build's state."""
    decks = {a.bank: a for a in report.artifacts if a.kind == "anki" and a.state is not None}
    if not decks:
        return  # no deck built: the deck writer (and sqlite3) stays unloaded
    from .exporters.anki import state_changes

    for entry in report.manifest:
        artifact = decks.get(entry["bank"]) if entry["kind"] == "anki" else None
        if artifact is None:
            continue
        entry["changes"] = state_changes(previous_states.get(artifact.bank), artifact.state, artifact.questions)
        retired = artifact.state.get("retired", [])
        report.deck_changes[artifact.bank] = {**entry["changes"], "retired_in_all": len(retired),
                                              "notes": len(artifact.questions)}


def read_manifest(path: Path) -> list:
    """The previous build's manifest, or [] when there is none or it is not a JSON list."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return value if isinstance(value, list) else []


def remove_stale_outputs(out: Path, previous_manifest: Sequence[object], written: set[str]) -> list[Path]:
    """Remove the files the previous manifest lists that this build did not write.

    The manifest is untrusted: only a plain file name inside ``out`` is considered (never a
    path, ``..``, a hidden name or the manifest itself), only a regular file (not a link or a
    folder), and only when its bytes still have the sha256 the manifest recorded, so a file
    quizgen did not write, or that someone changed since, is never touched.
    """
    removed = []
    for entry in previous_manifest:
        name = entry.get("path") if isinstance(entry, dict) else None
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not isinstance(digest, str) or name in written \
                or name == MANIFEST_NAME or name.startswith(".") or "\0" in name \
                or name != os.path.basename(name) or name != Path(name).name or "\\" in name:
            continue
        path = out / name
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                continue
            with path.open("rb") as handle:
                if hashlib.file_digest(handle, "sha256").hexdigest() != digest:
                    continue
            path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


@dataclass
class QuizPlan:
    """What a build would print, per bank and version, without writing anything."""

    banks: list[Bank] = field(default_factory=list)
    sets: list = field(default_factory=list)  # QuestionSet per bank and version, in build order
    warnings: list[str] = field(default_factory=list)


def plan(config: BuildConfig) -> QuizPlan:
    """Choose and lay out the printed quizzes exactly as ``build`` would; write nothing."""
    from .select import arrange_versions, choose_quiz

    check_spec(config.selection)
    result = QuizPlan(banks=load_banks(config.paths))
    for bank in result.banks:
        questions, warnings = bank_questions(bank, config.include_generated)
        result.warnings.extend(bank_warnings(bank))
        result.warnings.extend(warnings)
        quiz = choose_quiz(bank, questions, config.selection)
        result.warnings.extend(quiz.warnings)
        result.sets.extend(arrange_versions(bank, quiz.questions, config.selection))
    return result


def plan_lines(result: QuizPlan) -> list[str]:
    """The plan as text: per bank and version, each question's number, id, type, key (multiple
    choice and true/false), facts and prompt."""
    lines: list[str] = []
    for qset in result.sets:
        label = f"version {qset.version}" if qset.version else "one version"
        lines.append(f"{qset.bank.id} ({label}, {len(qset.items)} questions, seed {qset.seed}):")
        for item in qset.items:
            q = item.question
            facts = ", ".join(q.facts) if q.facts else "-"
            prompt = " ".join(q.prompt.split())
            key = f"; key {item.key_text}" if item.key_text else ""
            lines.append(f"  {item.number:>3}. {q.id}  [{q.type}{key}; facts: {facts}]")
            lines.append(f"       {prompt}")
    return lines


def mixed_outputs_error(exc: MixedOutputsError, manifest: Path) -> ExportError:
    """The true message for a write that could neither finish nor be undone. The previous
    manifest no longer describes the files, so it is removed (a marking script must not
    mark with a key for a worksheet that changed)."""
    try:
        manifest.unlink()
        gone = f"{manifest} was removed"
    except FileNotFoundError:
        gone = f"there is no {manifest.name}"
    except OSError:
        gone = f"{manifest} could not be removed and no longer matches them: do not use it"
    new = ", ".join(str(p) for p in exc.replaced)
    where = exc.filename or manifest.parent
    return ExportError(f"{where}: cannot write ({exc.strerror or exc.cause}), and putting the previous "
                       f"outputs back failed too: these files are from this build, the others from the "
                       f"previous one: {new}; {gone}. Expected a writable output folder with free space; "
                       "fix that and build again")


def manifest_entry(artifact: Artifact) -> dict:
    return {
        "kind": artifact.kind,
        "bank": artifact.bank,
        "version": artifact.version,
        "path": artifact.name,
        "sha256": hashlib.sha256(artifact.data).hexdigest(),
        "questions": list(artifact.questions),
        "key": list(artifact.key) if artifact.key is not None else None,
        **({"marking": [dict(m) for m in artifact.marking]} if artifact.marking is not None else {}),
    }


def state_path(bank: Bank, config: BuildConfig) -> Path:
    """Where the Anki exporter's state for ``bank`` lives.

    Beside the bank file (``icc.yaml`` -> ``icc.anki-state.json``), so a teacher who
    keeps banks in git keeps the state with them; in the output folder for a bank
    that ships inside quizgen or sits in a folder quizgen may not write to.
    """
    if config.state_dir is not None:
        return config.state_dir / f"{bank.id}{STATE_SUFFIX}"
    bank_path = Path(bank.path)
    if bank_path != builtin_bank_path() and os.access(bank_path.parent, os.W_OK):
        return bank_path.with_name(bank_path.stem + STATE_SUFFIX)
    return config.out / f".{bank.id}{STATE_SUFFIX}"


def shipped_state(bank: Bank) -> Mapping | None:
    """For the built-in bank, the state committed beside it in quizgen's own repository, so
    a plain install builds the very deck a checkout builds (same note times, no re-sends)."""
    builtin = builtin_bank_path()
    if Path(bank.path) != builtin:
        return None
    return read_state(builtin.with_name(builtin.stem + STATE_SUFFIX))


MAX_STATE_BYTES = 256 * 1024 * 1024
STATE_WAY_OUT = ("Restore the file from version control (or a backup) and build again. If it is lost, "
                 "delete it: the next deck then stamps every note as changed, and students' next "
                 "import rewrites each note once (their progress is kept, their own edits to the "
                 "notes are not)")


CONFLICT_MARKERS = tuple(sign * 7 for sign in "<=>")  # what git writes around the two sides of a conflict


def read_state(path: Path) -> Mapping | None:
    """The saved exporter state, or None when there is none yet.

    A state file that exists but is not what quizgen wrote (cut short, a merge conflict,
    not UTF-8, not a JSON object) is an ``ExportError`` at its line: silently starting
    afresh would restamp every note and overwrite students' edits on their next import.
    """
    try:
        size = path.stat().st_size
        if size > MAX_STATE_BYTES:
            raise _damaged_state(path, 1, f"it is {size / 1048576:.0f} MB")
        from .exporters.anki_records import STREAMED_STATE_BYTES, read_streamed_state

        if size > STREAMED_STATE_BYTES:  # its records read a slice at a time, if laid out as quizgen writes it
            streamed = read_streamed_state(path)
            if streamed is not None:
                return streamed
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ExportError(f"{path}: cannot read the saved Anki state ({exc.strerror or exc}); expected a "
                          "readable file (check its permissions)") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _damaged_state(path, data.count(b"\n", 0, exc.start) + 1,
                             f"byte 0x{data[exc.start]:02x} is not UTF-8") from None
    conflict = (re.search(r"^(<<<<<<<|=======|>>>>>>>)( |$)", text, re.M)
                if any(marker in text for marker in CONFLICT_MARKERS) else None)  # a plain search first: fast
    if conflict:
        line = text.count("\n", 0, conflict.start()) + 1
        raise ExportError(f"{path}:{line}: the saved Anki state holds a merge conflict marker "
                          f"({conflict.group(1)!r}); expected the JSON file quizgen wrote. Keep one "
                          f"side whole (git checkout --theirs -- {path}, or --ours), then build again; "
                          "never merge the two by hand")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _damaged_state(path, exc.lineno, f"it is not valid JSON: {exc.msg}") from None
    except (ValueError, RecursionError):  # nested too deep, numbers too long
        raise _damaged_state(path, 1, "it is not JSON quizgen can read") from None
    if not isinstance(value, dict):
        raise _damaged_state(path, 1, f"it holds {'a list' if isinstance(value, list) else 'a single value'}, "
                                      "not an object")
    return value


def _damaged_state(path: Path, line: int, what: str) -> ExportError:
    return ExportError(f"{path}:{line}: the saved Anki state is damaged ({what}); expected the JSON "
                       f"file quizgen wrote. {STATE_WAY_OUT}")


def check_state_paths(banks: Sequence[Bank], config: BuildConfig) -> None:
    """Each bank keeps its own state file: two banks sharing one would restamp each
    other's notes on every build (``unit.yaml`` and ``unit.yml``, or names that differ
    only by case on a case-insensitive disk)."""
    from .banks import BANK_SUFFIXES

    seen: dict[str, Bank] = {}
    for bank in banks:
        path = state_path(bank, config)
        key = unicodedata.normalize("NFC", str(path)).casefold()
        other = seen.setdefault(key, bank)
        if other is not bank:
            raise ExportError(f"{bank.ref or bank.path}: bank {bank.id!r} would keep its Anki state in "
                              f"{path}, as bank {other.id!r} ({other.path}) does; expected one state file "
                              "per bank (rename one of the bank files)")
        bank_path = Path(bank.path)
        if path.parent != bank_path.parent:
            continue
        try:
            siblings = [p for p in bank_path.parent.iterdir() if p.suffix.lower() in BANK_SUFFIXES
                        and p.stem.casefold() == bank_path.stem.casefold() and p.name != bank_path.name]
        except OSError:
            siblings = []
        if siblings:
            raise ExportError(f"{bank.ref or bank.path}: {siblings[0]} would share this bank's Anki state "
                              f"file {path.name}; expected bank files whose names differ before the "
                              "extension (rename one of them)")


FileData = Union[bytes, StateFile]  # what write_all_atomically writes: bytes, or bytes made as written


class MixedOutputsError(OSError):
    """Some outputs were replaced, and putting the old ones back failed too."""

    def __init__(self, cause: OSError, replaced: Sequence[Path]):
        super().__init__(cause.errno, cause.strerror, cause.filename)
        self.cause = cause
        self.replaced = list(replaced)


def write_all_atomically(files: Mapping[Path, FileData]) -> None:
    """Change a set of files all together, or not at all (as far as the filesystem allows).

    Each file is given as its bytes, or as an object whose ``chunks()`` yields them
    (``StateFile``), written as they come.

    1. Stage: every file is written and synced under a temporary name in its own folder
       (``.NAME.PID.XXXX.tmp``). A failure here (a full disk, say) removes the temporary
       files and changes nothing.
    2. Commit, in the order given (put the file that describes the others, a manifest, last):
       each file that exists is first hard-linked to a backup (``.NAME.PID.XXXX.bak``), then
       the new one is renamed over it. If a rename fails, the files already replaced get
       their backups back (new ones are removed) and the OSError is raised: nothing changed.
       If putting them back fails too, ``MixedOutputsError`` lists the files that are new.
    3. The backups are removed.

    Temporary files and backups left by an interrupted write (a process that no longer
    runs) beside these files are removed first; nothing else is touched.
    """
    import tempfile  # here, not with the module: an unchanged rebuild writes nothing

    pid = os.getpid()
    for folder in {path.parent for path in files}:
        remove_stale_temporaries(folder, {path.name for path in files if path.parent == folder})
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{pid}.", suffix=".tmp")
            staged.append((tmp, path))
            os.fchmod(fd, 0o644)  # mkstemp makes files private; outputs are for sharing
            with os.fdopen(fd, "wb") as handle:
                if isinstance(data, (bytes, bytearray, memoryview)):
                    handle.write(data)
                else:
                    for chunk in data.chunks():
                        handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        _remove_quietly(tmp for tmp, _ in staged)
        raise
    done: list[tuple[Path, str | None]] = []  # (path, its backup; None: the file is new)
    try:
        for tmp, path in staged:
            backup = _backup(path, pid)
            done.append((path, backup))
            os.replace(tmp, path)
    except BaseException as exc:
        if done and not _replaced(done[-1], staged):
            _remove_quietly([done.pop()[1]])  # its backup: the file itself was not replaced
        failed = _roll_back(done)
        _remove_quietly(tmp for tmp, _ in staged)
        if failed and isinstance(exc, OSError):
            raise MixedOutputsError(exc, failed) from exc
        raise
    _remove_quietly(backup for _, backup in done if backup)


def _backup(path: Path, pid: int) -> str | None:
    """A hard link to ``path`` under a backup name (a copy where links are not allowed);
    None if there is no file to back up."""
    if not os.path.lexists(path):
        return None
    import tempfile

    fd, backup = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{pid}.", suffix=".bak")
    os.close(fd)
    os.unlink(backup)
    try:
        os.link(path, backup, follow_symlinks=False)
    except (OSError, NotImplementedError):  # no hard links here (FAT, some network shares)
        shutil.copy2(path, backup, follow_symlinks=False)
    return backup


def _replaced(entry: tuple[Path, str | None], staged: Sequence[tuple[str, Path]]) -> bool:
    """Whether the last file begun was renamed into place (its temporary file is gone)."""
    path = entry[0]
    tmp = next(t for t, p in staged if p == path)
    return not os.path.lexists(tmp)


def _roll_back(done: Sequence[tuple[Path, str | None]]) -> list[Path]:
    """Put the old files back (remove the new ones that had none); the paths that failed."""
    failed = []
    for path, backup in reversed(done):
        try:
            if backup is None:
                os.unlink(path)
            else:
                os.replace(backup, path)
        except OSError:
            failed.append(path)
    return failed[::-1]  # in the order they were written


def _remove_quietly(paths: Iterable[str | None]) -> None:
    for path in paths:
        if path:
            try:
                os.unlink(path)
            except OSError:
                pass


STALE_REST = re.compile(r"^(?:([0-9]+)\.)?[A-Za-z0-9_]{8}\.(?:tmp|bak)$")  # after ".NAME."


def remove_stale_temporaries(folder: Path, names: Iterable[str]) -> list[Path]:
    """Remove the temporary files and backups that an interrupted write of one of ``names``
    left in ``folder`` (the process that made them no longer runs); the paths removed."""
    prefixes = [f".{name}." for name in names]
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(".") or not entry.name.endswith((".tmp", ".bak")):
            continue
        for prefix in prefixes:
            match = STALE_REST.match(entry.name[len(prefix):]) if entry.name.startswith(prefix) else None
            if match:
                break
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        if match[1] and _process_runs(int(match[1])):
            continue  # another build is writing now
        try:
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            pass
    return removed


def _process_runs(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own leftovers from an earlier write in this process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process, or cannot tell: leave its files alone
    return True


def write_files(files: Mapping[Path, bytes]) -> None:
    """Write outputs that are not a build's (marks, a responses template) atomically, folders made."""
    try:
        for folder in {path.parent for path in files}:
            folder.mkdir(parents=True, exist_ok=True)
        write_all_atomically(files)
    except OSError as exc:
        raise ExportError(f"{exc.filename or next(iter(files))}: cannot write ({exc.strerror or exc}); "
                          "expected a writable folder (nothing was changed)") from None


def init_bank(folder: Path, bank_id: str = "my-bank", title: str = "My first question bank") -> Path:
    """Write a commented starter bank to ``folder/question_banks/<bank_id>.yaml``."""
    from .banks import ID_PATTERN, load_bank_text
    from .errors import BankErrors
    from .starter import starter_bank

    if not ID_PATTERN.match(bank_id):
        raise ExportError(f"bank id {bank_id!r} is not a valid id; expected lowercase letters, digits "
                          "and single hyphens, like 'my-bank'")
    target = folder / "question_banks" / f"{bank_id}.yaml"
    if target.exists():
        raise ExportError(f"{target}: already exists; expected a new bank name (use --name) "
                          "so that no bank is overwritten")
    text = starter_bank(bank_id, title)
    try:
        load_bank_text(text, str(target))  # write only a bank that validates
    except BankErrors as exc:
        problem = exc.errors[0].message if exc.errors else str(exc)
        raise ExportError(f"--title {title[:60]!r}: the starter bank would not validate ({problem}); "
                          "expected a title of printable text") from None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_all_atomically({target: text.encode()})
    except OSError as exc:
        raise ExportError(f"{exc.filename or target}: cannot write ({exc.strerror}); "
                          "expected a writable folder") from None
    return target


@dataclass
class Validation:
    """The banks that passed, how many questions their facts generate, and the warnings."""

    banks: list[Bank]
    generated: dict[str, int]  # bank id -> generated questions
    warnings: list[str]


def validate(paths: Iterable[str] = ()) -> Validation:
    """Load and check banks (facts and templates included); raise on any problem."""
    result = Validation(load_banks(list(paths)), {}, [])
    for bank in result.banks:
        expansion = expand_bank(bank)
        result.generated[bank.id] = sum(1 for q in expansion.questions if q.origin == "template")
        result.warnings.extend(bank_warnings(bank))
        result.warnings.extend(expansion.warnings)
    return result
