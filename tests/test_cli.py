"""The command line: wiring, exit codes and exact messages (behaviour is tested in the library)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quizgen.cli import app

from conftest import DATA, SAMPLE_BANK

runner = CliRunner()
INVALID = DATA / "banks" / "invalid"


def invoke(*args: str, ok: bool = True):
    return runner.invoke(app, list(args), catch_exceptions=not ok)


@pytest.mark.parametrize("command", [[], ["build"], ["validate"], ["list"]])
def test_help(command: list[str]) -> None:
    result = invoke(*command, "--help")
    assert result.exit_code == 0
    assert "Usage: quizgen" in result.output
    if command:
        assert "Example: quizgen" in result.output


def test_no_arguments_shows_help() -> None:
    result = invoke(ok=False)
    assert result.exit_code == 2
    assert "Commands" in result.output


def test_validate_ok() -> None:
    result = invoke("validate", str(SAMPLE_BANK))
    assert result.exit_code == 0
    assert result.output == f"{SAMPLE_BANK}: ok (8 questions, 0 facts, 2 sources)\n"


def test_validate_reports_every_error_and_exits_1() -> None:
    path = INVALID / "wrong-type.yaml"
    result = invoke("validate", str(path), ok=False)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"{path}:11: question 'tf': 'answer' is the text 'yes please'; expected true or false\n"
        f"{path}:17: question 'num': 'answer' is the text 'four'; expected a number\n"
        "Aborted: 2 errors in 1 bank file\n"
    )


def test_bad_input_has_no_traceback_unless_debug() -> None:
    path = INVALID / "duplicate-key.yaml"
    plain = invoke("validate", str(path), ok=False)
    assert "Traceback" not in plain.stderr
    debug = invoke("--debug", "validate", str(path), ok=False)
    assert debug.exit_code == 1 and "Traceback" in debug.stderr


def test_list_table_and_json() -> None:
    table = invoke("list", str(SAMPLE_BANK))
    assert table.exit_code == 0
    lines = table.output.splitlines()
    assert lines[0].split() == ["TYPE", "ID", "PROMPT"]
    assert lines[1].split()[:2] == ["multiple_choice", "who-signed"]
    assert lines[-1] == "8 questions"
    records = json.loads(invoke("list", "--json", str(SAMPLE_BANK)).output)
    assert [r["id"] for r in records][:2] == ["who-signed", "select-critics"]
    assert records[0]["choices"] == ["Vladimir Putin", "Dmitry Peskov", "Fatou Bensouda", "Sergei Lavrov"]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert invoke("build", "--versions", "0", ok=False).exit_code == 2
    assert invoke("build", "--paper", "legal", str(SAMPLE_BANK), ok=False).exit_code == 2
    assert invoke("frobnicate", ok=False).exit_code == 2


def test_selection_errors_exit_1(tmp_path: Path) -> None:
    result = invoke("build", str(SAMPLE_BANK), "--out", str(tmp_path), "--types", "essay", ok=False)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: unknown question type 'essay'; expected one of: multiple_choice,")
    assert list(tmp_path.iterdir()) == []


def test_init_writes_a_starter_that_validates(tmp_path: Path) -> None:
    result = invoke("init", str(tmp_path / "class"), "--name", "unit-1")
    bank = tmp_path / "class" / "question_banks" / "unit-1.yaml"
    assert result.output.splitlines()[0] == f"wrote {bank}"
    checked = invoke("validate", str(bank))
    assert checked.stdout == f"{bank}: ok (3 questions + 3 generated, 2 facts, 1 source)\n"
    assert checked.stderr == ""  # no warning: the starter's facts give every template enough to work with
    again = invoke("init", str(tmp_path / "class"), "--name", "unit-1", ok=False)
    assert again.exit_code == 1
    assert again.stderr == (f"Error: {bank}: already exists; expected a new bank name (use --name) "
                            "so that no bank is overwritten\n")
    bad = invoke("init", str(tmp_path), "--name", "Unit 1", ok=False)
    assert bad.exit_code == 1 and "'Unit 1' is not a valid id" in bad.stderr


def test_quiet_prints_nothing() -> None:
    assert invoke("--quiet", "validate", str(SAMPLE_BANK)).output == ""


def test_unknown_set_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "quizgen.toml").write_text('[sets.unit-1]\ncount = 3\n')
    monkeypatch.chdir(tmp_path)
    result = invoke("build", "--set", "unit-2", ok=False)
    assert result.exit_code == 1
    assert result.stderr == "Error: quizgen.toml: no question set named 'unit-2'; expected one of: unit-1\n"


def test_settings_and_sets_fill_in_flags_not_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    (tmp_path / "question_banks").mkdir()
    shutil.copy(SAMPLE_BANK, tmp_path / "question_banks" / "sample.yaml")
    (tmp_path / "quizgen.toml").write_text(
        '[build]\nout = "handouts"\nformats = ["worksheet"]\n\n[sets.quiz]\ncount = 3\nversions = 2\n')
    monkeypatch.chdir(tmp_path)
    result = invoke("build", "--set", "quiz", "--versions", "3")  # the flag wins over the set
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "handouts" / "manifest.json").read_text())
    assert [(m["kind"], m["version"], len(m["questions"])) for m in manifest] == [
        ("worksheet", "A", 3), ("worksheet", "B", 3), ("worksheet", "C", 3)]


CHILE = DATA / "banks" / "valid" / "chile-miners-2010.yaml"


def test_dry_run_prints_each_version_and_writes_nothing(tmp_path: Path) -> None:
    result = invoke("build", str(CHILE), "--out", str(tmp_path / "out"), "--dry-run", "--versions", "2",
                    "--mix", "numeric=1,true_false=2", "--include", "how-many-trapped")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "chile-miners-2010 (version A, 3 questions, seed 2016):"
    assert "chile-miners-2010 (version B, 3 questions, seed 2016):" in lines
    assert "how-many-trapped  [numeric; facts: men-trapped]" in result.stdout
    assert "How many men were trapped underground by the cave-in at the San José mine?" in result.stdout
    assert not (tmp_path / "out").exists()


def test_quiz_flags_errors_exit_1_naming_what_is_available(tmp_path: Path) -> None:
    result = invoke("build", str(CHILE), "--out", str(tmp_path), "--mix", "matching=20", ok=False)
    assert result.exit_code == 1
    assert "--mix matching=20 cannot be filled" in result.stderr and "available: multiple_choice=" in result.stderr
    result = invoke("build", str(CHILE), "--out", str(tmp_path), "--include", "first-out,first-out-tf", ok=False)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {CHILE}: --include first-out and first-out-tf cannot be on one sheet: they "
                             "test the same fact 'avalos-first-out'; expected questions that test different "
                             "facts and do not give each other away\n")
    result = invoke("build", str(CHILE), "--out", str(tmp_path), "--mix", "essay=2", ok=False)
    assert result.exit_code == 1 and "--mix: unknown question type 'essay'" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_count_the_rules_cannot_fill_is_a_warning(tmp_path: Path) -> None:
    result = invoke("build", str(CHILE), "--out", str(tmp_path), "--format", "worksheet", "--count", "50")
    assert result.exit_code == 0
    line = next(x for x in result.stderr.splitlines() if "--count 50" in x)
    assert line.startswith(f"{CHILE}:5: warning: bank chile-miners-2010: --count 50 cannot be filled under the rules")


def test_quiz_keys_in_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    (tmp_path / "question_banks").mkdir()
    shutil.copy(CHILE, tmp_path / "question_banks" / "chile.yaml")
    (tmp_path / "quizgen.toml").write_text(
        '[sets.quiz]\nmix = {true_false = 2, numeric = 1}\ninclude = ["days-below"]\nexclude = ["desert"]\n')
    monkeypatch.chdir(tmp_path)
    result = invoke("build", "--set", "quiz", "--format", "worksheet")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "output" / "manifest.json").read_text())
    assert len(manifest[0]["questions"]) == 3 and "days-below" in manifest[0]["questions"]
    assert "desert" not in manifest[0]["questions"]


@pytest.mark.parametrize("args, code", [(["validate", str(SAMPLE_BANK)], 0),
                                        (["validate", str(INVALID / "tabs.yaml")], 1)])
def test_the_installed_command_keeps_exit_codes_and_freezes_its_objects_before_shutdown(args, code) -> None:
    """``quizgen`` (the console script and ``python -m quizgen``) runs ``cli.command``: the app
    with the cyclic collector off, then gc.freeze, so that the interpreter's shutdown does not
    scan a build's objects."""
    import subprocess
    import sys
    import tomllib

    scripts = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["quizgen"] == "quizgen.cli:command"
    probe = ("import atexit, gc, sys\natexit.register(lambda: print('frozen', gc.get_freeze_count() > 0, "
             "'collector', gc.isenabled(), file=sys.stderr))\nsys.argv = ['quizgen', *sys.argv[1:]]\nimport runpy\n"
             "runpy.run_module('quizgen', run_name='__main__')\n")
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == code, done.stderr
    assert done.stderr.rstrip().endswith("frozen True collector False") and "Traceback" not in done.stderr


def test_the_progress_bar_starts_no_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """A slow build on a terminal shows a bar, redrawn at each step: a refresh thread would keep
    the build from forking its second process (quizgen.cores.can_fork)."""
    import io
    import itertools
    import sys
    import threading

    from quizgen import cli

    terminal = io.StringIO()
    terminal.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setitem(cli._STATE, "quiet", False)
    clock = itertools.count(0.0, 5.0)  # 5 s between two looks at the clock
    monkeypatch.setattr(cli.time, "monotonic", lambda: next(clock))
    before = threading.enumerate()
    with cli._progress_bar() as progress:
        assert progress is not None
        progress(1, 4, "sample: generating and choosing questions")  # 5 s in: the bar shows
        assert "rich.progress" in sys.modules
        progress(2, 4, "sample: anki")
        assert threading.enumerate() == before
    assert threading.enumerate() == before
