"""Project settings: defaults for ``quizgen build`` and named question sets.

Read from ``quizgen.toml`` in the current folder, or from ``[tool.quizgen]`` in
``pyproject.toml``::

    [build]                 # defaults for every build
    paper = "a4"
    versions = 2

    [sets.unit-test-1]      # quizgen build --set unit-test-1
    paths = ["question_banks/icc-withdrawal-2016.yaml"]
    tags = ["reasons", "kremlin"]
    count = 10
    mix = {multiple_choice = 6, true_false = 4}   # exactly these numbers of each type
    exclude = ["peskov-reason"]                    # also: include = ["who-signed"]

Flags given on the command line win over a set, a set wins over ``[build]``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from .errors import QuizgenError

CONFIG_FILE = "quizgen.toml"

# key -> the type its value must have (lists are lists of text)
BUILD_KEYS: dict[str, type] = {
    "paths": list, "out": str, "seed": int, "versions": int, "count": int, "tags": list,
    "types": list, "formats": list, "paper": str, "group_by": str, "word_bank": bool,
    "combined": bool, "key_summary": bool, "points": bool, "generated": bool,
    "changelog": bool, "deck_true_false": bool,
    "title": str, "subtitle": str, "instructions": str, "time_allowed": str, "school": str,
    "mix": dict, "include": list, "exclude": list,
}
CHOICES: dict[str, tuple[str, ...]] = {"paper": ("letter", "a4"), "group_by": ("type", "none")}


class ConfigError(QuizgenError):
    """The project's quizgen.toml (or [tool.quizgen]) is not valid."""


@dataclass(frozen=True)
class ProjectConfig:
    """Settings read from the project's file; empty when there is none."""

    path: str | None = None
    build: Mapping[str, object] = field(default_factory=dict)
    sets: Mapping[str, Mapping[str, object]] = field(default_factory=dict)

    def settings_for(self, set_name: str | None) -> dict[str, object]:
        """[build] merged with the named set; raises ConfigError for an unknown set."""
        merged = dict(self.build)
        if set_name is not None:
            if set_name not in self.sets:
                known = ", ".join(sorted(self.sets)) or "none defined"
                where = self.path or CONFIG_FILE
                raise ConfigError(f"{where}: no question set named {set_name!r}; expected one of: {known}")
            merged.update(self.sets[set_name])
        return merged


def load_config(folder: Path = Path(".")) -> ProjectConfig:
    """The settings of the project in ``folder``: quizgen.toml, else pyproject's [tool.quizgen]."""
    own = folder / CONFIG_FILE
    if own.is_file():
        return _parse(own, _read(own), own.read_text(encoding="utf-8"))
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        table = _read(pyproject).get("tool", {}).get("quizgen")
        if isinstance(table, dict):
            return _parse(pyproject, table, pyproject.read_text(encoding="utf-8"))
    return ProjectConfig()


def _read(path: Path) -> dict:
    import tomllib  # only where a settings file exists (a build without one never loads it)

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        line = match.group(1) if match else "1"
        raise ConfigError(f"{path}:{line}: TOML syntax error ({exc}); expected valid TOML") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc}); expected a UTF-8 TOML file") from None
    except RecursionError:  # tomllib recurses once per nested array or table
        raise ConfigError(f"{path}:1: TOML nested too deeply; expected settings (a few tables of "
                          "keys and short lists)") from None


def _parse(path: Path, table: dict, text: str) -> ProjectConfig:
    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{path}:{_line_of(text, key)}: {message}")

    unknown = sorted(set(table) - {"build", "sets"})
    if unknown:
        raise fail(unknown[0], f"unknown table {unknown[0]!r}; expected build or sets")
    build = _check(table.get("build", {}), "[build]", fail)
    sets_table = table.get("sets", {})
    if not isinstance(sets_table, dict):
        raise fail("sets", "'sets' must be a table of named sets; expected [sets.NAME]")
    sets = {name: _check(value, f"[sets.{name}]", fail) for name, value in sets_table.items()}
    return ProjectConfig(str(path), build, sets)


def _check(table: object, label: str, fail) -> dict[str, object]:
    if not isinstance(table, dict):
        raise fail(label.strip("[]").split(".")[-1], f"{label} must be a table; expected key = value lines")
    for key, value in table.items():
        if key not in BUILD_KEYS:
            raise fail(key, f"{label}: unknown key {key!r}; expected one of: {', '.join(BUILD_KEYS)}")
        wanted = BUILD_KEYS[key]
        ok = isinstance(value, wanted) and not (wanted is int and isinstance(value, bool))
        if ok and wanted is list:
            ok = all(isinstance(item, str) for item in value)
        if ok and wanted is dict:  # mix = {multiple_choice = 8, true_false = 4}
            ok = all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in value.values())
        if not ok:
            kind = {list: "a list of texts", str: "text", int: "a whole number", bool: "true or false",
                    dict: "a table of question types and whole numbers of 1 or more"}[wanted]
            raise fail(key, f"{label}: {key} = {value!r}; expected {kind}")
        if key in CHOICES and value not in CHOICES[key]:
            raise fail(key, f"{label}: {key} = {value!r}; expected one of: {', '.join(CHOICES[key])}")
    return dict(table)


def _line_of(text: str, key: str) -> int:
    """The first line that sets ``key`` (tomllib does not report lines of values)."""
    pattern = re.compile(rf"^\s*(\[+\s*)?[\w.\-\"]*\b{re.escape(key)}\b")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return 1
