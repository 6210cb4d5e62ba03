"""Each selection rule on its own: names, numbers and dates in any spelling, giveaways, letters."""
from __future__ import annotations

import datetime
import math
import random

import pytest
from hypothesis import assume, given, settings, strategies as st

from quizgen.banks import load_bank_text
from quizgen.model import QUESTION_TYPES, Question
from quizgen.quizrules import (DEFAULT_TYPE_WEIGHTS, MAX_RUN, LetterBalancer, TextAnalyzer, balance_score,
                               default_targets, gives_away, near_duplicate, next_type, profile_question,
                               shares_fact, stem, tier, type_cap)

ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
       "sixteen seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def spelled(n: int) -> str:
    """0..999 in words, our own spelling for the test ("forty-two", "three hundred and five")."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else "-" + ONES[n % 10])
    rest = n % 100
    return ONES[n // 100] + " hundred" + ("" if not rest else " " + spelled(rest))


BANK = load_bank_text("""\
bank: rules-test
title: Rules test
sources:
  s: {title: Report, publisher: News}
entities:
  putin: {name: Vladimir Putin, kind: person, role: President of Russia}
  peskov: {name: Dmitry Peskov, kind: person, role: Kremlin spokesman, aliases: [Peskov]}
  us: {name: United States, kind: country, aliases: [US, USA]}
  decree: {name: the decree, kind: document, aliases: [decree, directive]}
""", path="rules-test.yaml")
ANALYZER = TextAnalyzer(BANK)


def question(type_: str, prompt: str, qid: str = "q", **fields) -> Question:
    return Question(id=qid, bank=BANK.id, type=type_, prompt=prompt, source="s", **fields)


def profile(type_: str, prompt: str, qid: str = "q", **fields):
    return profile_question(question(type_, prompt, qid, **fields), ANALYZER)


# ---- normalising text ----

@pytest.mark.parametrize("words", [("signed", "signs", "signing", "sign"),
                                   ("ratified", "ratifying", "ratification", "ratify"),
                                   ("verdicts", "verdict")])
def test_stem_joins_forms_of_a_word(words: tuple[str, ...]) -> None:
    assert len({stem(w) for w in words}) == 1


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 999))
def test_numbers_in_digits_and_words_are_one_token(n: int) -> None:
    token = f"num:{n}"
    assert token in ANALYZER.tokens(f"There were {n} verdicts.")
    assert token in ANALYZER.tokens(f"There were {spelled(n)} verdicts.")
    assert token in ANALYZER.tokens(f"There were {spelled(n).capitalize()} verdicts.")


@pytest.mark.parametrize("text", ["$1 billion", "1,000,000,000 dollars", "one billion dollars",
                                  "a billion dollars", "1000000000"])
def test_large_numbers_in_any_spelling(text: str) -> None:
    assert "num:1000000000" in ANALYZER.tokens(f"It cost {text}.")


DATE_FORMATS = ["{d} {B} {Y}", "{B} {d}, {Y}", "{Y}-{m:02d}-{d:02d}", "{b}. {d}, {Y}", "{d}th of {B} {Y}"]


@settings(max_examples=60, deadline=None)
@given(st.dates(datetime.date(1900, 1, 1), datetime.date(2099, 12, 31)), st.sampled_from(DATE_FORMATS),
       st.sampled_from(DATE_FORMATS))
def test_dates_in_any_format_are_the_same_tokens(day: datetime.date, one: str, other: str) -> None:
    def fmt(pattern: str) -> str:
        return pattern.format(d=day.day, m=day.month, Y=day.year, B=day.strftime("%B"), b=day.strftime("%b"))

    full = f"date:{day.year}-{day.month:02d}-{day.day:02d}"
    a, b = ANALYZER.tokens(f"It happened on {fmt(one)}."), ANALYZER.tokens(f"It happened on {fmt(other)}.")
    assert full in a and full in b
    assert {f"date:{day.year}", f"date:{day.year}-{day.month:02d}"} <= a  # a day states its month and year
    month = ANALYZER.tokens(f"It happened in {day.strftime('%B')} {day.year}.")
    assert f"date:{day.year}-{day.month:02d}" in month and full not in month


def test_names_aliases_and_surnames_are_one_token() -> None:
    for text in ("Vladimir Putin", "Putin", "President Putin"):
        assert "ent:putin" in ANALYZER.tokens(text)
    assert "ent:us" in ANALYZER.tokens("the US and the CIA")
    assert "ent:us" not in ANALYZER.tokens("let us see")  # an all-capitals alias is matched as written
    assert "ent:decree" in ANALYZER.tokens("a directive")


# ---- the rules ----

@given(st.frozensets(st.sampled_from("abcdef")), st.frozensets(st.sampled_from("abcdef")))
def test_shares_fact_is_symmetric_and_means_a_common_fact(a: frozenset, b: frozenset) -> None:
    pa = profile("short_answer", "X?", "a", answers=("y",), facts=tuple(sorted(a)))
    pb = profile("short_answer", "Z?", "b", answers=("w",), facts=tuple(sorted(b)))
    assert shares_fact(pa, pb) == shares_fact(pb, pa) == bool(a & b)


WORDS = ["court", "treaty", "verdict", "budget", "crimea", "report", "signature", "member", "vote",
         "sanction", "prosecutor", "withdrawal", "ministry", "statute", "justice", "conflict"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=3, max_size=8, unique=True),
       st.lists(st.sampled_from(WORDS), min_size=3, max_size=8, unique=True))
def test_near_duplicate_is_symmetric_and_catches_rewordings(one: list[str], two: list[str]) -> None:
    a = profile("short_answer", "What about the " + " ".join(one) + "?", "a", answers=("x",))
    b = profile("short_answer", "What about the " + " ".join(two) + "?", "b", answers=("x",))
    assert near_duplicate(a, b) == near_duplicate(b, a)
    same = profile("short_answer", "Which " + " and ".join(reversed(one)) + "?", "c", answers=("x",))
    assert near_duplicate(a, same)  # the same words in another order and other function words
    if not set(one) & set(two):
        assert not near_duplicate(a, b)


FIRST = ["Anna", "Boris", "Chiara", "Dmitri", "Elena", "Fatou", "Goran", "Hana"]
LAST = ["Kowalski", "Mendoza", "Okafor", "Petrov", "Quispe", "Rahimi", "Sato", "Tanaka"]
ACTS = [("signed", "the treaty"), ("vetoed", "the resolution"), ("drafted", "the report"),
        ("announced", "the sanctions"), ("approved", "the budget")]


def person_bank(first: str, last: str) -> TextAnalyzer:
    bank = load_bank_text(f"""\
bank: people
title: People
sources:
  s: {{title: Report, publisher: News}}
entities:
  p: {{name: {first} {last}, kind: person}}
  other: {{name: Someone Else, kind: person}}
""", path="people.yaml")
    return TextAnalyzer(bank)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(FIRST), st.sampled_from(LAST), st.sampled_from(ACTS), st.sampled_from(ACTS))
def test_a_name_is_given_away_by_a_passage_that_states_the_act(first, last, act, other_act) -> None:
    analyzer = person_bank(first, last)
    verb, thing = act
    who = profile_question(question("short_answer", f"Who {verb} {thing}?", "who", answers=(f"{first} {last}",)),
                           analyzer)

    def giver(type_: str, text: str, **fields):
        return profile_question(question(type_, text, "giver", **fields), analyzer)

    # "the decree signed by Putin" versus "Who signed the decree?": surname, passive voice, true statement
    assert gives_away(giver("true_false", f"{thing.capitalize()} was {verb} by {last}.", truth=True), who)
    assert gives_away(giver("multiple_choice", f"Why did {first} {last} say {thing} was {verb}?",
                            answers=("x",), distractors=("y", "z")), who)
    # a statement counts whether it is true or false: a false one is true but for one part, which a
    # student cannot tell, and a wrong name printed next to "Who ...?" misleads as much as a right one helps
    assert gives_away(giver("true_false", f"{first} {last} {verb} {thing}.", truth=False), who)
    assert gives_away(giver("true_false", f"{first} {last} {verb} {thing}.", truth=True), who)
    # naming the person in another role gives nothing away
    assert not gives_away(giver("true_false", f"{first} {last} is a member of the committee.", truth=True), who)
    if other_act[1] != thing and other_act[0] != verb:
        assert not gives_away(giver("true_false", f"{last} {other_act[0]} {other_act[1]}.", truth=True), who)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 999), st.booleans(), st.integers(1, 50))
def test_a_number_is_given_away_in_any_spelling(n: int, in_words: bool, shift: int) -> None:
    receiver = profile("numeric", "How many verdicts had the court passed?", "n", number=float(n))
    said = spelled(n) if in_words else f"{n:,}"
    assert gives_away(profile("true_false", f"The court had passed {said} verdicts.", "g", truth=True), receiver)
    assert not gives_away(profile("true_false", f"The court had passed {n + shift} verdicts.", "g", truth=True),
                          receiver)
    assert not gives_away(profile("true_false", f"The ministry employs {said} people.", "g", truth=True), receiver)


@settings(max_examples=60, deadline=None)
@given(st.dates(datetime.date(1950, 1, 1), datetime.date(2049, 12, 28)), st.sampled_from(DATE_FORMATS),
       st.sampled_from(DATE_FORMATS))
def test_a_date_is_given_away_in_any_format(day: datetime.date, asked: str, told: str) -> None:
    def fmt(pattern: str, d: datetime.date) -> str:
        return pattern.format(d=d.day, m=d.month, Y=d.year, B=d.strftime("%B"), b=d.strftime("%b"))

    receiver = profile("multiple_choice", "When did the committee approve the resolution?", "d",
                       answers=(fmt(asked, day),), distractors=("never", "later"))
    assert gives_away(profile("true_false", f"On {fmt(told, day)} the committee approved the resolution.", "g",
                              truth=True), receiver)
    year = profile("numeric", "In what year did the committee approve the resolution?", "y", number=float(day.year))
    assert gives_away(profile("true_false", f"On {fmt(told, day)} the committee approved the resolution.", "g",
                              truth=True), year)
    other = day + datetime.timedelta(days=3)
    assert not gives_away(profile("true_false", f"On {fmt(told, other)} the committee approved the resolution.",
                                  "g", truth=True), receiver)


def test_a_phrase_is_given_away_and_options_count() -> None:
    receiver = profile("multiple_choice", "According to Peskov, the withdrawal was based purely on what?", "r",
                       answers=("national interests",), distractors=("a vote", "the budget"))
    assert gives_away(profile("cloze", "Peskov said the withdrawal was done purely on national [[interests]].",
                              "g", blanks=()), receiver) is False  # the blank is not printed
    assert gives_away(profile("ordering", "Order these.", "g",
                              items=("The withdrawal was done purely on national interests", "b", "c")), receiver)
    # an option is printed too: recognition gives recall away
    recall = profile("short_answer", "Name the Kremlin spokesman.", "r2", answers=("Dmitry Peskov",))
    assert gives_away(profile("multiple_choice", "Who is the Kremlin spokesman?", "g2",
                              answers=("Dmitry Peskov",), distractors=("Vladimir Putin", "someone")), recall)
    assert not gives_away(profile("multiple_choice", "Who signed the decree?", "g3",
                                  answers=("Vladimir Putin",), distractors=("Dmitry Peskov", "someone")), recall)


def test_a_matching_pair_stated_elsewhere_is_a_giveaway() -> None:
    matching = profile("matching", "Match each person to their role.", "m",
                       pairs=(("Dmitry Peskov", "Kremlin spokesman"), ("Vladimir Putin", "President of Russia"),
                              ("Someone", "Something")))
    assert gives_away(profile("short_answer", "What did Kremlin spokesman Dmitry Peskov say?", "g",
                              answers=("x",)), matching)
    assert not gives_away(profile("short_answer", "Name the Kremlin spokesman.", "g", answers=("Dmitry Peskov",)),
                          matching)  # its answer is not printed


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(FIRST), st.sampled_from(LAST), st.sampled_from(ACTS), st.sampled_from(ACTS))
def test_a_matching_pair_is_read_as_one_passage(first, last, act, other_act) -> None:
    """The two sides of a pair together state what neither side states alone."""
    analyzer = person_bank(first, last)
    verb, thing = act
    who = profile_question(question("short_answer", f"Who {verb} {thing}?", "who", answers=(f"{first} {last}",)),
                           analyzer)

    def matching(*pairs: tuple[str, str]):
        return profile_question(question("matching", "Match each name to its part in the story.", "m",
                                         pairs=pairs + (("Someone Else", "A bystander"),)), analyzer)

    assert gives_away(matching((f"{first} {last}", f"The one who {verb} {thing}")), who)
    # the act on one line and the name on another tell nothing
    assert not gives_away(matching((f"{first} {last}", "A member of the committee"),
                                   ("Someone Else", f"The one who {verb} {thing}")), who)
    if other_act[1] != thing and other_act[0] != verb:
        assert not gives_away(matching((f"{first} {last}", f"The one who {other_act[0]} {other_act[1]}")), who)


TREATY_WORDS = ["Lisbon", "Vienna", "Ottawa", "Kyoto", "Hague", "Montreal", "Geneva", "Oslo"]
TREATY_KINDS = ["Statute", "Accord", "Protocol", "Convention", "Charter"]


def treaty_bank(name: str) -> TextAnalyzer:
    return TextAnalyzer(load_bank_text(f"""\
bank: treaty
title: Treaty
sources:
  s: {{title: Report, publisher: News}}
entities:
  treaty: {{name: {name}, kind: document}}
  land: {{name: Ruritania, kind: country}}
  court: {{name: World Court, kind: organization}}
""", path="treaty.yaml"))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(TREATY_WORDS), st.sampled_from(TREATY_KINDS), st.sampled_from(TREATY_WORDS))
def test_a_distinctive_name_stated_on_the_same_topic_gives_its_question_away(place, kind, elsewhere) -> None:
    """"Rome Statute" (one name, one shared word at most) was not a giveaway; now a distinctive name
    stated verbatim gives away the question it answers when the passage is about the same act:
    one telling word of the prompt, or two frequent ones that are not attributions."""
    from quizgen.quizrules import distinctive_name, names_the_answer
    name = f"{place} {kind}"
    analyzer = treaty_bank(name)
    asked = profile_question(question("short_answer", "Ruritania signed the treaty that set up the World Court "
                                      "but never ratified it. What is that treaty called?", "t",
                                      answers=(name,)), analyzer)
    form = asked.answers[0][0]
    common = frozenset({"ent:land", "ent:court"})  # the bank's main actors, in most of its prompts
    attribution = frozenset({"report", "ent:news"})

    def passage(text: str) -> frozenset[str]:
        return analyzer.tokens(text)

    assert distinctive_name(form, common)
    assert not distinctive_name(form, common | {"ent:treaty"})  # a name every question uses tells nothing
    # one telling word of the prompt ("signature" is a form of "signed")
    assert names_the_answer(passage(f"Withdrawing its signature from the {name} showed Ruritania's intent."),
                            form, common, attribution)
    # two frequent words, not attributions: the same story
    assert names_the_answer(passage(f"Ruritania never left the World Court: it was not a party to the {name}."),
                            form, common, attribution)
    # the name alone, in another story, or attributed only, gives nothing away
    assert not names_the_answer(passage(f"The {name} library opened in spring."), form, common, attribution)
    assert not names_the_answer(passage(f"The News report quotes the {name}."), form, common,
                                attribution | common)
    # the same story without the name gives nothing away, nor does another treaty's name
    assert not names_the_answer(passage("Withdrawing its signature showed Ruritania's intent."), form, common,
                                attribution)
    if elsewhere != place:
        assert not names_the_answer(passage(f"Withdrawing its signature from the {elsewhere} Pact showed intent."),
                                    form, common, attribution)
    # and gives_away, which the sheet uses, agrees
    giver = profile_question(question("true_false", f"Ruritania withdrew its signature from the {name}.", "g",
                                      truth=True), analyzer)
    assert gives_away(giver, asked, common, attribution)


@pytest.mark.parametrize("words", [("signed", "signature", "signatory"), ("withdrew", "withdrawal", "withdraws")])
def test_irregular_forms_of_an_act_are_one_stem(words: tuple[str, ...]) -> None:
    assert len({stem(w) for w in words}) == 1


# ---- spread and letters ----

@given(st.integers(1, 60), st.lists(st.sampled_from(QUESTION_TYPES), min_size=1, unique=True))
def test_default_targets_add_up_and_keep_a_type_to_about_a_third(count: int, types: list[str]) -> None:
    targets = default_targets(count, types)
    assert sum(targets.values()) == count
    assert set(targets) <= set(types)
    cap = type_cap(count, len(types))
    assert cap is not None and all(n <= cap for n in targets.values())
    if len(types) >= 3:
        assert max(targets.values()) <= math.ceil(count / 3) + 1


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10**6), st.lists(st.integers(3, 5), min_size=1, max_size=40))
def test_letter_balancer_balances_and_never_runs_long(seed: int, option_counts: list[int]) -> None:
    balancer = LetterBalancer(random.Random(seed))
    positions = [balancer.position(n) for n in option_counts]
    assert all(0 <= p < n for p, n in zip(positions, option_counts))
    for i in range(len(positions) - MAX_RUN):
        assert len(set(positions[i:i + MAX_RUN + 1])) > 1, positions
    shared = [positions.count(p) for p in range(min(option_counts))]  # letters every question has
    assert max(shared) - min(shared) <= 2, positions
    assume(len(set(option_counts)) == 1)
    counts = [positions.count(p) for p in range(option_counts[0])]
    assert max(counts) - min(counts) <= 1


@given(st.sampled_from(["hand", "template"]), st.frozensets(st.sampled_from("abcd")),
       st.frozensets(st.sampled_from("abcd")))
def test_tier_puts_a_generated_question_after_hand_written_ones_on_its_fact(origin, facts, hand_facts) -> None:
    q = question("short_answer", "X?", answers=("y",), origin=origin, facts=tuple(sorted(facts)))
    expected = 1 if origin == "template" and facts & hand_facts else 0
    assert tier(q, frozenset(hand_facts)) == expected


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(QUESTION_TYPES), st.integers(0, 8)),
       st.lists(st.sampled_from(QUESTION_TYPES), min_size=1, unique=True), st.integers(0, 10**6),
       st.one_of(st.none(), st.integers(1, 8)))
def test_next_type_is_the_one_the_sheet_is_shortest_of(chosen, open_types, seed, cap) -> None:
    kind = next_type(chosen, open_types, random.Random(seed), cap)
    allowed = [t for t in open_types if cap is None or chosen.get(t, 0) < cap]
    if not allowed:
        assert kind is None
        return
    assert kind in allowed
    share = {t: (chosen.get(t, 0) + 1) / DEFAULT_TYPE_WEIGHTS[t] for t in allowed}
    assert share[kind] == min(share.values())


def test_balance_score_prefers_the_source_and_tags_the_sheet_has_fewer_of() -> None:
    a = question("short_answer", "X?", answers=("y",), tags=("crimea",))
    b = question("short_answer", "X?", answers=("y",), tags=("budget",))
    assert balance_score(a, {"s": 1}, {"crimea": 3}) < balance_score(b, {"s": 1}, {"crimea": 3})


# ---- variety: templates and tags ----

TAGS = ["crimea", "ratification", "critics", "compare", "background"]


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.none(), st.sampled_from(["definition-cloze", "role-name"])),
       st.lists(st.sampled_from(TAGS), max_size=3, unique=True),
       st.dictionaries(st.sampled_from(["definition-cloze", "role-name", "claim-true"]), st.integers(0, 3)),
       st.dictionaries(st.sampled_from(TAGS), st.integers(0, 5)))
def test_repetition_counts_the_same_template_and_a_piled_up_tag(template, tags, templates, tag_counts) -> None:
    from quizgen.quizrules import TAG_PILE, repetition
    q = question("cloze", "The term [[x]] means y.", tags=tuple(tags), template=template)
    r = repetition(q, templates, tag_counts)
    fresh = {t: min(n, TAG_PILE - 1) for t, n in tag_counts.items()}
    # nothing repeated: no cost; each question of its template already chosen costs one
    assert repetition(q, {}, fresh) == 0
    assert repetition(q, templates, fresh) == (templates.get(template, 0) if template else 0)
    # one more question on one of its tags, or of its template, always costs more; on another tag, nothing
    for t in tags:
        assert repetition(q, templates, {**tag_counts, t: max(tag_counts.get(t, 0), TAG_PILE - 1) + 1}) > \
            repetition(q, templates, {**tag_counts, t: max(tag_counts.get(t, 0), TAG_PILE - 1)})
    if template:
        assert repetition(q, {**templates, template: templates.get(template, 0) + 1}, tag_counts) == r + 1
    others = [t for t in TAGS if t not in tags]
    if others:
        assert repetition(q, templates, {**tag_counts, others[0]: tag_counts.get(others[0], 0) + 4}) == r


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(["a", "b"])),
                          st.lists(st.sampled_from(TAGS), max_size=3, unique=True)), min_size=1, max_size=12),
       st.randoms(use_true_random=False))
def test_pile_is_the_most_of_one_template_then_tag_counts_largest_first(specs, rnd) -> None:
    from quizgen.quizrules import pile
    sheet = [question("cloze", "x", f"q{i}", template=t, tags=tuple(tags)) for i, (t, tags) in enumerate(specs)]
    most, counts = pile(sheet)
    assert most == max([sum(1 for q in sheet if q.template == t) for t in ("a", "b")])
    assert sorted(counts, reverse=True) == list(counts) and sum(counts) == sum(len(q.tags) for q in sheet)
    shuffled = list(sheet)
    rnd.shuffle(shuffled)
    assert pile(shuffled) == (most, counts)  # the order of a sheet does not matter
    extra = question("cloze", "x", "extra", template="a", tags=tuple(TAGS[:1]))
    assert pile(sheet + [extra]) > (most, counts)  # one more question never makes a sheet more varied
