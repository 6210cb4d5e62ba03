"""The fast path reads a bank's long lists (questions, facts) a slice of items at a time.

Slicing must change nothing: the items read slice by slice equal what PyYAML reads from the
whole file, every bank equals the slow path's bank (lines included), and a text that a cut
would misread (a quoted text over several lines, say) goes to the slow path instead.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from quizgen import banks, yamlnodes
from quizgen.banks import load_bank_text
from quizgen.errors import BankErrors

from conftest import DEFAULT_BANK, SAMPLE_BANK
from test_fuzz import DEFAULT, SAMPLE, mutated, slow_parse

FAST = settings(max_examples=400, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.fixture
def tiny_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file takes the fast path, in slices of two items."""
    monkeypatch.setattr(yamlnodes, "FAST_PATH_MIN_CHARS", 0)
    monkeypatch.setattr(yamlnodes, "SLICE_ITEMS", 2)
    monkeypatch.setattr(yamlnodes, "SLICED_MIN_CHARS", 0)


def materialized(doc: object) -> object:
    """The document with each ``Slices`` read into a list (None if a slice refuses)."""
    if not isinstance(doc, yamlnodes.LDict):
        return doc
    out = {}
    for key, value in doc.items():
        if isinstance(value, yamlnodes.Slices):
            try:
                value = list(value)
            except yamlnodes.NotFast:
                return None
        out[key] = value
    return out


@FAST
@given(st.one_of(mutated(SAMPLE), mutated(DEFAULT)))
def test_slices_read_what_pyyaml_reads(text: str) -> None:
    saved = yamlnodes.FAST_PATH_MIN_CHARS, yamlnodes.SLICE_ITEMS
    yamlnodes.FAST_PATH_MIN_CHARS, yamlnodes.SLICE_ITEMS = 0, 2
    try:
        fast = materialized(yamlnodes.parse_fast_in_slices(text, banks.SLICED_LISTS))
    finally:
        yamlnodes.FAST_PATH_MIN_CHARS, yamlnodes.SLICE_ITEMS = saved
    if fast is not None:
        assert fast == slow_parse(text)


@pytest.mark.parametrize("path", [SAMPLE_BANK, DEFAULT_BANK], ids=["sample", "default"])
def test_sliced_bank_equals_slow_bank(tiny_slices: None, monkeypatch: pytest.MonkeyPatch, path) -> None:
    text = path.read_text(encoding="utf-8")
    read: list[int] = []
    real = yamlnodes._read_fast
    monkeypatch.setattr(yamlnodes, "_read_fast", lambda t: read.append(len(t)) or real(t))
    fast = load_bank_text(text, "x.yaml")
    assert len(read) > 2, "the lists were not read in slices"
    assert max(read) < len(text) / 2, "one parse saw most of the file"
    monkeypatch.setattr(yamlnodes, "FAST_PATH_MIN_CHARS", 10**9)
    assert fast == load_bank_text(text, "x.yaml")  # refs (lines) included


QUOTED_OVER_ITEMS = """\
bank: b
title: T
sources:
  s: {title: A, publisher: P}
questions:
  - id: a
    type: short_answer
    source: s
    prompt: "one
  - id: b
    answer: two"
    answer: x
  - id: c
    type: short_answer
    source: s
    prompt: p
    answer: y
"""


@pytest.mark.parametrize("before", [0, 1], ids=["in-one-slice", "across-slices"])
def test_a_quoted_text_across_items_is_read_whole(tiny_slices: None, before: int) -> None:
    """The second "  - " line is inside a quoted prompt: cut there, the slices would read
    three items; the file holds two (three with the one put before, which moves the cut
    into the quoted text)."""
    extra = "  - id: z\n    type: short_answer\n    source: s\n    prompt: p\n    answer: z\n"
    text = QUOTED_OVER_ITEMS.replace("questions:\n", "questions:\n" + extra * before)
    bank = load_bank_text(text, "x.yaml")
    assert [q.id for q in bank.questions] == ["z"] * before + ["a", "c"]
    assert bank.questions[before].prompt == "one - id: b answer: two"


def test_a_slice_that_reads_as_more_items_than_its_starts_is_refused(tiny_slices: None) -> None:
    """A slice must hold as many items as cuts were found for it (here one cut is missed)."""
    text = QUOTED_OVER_ITEMS.replace('prompt: "one\n  - id: b\n    answer: two"', "prompt: one")
    start, end, starts = yamlnodes._block_list(text, "questions")
    assert len(starts) == 2
    assert [item["id"] for item in yamlnodes.Slices("questions", text, starts, end)] == ["a", "c"]
    with pytest.raises(yamlnodes.NotFast):
        list(yamlnodes.Slices("questions", text, starts[:1], end))


def test_problems_in_a_sliced_list_keep_their_lines(tiny_slices: None) -> None:
    text = QUOTED_OVER_ITEMS.replace('prompt: "one\n  - id: b\n    answer: two"', "prompt: one") \
        .replace("answer: y", "answer: y\n    colour: red")
    with pytest.raises(BankErrors) as caught:
        load_bank_text(text, "x.yaml")
    assert str(caught.value).splitlines()[0].startswith("x.yaml:16: question 'c': unknown field 'colour'")


# -- a file too large to read whole: its lists a slice at a time, on both paths ---------------

@pytest.fixture
def all_large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as too large to read whole, with tiny slices."""
    monkeypatch.setattr(banks, "READ_WHOLE_MAX_CHARS", 0)
    monkeypatch.setattr(yamlnodes, "SLICE_ITEMS", 2)
    monkeypatch.setattr(yamlnodes, "SLICED_MIN_CHARS", 0)


@pytest.mark.parametrize("path", [SAMPLE_BANK, DEFAULT_BANK], ids=["sample", "default"])
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "slow"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_large_file_reads_the_same_bank(all_large: None, monkeypatch: pytest.MonkeyPatch, path, fast,
                                        newline: str) -> None:
    text = path.read_text(encoding="utf-8").replace("\n", newline)
    monkeypatch.setattr(yamlnodes, "FAST_PATH_MIN_CHARS", 0 if fast else 10**9)
    parsed: list[int] = []
    real = yamlnodes.parse
    monkeypatch.setattr(yamlnodes, "parse", lambda t, first_line=1: parsed.append(len(t)) or real(t, first_line))
    bank = load_bank_text(text, "x.yaml")
    assert fast or len(parsed) > 2, "the slow path did not read slices"
    assert max(parsed, default=0) < len(text) / 2
    monkeypatch.setattr(banks, "READ_WHOLE_MAX_CHARS", 10**9)
    monkeypatch.setattr(yamlnodes, "FAST_PATH_MIN_CHARS", 10**9)
    assert bank == load_bank_text(text, "x.yaml")  # refs (lines) included


@pytest.mark.parametrize("change,first_error", [
    (("answer: y", "answer: y\n    colour: red"), "x.yaml:17: question 'c': unknown field 'colour'"),
    (("answer: y", "answer: y\n    answer: z"), "x.yaml:17: duplicate key 'answer' (first at line 16)"),
    (("questions:", "questions: []\nquestions:"), "x.yaml:7: duplicate key 'questions' (first at line 6)"),
    (("answer: y\n", "answer: y\nquestions: []\n"), "x.yaml:17: duplicate key 'questions' (first at line 6)"),
    (("prompt: p", "prompt: 'p"), "x.yaml:16: YAML syntax error"),
])
def test_large_file_problems_keep_their_lines(all_large: None, monkeypatch: pytest.MonkeyPatch,
                                              change: tuple[str, str], first_error: str) -> None:
    """The same messages and lines as when the file is read whole."""
    text = QUOTED_OVER_ITEMS.replace('prompt: "one\n  - id: b\n    answer: two"', "prompt: one")
    text = "# a large bank\n" + text.replace(*change)
    with pytest.raises(BankErrors) as sliced:
        load_bank_text(text, "x.yaml")
    monkeypatch.setattr(banks, "READ_WHOLE_MAX_CHARS", 10**9)
    with pytest.raises(BankErrors) as whole:
        load_bank_text(text, "x.yaml")
    assert str(sliced.value).startswith(first_error), str(sliced.value)
    if change[0] != "prompt: p":  # a syntax error in a slice is found where the slice ends
        assert str(sliced.value) == str(whole.value)


def test_large_file_needs_block_lists(all_large: None) -> None:
    text = "bank: b\ntitle: T\nsources: {s: {title: A, publisher: P}}\nquestions: [{id: a}]\n"
    with pytest.raises(BankErrors) as caught:
        load_bank_text(text, "x.yaml")
    assert str(caught.value).startswith("x.yaml:1: the file is 0.0 MB, and a bank over 0 MB is read a slice "
                                        "at a time, which needs its questions (and facts) as block lists; "
                                        "expected 'questions:' alone on its line")


def test_large_file_limits_the_rest_and_each_entry(all_large: None, monkeypatch: pytest.MonkeyPatch) -> None:
    text = QUOTED_OVER_ITEMS.replace('prompt: "one\n  - id: b\n    answer: two"', "prompt: one")
    monkeypatch.setattr(banks, "MAX_REST_CHARS", 10)
    with pytest.raises(BankErrors) as caught:
        load_bank_text(text, "x.yaml")
    assert str(caught.value).startswith("x.yaml:1: the file holds 0.0 MB besides its 'questions' list; "
                                        "expected at most 0 MB of sources, entities and the rest")
    monkeypatch.setattr(banks, "MAX_REST_CHARS", 10**6)
    monkeypatch.setattr(banks, "MAX_ITEM_CHARS", 80)
    with pytest.raises(BankErrors) as caught:
        load_bank_text(text.replace("prompt: p", "prompt: " + "p" * 100), "x.yaml")
    assert str(caught.value).startswith("x.yaml:11: this entry of 'questions' is 0.0 MB long; "
                                        "expected at most 0 MB per question or fact")


def test_collector_paused_while_loading_then_as_it_was(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    seen: list[bool] = []
    real = banks._BankReader.read
    monkeypatch.setattr(banks._BankReader, "read", lambda self, path: seen.append(gc.isenabled()) or real(self, path))
    assert gc.isenabled()
    banks.load_banks([SAMPLE_BANK])
    assert seen == [False] and gc.isenabled()
    bad = tmp_path / "bad.yaml"
    bad.write_text("bank: x\n", encoding="utf-8")
    with pytest.raises(BankErrors):
        banks.load_banks([bad])
    assert gc.isenabled()
    gc.disable()
    try:
        banks.load_banks([SAMPLE_BANK])
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()


def test_parse_keeps_no_yaml_node_alive() -> None:
    """PyYAML's constructor remembers every node it built; after a parse none may stay
    (each slice of a large bank would otherwise keep its whole node tree)."""
    yamlnodes.parse("a: 1\nb: [x, 2.5, true]\nc: {d: e}\n")
    assert not yamlnodes._SCALARS.constructed_objects
    with pytest.raises(yamlnodes.YamlProblem):
        yamlnodes.parse("a: !!python/object:os.system x\n")
    assert not yamlnodes._SCALARS.constructed_objects


def test_a_deck_spelled_two_ways_is_found_at_its_lines_when_the_bank_is_read_twice(tiny_slices) -> None:
    """The fast reading finds the clash, the slow one reads again for lines: it must meet both
    spellings afresh (it once kept the first reading's, with line 0, or skipped the known-clean
    one and let the clash through)."""
    text = ("bank: b\ntitle: T\nsources:\n  s: {title: A, publisher: P}\nquestions:\n"
            + "".join(f"  - id: q{i}\n    type: short_answer\n    prompt: Who is {i}?\n    answer: P{i}\n"
                      f"    deck: {'unit::CRIMEA' if i == 5 else 'Unit::Crimea'}\n    source: s\n" for i in range(6)))
    with pytest.raises(BankErrors) as caught:
        load_bank_text(text, "b.yaml")
    assert [str(e) for e in caught.value.errors] == [
        "b.yaml:40: question 'q5': deck 'unit::CRIMEA' differs from 'Unit::Crimea' (line 10) only by case or "
        "Unicode form; expected one spelling (Anki would make them one deck, renamed)"]


def _malloc_in_use() -> int | None:
    """Bytes the C allocator has handed out and not had back (glibc's mallinfo2), or None."""
    import ctypes

    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
    except (OSError, AttributeError, TypeError):
        return None

    class MallInfo2(ctypes.Structure):
        _fields_ = [(field, ctypes.c_size_t) for field in
                    "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split()]

    mallinfo2.restype = MallInfo2
    info = mallinfo2()
    return info.uordblks + info.hblkhd


def test_the_fast_reading_keeps_nothing_of_a_text_once_read() -> None:
    """rapidyaml's ``emit_json`` never freed the buffer it emitted into: every slice of a
    large bank left its JSON behind (46 MB for 100,000 questions). Reading the same text
    again and again must not take more memory each time."""
    if yamlnodes._ryml is None or _malloc_in_use() is None:
        pytest.skip("needs rapidyaml and glibc's mallinfo2")
    text = "questions:\n" + "".join(f"  - id: q{i}\n    prompt: Who said {i} things?\n    answer: Someone {i}\n"
                                    for i in range(5000))
    json_size = len(yamlnodes._json_of(yamlnodes._ryml.parse_in_arena(text.encode())))
    assert yamlnodes._read_fast(text) is not None  # and a first reading for whatever is allocated once
    before = _malloc_in_use()
    for _ in range(8):
        assert len(yamlnodes._read_fast(text)["questions"]) == 5000
    assert _malloc_in_use() - before < json_size  # it grew by eight times this before


# -- the lines of ids, when the fast path gave none ------------------------------------------

ID_TEXT_LINES = st.sampled_from([
    "questions:", "facts:", "sources:", "id: top", "  - id: a", "  - id: b", "    id: c", "  - id: 'c'",
    '    - id: "a"', "  - type: x", "    id: a", "  -   id: d-e", "", "# id: a", "  - id: a.tmpl",
])


def first_id_lines(text: str) -> dict[str, dict[str, int]]:
    """Each section's ids and the line where each first appears, line by line."""
    table: dict[str, dict[str, int]] = {}
    section = None
    for number, line in enumerate(text.split("\n"), start=1):
        top = banks.TOP_KEY.match(line)
        if top:
            section = top.group(1)
        found = banks.ID_LINE.match(line)
        if found and section is not None:
            table.setdefault(section, {}).setdefault(found.group(1), number)
    return table


@FAST
@given(st.lists(ID_TEXT_LINES, max_size=40), st.lists(
    st.tuples(st.sampled_from(["questions", "facts", "sources", "id", "none"]),
              st.sampled_from(["a", "b", "c", "d-e", "top", "f"])), unique=True, max_size=12))
def test_id_lines_are_each_ids_first_line(lines: list[str], asked: list[tuple[str, str]]) -> None:
    """The lines of ids are found as the ids are asked for (no table of every id): asked once
    each, in any order, each id's answer is its first line in its section (1: not there)."""
    text = "\n".join(lines) + "\n"
    expected = first_id_lines(text)
    reader = banks._BankReader("bank.yaml")
    reader.source_text = text
    for section, item_id in asked:
        assert reader.id_line(section, item_id) == expected.get(section, {}).get(item_id, 1), (section, item_id)


def _resident_kib() -> int | None:
    try:
        with open("/proc/self/status") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))
    except OSError:
        return None


def test_freed_c_memory_goes_back_to_the_system() -> None:
    """Once a freed block of some MB has raised glibc's thresholds, blocks of a few hundred KB
    come from its heap and stay resident when freed; ``_release_free_heap`` hands them back."""
    if _malloc_in_use() is None or _resident_kib() is None:
        pytest.skip("needs glibc and /proc")
    assert len(bytearray(16 << 20)) == 16 << 20  # freed at once: raises the thresholds as a file's bytes do
    blocks = [bytearray(b"x" * (300 << 10)) for _ in range(200)]  # 60 MB, touched
    keep = blocks[-1]  # the heap's top stays in use: only a trim can give the rest back
    allocated = _resident_kib()
    del blocks
    before = _resident_kib()
    if allocated - before > 40 << 10:
        pytest.skip("this allocator gave the blocks back at once (MALLOC_MMAP_THRESHOLD_ set?)")
    banks._release_free_heap()
    assert before - _resident_kib() > 40 << 10
    assert keep[-1:] == b"x"


def test_a_large_load_hands_freed_memory_back(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(banks, "_release_free_heap", lambda: calls.append(1))
    banks.load_banks([SAMPLE_BANK])
    assert calls == []  # a small bank: not worth the time
    monkeypatch.setattr(banks, "RELEASE_MIN_ITEMS", 1)
    banks.load_banks([SAMPLE_BANK])
    assert calls == [1]


def _starts_with_indicator_by_every_candidate(text: str) -> bool:
    """``yamlnodes._starts_with_indicator`` as it was first written: a scan from every ':',
    ',', '-', '[', '{' and line break (twice as slow), kept here to compare with."""
    import itertools
    import re

    first = re.compile(r" *[]}@`%]").match(text)
    for match in itertools.chain([first] if first else [], re.finditer(r"[-:,\[{\n] *[]}@`%]", text)):
        at = match.end() - 1
        start = text.rfind("\n", 0, at) + 1
        before = text[start:at].rstrip(" ")
        if before.lstrip().startswith("#"):
            continue
        if not before or before[-1] in ":-,":
            return True
        if before[-1] in "[{" and text[at] not in "]}":
            return True
    return False


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(st.text(alphabet="-:,[{\n ]}@`%a#\"'\r", max_size=24))
def test_plain_scalars_that_start_with_an_indicator_are_found_as_before(text: str) -> None:
    assert yamlnodes._starts_with_indicator(text) == _starts_with_indicator_by_every_candidate(text)


# -- a bank of the benchmark's kind, in slices of the real size ---------------------------------

@pytest.fixture(scope="module")
def large_text() -> str:
    from test_banks_fast import synthetic_bank

    text = synthetic_bank(2700)
    assert len(text) > yamlnodes.SLICED_MIN_CHARS and len(text) > 4 * yamlnodes.SLICE_CHARS
    return text


def test_a_bank_read_in_slices_equals_the_bank_pyyaml_reads(large_text: str, monkeypatch) -> None:
    read: list[int] = []
    real = yamlnodes._read_fast
    monkeypatch.setattr(yamlnodes, "_read_fast", lambda t: read.append(len(t)) or real(t))
    sliced = load_bank_text(large_text, "bench.yaml")
    assert len(read) > 4
    monkeypatch.setattr(yamlnodes, "FAST_PATH_MIN_CHARS", 10**9)
    whole = load_bank_text(large_text, "bench.yaml")
    assert sliced == whole and len(sliced.questions) == 2700
    assert [q.ref for q in sliced.questions] == [q.ref for q in whole.questions]  # every line


@pytest.mark.parametrize("read_whole", [True, False], ids=["read-whole", "too-large-to-read-whole"])
def test_an_error_deep_in_a_large_bank_is_reported_at_its_line(large_text: str, monkeypatch,
                                                               read_whole: bool) -> None:
    if not read_whole:
        monkeypatch.setattr(banks, "READ_WHOLE_MAX_CHARS", 0)
    text = large_text.replace("  - id: q002400\n", "  - id: q002400\n    colour: red\n")
    line = text[:text.index("    colour: red")].count("\n") + 1
    assert line > 20_000
    with pytest.raises(BankErrors) as caught:
        load_bank_text(text, "bench.yaml")
    qtype = text[text.index("    colour: red\n    type: ") + 26:].split("\n", 1)[0]
    assert [str(e) for e in caught.value.errors] == [
        f"bench.yaml:{line}: question 'q002400': unknown field 'colour'; expected one of: "
        + ", ".join(banks.QUESTION_TABLES[qtype])]
