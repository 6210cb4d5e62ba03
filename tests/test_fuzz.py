"""Fuzzing the loader: mutated banks either load or fail with located QuizgenErrors, never crash.

The normal run tries a few thousand mutations, derandomized so CI is stable. For a longer,
random hunt: QUIZGEN_FUZZ=20000 pytest tests/test_fuzz.py
"""
from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from quizgen.banks import load_bank_text
from quizgen.errors import BankErrors, QuizgenError
from quizgen.generate import expand_bank
from quizgen.select import SelectionSpec, select_questions

from conftest import DEFAULT_BANK, SAMPLE_BANK

SCALE = int(os.environ.get("QUIZGEN_FUZZ", "0"))
SAMPLE = SAMPLE_BANK.read_text(encoding="utf-8").splitlines()
DEFAULT = DEFAULT_BANK.read_text(encoding="utf-8").splitlines()
LOCATED = re.compile(r"^<fuzz>:(\d+): .+; .+", re.S)

NASTY = st.sampled_from([
    "\t", "[[", "]]", "[[x::", "&", "<b>", ": ", "- ", "-", "*a", "&a x", "!!python/object:os.system",
    "!!binary aGk=", "~", "null", "yes", "no", "0x1F", "1e3", ".inf", "2016-13-45", "'", '"', "{", "}",
    "[", "]", "%YAML 1.1", "---", "...", "#", "|", ">", "\u0000", "\ufeff", "\u202e", "Ж", "é", "x" * 300,
    "answer: true", "type: essay", "id: x", "source: nope", "distractors: []", "answers: [a]",
    "- id: dup\n  type: true_false\n  statement: s\n  answer: true\n  source: anonhq",
])


@st.composite
def mutated(draw: st.DrawFn, lines: list[str]) -> str:
    out = list(lines)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(out) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "replace-value", "indent",
                                       "truncate"]))
        if action == "delete":
            del out[i]
        elif action == "duplicate":
            out.insert(i, out[i])
        elif action == "swap":
            j = draw(st.integers(0, len(out) - 1))
            out[i], out[j] = out[j], out[i]
        elif action == "insert":
            pos = draw(st.integers(0, len(out[i])))
            out[i] = out[i][:pos] + draw(NASTY) + out[i][pos:]
        elif action == "replace-value" and ":" in out[i]:
            out[i] = out[i].split(":", 1)[0] + ": " + draw(st.one_of(NASTY, st.text(max_size=20)))
        elif action == "indent":
            out[i] = " " * draw(st.integers(0, 7)) + out[i].lstrip()
        elif action == "truncate":
            out = out[:i]
        if not out:
            out = [""]
    return "\n".join(out) + "\n"


def check(text: str) -> None:
    line_count = text.count("\n") + 1
    try:
        bank = load_bank_text(text, path="<fuzz>")
    except BankErrors as exc:
        assert exc.errors
        for error in exc.errors:
            match = LOCATED.match(str(error))
            assert match, f"unlocated message: {error}"
            assert 1 <= int(match.group(1)) <= line_count, str(error)
        return
    try:
        questions = expand_bank(bank).questions
        if questions:
            select_questions(bank, questions, SelectionSpec(versions=2))
    except QuizgenError as exc:
        assert str(exc), "an empty error message"


FAST = settings(max_examples=SCALE or 2000, derandomize=not SCALE, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FAST
@given(mutated(SAMPLE))
def test_mutated_sample_bank(text: str) -> None:
    check(text)


@settings(FAST, max_examples=(SCALE // 10) or 200)
@given(mutated(DEFAULT))
def test_mutated_default_bank(text: str) -> None:
    check(text)


@settings(FAST, max_examples=(SCALE // 10) or 300)
@given(st.text(max_size=200))
def test_random_text(text: str) -> None:
    check(text)


# -- the rapidyaml fast path must read exactly what PyYAML reads ---------------------

from quizgen import yamlnodes  # noqa: E402


@pytest.fixture
def fast_always(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlnodes, "FAST_PATH_MIN_CHARS", 0)


def slow_parse(text: str) -> object:
    try:
        value, problems = yamlnodes.parse(text)
    except yamlnodes.YamlProblem:
        return "error"
    return "error" if problems else value


@settings(FAST, max_examples=(SCALE // 4) or 500)
@given(st.one_of(mutated(SAMPLE), mutated(DEFAULT), st.text(max_size=120)))
def test_fast_path_agrees_with_pyyaml(text: str) -> None:
    saved = yamlnodes.FAST_PATH_MIN_CHARS
    yamlnodes.FAST_PATH_MIN_CHARS = 0
    try:
        fast = yamlnodes.parse_fast(text)
    finally:
        yamlnodes.FAST_PATH_MIN_CHARS = saved
    if fast is not None:
        assert fast == slow_parse(text)


@pytest.mark.parametrize("scalar,expected", [
    ("1998", 1998), ('"1998"', "1998"), ("1.5", 1.5), ("1e3", "1e3"), ("yes", "yes"), ("true", True),
    ("2016-11-21", "2016-11-21"), ('"2016-11"', "2016-11"), ("null", None), ("", None), ("'x: y'", "x: y"),
])
def test_scalar_typing_matches(fast_always: None, scalar: str, expected: object) -> None:
    text = f"key: {scalar}\nother: [a, b]\n"
    assert slow_parse(text) == {"key": expected, "other": ["a", "b"]}
    fast = yamlnodes.parse_fast(text)
    assert fast is None or fast == slow_parse(text)


@pytest.mark.parametrize("path", [SAMPLE_BANK, DEFAULT_BANK], ids=["sample", "default"])
def test_fast_path_gives_the_same_bank(monkeypatch: pytest.MonkeyPatch, path) -> None:
    text = path.read_text(encoding="utf-8")
    slow = load_bank_text(text, "x.yaml")
    monkeypatch.setattr(yamlnodes, "FAST_PATH_MIN_CHARS", 0)
    calls = []
    real = yamlnodes.parse_fast
    monkeypatch.setattr(yamlnodes, "parse_fast", lambda t: calls.append(1) or real(t))
    fast = load_bank_text(text, "x.yaml")
    assert calls and real(text) is not None, "the fast path was not taken"
    assert fast == slow  # refs (lines) included
