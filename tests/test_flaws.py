"""The item-writing-flaw checker (quizgen/flaws.py): every rule fails a flawed question
and passes a sound one; hand-written questions get §11.4 warnings, generated ones are
not generated, and --strict turns warnings into exit 1."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from quizgen.banks import load_bank_text
from quizgen.cli import app
from quizgen.flaws import RULE_TYPES, RULES, FlawContext, amount, check_questions, find_flaws, rules_for
from quizgen.generate import expand_bank
from quizgen.model import QUESTION_TYPES, Question

BANK = """\
bank: flaws-test
title: Flaw test bank
sources:
  alpha: {title: Alpha Report, publisher: Alpha News, date: "2016-11-21"}
entities:
  putin: {name: Vladimir Putin, kind: person, group: officials}
  peskov: {name: Dmitry Peskov, kind: person, group: officials}
  lavrov: {name: Sergei Lavrov, kind: person, group: officials}
  zakharova: {name: Maria Zakharova, kind: person, group: officials}
  bensouda: {name: Fatou Bensouda, kind: person, group: officials}
  russia: {name: Russia, kind: country}
  ukraine: {name: Ukraine, kind: country}
  syria: {name: Syria, kind: country}
  germany: {name: Germany, kind: country}
  france: {name: France, kind: country}
facts:
  - id: legitimate-vote
    kind: claim
    who: russia
    claim: the referendum in Crimea was a legitimate popular vote
    also_true: {who: [syria]}
    source: alpha
  - id: one-billion
    kind: quantity
    what: the amount spent on the court
    value: 1000000000
    unit: US dollars
    claimed_by: putin
    tolerance: 300000000
    source: alpha
"""


def mc(prompt: str, answer: str, distractors: list[str], facts: tuple[str, ...] = (), select_all=False) -> Question:
    answers = tuple(answer.split("|")) if select_all else (answer,)
    return Question(id="q", bank="flaws-test", type="multiple_choice", prompt=prompt, source="alpha",
                    answers=answers, distractors=tuple(distractors), select_all=select_all, facts=facts)


def tf(statement: str) -> Question:
    return Question(id="q", bank="flaws-test", type="true_false", prompt=statement, source="alpha", truth=True)


@pytest.fixture(scope="module")
def ctx() -> FlawContext:
    return FlawContext.of(load_bank_text(BANK, path="flaws.yaml"))


# rule -> (a question that breaks it, a sound question)
EXAMPLES = {
    "answer-length-cue": (
        mc("Why did Russia withdraw, according to Peskov?", "purely on national interests and nothing else at all",
           ["costs", "bias", "pressure"]),
        mc("Why did Russia withdraw, according to Peskov?", "national interests",
           ["the court's costs", "the court's bias", "African pressure"])),
    "all-or-none-of-the-above": (
        mc("Who signed the decree?", "Vladimir Putin", ["Dmitry Peskov", "Sergei Lavrov", "None of the above"]),
        mc("Who signed the decree?", "Vladimir Putin", ["Dmitry Peskov", "Sergei Lavrov", "Maria Zakharova"])),
    "article-agreement": (
        mc("Russia had signed the statute but never ratified it, so it was an", "observer state",
           ["signatory only", "former member", "outsider"]),
        mc("What was Russia's status at the court?", "a signatory but not a party",
           ["a full member state", "a founding member", "a suspended member"])),
    "number-agreement": (
        mc("What did the ministry call the court?", "biased judges",
           ["a costly body", "an unfair tribunal", "a weak institution"]),
        mc("What did the ministry call the court?", "a biased body",
           ["a costly body", "an unfair tribunal", "a weak institution"])),
    "negative-stem": (
        mc("Which of these is not a crime the ICC tries?", "tax fraud", ["genocide", "war crimes", "aggression"]),
        mc("Which of these is NOT a crime the ICC tries?", "tax fraud", ["genocide", "war crimes", "aggression"])),
    "key-word-in-stem": (
        mc("Which body condemned the occupation of Crimea in a resolution?", "a committee that condemned it",
           ["the Security Council", "the Human Rights Council", "the European Court"]),
        mc("Which body condemned the occupation of Crimea in a resolution?", "the Third Committee",
           ["the Security Council", "the Human Rights Council", "the European Court"])),
    "absolute-words": (
        tf("Russia never accepted the jurisdiction of the court."),
        tf("Russia called the court \u201conly\u201d a burden.")),
    "duplicate-options": (
        mc("Which body approved the resolution?", "Third Committee",
           ["UN General Assembly", "Third Committee of the UN General Assembly", "Security Council"]),
        mc("Which body approved the resolution?", "Third Committee",
           ["Human Rights Council", "General Committee", "Security Council"])),
    "distractor-stated-true": (
        mc("Which country claimed that the referendum in Crimea was a legitimate popular vote?", "Russia",
           ["Syria", "Germany", "France"], facts=("legitimate-vote",)),
        mc("Which country claimed that the referendum in Crimea was a legitimate popular vote?", "Russia",
           ["Ukraine", "Germany", "France"], facts=("legitimate-vote",))),
    "numeric-distractor-within-tolerance": (
        mc("How much was spent on the court?", "1 billion US dollars",
           ["1.2 billion US dollars", "2 billion US dollars", "500 million US dollars"], facts=("one-billion",)),
        mc("How much was spent on the court?", "1 billion US dollars",
           ["400 million US dollars", "2 billion US dollars", "5 billion US dollars"], facts=("one-billion",))),
}


def test_every_rule_has_an_example() -> None:
    assert sorted(EXAMPLES) == sorted(RULES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_rule_fails_a_flawed_question_and_passes_a_sound_one(name: str, ctx: FlawContext) -> None:
    flawed, sound = EXAMPLES[name]
    message = RULES[name](flawed, ctx)
    assert message and "; " in message, f"{name} let a flawed question pass"  # what is wrong; how to fix it
    assert RULES[name](sound, ctx) is None, f"{name}: {RULES[name](sound, ctx)}"


def test_sound_examples_pass_every_rule(ctx: FlawContext) -> None:
    for name, (_, sound) in EXAMPLES.items():
        assert find_flaws(sound, ctx) == [], name


def test_amount_reads_numbers_not_dates() -> None:
    assert amount("1 billion US dollars") == 1e9
    assert amount("$1,000") == 1000
    assert amount("14 years") == 14
    assert amount("17 July 1998") is None
    assert amount("national interests") is None


CATCH_ALL_QUESTION = """\
questions:
  - id: catch-all
    type: multiple_choice
    prompt: Who signed the decree?
    answer: Vladimir Putin
    distractors: [Dmitry Peskov, Sergei Lavrov, All of the above]
    source: alpha
"""


def test_hand_written_flaws_are_section_11_4_warnings() -> None:
    text = BANK + CATCH_ALL_QUESTION
    bank = load_bank_text(text, path="flaws.yaml")
    line = bank.questions[0].ref.line
    assert check_questions(bank, bank.questions) == [
        f"flaws.yaml:{line}: warning: question catch-all: option 'All of the above' is a catch-all; replace it "
        "with a plausible wrong answer [all-or-none-of-the-above]"]


def test_generated_questions_that_break_a_rule_are_not_generated() -> None:
    text = BANK + """\
  - id: peskov-never
    kind: quote
    who: peskov
    said: Russia would never ratify the statute
    source: alpha
"""
    result = expand_bank(load_bank_text(text, path="flaws.yaml"))
    made = {q.id for q in result.questions}
    assert "peskov-never.quote-true" not in made and "peskov-never.quote-false-who" not in made
    assert any("template 'quote-true' not used: item-writing flaw [absolute-words]" in n for n in result.notes)


# -- --strict ----------------------------------------------------------------------------

FLAWED = BANK + """\
questions:
  - id: negative
    type: multiple_choice
    prompt: Which of these is not a crime the ICC tries?
    answer: tax fraud
    distractors: [genocide, war crimes, aggression]
    source: alpha
"""


@pytest.fixture()
def flawed_bank(tmp_path: Path) -> Path:
    path = tmp_path / "flawed.yaml"
    path.write_text(FLAWED, encoding="utf-8")
    return path


def test_validate_warns_and_strict_exits_1(flawed_bank: Path) -> None:
    runner = CliRunner()
    plain = runner.invoke(app, ["validate", str(flawed_bank)])
    assert plain.exit_code == 0
    line = FLAWED.splitlines().index("  - id: negative") + 1
    assert (f"{flawed_bank}:{line}: warning: question negative: the stem is negative ('not') and the word is "
            "not emphasised") in plain.stderr
    strict = runner.invoke(app, ["validate", "--strict", str(flawed_bank)])
    assert strict.exit_code == 1
    assert strict.stderr.strip().endswith("Aborted: 1 warning and --strict")


def test_build_strict_writes_nothing(flawed_bank: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", "--strict", str(flawed_bank), "--out", str(out)])
    assert result.exit_code == 1
    assert "1 warning and --strict, so nothing was written" in result.stderr
    assert "question negative: the stem is negative" in result.stderr
    assert not out.exists()
    result = CliRunner().invoke(app, ["build", str(flawed_bank), "--out", str(out), "--format", "key"])
    assert result.exit_code == 0 and (out / "flaws-test-answer-key.pdf").exists()


def test_default_bank_passes_strict() -> None:
    result = CliRunner().invoke(app, ["validate", "--strict"])
    assert result.exit_code == 0, result.stderr


# -- the checker runs each rule only on the types it declares, with cheap tests first ----------

# words that trip the rules, with the case, quote and Unicode forms their cheap pre-tests must handle
FLAW_WORDS = ("not NOT Not except EXCEPT always ALWAYS never all None none of the above options an a the "
              "FBI hour union observer cats \u2018quoted\u2019 \u201csaid not\u201d \"never\" that: ? . "
              "1 billion 2 million $5 1,000 US dollars Putin Peskov \u0130nvariably \u0131nvariably "
              "Putin\u2019s don\u2019t nobody's everything entirely to ratify Russia Syria").split()
texts = st.lists(st.sampled_from(FLAW_WORDS), max_size=10).map(" ".join)
options = st.lists(texts.filter(str.strip), min_size=1, max_size=5)


@st.composite
def questions(draw) -> Question:
    kind = draw(st.sampled_from(QUESTION_TYPES))
    prompt = draw(texts)
    if kind == "multiple_choice":
        answers, distractors = draw(options), draw(options)
        return Question(id="q", bank="flaws-test", type=kind, prompt=prompt, source="alpha",
                        answers=tuple(answers), distractors=tuple(distractors), select_all=len(answers) > 1,
                        facts=tuple(draw(st.sets(st.sampled_from(("legitimate-vote", "one-billion"))))))
    return Question(id="q", bank="flaws-test", type=kind, prompt=prompt, source="alpha",
                    answers=(draw(texts),) if kind == "short_answer" else (), truth=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=questions())
def test_rules_keyed_by_type_find_what_every_rule_finds(q: Question, ctx: FlawContext) -> None:
    """find_flaws runs only the rules declared for the question's type; running every rule finds
    the same flaws in the same order (fails when a rule's declared types leave out one it checks)."""
    everything = [(name, message) for name, function in RULES.items() if (message := function(q, ctx))]
    assert find_flaws(q, ctx) == everything
    assert find_flaws(q, ctx, rules=list(RULES)) == everything
    assert [name for name, _ in rules_for(q.type)] == [n for n in RULES if RULE_TYPES[n] is None
                                                        or q.type in RULE_TYPES[n]]


@given(statement=texts)
def test_absolute_words_finds_the_first_listed_word_the_statement_uses(statement: str) -> None:
    """One search for all the words (after a cheap substring test) answers as a search per word
    in the list's order would, whatever the case ("\u0130nvariably" is "invariably" ignoring case)."""
    from quizgen.flaws import ABSOLUTE_WORDS, _unquoted

    text = _unquoted(statement)
    first = next((w for w in ABSOLUTE_WORDS if re.search(rf"(?<!\w){w}(?!\w)", text, re.IGNORECASE)), None)
    message = RULES["absolute-words"](tf(statement), FlawContext())
    assert message == (None if first is None else f"the statement uses the absolute word {first!r}; state the "
                       "point without it, or quote it if it is the source's word")


def test_flaw_checks_of_a_bank_without_facts_need_no_distractors() -> None:
    """Checking hand-written questions of a bank without facts builds no SlotTruth (and so
    does not import quizgen.distractors); a bank with facts gets one."""
    text = BANK.split("facts:")[0] + CATCH_ALL_QUESTION
    bank = load_bank_text(text, path="flaws.yaml")
    assert FlawContext.of(bank).truth is None and FlawContext.of(load_bank_text(BANK)).truth is not None
    assert [w.split(" [")[1] for w in check_questions(bank, bank.questions)] == ["all-or-none-of-the-above]"]
