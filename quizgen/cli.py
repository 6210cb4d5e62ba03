"""The ``quizgen`` command: parse flags, make one library call, report.

Expected failures (``QuizgenError``) print ``path:line: message`` lines on stderr and
exit 1; usage errors exit 2 (typer's own). ``--debug`` adds the traceback.
"""
from __future__ import annotations

import json
import os
import sys
import time
import traceback
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
_STATE = {"debug": False}

PathsArg = typer.Argument(None, help="Bank files or folders. Default: ./question_banks "
                                     "(or the built-in default bank if there is none).",
                          show_default=False)


@app.callback()
def main(debug: bool = typer.Option(False, "--debug", help="Show the traceback of any error (for bug reports).")) -> None:
    """Turn the facts of news articles into study material."""
    _STATE["debug"] = debug


def run(action: Callable[[], T]) -> T:
    """Call the library; turn its expected errors into messages and exit code 1."""
    try:
        return action()
    except BankErrors as exc:
        _debug_traceback()
        for error in exc.errors:
            typer.echo(str(error), err=True)
        typer.echo(exc.summary, err=True)
    except QuizgenError as exc:
        _debug_traceback()
        typer.echo(f"Error: {exc}", err=True)
    except KeyboardInterrupt:
        typer.echo("Aborted: interrupted (the previous outputs are unchanged).", err=True)
    except Exception as exc:  # a bug: say so plainly, keep the traceback for --debug
        if _STATE["debug"]:
            raise
        typer.echo(f"Error: internal error ({type(exc).__name__}: {exc}); this is a bug in quizgen. "
                   "Run again with --debug and report the traceback.", err=True)
    raise typer.Exit(1)


def _debug_traceback() -> None:
    if _STATE["debug"]:
        traceback.print_exc(file=sys.stderr)


def _split(values: Optional[List[str]]) -> tuple[str, ...]:
    """Accept both --tags a,b and --tags a --tags b."""
    out: list[str] = []
    for value in values or ():
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return tuple(out)


def _now(timestamp: Optional[int]) -> int:
    """The build's clock: --timestamp, else SOURCE_DATE_EPOCH, else the current time."""
    if timestamp is not None:
        return timestamp
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return int(epoch)
    return int(time.time())


@app.command()
def build(
    paths: Optional[List[str]] = PathsArg,
    out: Path = typer.Option(Path("output"), "--out", "-o", help="Folder to write the outputs into."),
    seed: int = typer.Option(2016, "--seed", help="Seed for choosing and shuffling; same seed, same output."),
    versions: int = typer.Option(1, "--versions", min=1, max=26,
                                 help="Number of shuffled versions (A, B, ...) of the worksheet and key."),
    count: Optional[int] = typer.Option(None, "--count", min=1,
                                        help="Number of questions per bank (default: all that match)."),
    tags: Optional[List[str]] = typer.Option(None, "--tags", help="Only questions with any of these tags (comma-separated)."),
    types: Optional[List[str]] = typer.Option(None, "--types", help="Only these question types (comma-separated)."),
    formats: Optional[List[str]] = typer.Option(None, "--format", "-f",
                                                help="Outputs to write (comma-separated): anki, worksheet, key. Default: all."),
    paper: Optional[str] = typer.Option(None, "--paper", help="Paper size: letter or a4 (default: the bank's, else letter)."),
    group_by: str = typer.Option("type", "--group-by", help="Worksheet sections: type (one per question type) or none."),
    word_bank: bool = typer.Option(False, "--word-bank", help="Print a word bank above fill-in-the-blank questions."),
    combined: bool = typer.Option(False, "--combined", help="Also write one PDF of all versions for printing "
                                  "(each version starts on an odd page)."),
    key_summary: bool = typer.Option(False, "--key-summary", help="Also write one answer key showing all versions side by side."),
    points: bool = typer.Option(True, "--points/--no-points", help="Print points per question and the total."),
    no_generated: bool = typer.Option(False, "--no-generated", help="Leave out questions generated from facts."),
    timestamp: Optional[int] = typer.Option(None, "--timestamp", hidden=True,
                                            help="Seconds since the epoch to stamp changed Anki notes with."),
) -> None:
    """Build Anki decks, worksheets and answer keys from banks.

    Example: quizgen build --versions 2 --count 20 --tags reasons
    """
    from .exporters import ExportOptions
    from .pipeline import DEFAULT_FORMATS, BuildConfig, build as run_build
    from .select import SelectionSpec

    if paper is not None and paper not in ("letter", "a4"):
        raise typer.BadParameter("expected letter or a4", param_hint="--paper")
    config = BuildConfig(
        paths=tuple(paths or ()),
        out=out,
        selection=SelectionSpec(seed=seed, count=count, versions=versions, tags=_split(tags),
                                types=_split(types), group_by=group_by),
        formats=_split(formats) or DEFAULT_FORMATS,
        include_generated=not no_generated,
        options=ExportOptions(paper=paper, now=_now(timestamp), word_bank=word_bank, group_by=group_by,
                              show_points=points, combined=combined, key_summary=key_summary),
    )
    report = run(lambda: run_build(config))
    for warning in report.warnings:
        typer.echo(f"warning: {warning}", err=True)
    for path in report.written:
        typer.echo(f"wrote {path}")


@app.command()
def validate(paths: Optional[List[str]] = PathsArg) -> None:
    """Check banks and report every problem as path:line: message.

    Example: quizgen validate question_banks/
    """
    from .pipeline import validate as run_validate

    banks = run(lambda: run_validate(paths or ()))
    for bank in banks:
        typer.echo(f"{bank.path}: ok ({len(bank.questions)} questions, {len(bank.facts)} facts, "
                   f"{len(bank.sources)} sources)")


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
        typer.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    width = max((len(r["id"]) for r in records), default=2)
    typer.echo(f"{'TYPE':<16} {'ID':<{width}}  PROMPT")
    for r in records:
        prompt = " ".join(str(r["prompt"]).split())
        if len(prompt) > 70:
            prompt = prompt[:69] + "\u2026"
        typer.echo(f"{r['type']:<16} {r['id']:<{width}}  {prompt}")
    typer.echo(f"{len(records)} questions")


if __name__ == "__main__":  # pragma: no cover
    app()
