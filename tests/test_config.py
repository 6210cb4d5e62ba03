"""quizgen.toml and [tool.quizgen]: defaults and named sets, checked with located messages."""
from __future__ import annotations

from pathlib import Path

import pytest

from quizgen.config import ConfigError, load_config


def test_no_config_is_empty(tmp_path: Path) -> None:
    assert load_config(tmp_path).settings_for(None) == {}


def test_sets_override_build_defaults(tmp_path: Path) -> None:
    (tmp_path / "quizgen.toml").write_text(
        '[build]\npaper = "a4"\nversions = 2\n\n[sets.unit-1]\nversions = 3\ntags = ["reasons"]\n')
    config = load_config(tmp_path)
    assert config.settings_for(None) == {"paper": "a4", "versions": 2}
    assert config.settings_for("unit-1") == {"paper": "a4", "versions": 3, "tags": ["reasons"]}


def test_pyproject_tool_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.quizgen.build]\nseed = 9\n')
    assert load_config(tmp_path).settings_for(None) == {"seed": 9}


@pytest.mark.parametrize("text,message", [
    ('[build]\ncont = 3\n', "quizgen.toml:2: [build]: unknown key 'cont'; expected one of: paths, out, seed,"),
    ('[build]\nversions = "two"\n', "quizgen.toml:2: [build]: versions = 'two'; expected a whole number"),
    ('[sets.x]\npaper = "legal"\n', "quizgen.toml:2: [sets.x]: paper = 'legal'; expected one of: letter, a4"),
    ('[build\n', "quizgen.toml:1: TOML syntax error"),
    ('[output]\nx = 1\n', "quizgen.toml:1: unknown table 'output'; expected build or sets"),
])
def test_bad_config_is_located(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str) -> None:
    (tmp_path / "quizgen.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as info:
        load_config(Path("."))
    assert str(info.value).startswith(message)


def test_quiz_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "quizgen.toml").write_text(
        '[build]\nmix = {multiple_choice = 6, true_false = 4}\ninclude = ["who-signed"]\nexclude = ["timeline"]\n')
    assert load_config(tmp_path).settings_for(None) == {
        "mix": {"multiple_choice": 6, "true_false": 4}, "include": ["who-signed"], "exclude": ["timeline"]}
    for bad in ('mix = "true_false=3"', 'mix = {true_false = 0}', 'mix = {true_false = "3"}'):
        (tmp_path / "quizgen.toml").write_text(f"[build]\n{bad}\n")
        monkeypatch.chdir(tmp_path)
        with pytest.raises(ConfigError, match=r"quizgen.toml:2: \[build\]: mix = .*; expected a table of question "
                                              r"types and whole numbers of 1 or more"):
            load_config(Path("."))
