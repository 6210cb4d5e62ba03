"""The build: load -> generate -> select -> export -> write, as one library call.

Only this module writes files. Every output is rendered to bytes first; nothing is
written until every exporter has succeeded, and each file is then written to a
temporary name and renamed, so a failed or interrupted build leaves the previous
outputs as they were.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from .banks import builtin_bank_path, load_banks
from .errors import ExportError, QuizgenError
from .flaws import check_questions
from .exporters import Artifact, ExportJob, ExportOptions, load_exporter
from .generate import expand_bank
from .model import Bank, Question
from .select import SelectionSpec, arrange_versions, check_spec, choose_quiz, filter_questions

DEFAULT_FORMATS = ("anki", "worksheet", "key")
MANIFEST_NAME = "manifest.json"
STATE_SUFFIX = ".anki-state.json"


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
    """
    check_spec(config.selection)
    exporters = [load_exporter(name) for name in config.formats]  # unknown names fail early
    versions_needed = any(getattr(e, "needs_versions", True) for e in exporters)
    report = BuildReport(banks=load_banks(config.paths))
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
        if versions_needed or config.selection.quiz_requested:  # else no exporter reads job.quiz
            quiz = choose_quiz(bank, questions, config.selection)
            report.warnings.extend(quiz.warnings)
            chosen = quiz.questions
        sets = tuple(arrange_versions(bank, chosen, config.selection)) if versions_needed else ()
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
        files[path] = (json.dumps(state, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()
    advance("writing")
    try:
        for folder in {path.parent for path in files}:
            folder.mkdir(parents=True, exist_ok=True)
        write_all_atomically(files)
    except OSError as exc:
        where = exc.filename or config.out
        raise ExportError(f"{where}: cannot write ({exc.strerror or exc}); expected a writable output "
                          "folder with free space (the previous outputs are unchanged)") from None
    report.written = [config.out / a.name for a in report.artifacts] + [config.out / MANIFEST_NAME]
    report.removed = remove_stale_outputs(config.out, previous_manifest, {p.name for p in report.written})
    if progress is not None:
        progress(total, total, "done")
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
    from .exporters.anki import state_changes

    decks = {a.bank: a for a in report.artifacts if a.kind == "anki" and a.state is not None}
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


def read_state(path: Path) -> Mapping | None:
    """The saved exporter state, or None when there is none (or it is unreadable)."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def write_all_atomically(files: Mapping[Path, bytes]) -> None:
    """Write several files so that each is either its old or its new complete self.

    Every file is first written and synced under a temporary name in its own folder;
    only when all of them are on disk are they renamed over the old ones. A failure
    while writing (a full disk, say) removes the temporary files and changes nothing.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            staged.append((tmp, path))
            os.fchmod(fd, 0o644)  # mkstemp makes files private; outputs are for sharing
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        for tmp, _ in staged:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise
    for tmp, path in staged:
        os.replace(tmp, path)


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
    from .banks import ID_PATTERN
    from .starter import starter_bank

    if not ID_PATTERN.match(bank_id):
        raise ExportError(f"bank id {bank_id!r} is not a valid id; expected lowercase letters, digits "
                          "and single hyphens, like 'my-bank'")
    target = folder / "question_banks" / f"{bank_id}.yaml"
    if target.exists():
        raise ExportError(f"{target}: already exists; expected a new bank name (use --name) "
                          "so that no bank is overwritten")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_all_atomically({target: starter_bank(bank_id, title).encode()})
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
