"""The docs say what the code does: examples run, every field, command and flag is documented."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import typer.main
import yaml

from quizgen import banks
from quizgen.banks import load_bank_text
from quizgen.cli import app
from quizgen.exporters import EXPORTERS

from conftest import ROOT

DOCS = ROOT / "docs"
README = ROOT / "README.md"
BLOCK = re.compile(r"```yaml\n(.*?)```", re.S)

SNIPPET_BANK = """\
bank: doc-example
title: Documentation example
sources:
  anonhq: {title: Report, publisher: AnonHQ}
  antimedia: {title: Analysis, publisher: Anti-Media}
entities:
  putin: {name: Vladimir Putin, kind: person, role: President of Russia}
  peskov: {name: Dmitry Peskov, kind: person, role: Kremlin spokesman}
  bensouda: {name: Fatou Bensouda, kind: person, role: ICC prosecutor}
  icc: {name: International Criminal Court, kind: organization}
  russia: {name: Russia, kind: country}
  foreign-ministry: {name: Russian Foreign Ministry, kind: organization}
"""


def yaml_examples() -> list[tuple[str, int, str]]:
    out = []
    for path in sorted(DOCS.glob("*.md")) + [README]:
        text = path.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            out.append((path.name, text.count("\n", 0, match.start()) + 2, match.group(1)))
    return out


def as_bank(block: str) -> str:
    """A doc block as a whole bank: complete banks as they are, snippets inside SNIPPET_BANK."""
    if block.startswith("bank:"):
        return block
    if block.startswith("- "):
        return SNIPPET_BANK + "questions:\n" + textwrap.indent(block, "  ")
    if block.startswith(("facts:", "questions:", "disable:")):
        return SNIPPET_BANK + block
    raise AssertionError(f"unrecognised example block: {block[:40]!r}")


@pytest.mark.parametrize("where,line,block", yaml_examples(), ids=lambda v: str(v)[:30])
def test_yaml_examples_are_valid_banks(where: str, line: int, block: str) -> None:
    if block.startswith("# template"):
        pytest.skip("template example, checked by test_generate")
    load_bank_text(as_bank(block), path=f"{where}:{line}")


def test_every_bank_field_is_documented() -> None:
    doc = (DOCS / "bank-format.md").read_text(encoding="utf-8")
    tables = [banks.TOP_FIELDS, banks.SOURCE_FIELDS, banks.ENTITY_FIELDS, banks.QUESTION_COMMON,
              banks.FACT_COMMON, *banks.QUESTION_FIELDS.values(), *banks.FACT_FIELDS.values()]
    fields = {name for table in tables for name in table}
    missing = sorted(f for f in fields if f"`{f}`" not in doc)
    assert not missing, f"docs/bank-format.md does not mention: {missing}"
    for kind in list(banks.QUESTION_FIELDS) + list(banks.FACT_FIELDS):
        assert f"`{kind}`" in doc or f"### {kind}" in doc


def commands() -> dict:
    group = typer.main.get_command(app)
    return dict(group.commands)  # type: ignore[attr-defined]


def test_every_command_and_flag_is_documented() -> None:
    cli_doc = (DOCS / "cli.md").read_text(encoding="utf-8")
    readme = README.read_text(encoding="utf-8")
    for name, command in commands().items():
        assert command.help, f"{name} has no help text"
        assert "Example: quizgen" in command.help, f"{name} help has no example"
        assert f"quizgen {name}" in readme, f"README does not mention quizgen {name}"
        for param in command.params:
            if param.param_type_name == "option" and not getattr(param, "hidden", False):
                for flag in param.opts:
                    if flag.startswith("--"):
                        assert flag in cli_doc, f"docs/cli.md does not mention {flag} of {name}"


def test_every_output_format_is_documented() -> None:
    readme = README.read_text(encoding="utf-8")
    for name in EXPORTERS:
        assert f"`{name}`" in readme, f"README does not document the {name} format"


def render_cli_reference() -> str:
    """docs/cli.md: the --help of every command, generated (pytest --update-golden rewrites it)."""
    from typer.testing import CliRunner

    runner = CliRunner()
    parts = ["# Command-line reference\n",
             "Generated from `quizgen --help` by `pytest --update-golden`; do not edit by hand.\n",
             "```text\n" + runner.invoke(app, ["--help"], terminal_width=88).output + "```\n"]
    for name in commands():
        result = runner.invoke(app, [name, "--help"], terminal_width=88)
        parts.append(f"## quizgen {name}\n\n```text\n{result.output}```\n")
    return "\n".join(parts)


def test_cli_reference_is_current(update_golden: bool) -> None:
    path = DOCS / "cli.md"
    text = render_cli_reference()
    if update_golden:
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, "docs/cli.md is stale: run pytest --update-golden"


CONSOLE = re.compile(r"```console\n(.*?)```", re.S)


def console_examples() -> list[tuple[str, str]]:
    """Every `quizgen ...` line of a console block in the README and docs/ (synopses excluded)."""
    out = []
    for path in [README] + sorted(DOCS.glob("*.md")):
        for block in CONSOLE.findall(path.read_text(encoding="utf-8")):
            for line in block.splitlines():
                line = line.removeprefix("$ ").split("  #")[0]
                line = re.split(r"\s(?:>>?|\|)\s", line)[0].strip()  # shell redirections are not ours
                if line.startswith("quizgen ") and not re.search(r"\[|PATHS|OLD\.apkg|\bDIR\b|\bID\b", line):
                    out.append((path.name, line))
    return out


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A teacher's project folder: the default bank, and a published deck to diff against."""
    import shutil

    folder = tmp_path_factory.mktemp("project")
    shutil.copytree(ROOT / "question_banks", folder / "question_banks",
                    ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    (folder / "quizgen.toml").write_text('[sets.unit-test-1]\ntags = ["reasons", "kremlin"]\ncount = 5\n')
    (folder / "published").mkdir()
    return folder


@pytest.mark.parametrize("where,line", console_examples(), ids=lambda v: v[:60])
def test_console_examples_run(project: Path, monkeypatch: pytest.MonkeyPatch, where: str, line: str) -> None:
    import shlex

    from typer.testing import CliRunner

    monkeypatch.chdir(project)
    runner = CliRunner()
    if "anki-diff" in line and not (project / "published" / "icc-withdrawal-2016.apkg").exists():
        runner.invoke(app, ["build", "--format", "anki", "--out", "published"], catch_exceptions=False)
        runner.invoke(app, ["build", "--format", "anki"], catch_exceptions=False)
    args = shlex.split(line)[1:]
    if args[0] == "init":
        args[1] = str(project / "init" / args[1])
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, f"{where}: {line}\n{result.output}"


TOML = re.compile(r"```toml\n(.*?)```", re.S)


@pytest.mark.parametrize("block", [b for p in [README] + sorted(DOCS.glob("*.md"))
                                   for b in TOML.findall(p.read_text(encoding="utf-8"))])
def test_toml_examples_are_valid_settings(tmp_path: Path, block: str) -> None:
    from quizgen.config import load_config

    (tmp_path / "quizgen.toml").write_text(block)
    assert load_config(tmp_path).path is not None


def test_the_cloze_alternatives_example_reads_as_documented() -> None:
    """docs/bank-format.md's ``[[answer|alternative::hint]]`` example: the first answer, then the others."""
    from quizgen.banks import load_bank_text

    [block] = [b for b in BLOCK.findall((DOCS / "bank-format.md").read_text(encoding="utf-8")) if "court-seat" in b]
    [q] = load_bank_text(as_bank(block), path="bank-format.md").questions
    assert [(b.answer, b.accept, b.hint) for b in q.blanks] == [
        ("The Hague", ("Hague", "'s-Gravenhage"), None), ("Rome Statute", ("Statute of Rome",), "treaty")]


def test_the_matching_example_is_worth_one_point_per_pair_as_documented() -> None:
    from quizgen.banks import load_bank_text

    [block] = [b for b in BLOCK.findall((DOCS / "bank-format.md").read_text(encoding="utf-8")) if "people-roles" in b]
    [q] = load_bank_text(as_bank(block), path="bank-format.md").questions
    assert (len(q.pairs), q.points) == (3, 3)
