"""Selection: filters, counts, versions, and option order fixed once per version."""
from __future__ import annotations

import random

import pytest
from hypothesis import assume, given, settings, strategies as st

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
    assert one == again
    # the plain quiz has only a handful of questions, so two seeds may meet on one order by
    # chance (1 in 120 for five): other seeds give other orders, nearly every one its own
    orders = {tuple(i.question.id for i in select_questions(BANK, QUESTIONS, SelectionSpec(
        seed=seed, group_by="none"))[0].items) for seed in range(1, 9)}
    assert len(orders) >= 6


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


# ---- the printed quiz keeps the rules: both realistic banks, many seeds, counts and versions ----

from quizgen.pipeline import bank_questions  # noqa: E402
from quizgen.select import RuleBook, Sheet, choose_quiz, arrange_versions, parse_mix  # noqa: E402

from conftest import DATA, DEFAULT_BANK  # noqa: E402

REAL = {}
for _path in (DEFAULT_BANK, DATA / "banks" / "valid" / "chile-miners-2010.yaml"):
    _bank = load_bank(_path)
    _questions, _ = bank_questions(_bank)
    REAL[_bank.id] = (_bank, _questions, RuleBook(_bank, _questions))  # expanded once, reused by every example
REAL_IDS = sorted(REAL)


def assert_rules_kept(rules: RuleBook, chosen) -> None:
    for i, a in enumerate(chosen):
        for b in chosen[:i]:
            assert rules.conflict(a, b) is None, f"{a.id} and {b.id}: {rules.conflict(a, b)}"


def assert_letters_balanced(qset) -> None:
    placed = [(item.key[0], len(item.options)) for item in qset.items
              if item.question.type == "multiple_choice" and len(item.key) == 1]
    positions = [p for p, _ in placed]
    for i in range(len(positions) - 2):
        assert len(set(positions[i:i + 3])) > 1, positions  # no letter three times running
    if placed:
        shared = [positions.count(p) for p in range(min(n for _, n in placed))]
        assert max(shared) - min(shared) <= 2, positions


@settings(max_examples=100, deadline=None)
@given(bank_id=st.sampled_from(REAL_IDS), seed=st.integers(0, 10**6),
       count=st.one_of(st.none(), st.integers(1, 30)), versions=st.integers(1, 4))
def test_every_quiz_keeps_the_rules(bank_id: str, seed: int, count: int | None, versions: int) -> None:
    bank, questions, rules = REAL[bank_id]
    quiz = choose_quiz(bank, questions, SelectionSpec(seed=seed, count=count), rules)
    chosen = quiz.questions
    assert_rules_kept(rules, chosen)  # no shared fact, no near-duplicate, no giveaway
    if count is not None:
        assert len(chosen) == count or (len(chosen) < count and quiz.warnings)
        if len(chosen) == count and count >= 9:
            by_type = [sum(1 for q in chosen if q.type == t) for t in QUESTION_TYPES]
            assert max(by_type) <= -(-count // 3)  # no type more than about a third
            articles = {sid for sid, source in bank.sources.items() if source.kind == "article"}
            assert articles <= {q.source for q in chosen}  # both articles (background may cite a reference too)
    else:
        assert not quiz.warnings
    sets = arrange_versions(bank, chosen, SelectionSpec(seed=seed, versions=versions))
    for qset in sets:
        assert sorted(q.id for q in qset.questions) == sorted(q.id for q in chosen)
        assert_letters_balanced(qset)


@settings(max_examples=60, deadline=None)
@given(bank_id=st.sampled_from(REAL_IDS), seed=st.integers(0, 10**6),
       mix=st.fixed_dictionaries({"multiple_choice": st.integers(0, 5), "true_false": st.integers(0, 4),
                                  "short_answer": st.integers(0, 2), "cloze": st.integers(0, 2),
                                  "numeric": st.integers(0, 2), "matching": st.integers(0, 1),
                                  "ordering": st.integers(0, 1)}))
def test_mix_is_exact(bank_id: str, seed: int, mix: dict[str, int]) -> None:
    mix = {t: n for t, n in mix.items() if n}
    assume(mix)
    bank, questions, rules = REAL[bank_id]
    spec = SelectionSpec(seed=seed, mix=tuple(mix.items()))
    chosen = choose_quiz(bank, questions, spec, rules).questions
    assert {t: sum(1 for q in chosen if q.type == t) for t in mix} == mix
    assert len(chosen) == sum(mix.values())
    assert_rules_kept(rules, chosen)


@settings(max_examples=60, deadline=None)
@given(bank_id=st.sampled_from(REAL_IDS), seed=st.integers(0, 10**6), data=st.data())
def test_include_and_exclude_are_honoured(bank_id: str, seed: int, data) -> None:
    bank, questions, rules = REAL[bank_id]
    ids = [q.id for q in questions]
    first = data.draw(st.sampled_from(questions))
    friends = [q for q in questions if q is not first and rules.conflict(first, q) is None]
    include = [first] + data.draw(st.lists(st.sampled_from(friends), max_size=1))
    exclude = data.draw(st.lists(st.sampled_from([i for i in ids if i not in {q.id for q in include}]),
                                 max_size=8, unique=True))
    count = data.draw(st.one_of(st.none(), st.integers(len(include), 20)))
    spec = SelectionSpec(seed=seed, count=count, include=tuple(q.id for q in include), exclude=tuple(exclude))
    chosen = choose_quiz(bank, questions, spec, rules).questions
    chosen_ids = {q.id for q in chosen}
    assert {q.id for q in include} <= chosen_ids
    assert not chosen_ids & set(exclude)
    assert_rules_kept(rules, chosen)


@pytest.mark.parametrize("bank_id", REAL_IDS)
def test_a_plain_build_prints_one_question_per_fact_preferring_hand_written(bank_id: str) -> None:
    bank, questions, rules = REAL[bank_id]
    chosen = choose_quiz(bank, questions, SelectionSpec(), rules).questions
    assert_rules_kept(rules, chosen)
    assert len(chosen) < len(questions)  # not every question of the bank
    tested = {f for q in chosen for f in rules.profile(q).facts}
    for q in questions:  # every question left out would break a rule beside the chosen ones
        if q not in chosen:
            assert any(rules.conflict(q, c) for c in chosen), q.id
    for g in (q for q in chosen if q.origin == "template"):  # a hand-written question on the fact lost only to a rule
        for h in questions:
            if h.origin == "hand" and set(h.facts) & set(g.facts):
                assert any(rules.conflict(h, c) for c in chosen if c is not g), (g.id, h.id)
    assert tested  # facts are covered


def test_giveaways_of_the_default_bank_are_caught() -> None:
    bank, questions, rules = REAL["icc-withdrawal-2016"]
    by_id = {q.id: q for q in questions}
    pairs = [("who-signed", "compare-decree-directive"),  # "the document President Vladimir Putin signed"
             ("four-verdicts", "compare-verdicts-sentences"),  # "only four verdicts"
             ("court-cost", "compare-cost-wording"),  # "$1 billion" against 1000000000
             ("years-of-work", "four-verdicts"),  # "in its 14 years of work"
             ("never-ratified", "status-before-withdrawal"),  # "never ratified it" against "ratification"
             ("us-cia-decided", "case-stages"),  # the ICC "decided the United States and the CIA may face trial"
             ("sinister-reason", "not-immune-cloze"),  # "to escape trial while it still could"
             ("status-before-withdrawal", "quit-strictly-speaking"),  # "a signatory that was never a party"
             ("ministry-expectations", "antimedia-speculation"),  # the option: Russia called the ICC "ineffective"
             ("peskov-reason", "anonhq-opinion"),  # the option "Peskov cited Russia's national interests"
             ("compare-signature-mention", "peskov-reason")]  # "as reported by AnonHQ, ... Russia's signature"
    for a, b in pairs:
        assert rules.conflict(by_id[a], by_id[b]), (a, b)
    assert rules.conflict(by_id["who-signed"], by_id["afghanistan"]) is None


def test_giveaways_of_the_second_bank_are_caught() -> None:
    bank, questions, rules = REAL["chile-miners-2010"]
    by_id = {q.id: q for q in questions}
    assert rules.conflict(by_id["who-filmed"], by_id["filmed-tf"])  # a point no fact states, asked twice
    assert rules.conflict(by_id["youngest-tf"], by_id["youngest-age"])  # "nineteen" against 19
    assert rules.conflict(by_id["first-out"], by_id["first-out-tf"])  # the same fact
    assert rules.conflict(by_id["how-many-trapped"], by_id["days-below"]) is None


def test_impossible_requests_name_what_is_available() -> None:
    bank, questions, rules = REAL["icc-withdrawal-2016"]
    with pytest.raises(SelectionError, match=r"--mix matching=9 cannot be filled .* available: multiple_choice=\d+"):
        choose_quiz(bank, questions, SelectionSpec(mix=(("matching", 9),)), rules)
    with pytest.raises(SelectionError, match=r"has no question 'who-sign'; did you mean who-signed"):
        choose_quiz(bank, questions, SelectionSpec(include=("who-sign",)), rules)
    with pytest.raises(SelectionError, match=r"has no question 'nothing-like-it'; expected an id"):
        choose_quiz(bank, questions, SelectionSpec(exclude=("nothing-like-it",)), rules)
    generated = next(q.id for q in questions if q.origin == "template" and "putin-signs-decree" in q.facts)
    with pytest.raises(SelectionError, match=rf"--include who-signed and {generated} cannot be "
                                             r"on one sheet: they test the same fact 'putin-signs-decree'"):
        choose_quiz(bank, questions, SelectionSpec(include=("who-signed", generated)), rules)
    with pytest.raises(SelectionError, match="both in --include and in --exclude"):
        choose_quiz(bank, questions, SelectionSpec(include=("who-signed",), exclude=("who-signed",)), rules)
    with pytest.raises(SelectionError, match="--count 5 does not match --mix, which adds up to 3"):
        choose_quiz(bank, questions, SelectionSpec(count=5, mix=(("true_false", 3),)), rules)
    with pytest.raises(SelectionError, match="--include who-signed is a short_answer question, which --mix does not"):
        choose_quiz(bank, questions, SelectionSpec(mix=(("true_false", 3),), include=("who-signed",)), rules)


def test_a_count_the_rules_cannot_fill_warns_with_how_many_were_placed() -> None:
    bank, questions, rules = REAL["chile-miners-2010"]
    quiz = choose_quiz(bank, questions, SelectionSpec(count=50), rules)
    assert 0 < len(quiz.questions) < 50
    assert quiz.warnings == (
        f"{bank.path}:{bank.ref.line if bank.ref else 1}: warning: bank chile-miners-2010: --count 50 cannot be "
        "filled under the rules (one question per fact, no giveaways, no near-duplicates): the quiz has "
        f"{len(quiz.questions)} questions; ask for {len(quiz.questions)} or fewer, or add questions on other facts",)


def test_parse_mix() -> None:
    assert parse_mix("multiple_choice=5, true_false=3") == (("multiple_choice", 5), ("true_false", 3))
    with pytest.raises(SelectionError, match="unknown question type 'essay'"):
        parse_mix("essay=2")
    with pytest.raises(SelectionError, match="is not TYPE=N"):
        parse_mix("true_false")
    with pytest.raises(SelectionError, match="names 'cloze' twice"):
        parse_mix("cloze=1,cloze=2")


# ---- variety: one question per template, no pile of one tag ----

def test_a_default_quiz_asks_one_question_per_template_and_spreads_its_tags() -> None:
    """10 seeds of --count 20 on the default bank: before the variety preference two sheets held two
    "The term ___ means" questions (definition-cloze) and one had five questions tagged "compare"."""
    bank, questions, rules = REAL["icc-withdrawal-2016"]
    for seed in range(1, 11):
        chosen = choose_quiz(bank, questions, SelectionSpec(seed=seed, count=20), rules).questions
        assert len(chosen) == 20
        templates = [q.template for q in chosen if q.template]
        assert len(templates) == len(set(templates)), (seed, templates)
        tags = [t for q in chosen for t in q.tags]
        assert max(tags.count(t) for t in tags) <= 4, (seed, sorted(tags))


@settings(max_examples=25, deadline=None)
@given(bank_id=st.sampled_from(REAL_IDS), seed=st.integers(0, 10**6), size=st.integers(6, 14))
def test_spreading_a_piled_up_sheet_keeps_the_rules_types_and_includes(bank_id: str, seed: int, size: int) -> None:
    from quizgen.quizrules import pile
    from quizgen.select import _spread_topics
    bank, questions, rules = REAL[bank_id]
    _, piled = _piled_sheet(bank_id, seed, size)  # a sheet that asks about one topic as often as the rules allow
    include = [piled[0]]
    spread = _spread_topics(rules, include, [q for q in questions if q is not piled[0]], piled, random.Random(seed))
    assert_rules_kept(rules, spread)
    assert len(spread) == len(piled) and piled[0] in spread
    sources = [sum(q.source == s for q in spread) for s in {q.source for q in piled + spread}]
    before = [sum(q.source == s for q in piled) for s in {q.source for q in piled + spread}]
    assert max(sources) - min(sources) <= max(before) - min(before)  # the spread of sources is kept
    assert sorted(q.type for q in spread) == sorted(q.type for q in piled)
    assert pile(spread) <= pile(piled)
    assert pile(spread) < pile(piled) or all(q in spread for q in piled)  # a sheet changes only to spread
    assert pile(spread)[1][:1] <= pile(piled)[1][:1] or pile(spread)[0] < pile(piled)[0]


def _piled_sheet(bank_id: str, seed: int, size: int):
    from quizgen.select import Sheet
    bank, questions, rules = REAL[bank_id]
    top = max({t for q in questions for t in q.tags}, key=lambda t: (sum(t in q.tags for q in questions), t))
    rng = random.Random(seed)
    sheet = Sheet(rules)
    for q in sorted(questions, key=lambda q: (top not in q.tags, rng.random())):
        if len(sheet.chosen) < size and sheet.blocker(q) is None:
            sheet.add(q)
    return top, list(sheet.chosen)


@pytest.mark.parametrize("seed", range(5))
def test_spreading_lowers_the_pile_of_a_sheet_on_one_topic(seed: int) -> None:
    from quizgen.select import _spread_topics
    _, questions, rules = REAL["icc-withdrawal-2016"]
    top, piled = _piled_sheet("icc-withdrawal-2016", seed, 12)
    spread = _spread_topics(rules, (), questions, piled)
    assert sum(top in q.tags for q in spread) < sum(top in q.tags for q in piled) - 2, (top, seed)


# ---- the choice is pinned: a faster selection must choose exactly what it chose before ----

import hashlib  # noqa: E402
import json  # noqa: E402

from quizgen.banks import load_bank_text  # noqa: E402

PINNED_WORDS = ("treaty court statute decree ministry signature withdrawal verdict prosecutor member state "
                "report vote sanction tribunal charter").split()
PINNED_NAMES = ["Vladimir Putin", "Dmitry Peskov", "Fatou Bensouda", "Sergei Lavrov", "Ban Ki-moon", "Xi Jinping"]


def _pinned_bank_text(n: int) -> str:
    """A bank whose prompts share a small vocabulary and whose answers a few names: many near-giveaways."""
    rng = random.Random(11)
    say = lambda low, high: " ".join(rng.choice(PINNED_WORDS) for _ in range(rng.randint(low, high)))  # noqa: E731
    out = ["bank: pinned", "title: Pinned", "description: Shared vocabulary.", "sources:", "  src:",
           "    title: A report", "    publisher: Bench News", "    date: 2016-11-17", "questions:"]
    for i in range(n):
        kind = ("multiple_choice", "true_false", "short_answer", "cloze", "numeric", "matching", "ordering")[i % 7]
        out += [f"  - id: p{i:04d}", f"    type: {kind}", "    source: src",
                f"    tags: [{rng.choice(PINNED_WORDS)}]"]
        if kind == "multiple_choice":
            names = rng.sample(PINNED_NAMES, 4)
            out += [f'    prompt: "Who {say(3, 8)}?"', f'    answer: "{names[0]}"',
                    "    distractors: [" + ", ".join(f'"{o}"' for o in names[1:]) + "]"]
        elif kind == "true_false":
            out += [f'    statement: "{rng.choice(PINNED_NAMES)} {say(3, 8)}."',
                    f"    answer: {rng.choice(['true', 'false'])}"]
        elif kind == "short_answer":
            out += [f'    prompt: "Name the {say(3, 7)}."', f'    answer: "{rng.choice(PINNED_NAMES)}"']
        elif kind == "cloze":
            out += [f'    text: "The [[{rng.choice(PINNED_WORDS)}]] of the {say(3, 7)}."']
        elif kind == "numeric":
            out += [f'    prompt: "How many {say(3, 7)}?"', f"    answer: {rng.randint(1, 30)}"]
        elif kind == "matching":
            out += [f'    prompt: "Match the {say(2, 4)}."', "    pairs:"]
            out += [f'      - ["{p}", "{w}"]' for p, w in zip(rng.sample(PINNED_NAMES, 3), rng.sample(PINNED_WORDS, 3))]
        else:
            out += [f'    prompt: "Put the {say(2, 4)} in order."', "    items:"]
            out += [f'      - "{w}"' for w in rng.sample(PINNED_WORDS, 4)]
    return "\n".join(out) + "\n"


def _pinned_banks():
    banks = {bank_id: (bank, questions) for bank_id, (bank, questions, _) in REAL.items()}
    banks["sample-bank"] = (BANK, list(QUESTIONS))
    pinned = load_bank_text(_pinned_bank_text(420), "pinned.yaml")
    banks["pinned"] = (pinned, list(pinned.questions))
    return banks


PINNED_BANKS = _pinned_banks()

PINNED_SPECS = {
    "plain": {}, "count5": {"count": 5}, "count12": {"count": 12}, "count20": {"count": 20},
    "count30": {"count": 30}, "mix": {"mix": (("multiple_choice", 3), ("true_false", 2), ("cloze", 1))},
    "mc-only": {"types": ("multiple_choice",)}, "exclude": {"count": 10, "exclude_first": 6},
    "include": {"count": 8, "include_first": 1},
}


def _pinned_choice(bank, questions, seed: int, settings: dict) -> str:
    settings = dict(settings)
    ids = [q.id for q in questions]
    exclude = tuple(ids[:settings.pop("exclude_first", 0)])
    include = tuple(ids[:settings.pop("include_first", 0)])
    try:
        quiz = choose_quiz(bank, questions, SelectionSpec(seed=seed, exclude=exclude, include=include, **settings))
    except SelectionError as error:
        return f"error {error}".replace(str(bank.path), "BANK")  # the checkout's folder is no part of a choice
    return (" ".join(q.id for q in quiz.questions) + " | " + " / ".join(quiz.warnings)).replace(str(bank.path), "BANK")


def _pinned_digests() -> dict[str, str]:
    out = {}
    for bank_id, (bank, questions) in sorted(PINNED_BANKS.items()):
        for name, settings in PINNED_SPECS.items():
            text = "\n".join(_pinned_choice(bank, questions, seed, settings) for seed in (0, 1, 7, 2016, 99))
            out[f"{bank_id}/{name}"] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return out


def test_the_chosen_questions_are_the_ones_recorded(check_golden) -> None:
    """The questions chosen for 4 banks x 9 requests x 5 seeds, as sha256 digests: first recorded with the
    selection before it was made to scale (issue 15), so a speed-up can never change a sheet. A deliberate
    change of the rules or the banks is reviewed and re-recorded with `pytest --update-golden`."""
    check_golden("select/pinned.json", json.dumps(_pinned_digests(), indent=1, sort_keys=True) + "\n")


@settings(max_examples=40, deadline=None)
@given(bank_id=st.sampled_from(["icc-withdrawal-2016", "chile-miners-2010", "pinned"]), seed=st.integers(0, 10**6),
       size=st.integers(1, 40))
def test_the_sheet_index_finds_every_conflict_the_rules_find(bank_id: str, seed: int, size: int) -> None:
    """Sheet.blocker narrows a sheet down with bit masks before the rules run: it must refuse exactly
    the candidates that conflict with a chosen question by the rules' own pairwise test."""
    bank, questions = PINNED_BANKS[bank_id]
    rules = RuleBook(bank, questions)
    order = list(questions)
    random.Random(seed).shuffle(order)
    sheet = Sheet(rules)
    for q in order[:size]:
        if sheet.blocker(q) is None:
            sheet.add(q)
    for q in order[size:size + 60]:
        if q in sheet.chosen:
            continue
        clash = [c.id for c in sheet.chosen if rules.conflict(q, c)]
        assert (sheet.blocker(q) is not None) == bool(clash), (q.id, clash)


def test_a_generated_question_takes_a_hand_written_ones_place_only_on_a_piled_up_sheet(monkeypatch) -> None:
    """The spread prefers hand-written questions (tier 0) and swaps in a generated question on a
    fact a hand-written one tests (tier 1) only on a sheet with more than a fifth of its questions
    on one tag: 40 seeds of --count 20 on the default bank are the same sheets as without that
    last resort wherever those reach 4 or fewer per tag, and every sheet does."""
    import quizgen.select as select_module

    bank, questions, rules = REAL["icc-withdrawal-2016"]
    spread = {seed: choose_quiz(bank, questions, SelectionSpec(seed=seed, count=20), rules).questions
              for seed in range(1, 41)}
    monkeypatch.setattr(select_module, "PILED_UP", 1.0)  # never piled up: same-tier swaps only
    piled = 0
    for seed, chosen in spread.items():
        tags = [t for q in chosen for t in q.tags]
        assert max(tags.count(t) for t in tags) <= 4, (seed, sorted(tags))
        strict = choose_quiz(bank, questions, SelectionSpec(seed=seed, count=20), rules).questions
        strict_tags = [t for q in strict for t in q.tags]
        if max(strict_tags.count(t) for t in strict_tags) <= 4:
            assert chosen == strict, seed
        else:
            piled += 1
            for q in set(chosen) - set(strict):  # what the last resort brought in asks nothing twice
                assert not select_module._same_answer(rules, q, [o for o in chosen if o is not q]), (seed, q.id)
    assert piled  # the last resort is what spreads some of them
