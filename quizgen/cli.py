"""The ``quizgen`` command: parse flags, make one library call, report.

Expected failures (``QuizgenError``) print ``path:line: message`` lines on stderr and
exit 1; usage errors exit 2 (typer's own). ``--debug`` adds the traceback.
"""
from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Callable, List, Optional, TypeVar

import typer

from .errors import BankErrors, QuizgenError

app = typer.Typer(
    name="quizgen",
    help="Turn the facts of news articles into study material: Anki decks, printable "
    "worksheets and answer keys.",
    add_completion=True,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

T = TypeVar("T")
_STATE = {"debug": False, "quiet": False, "verbose": False}

PathsArg = typer.Argument(None, help="Bank files or folders. Default: ./question_banks "
                                     "(or the built-in default bank if there is none).",
                          show_default=False)


@app.callback()
def main(
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of any error (for bug reports)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print errors only."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print more about what is done."),
) -> None:
    """Turn the facts of news articles into study material."""
    _STATE.update(debug=debug, quiet=quiet, verbose=verbose and not quiet)


# What a terminal would act on rather than show: C0 and C1 control characters (but tab and
# line feed) and the bidirectional overrides. Text from banks, templates, packages and file
# names is shown with these written out (\u001b), so it cannot move the cursor, retitle the
# window, hide a warning or reorder a line. The few colour codes quizgen itself prints stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_OWN_STYLES = frozenset(["\x1b[0m", "\x1b[1m", "\x1b[31m", "\x1b[33m"])  # typer.style's bold, red, yellow
_STYLE = re.compile(r"\x1b\[[0-9;]*m")


def visible(text: str) -> str:
    """``text`` with every control character written out as ``\\uXXXX`` (valid in JSON too),
    but for quizgen's own colour codes."""
    if not _CONTROL.search(text):
        return text
    out, pos = [], 0
    for match in _STYLE.finditer(text):
        if match.group() in _OWN_STYLES:
            out.append(_escape_controls(text[pos:match.start()]))
            out.append(match.group())
            pos = match.end()
    out.append(_escape_controls(text[pos:]))
    return "".join(out)


def _escape_controls(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def show(message: str, err: bool = False, nl: bool = True) -> None:
    """typer.echo for text that may hold anything: control characters are made visible."""
    typer.echo(visible(message), err=err, nl=nl)


def say(message: str, err: bool = False) -> None:
    """Print unless --quiet."""
    if not _STATE["quiet"]:
        show(message, err=err)


def run(action: Callable[[], T]) -> T:
    """Call the library; turn its expected errors into messages and exit code 1."""
    try:
        return action()
    except BankErrors as exc:
        _debug_traceback()
        for error in exc.errors:
            show(str(error), err=True)
        show(exc.summary, err=True)
    except QuizgenError as exc:
        _debug_traceback()
        show(typer.style("Error:", fg="red", bold=True) + f" {exc}", err=True)
    except KeyboardInterrupt:
        show("Aborted: interrupted (the previous outputs are unchanged).", err=True)
    except Exception as exc:  # a bug: say so plainly, keep the traceback for --debug
        if _STATE["debug"]:
            raise
        show(f"Error: internal error ({type(exc).__name__}: {exc}); this is a bug in quizgen. "
                   "Run again with --debug and report the traceback.", err=True)
    raise typer.Exit(1)


def _debug_traceback() -> None:
    if _STATE["debug"]:
        import traceback  # only with --debug: every run imports this module

        traceback.print_exc(file=sys.stderr)


def _split(values: Optional[List[str]]) -> tuple[str, ...]:
    """Accept both --tags a,b and --tags a --tags b."""
    out: list[str] = []
    for value in values or ():
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(out)


def _count(items: object, noun: str) -> str:
    n = len(items)  # type: ignore[arg-type]
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _one_of(value: Optional[str], choices: tuple[str, ...]) -> Optional[str]:
    if value is not None and value not in choices:
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(choices)}")
    return value


def _now(timestamp: Optional[int]) -> int:
    """The build's clock: --timestamp, else SOURCE_DATE_EPOCH, else the current time."""
    if timestamp is not None:
        return timestamp
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None or epoch == "":
        return int(time.time())
    if not re.fullmatch(r"[0-9]{1,11}", epoch.strip()):
        from .config import ConfigError

        raise ConfigError(f"SOURCE_DATE_EPOCH={epoch[:40]!r} is not a whole number of seconds; expected "
                          "a non-negative integer like 1700000000 (or unset it to use the current time)")
    return int(epoch.strip())


@app.command()
def build(
    ctx: typer.Context,
    paths: Optional[List[str]] = PathsArg,
    out: Path = typer.Option(Path("output"), "--out", "-o", help="Folder to write the outputs into."),
    seed: int = typer.Option(2016, "--seed", help="Seed for choosing and shuffling; same seed, same output."),
    versions: int = typer.Option(1, "--versions", min=1, max=100,
                                 help="Number of shuffled versions (A, B, ..., Z, AA, ...) of the worksheet and key."),
    count: Optional[int] = typer.Option(None, "--count", min=1,
                                        help="Number of questions per printed quiz (default: the best question "
                                        "of each fact)."),
    mix: Optional[List[str]] = typer.Option(None, "--mix", help="Exactly N questions of each named type in the "
                                            "printed quiz, e.g. multiple_choice=8,true_false=4."),
    include: Optional[List[str]] = typer.Option(None, "--include", help="Question ids the printed quiz always "
                                                "holds (comma-separated)."),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", help="Question ids the printed quiz never "
                                                "holds (comma-separated)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print each version's chosen questions (number, id, "
                                 "type, facts, prompt) and write nothing."),
    tags: Optional[List[str]] = typer.Option(None, "--tags", help="Only questions with any of these tags (comma-separated)."),
    types: Optional[List[str]] = typer.Option(None, "--types", help="Only these question types (comma-separated)."),
    formats: Optional[List[str]] = typer.Option(None, "--format", "-f",
                                                help="Outputs to write (comma-separated): anki, worksheet, key (the default); also moodle, gift, qti, html."),
    paper: Optional[str] = typer.Option(None, "--paper", callback=lambda v: _one_of(v, ("letter", "a4")),
                                        help="Paper size: letter or a4 (default: the bank's, else letter)."),
    group_by: str = typer.Option("type", "--group-by", callback=lambda v: _one_of(v, ("type", "none")), help="Worksheet sections: type (one per question type) or none."),
    word_bank: bool = typer.Option(False, "--word-bank", help="Print a word bank above fill-in-the-blank questions."),
    combined: bool = typer.Option(False, "--combined", help="Also write one PDF of all versions for printing "
                                  "(each version starts on an odd page)."),
    key_summary: bool = typer.Option(False, "--key-summary", help="Also write one answer key showing all versions side by side."),
    points: bool = typer.Option(True, "--points/--no-points", help="Print points per question and the total."),
    generated: bool = typer.Option(True, "--generated/--no-generated", help="Include questions generated from facts."),
    set_name: Optional[str] = typer.Option(None, "--set", help="Use a named question set from quizgen.toml."),
    changelog: bool = typer.Option(False, "--changelog", help="Also write B-changes.md: the deck's new, updated "
                                   "and withdrawn questions since the last build, to post to students."),
    deck_true_false: bool = typer.Option(False, "--deck-true-false/--no-deck-true-false",
                                         help="Put generated true/false questions in the Anki deck too "
                                         "(by default only hand-written ones: a generated false statement "
                                         "is not worth learning)."),
    title: Optional[str] = typer.Option(None, "--title", help="The sheets' title (default: the bank's sheet: "
                                        "title, else its title)."),
    subtitle: Optional[str] = typer.Option(None, "--subtitle", help="A line under the title, e.g. the unit."),
    instructions: Optional[str] = typer.Option(None, "--instructions", help="The worksheet's instructions, "
                                               "instead of the standard ones."),
    time_allowed: Optional[str] = typer.Option(None, "--time-allowed", help="Printed in the header, "
                                               "e.g. '40 minutes'."),
    school: Optional[str] = typer.Option(None, "--school", help="The school's name, above the title."),
    timestamp: Optional[int] = typer.Option(None, "--timestamp", hidden=True,
                                            help="Seconds since the epoch to stamp changed Anki notes with."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors: write nothing and exit 1 if there is any."),
) -> None:
    """Build Anki decks, worksheets and answer keys from banks.

    A printed quiz holds one question per fact, none giving away another's answer.
    --count, --mix, --include, --exclude, --versions and --seed shape the printed
    quizzes only: the Anki deck is always the whole bank (after --tags, --types and
    the bank's disable).

    Flags not given on the command line come from the named --set, then from [build]
    in quizgen.toml (or [tool.quizgen] in pyproject.toml).

    Example: quizgen build --versions 2 --count 20 --tags reasons
    """
    from .pipeline import build as run_build

    config = run(lambda: _build_config(ctx, set_name, timestamp))
    if strict:
        import dataclasses

        config = dataclasses.replace(config, strict=True)
    if dry_run:
        from .pipeline import plan, plan_lines

        result = run(lambda: plan(config))
        for warning in result.warnings:
            _warn(warning)
        for line in plan_lines(result):
            show(line)
        return
    with _progress_bar() as progress:
        report = run(lambda: run_build(config, progress=progress))
    for warning in report.warnings:
        _warn(warning)
    if report.unchanged:
        say(_unchanged_summary(config.out, report))
    for path in report.written:
        say(f"wrote {path}")
    for path in report.removed:
        say(f"removed {path} (written by the previous build, not by this one)")
    for bank_id, changes in report.deck_changes.items():
        say(_deck_summary(bank_id, changes))
    if _STATE["verbose"]:
        for bank in report.banks:
            say(f"{bank.path}: bank {bank.id!r}, {len(bank.questions)} hand-written questions, "
                f"{len(bank.facts)} facts")


def _unchanged_summary(out: Path, report) -> str:
    """One line for a build that found nothing to do."""
    count = len(report.up_to_date)
    return (f"nothing to do: the banks, state, templates, options and quizgen are as the last build into {out} "
            f"left them, and its {count} file{'s' if count != 1 else ''} still match; nothing was written")


def _deck_summary(bank_id: str, changes: dict) -> str:
    """One line: what students get when they import the new deck."""
    return (f"{bank_id}.apkg: {len(changes['new'])} new, {len(changes['updated'])} updated, "
            f"{len(changes['retired'])} retired since the last build; the deck holds {changes['notes']} "
            f"questions and {changes['retired_in_all']} withdrawn (tagged quizgen::retired)")


@contextlib.contextmanager
def _progress_bar():
    """A progress callback that shows a bar on a terminal once a build has taken 1 s."""
    if _STATE["quiet"] or not sys.stderr.isatty():
        yield None
        return
    started = time.monotonic()
    bar: dict = {}

    def progress(done: int, total: int, label: str) -> None:
        if "progress" not in bar:
            if time.monotonic() - started < 1.0 or done >= total:
                return
            from rich.progress import Progress  # only on a terminal, only for slow builds

            # redrawn at each step rather than by rich's refresh thread: a build forks a second
            # process (quizgen.cores), which a process with other threads must not do
            bar["progress"] = Progress(transient=True, auto_refresh=False)
            bar["progress"].start()
            bar["task"] = bar["progress"].add_task(label, total=total)
        bar["progress"].update(bar["task"], completed=done, description=label, refresh=True)

    try:
        yield progress
    finally:
        if "progress" in bar:
            bar["progress"].stop()


def _build_config(ctx: typer.Context, set_name: Optional[str], timestamp: Optional[int]):
    """Merge the command line over the project settings into a BuildConfig."""
    from .config import load_config
    from .exporters import ExportOptions
    from .pipeline import DEFAULT_FORMATS, BuildConfig
    from .spec import SelectionSpec, parse_mix

    settings = load_config().settings_for(set_name)
    value = {}
    for name, given in ctx.params.items():  # settings keys are the parameters' names
        source = ctx.get_parameter_source(name)
        from_cli = source is not None and source.name not in ("DEFAULT", "DEFAULT_MAP")
        value[name] = given if from_cli or name not in settings else settings[name]
    listed = {k: _split(value[k]) for k in ("tags", "types", "formats", "paths", "include", "exclude")}
    mix = value["mix"]
    mix = tuple(mix.items()) if isinstance(mix, dict) else parse_mix(",".join(mix or ()))
    return BuildConfig(
        paths=listed["paths"],
        out=Path(value["out"]),
        selection=SelectionSpec(seed=value["seed"], count=value["count"], versions=value["versions"],
                                tags=listed["tags"], types=listed["types"], group_by=value["group_by"],
                                mix=mix, include=listed["include"], exclude=listed["exclude"]),
        formats=listed["formats"] or DEFAULT_FORMATS,
        include_generated=value["generated"],
        options=ExportOptions(paper=value["paper"], now=_now(timestamp), word_bank=value["word_bank"],
                              group_by=value["group_by"], show_points=value["points"],
                              combined=value["combined"], key_summary=value["key_summary"],
                              extra=_deck_options(value), sheet=_sheet_texts(value)),
    )


# exporters.anki's CHANGELOG_OPTION and GENERATED_TRUE_FALSE_OPTION, spelled here so that a build
# with nothing to do need not import the deck writer (it costs as much as typer);
# tests/test_rebuild.py checks that they agree
DECK_OPTION_NAMES = ("anki_changelog", "anki_generated_true_false")


def _deck_options(value: dict) -> dict:
    changelog, generated_true_false = DECK_OPTION_NAMES
    return {changelog: bool(value["changelog"]), generated_true_false: bool(value["deck_true_false"])}


def _sheet_texts(value: dict) -> dict[str, str]:
    """The printed sheets' texts given by flags or settings (the bank's sheet: fills the rest)."""
    keys = ("title", "subtitle", "instructions", "time_allowed", "school")
    return {key: str(value[key]) for key in keys if value.get(key)}


@app.command()
def init(
    folder: Path = typer.Argument(Path("."), help="Project folder (created if missing)."),
    name: str = typer.Option("my-bank", "--name", help="The new bank's id (file question_banks/NAME.yaml)."),
    title: str = typer.Option("My first question bank", "--title", help="The new bank's title."),
) -> None:
    """Create a commented starter bank that validates, ready to edit.

    Example: quizgen init my-class --name unit-1
    """
    from .pipeline import init_bank

    path = run(lambda: init_bank(folder, name, title))
    say(f"wrote {path}")
    say(f"next: edit it, then run: quizgen validate {path}")


_LOCATED = re.compile(r"^(\S[^\n]*?:\d+): (.*)$", re.S)


def _warn(warning: str) -> None:
    """One warning line on stderr in the §11.4 form, ``path:line: warning: what; how to fix``.

    Library warnings either carry that form already or start with ``path:line:``, after
    which the word is put; a warning with no location is printed after the word alone.
    """
    if ": warning: " in warning:
        path, _, rest = warning.partition(": warning: ")
    elif (located := _LOCATED.match(warning)) is not None:
        path, rest = located.groups()
    else:
        say(typer.style("warning:", fg="yellow") + f" {warning}", err=True)
        return
    say(f"{path}: " + typer.style("warning:", fg="yellow") + f" {rest}", err=True)


@app.command()
def validate(
    paths: Optional[List[str]] = PathsArg,
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors: exit 1 if there is any."),
) -> None:
    """Check banks and report every problem as path:line: message.

    Example: quizgen validate --strict question_banks/
    """
    from .pipeline import validate as run_validate

    result = run(lambda: run_validate(paths or ()))
    for warning in result.warnings:
        _warn(warning)
    if strict and result.warnings:
        count = len(result.warnings)
        typer.echo(f"Aborted: {count} warning{'s' if count != 1 else ''} and --strict", err=True)
        raise typer.Exit(1)
    for bank in result.banks:
        generated = result.generated[bank.id]
        made = f" + {generated} generated" if generated else ""
        say(f"{bank.path}: ok ({_count(bank.questions, 'question')}{made}, {_count(bank.facts, 'fact')}, "
            f"{_count(bank.sources, 'source')})")


@app.command("list")
def list_(
    paths: Optional[List[str]] = PathsArg,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array, one object per question."),
    no_generated: bool = typer.Option(False, "--no-generated", help="Leave out questions generated from facts."),
) -> None:
    """List every question, hand-written and generated.

    Example: quizgen list --json
    """
    from .pipeline import list_questions

    records = run(lambda: list_questions(paths or (), include_generated=not no_generated))
    if as_json:
        show(json.dumps(records, indent=2, ensure_ascii=False))
        return
    width = max((len(r["id"]) for r in records), default=2)
    show(f"{'TYPE':<16} {'ID':<{width}}  PROMPT")
    for r in records:
        prompt = " ".join(str(r["prompt"]).split())
        if len(prompt) > 70:
            prompt = prompt[:69] + "\u2026"
        show(f"{r['type']:<16} {r['id']:<{width}}  {prompt}")
    show(f"{len(records)} questions")


@app.command("anki-diff")
def anki_diff(
    old: Path = typer.Argument(..., metavar="OLD.apkg", help="The .apkg students already imported."),
    new: Optional[Path] = typer.Argument(None, metavar="[NEW.apkg]",
                                         help="The new .apkg to preview. Default: the deck the banks would "
                                         "build now, from their saved state (nothing is written)."),
    bank: Optional[List[str]] = typer.Option(None, "--bank", help="Without NEW.apkg: the bank files or folders "
                                             "to build the deck from (default: as quizgen build)."),
    as_json: bool = typer.Option(False, "--json", help="Print every note's fate as JSON."),
) -> None:
    """Preview a re-import: which notes Anki will add, update, leave unchanged, or report as conflicting.

    Example: quizgen anki-diff published/icc-withdrawal-2016.apkg
    """
    from .anki_diff import diff_files, diff_with_banks

    if new is not None:
        diff = run(lambda: diff_files(old, new))
    else:
        config = run(lambda: _preview_config(_split(bank)))
        diff = run(lambda: diff_with_banks(old, config))
    if as_json:
        show(json.dumps(diff.to_json(), indent=2, ensure_ascii=False))
        return
    for line in diff.summary_lines():
        show(line)


def _preview_config(paths: tuple[str, ...]):
    """What ``quizgen build`` would use for the deck: the banks, the state's place, the deck settings."""
    from .config import load_config
    from .exporters import ExportOptions
    from .pipeline import BuildConfig

    settings = load_config().settings_for(None)
    chosen = {"changelog": False, "deck_true_false": settings.get("deck_true_false", False)}
    return BuildConfig(paths=paths or tuple(settings.get("paths") or ()), out=Path(str(settings.get("out", "output"))),
                       include_generated=bool(settings.get("generated", True)),
                       options=ExportOptions(now=_now(None), extra=_deck_options(chosen)))


@app.command()
def generate(
    paths: Optional[List[str]] = PathsArg,
    fact: Optional[str] = typer.Option(None, "--fact", help="Only the questions made from this fact (its id)."),
    template: Optional[str] = typer.Option(None, "--template", help="Only the questions of this template (its id)."),
    as_yaml: bool = typer.Option(False, "--yaml", help="Print them as hand-written questions that override "
                                 "the generated ones, to paste under a bank's questions: and edit."),
) -> None:
    """Preview the questions that templates generate from the banks' facts.

    Example: quizgen generate --fact peskov-national-interests --yaml
    """
    from .banks import load_banks
    from .generate import format_preview, preview, preview_yaml

    result = run(lambda: preview(load_banks(paths or ()), fact=fact, template=template))
    for warning in result.warnings:
        _warn(warning)
    show(preview_yaml(result) if as_yaml else format_preview(result), nl=False)


@app.command()
def mark(
    responses: Path = typer.Argument(..., metavar="RESPONSES.csv",
                                     help="The class's answers: student,version,1,2,... (one row per student)."),
    manifest: Optional[Path] = typer.Option(None, "--manifest", "-m",
                                            help="The build's manifest.json. Default: the one beside "
                                                 "RESPONSES.csv, else output/manifest.json."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for scores.csv, items.csv and "
                                       "report.pdf. Default: beside RESPONSES.csv."),
    bank: Optional[str] = typer.Option(None, "--bank", help="The bank marked, when the build holds several."),
    template: bool = typer.Option(False, "--template", help="Write an empty RESPONSES.csv (the header for "
                                  "the built quiz) instead of marking."),
) -> None:
    """Mark a class's answers: scores per student, item analysis, a one-page class report.

    Example: quizgen mark responses.csv --manifest output/manifest.json
    """
    from .mark import default_manifest, mark_class, write_template

    if template:
        path = run(lambda: write_template(manifest or default_manifest(responses), responses, bank))
        say(f"wrote {path}: fill in one row per student, then run: quizgen mark {path}")
        return
    report = run(lambda: mark_class(responses, manifest, out, bank))
    if not report.students:
        say(f"{responses}: no student rows yet; nothing to mark (fill in one row per student)")
        return
    reviews = report.reviews
    summary = report.summary
    say(f"marked {_count(report.students, 'student')} on {_count(report.items, 'question')}: mean "
        f"{summary.mean:.1f}%, median {summary.median:.1f}%"
        + (f"; {reviews} answer{'s' if reviews != 1 else ''} to review (\"review\" in scores.csv)" if reviews else ""))
    for item in report.flagged:
        say(f"{item.flag}: question {item.id}: {item.reason}")
    for path in report.written:
        say(f"wrote {path}")


def command() -> None:
    """The ``quizgen`` command (and ``python -m quizgen``): the app, in a process of its own.

    Every command is one pass over its inputs, so the cyclic garbage collector stays off
    for the whole process: reference counting frees what a command drops as it goes, and the
    few cycles it leaves end with the process. (A build pauses the collector anyway; turned
    back on after it, the collector's first full pass over the build's objects took about
    15 ms of a 10,000-question deck build, issue 15.) When a command is done, its objects are
    moved out of the collector's sight (``gc.freeze``): the interpreter's shutdown then frees
    them without first scanning them for cycles, about 20 ms more. Only here, never in ``app``
    itself, which tests and other programs call in a process that goes on."""
    gc.disable()
    try:
        app(prog_name="quizgen")
    finally:
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    command()
