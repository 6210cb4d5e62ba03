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
from quizgen.exporters.anki import NoteMaker
from quizgen.errors import BankErrors, ExportError, QuizgenError
from quizgen.generate import expand_bank
from quizgen.select import SelectionSpec, select_questions

from conftest import DEFAULT_BANK, SAMPLE_BANK

SCALE = int(os.environ.get("QUIZGEN_FUZZ", "0"))
SAMPLE = SAMPLE_BANK.read_text(encoding="utf-8").splitlines()
DEFAULT = DEFAULT_BANK.read_text(encoding="utf-8").splitlines()
LOCATED = re.compile(r"^<fuzz>:(\d+): .+; .+", re.S)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
LIVE_BACKSLASH = re.compile(r"\\(?!&#8288;)")  # every backslash in a field is followed by a word joiner

NASTY = st.sampled_from([
    "\t", "[[", "]]", "[[x::", "&", "<b>", ": ", "- ", "-", "*a", "&a x", "!!python/object:os.system",
    "!!binary aGk=", "~", "null", "yes", "no", "0x1F", "1e3", ".inf", "2016-13-45", "'", '"', "{", "}",
    "[", "]", "%YAML 1.1", "---", "...", "#", "|", ">", "\u0000", "\ufeff", "\u202e", "Ж", "é", "x" * 300,
    "answer: true", "type: essay", "id: x", "source: nope", "distractors: []", "answers: [a]",
    "- id: dup\n  type: true_false\n  statement: s\n  answer: true\n  source: anonhq",
    # issue 14: control characters, MathJax and Anki markers, extreme values
    "\x1f", "\x1b[2J", "\x85", '"\\x1f"', '"\\0"', '"\\e[8m"', "\\(\\href{javascript:alert(1)}{x}\\)",
    "\\[\\style{color:red}{y}\\]", "[sound:a.mp3]", "[anki:tts]x[/anki:tts]", "[latex]x[/latex]",
    "{{c1::x}}", "{{Tags}}", "9" * 400, "5.0e-324", "1.7e+308", "-1e16", "9999-12-31", "0001-01-01",
    "2001-09-11 08:46:00", "url: javascript:alert(1)", 'url: "https://e.org/[sound:x]\\"', "points: 1e9",
    "tolerance: 1e300",
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
        return
    make_note = NoteMaker(bank)
    for question in questions:  # what would reach a student's Anki: nothing live
        for value in make_note(question).fields:
            assert "\x1f" not in value and not CONTROL.search(value), value
            assert not LIVE_BACKSLASH.search(value), value


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


# -- issue 14: state files, quizgen.toml and packages for anki-diff --------------------------
import json  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from quizgen.banks import load_bank  # noqa: E402
from quizgen.exporters import ExportJob, ExportOptions  # noqa: E402
from quizgen.exporters.anki import AnkiExporter  # noqa: E402
from quizgen.pipeline import read_state, state_bytes  # noqa: E402

NOW = 1_700_000_000
WORK = Path(tempfile.mkdtemp(prefix="quizgen-fuzz-"))
FUZZ_BANK = load_bank(SAMPLE_BANK)


def render_deck(previous: object, bank=FUZZ_BANK):
    questions = bank.questions
    job = ExportJob(bank=bank, sets=(), questions=questions, quiz=questions, options=ExportOptions(now=NOW),
                    previous_state=previous)
    return AnkiExporter().render(job)[0]


STATE_TEXT = json.dumps(json.loads(state_bytes(render_deck(None).state)), indent=1, sort_keys=True)
STATE_LINES = STATE_TEXT.splitlines()
STATE_NASTY = st.sampled_from([
    "", "<<<<<<< HEAD", "=======", ">>>>>>> theirs", "9" * 5000, "\u0661\u0667", "-1", "1e400", "NaN",
    "null", "[]", "{}", '"x"', "true", "\x00", "\ud800", "\xff", "[" * 3000, "99999999999", "4102444800",
    '"a1b2c3d4e5f6 1700000000 1700000000 cloze"', '"z 1 2 essay"', '"  "', "\\u0000",
])


@st.composite
def damaged_state(draw: st.DrawFn) -> bytes:
    lines = list(STATE_LINES)
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "replace-value", "truncate", "bytes"]))
        if action == "delete" and len(lines) > 1:
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, lines[i])
        elif action == "insert":
            pos = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:pos] + draw(STATE_NASTY) + lines[i][pos:]
        elif action == "replace-value" and ":" in lines[i]:
            key, _, rest = lines[i].partition(":")
            lines[i] = key + ": " + draw(st.one_of(STATE_NASTY, st.text(max_size=12))) + \
                ("," if rest.rstrip().endswith(",") else "")
        elif action == "truncate":
            lines = lines[:i] or [""]
    text = "\n".join(lines)
    data = text.encode("utf-8", "surrogatepass")
    if draw(st.booleans()) and draw(st.booleans()):
        cut = draw(st.integers(0, len(data)))
        data = data[:cut] + draw(st.binary(max_size=4)) + data[cut:]
    return data


@settings(FAST, max_examples=(SCALE // 10) or 150)
@given(damaged_state())
def test_damaged_state_files_are_located_errors(data: bytes) -> None:
    """A damaged state file either still reads as a valid state, or stops the deck with
    an ExportError (never another exception, never a silent restart)."""
    path = WORK / "sample.anki-state.json"
    path.write_bytes(data)
    try:
        state = read_state(path)
        artifact = render_deck(state)
    except ExportError as exc:
        assert str(exc).startswith((f"{path}:", f"{FUZZ_BANK.path}:")), str(exc)
        return
    assert state is not None and artifact.data


def _read_state_outcome(path: Path) -> object:
    try:
        state = read_state(path)
    except ExportError as exc:
        return ("error", str(exc))
    return ("state", None if state is None else {k: dict(v) if k == "content" and hasattr(v, "spool") else v
                                                 for k, v in state.items()})


@settings(FAST, max_examples=(SCALE // 10) or 150)
@given(damaged_state(), st.booleans())
def test_a_state_read_a_slice_at_a_time_reads_as_the_whole_file(data: bytes, as_written: bool) -> None:
    """A large state's records are read a few hundred lines at a time (anki_records): any file,
    damaged or not, laid out as quizgen writes it (ensure_ascii=False) or as json.dumps does
    by default, gives the same state, or the same located error, as reading it whole."""
    from quizgen.exporters import anki_records

    if as_written:
        data = json.dumps(json.loads(data.decode("utf-8")), indent=1, sort_keys=True,
                          ensure_ascii=False).encode("utf-8", "surrogatepass") if _valid_json(data) else data
    path = WORK / "sample.anki-state.json"
    path.write_bytes(data)
    whole = _read_state_outcome(path)
    limits = (anki_records.STREAMED_STATE_BYTES, anki_records.SPOOL_IN_MEMORY, anki_records._BATCH_LINES)
    # every state read in slices of 3 lines, its records in a file
    anki_records.STREAMED_STATE_BYTES, anki_records.SPOOL_IN_MEMORY, anki_records._BATCH_LINES = -1, 64, 3
    try:
        sliced = _read_state_outcome(path)
    finally:
        anki_records.STREAMED_STATE_BYTES, anki_records.SPOOL_IN_MEMORY, anki_records._BATCH_LINES = limits
    assert sliced == whole


def _valid_json(data: bytes) -> bool:
    try:
        json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return False
    return True


TOML_VALID = ["[build]", "versions = 2", "count = 5", 'tags = ["reasons", "kremlin"]', "seed = 7",
              'paper = "a4"', "word_bank = true", "[sets.unit-1]", 'types = ["cloze"]', 'out = "printed"']
TOML_NASTY = st.sampled_from(["[", "]", "=", '"', "'", "[[build]]", "[sets]", "versions = 'two'",
                              "versions = 99999999999999999999", "count = -1", "count = 1e400", "[" * 3000,
                              "\x00", "\x1b", "\ud800", "inf", "nan", "tags = " + "[" * 600 + "]" * 600,
                              "[sets.\"\\u0000\"]", "seed = 0x7FFFFFFFFFFFFFFFFFFF", "out = ''"])


@settings(FAST, max_examples=(SCALE // 10) or 300)
@given(st.lists(st.one_of(st.sampled_from(TOML_VALID), TOML_NASTY, st.text(max_size=20)), max_size=12))
def test_settings_files_are_located_errors(lines: list[str]) -> None:
    """Any quizgen.toml either loads into settings or is a ConfigError at the file."""
    from quizgen.config import ConfigError, load_config

    folder = WORK / "toml"
    folder.mkdir(exist_ok=True)
    (folder / "quizgen.toml").write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
    try:
        config = load_config(folder)
        for name in (None, *getattr(config, "sets", {})):
            config.settings_for(name)
    except ConfigError as exc:
        assert str(exc).startswith(str(folder / "quizgen.toml")), str(exc)


def _sample_package() -> bytes:
    out = WORK / "package"
    shutil.rmtree(out, ignore_errors=True)
    return render_deck(None).data


PACKAGE = _sample_package()


@st.composite
def damaged_package(draw: st.DrawFn) -> bytes:
    import io
    import sqlite3
    import zipfile

    if draw(st.booleans()):  # damage the zip's bytes
        data = bytearray(PACKAGE)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data[:draw(st.integers(0, len(data)))] if draw(st.booleans()) else data)
    # damage the collection inside: SQL that keeps it a database but breaks its shape
    with zipfile.ZipFile(io.BytesIO(PACKAGE)) as archive:
        collection = archive.read("collection.anki2")
    conn = sqlite3.connect(":memory:")
    conn.deserialize(collection)
    for table in ("col", "notes", "cards"):  # without NOT NULL constraints, as a hostile file may be
        conn.execute(f"CREATE TABLE t2 AS SELECT * FROM {table}")
        conn.execute(f"DROP TABLE {table}")
        conn.execute(f"ALTER TABLE t2 RENAME TO {table}")
    for _ in range(draw(st.integers(1, 3))):
        column = draw(st.sampled_from(["notes.flds", "notes.mid", "notes.mod", "notes.tags", "notes.guid",
                                       "col.models", "col.decks", "cards.due"]))
        value = draw(st.one_of(st.none(), st.integers(-2**63, 2**63 - 1), st.text(max_size=8),
                               st.binary(max_size=8), st.sampled_from(["[]", "{}", '{"1": []}', "[" * 2000,
                                                                       '{"1": {"flds": null}}'])))
        table, name = column.split(".")
        conn.execute(f"UPDATE {table} SET {name} = ?", (value,))
    conn.commit()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("collection.anki2", conn.serialize())
    conn.close()
    return buffer.getvalue()


@settings(FAST, max_examples=(SCALE // 20) or 100)
@given(damaged_package())
def test_damaged_packages_are_refused_cleanly(data: bytes) -> None:
    """anki-diff on any damaged package: a diff, or a PackageError naming the file."""
    from quizgen.anki_diff import PackageError, diff_files

    good, bad = WORK / "good.apkg", WORK / "bad.apkg"
    good.write_bytes(PACKAGE)
    bad.write_bytes(data)
    try:
        diff = diff_files(good, bad)
        diff.summary_lines()
        json.dumps(diff.to_json())
    except PackageError as exc:
        assert str(exc).startswith(str(bad)), str(exc)
