"""The loader's fast path for plain questions (banks._BankReader.plain_question): for any
question mapping it either declines or builds exactly the Question the full checks build,
and the full checks' messages and lines stay theirs."""
from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from quizgen import banks, yamlnodes
from quizgen.model import QUESTION_TYPES, Source


def synthetic_bank(n: int) -> str:
    """The benchmark's bank of ``n`` plain questions of every type (benchmarks/anki.py,
    loaded by path: ``anki`` is also the name of Anki's own package)."""
    folder = Path(__file__).resolve().parent.parent / "benchmarks"
    sys.path.insert(0, str(folder))  # for its own imports
    try:
        spec = importlib.util.spec_from_file_location("quizgen_benchmark_anki", folder / "anki.py")
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    finally:
        sys.path.remove(str(folder))
    return module.synthetic_bank(n)

SETTINGS = settings(max_examples=500, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SOURCES = {"src": Source("src", "A report", "News")}
FACT_IDS = {"f-one", "f-two"}

# values of every shape a bank may hold where a question field is: plain ones and the
# mistakes the full checks report (blank, too long, wrong type, duplicates, spaces, ...)
WORDS = st.sampled_from(["Paris", " paris ", "PARIS", "Rome", "", "  ", "f-one", "f-two", "f-three",
                         "hard", "easy", "Medium", "src", "other", "q1", "q2", "Bad Id", "a b",
                         "Deck", "deck", "Deck::Sub", "d\u00e9ck", "\u201cquoted\u201d", "\"quoted\"",
                         "[[blank]] text", "[[a|b::hint]] and [[c]]", "[[]]", "[[open", "no blank",
                         "x" * 10_001, "true", "null", "ctrl\x1f"])
GOOD = st.sampled_from(["Paris", "Rome", " Berlin ", "Madrid", "Lisbon", "Oslo", "caf\u00e9 \u201cnoir\u201d"])
TEXT = st.sampled_from([True] * 9 + [False]).flatmap(lambda plain: GOOD if plain else WORDS)
CLOZE = st.sampled_from([True] * 9 + [False]).flatmap(
    lambda plain: st.sampled_from(["The [[blank]] text", "[[a|b::hint]] and [[c]]", "[[x::y]]"]) if plain else WORDS)
SCALARS = st.one_of(WORDS, st.integers(-3, 2000), st.sampled_from([0.5, 1e-12, 1e16, 2.0, -1.0]),
                    st.booleans(), st.none())
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=5),
                   st.lists(st.lists(SCALARS, min_size=1, max_size=3), max_size=5),
                   st.dictionaries(WORDS, SCALARS, max_size=2))
KEYS = sorted(set(banks.QUESTION_ANY) | {"answers", "unknown", "prompt "})


def texts(low: int, high: int) -> st.SearchStrategy:
    """Lists of distinct plain texts."""
    return st.lists(GOOD, min_size=low, max_size=high, unique_by=lambda t: t.strip().lower())


PLAIN = {  # a plain value of each field
    "id": st.sampled_from(["q1", "q2", "q3", "q4", "q5", "q6"]), "source": st.just("src"),
    "prompt": GOOD, "statement": GOOD, "text": CLOZE, "unit": GOOD, "explanation": GOOD, "evidence": GOOD,
    "answers": texts(1, 3), "distractors": texts(2, 4), "accept": texts(0, 3), "items": texts(3, 5),
    "pairs": st.lists(st.tuples(st.one_of(GOOD, st.integers(1, 9)), GOOD).map(list), min_size=3, max_size=4,
                      unique_by=(lambda p: str(p[0]).strip().lower(), lambda p: p[1].strip().lower())),
    "tolerance": st.sampled_from([0, 0.5, 2]), "tags": st.lists(st.sampled_from("abcd"), max_size=3, unique=True),
    "difficulty": st.sampled_from(["easy", "medium", "hard"]),
    "deck": st.sampled_from(["Deck", "Deck::Sub", " Deck "]),
    "facts": st.lists(st.sampled_from(sorted(FACT_IDS)), max_size=2, unique=True),
    "points": st.sampled_from([1, 2.5, 1000]), "override": st.just("f-one.t1"),
}
REPEATS = st.sampled_from([["Paris", " paris "], ["Rome", "Oslo", "ROME"],  # the same text twice, as compared
                           ["caf\u00e9 \u201cnoir\u201d", "Caf\u00e9 \"noir\""]])
MISTAKES = {  # values the full checks report (or read differently), by field
    "id": st.sampled_from(["Bad Id", 3, None, "q1\n"]), "source": st.sampled_from(["other", None, 5]),
    "answers": st.one_of(st.lists(WORDS, max_size=4), REPEATS),
    "distractors": st.one_of(st.lists(WORDS, max_size=4), REPEATS),
    "accept": st.one_of(st.lists(SCALARS, max_size=3), REPEATS),
    "items": st.one_of(st.lists(WORDS, max_size=4), REPEATS),
    "pairs": st.one_of(st.lists(st.lists(SCALARS, max_size=3), max_size=4), st.sampled_from([
        [["a", "x"], [" A ", "y"], ["b", "z"]], [["a", "x"], ["b", "X"], ["c", "z"]], [["a", "x"], ["b", "y"]],
        [["a", "x"], ["b", ""], ["c", "z"]], [["a", "x"], ["b", True], ["c", "z"]],
        [["a", "x"], ["b", "y", "w"], ["c", "z"]], [["a", "x"], [False, "y"], ["c", "z"]]])),
    "tolerance": st.sampled_from([-1, True, "1"]),
    "tags": st.lists(st.sampled_from(["a", "a b", "B", "", 4, " c "]), max_size=3),
    "difficulty": st.sampled_from(["Hard", None, 1]), "deck": st.sampled_from(["deck", "DECK::sub", "", 7]),
    "facts": st.lists(st.sampled_from(["f-one", "f-three", " f-two ", 1]), max_size=3),
    "points": st.sampled_from([0, 1001, 1e-12, True, -2, "1"]), "override": st.sampled_from(["f-two.t1", "bad"]),
    "answer": st.one_of(SCALARS, st.lists(WORDS, max_size=2)),
    **{key: st.sampled_from(["x" * 10_001, "", "  ", 12, 2.5, None, True, ["a"]])
       for key in ("prompt", "statement", "text", "unit", "explanation", "evidence")},
}


@st.composite
def question(draw) -> dict:
    """A question mapping: the keys of one type with plain values, then none, one or two
    mistakes (a wrong value, any value under any key, or a key left out)."""
    qtype = draw(st.sampled_from(QUESTION_TYPES))
    fields = banks.QUESTION_TABLES[qtype]
    out: dict = {"type": qtype}
    for key, required in fields.items():
        if key in out or key == "answer" and qtype == "multiple_choice":
            continue
        if required or (draw(st.booleans()) and (key != "override" or draw(st.integers(0, 4)) == 0)):
            out[key] = draw(PLAIN.get(key, GOOD))
    if qtype == "multiple_choice":
        out["answers" if draw(st.booleans()) else "answer"] = draw(PLAIN["answers"] if draw(st.booleans())
                                                                   else GOOD)
        if "answer" in out and type(out["answer"]) is list:
            out["answers"] = out.pop("answer")
    elif qtype == "true_false":
        out["answer"] = draw(st.booleans())
    elif qtype == "numeric":
        out["answer"] = draw(st.sampled_from([0, 3, 2.5, 1998]))
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2]))):
        key = draw(st.sampled_from(sorted(set(out) & set(MISTAKES)) or sorted(fields)))
        change = draw(st.sampled_from([0, 1, 2, 2, 2, 2]))
        if change == 0:
            out.pop(key, None)
        elif change == 1:
            out[draw(st.sampled_from(KEYS))] = draw(VALUES)
        else:
            out[key] = draw(MISTAKES.get(key, VALUES))
    return out


def read(text: str, doc: banks.LDict, fast: bool) -> tuple[str, list[str], int]:
    """The questions as the reader builds them (repr, lines included), its messages, and
    how many questions the fast path built."""
    reader = banks._BankReader("bank.yaml")
    reader.source_text = text
    reader.fast_questions = fast
    taken = []
    plain_question = reader.plain_question

    def counted(*args):
        found = plain_question(*args)
        taken.extend([found] if found is not None else [])
        return found

    reader.plain_question = counted  # type: ignore[method-assign]
    out = reader.questions(doc, "bank", SOURCES, FACT_IDS)
    return repr(out), [str(e) for e in reader.errors], len(taken)


def readings(questions: list[dict]) -> list[tuple[str, banks.LDict]]:
    """The bank text and its document as each parser reads it: PyYAML (every line known)
    and rapidyaml (no lines: the id-line index gives them)."""
    text = yaml.safe_dump({"bank": "bank", "questions": questions}, sort_keys=False, allow_unicode=True)
    out = []
    slow, _ = yamlnodes.parse(text)
    out.append((text, slow))
    fast = yamlnodes._read_fast(text) if yamlnodes._ryml is not None else None
    if fast is not None:
        out.append((text, fast))
    return out


@SETTINGS
@given(st.lists(question(), min_size=1, max_size=4))
def test_the_fast_path_declines_or_builds_what_the_full_checks_build(questions: list[dict]) -> None:
    for text, doc in readings(questions):
        built, messages, _ = read(text, doc, fast=False)
        assert read(text, doc, fast=True)[:2] == (built, messages)


def test_every_plain_question_of_every_type_takes_the_fast_path() -> None:
    text = synthetic_bank(100)
    for _, doc in [(text, yamlnodes.parse(text)[0]), (text, yamlnodes._read_fast(text))]:
        built, messages, taken = read(text, doc, fast=True)
        assert messages == [] and taken == 100
        assert built == read(text, doc, fast=False)[0]
        assert {q["type"] for q in doc["questions"]} == set(QUESTION_TYPES)


def test_plain_questions_with_every_optional_field_take_the_fast_path() -> None:
    text = """bank: bank
questions:
  - id: q1
    type: short_answer
    source: src
    prompt: " Who? "
    answer: Paris
    accept: [paris city]
    tags: [geo, europe]
    difficulty: hard
    deck: "Geography :: Europe"
    facts: [f-one]
    points: 2
    explanation: Because.
    evidence: the city
  - id: q2
    type: numeric
    source: src
    prompt: How many?
    answer: 3
    tolerance: 0.5
    unit: km
    deck: "Geography :: Europe"
    tags: [geo, europe]
  - id: q3
    type: multiple_choice
    source: src
    prompt: Which?
    answers: [A, B]
    distractors: [C, D]
  - id: q4
    type: matching
    source: src
    prompt: Match.
    pairs: [[a, 1], [b, 2], [c, 3]]
"""
    doc, _ = yamlnodes.parse(text)
    built, messages, taken = read(text, doc, fast=True)
    assert (messages, taken) == ([], 4)
    assert built == read(text, doc, fast=False)[0]
    assert "deck='Geography :: Europe'" in built and "points=3" in built  # three pairs: three points


def test_a_question_the_full_checks_report_is_left_to_them() -> None:
    text = """bank: bank
questions:
  - id: q1
    type: short_answer
    source: src
    prompt: Who?
    answer: Paris
    tags: [a b]
  - id: q1
    type: short_answer
    source: src
    prompt: Who?
    answer: Paris
"""
    doc, _ = yamlnodes.parse(text)
    built, messages, taken = read(text, doc, fast=True)
    assert taken == 0
    assert messages == ["bank.yaml:8: question 'q1': tag 'a b' contains a space; expected tags without "
                        "spaces (use a hyphen)",
                        "bank.yaml:9: question 'q1': duplicate id (first at line 3); expected each question "
                        "id once"]
    assert (built, messages) == read(text, doc, fast=False)[:2]


# one plain question of each type, and single mistakes to make in it, each tried in turn
PLAIN_OF_TYPE = {
    "multiple_choice": {"prompt": "Who?", "answer": "Paris", "distractors": ["Rome", "Oslo"]},
    "true_false": {"statement": "It is.", "answer": True},
    "short_answer": {"prompt": "Who?", "answer": "Paris", "accept": ["paris city"]},
    "cloze": {"text": "The [[blank|gap::hint]] text"},
    "numeric": {"prompt": "How many?", "answer": 3, "tolerance": 0.5, "unit": "km"},
    "matching": {"prompt": "Match.", "pairs": [["a", "x"], [1, "y"], ["c", "z"]]},
    "ordering": {"prompt": "Order.", "items": ["a", "b", "c"]},
}
COMMON_PLAIN = {"id": "q1", "source": "src", "explanation": "Because.", "evidence": "it says", "tags": ["a", "b"],
                "difficulty": "easy", "deck": "Deck", "facts": ["f-one"], "points": 2}
LEFT_OUT = object()
SINGLE_MISTAKES = {
    **{key: ["x" * 10_001, "", "  ", 12, 2.5, None, True, ["a"], {"a": 1}, LEFT_OUT]
       for key in ("prompt", "statement", "text", "unit", "explanation", "evidence", "answer")},
    **{key: [[], ["a"], ["a", "b"], ["Paris", " paris "], ["Paris", "Rome", ""], ["a", 3], ["a", None], "a",
             ["Paris", "Oslo", "ROME"], ["a", ["b"]], None, LEFT_OUT]
       for key in ("answers", "distractors", "accept", "items", "tags", "facts")},
    "id": ["Bad Id", 3, None, "q1\n", "q9", LEFT_OUT], "source": ["other", None, 5, LEFT_OUT],
    "type": ["essay", None, 3, LEFT_OUT], "unknown": ["x"], "prompt ": ["x"],
    "pairs": [[["a", "x"], [" A ", "y"], ["b", "z"]], [["a", "x"], ["b", "X"], ["c", "z"]], [["a", "x"], ["b", "y"]],
              [["a", "x"], ["b", ""], ["c", "z"]], [["a", "x"], ["b", True], ["c", "z"]], [["a", 1.5], ["b", 2], ["c", 3]],
              [["a", "x"], ["b", "y", "w"], ["c", "z"]], [["a", "x"], [False, "y"], ["c", "z"]], None, "a", LEFT_OUT],
    "tolerance": [-1, 0, True, "1", 1e16, None, LEFT_OUT], "points": [0, 1000, 1001, 1e-12, True, -2, "1", None],
    "difficulty": ["Hard", "hard", None, 1, LEFT_OUT], "deck": ["deck", "DECK", " Deck ", "Deck::Sub", "", 7, None],
    "override": ["f-two.t1", "bad", None], "tags ": [["a"]],
}


def test_each_single_mistake_in_each_type_reads_as_the_full_checks_read_it() -> None:
    """Every type's plain question with one field changed (a mistake, or a value the fast
    path leaves to the full checks), after a question that used the deck 'Deck' and id q9."""
    first = {"id": "q9", "type": "true_false", "source": "src", "statement": "S.", "answer": False, "deck": "Deck"}
    tried = taken = 0
    for qtype, own in PLAIN_OF_TYPE.items():
        for key, values in SINGLE_MISTAKES.items():
            for value in values:
                changed = {"type": qtype, **COMMON_PLAIN, **own}
                if value is LEFT_OUT:
                    changed.pop(key, None)
                else:
                    changed[key] = value
                for text, doc in readings([first, changed]):
                    built, messages, _ = read(text, doc, fast=False)
                    fast_built, fast_messages, fast_taken = read(text, doc, fast=True)
                    assert (fast_built, fast_messages) == (built, messages), (qtype, key, value)
                    tried, taken = tried + 1, taken + fast_taken - 1
    assert taken > tried // 10  # not all left to the full checks: values that stay plain are taken


# the id-line index's scan, as written before its quantifiers were made possessive (for speed)
ID_LINE_BACKTRACKING = re.compile(r"\n[ \t]*(?:-[ \t]+)?id:[ \t]*[\"']?([a-z0-9-]+)")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(["\n", " ", "\t", "-", "- ", "id:", "id: ", "q1", "'", '"', "x", "i", "d:", "-\t"]),
                max_size=40))
def test_the_id_line_scan_finds_what_a_backtracking_scan_finds(parts: list[str]) -> None:
    text = "".join(parts)
    found = [(m.start(), m.group(1)) for m in banks._ID_LINE_AFTER_BREAK.finditer(text)]
    assert found == [(m.start(), m.group(1)) for m in ID_LINE_BACKTRACKING.finditer(text)]


def test_equal_options_of_different_questions_are_one_text() -> None:
    """Options, answers, accepted answers, items, pairs and evidence that repeat across questions
    are kept once (the benchmark bank names the same people over and over), and a reader that
    starts its shared texts afresh now and then reads the same bank. (A cloze's answers are
    its blanks', as parsed from its text.)"""
    text = synthetic_bank(700)
    bank = banks.load_bank_text(text, "bench.yaml")
    options = [text for q in bank.questions if q.type != "cloze"
               for text in (*q.answers, *q.distractors, *q.accept, *q.items, *(side for p in q.pairs for side in p))]
    assert len({id(option) for option in options}) == len(set(options)) < len(options) / 5
    lists = [q.answers for q in bank.questions if q.type != "cloze"] + [q.pairs for q in bank.questions]
    assert len({id(texts) for texts in lists}) == len(set(lists)) < len(lists) / 2  # and equal tuples
    evidence = [q.evidence for q in bank.questions]
    assert len({id(text) for text in evidence}) == len(set(evidence)) < len(evidence)
    saved = banks.SHARED_STRINGS_MAX
    banks.SHARED_STRINGS_MAX = 200
    try:
        bounded = banks.load_bank_text(text, "bench.yaml")
    finally:
        banks.SHARED_STRINGS_MAX = saved
    assert bounded == bank
    options = [text for q in bounded.questions if q.type != "cloze" for text in (*q.answers, *q.distractors)]
    assert len(set(options)) < len({id(option) for option in options}) < len(options) / 2
