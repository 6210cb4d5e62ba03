"""Selection: filters, counts, versions, and option order fixed once per version."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from quizgen.banks import load_bank
from quizgen.errors import SelectionError
from quizgen.model import QUESTION_TYPES, letter
from quizgen.select import SelectionSpec, choose_questions, filter_questions, select_questions

from conftest import SAMPLE_BANK

BANK = load_bank(SAMPLE_BANK)
QUESTIONS = BANK.questions


def test_filter_by_tags_and_types() -> None:
    assert [q.id for q in filter_questions(QUESTIONS, tags=["cost"])] == ["select-critics", "verdicts"]
    assert [q.id for q in filter_questions(QUESTIONS, types=["cloze", "matching"])] == ["cloze-ratify", "roles"]
    assert [q.id for q in filter_questions(QUESTIONS, tags=["PEOPLE"], types=["matching"])] == ["roles"]


def test_same_seed_same_sets_other_seed_other_order() -> None:
    one = select_questions(BANK, QUESTIONS, SelectionSpec(seed=1, group_by="none"))
    again = select_questions(BANK, QUESTIONS, SelectionSpec(seed=1, group_by="none"))
    other = select_questions(BANK, QUESTIONS, SelectionSpec(seed=2, group_by="none"))
    assert one == again
    assert [i.question.id for i in one[0].items] != [i.question.id for i in other[0].items]


def test_versions_hold_the_same_questions_in_different_orders() -> None:
    sets = select_questions(BANK, QUESTIONS, SelectionSpec(versions=3, group_by="none"))
    assert [s.version for s in sets] == ["A", "B", "C"]
    ids = [[i.question.id for i in s.items] for s in sets]
    assert all(sorted(x) == sorted(ids[0]) for x in ids)
    assert len({tuple(x) for x in ids}) > 1


def test_group_by_type_makes_one_section_per_type() -> None:
    items = select_questions(BANK, QUESTIONS, SelectionSpec(seed=7))[0].items
    types = [i.question.type for i in items]
    assert types == sorted(types, key=QUESTION_TYPES.index)
    assert [i.number for i in items] == list(range(1, len(items) + 1))


def test_count_samples_and_is_checked() -> None:
    chosen = choose_questions(BANK, QUESTIONS, SelectionSpec(count=3, seed=5))
    assert len(chosen) == 3
    assert chosen == choose_questions(BANK, QUESTIONS, SelectionSpec(count=3, seed=5))
    with pytest.raises(SelectionError, match=r"--count 9 asks for more questions than bank 'sample-bank' has \(8 match no filter\)"):
        choose_questions(BANK, QUESTIONS, SelectionSpec(count=9))
    with pytest.raises(SelectionError, match="no question of bank 'sample-bank' matches tags nothing"):
        choose_questions(BANK, QUESTIONS, SelectionSpec(tags=("nothing",)))
    with pytest.raises(SelectionError, match="unknown question type 'essay'"):
        choose_questions(BANK, QUESTIONS, SelectionSpec(types=("essay",)))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**9), versions=st.integers(1, 5))
def test_every_version_keys_point_at_the_right_options(seed: int, versions: int) -> None:
    for qset in select_questions(BANK, QUESTIONS, SelectionSpec(seed=seed, versions=versions)):
        for item in qset.items:
            q = item.question
            if q.type == "multiple_choice":
                assert sorted(item.options) == sorted(q.answers + q.distractors)
                assert {item.options[k] for k in item.key} == set(q.answers)
                assert item.key_text == ",".join(letter(k) for k in sorted(item.key))
            elif q.type == "matching":
                assert [item.options[k] for k in item.key] == [right for _, right in q.pairs]
                assert list(item.options) != [right for _, right in q.pairs]
            elif q.type == "ordering":
                assert [q.items[pos] for pos in item.key] == list(item.options)
                assert list(item.options) != list(q.items)
            elif q.type == "true_false":
                assert item.key_text == ("True" if q.truth else "False")
            else:
                assert item.key_text is None


def test_letters() -> None:
    assert [letter(i) for i in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]
