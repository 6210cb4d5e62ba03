"""Findings of the teacher's read-through of the default bank's printed output (QA pass):
each test fails on the behaviour a teacher would have been embarrassed by."""
from __future__ import annotations

import pytest

from quizgen.generate import generate_with_notes, load_templates
from quizgen.banks import load_bank_text

TRANSLATED_QUOTE = """\
bank: qa-translated
title: A translated quote
sources:
  alpha: {title: Alpha Report, publisher: Alpha News, date: "2016-11-21"}
entities:
  ministry: {name: Russian Foreign Ministry, kind: organization}
facts:
  - id: ministry-hopes
    kind: quote
    who: ministry
    said: The court has unfortunately failed to match the hopes one had
    verbatim: true
    translated: true
    key: the hopes
    source: alpha
"""


def test_a_translated_quote_blanked_out_still_says_whose_english_version_it_is() -> None:
    """The cloze of a translated quote printed one outlet's English version as the speaker's
    exact words; the true/false statement and the explanation already said whose it was."""
    bank = load_bank_text(TRANSLATED_QUOTE, path="qa.yaml")
    questions = {q.id: q for q in generate_with_notes(bank, load_templates(None, True), choose=False).questions}
    cloze = questions["ministry-hopes.quote-cloze"]
    assert cloze.prompt == ("The Russian Foreign Ministry said, in the English version quoted by Alpha News: "
                            "“The court has unfortunately failed to match [[the hopes]] one had.”")
    assert "in the English version quoted by Alpha News" in questions["ministry-hopes.quote-true"].prompt


MATCHING_BANK = load_bank_text("""\
bank: qa-matching
title: Matching gives away
sources:
  s: {title: Report, publisher: News}
entities:
  putin: {name: Vladimir Putin, kind: person, aliases: [Putin]}
  peskov: {name: Dmitry Peskov, kind: person, aliases: [Peskov]}
  magazine: {name: Foreign Policy, kind: organization}
""", path="qa-matching.yaml")


def _profile(type_: str, prompt: str, qid: str, **fields):
    from quizgen.model import Question
    from quizgen.quizrules import TextAnalyzer, profile_question
    return profile_question(Question(id=qid, bank=MATCHING_BANK.id, type=type_, prompt=prompt, source="s", **fields),
                            TextAnalyzer(MATCHING_BANK))


def test_a_matching_pair_gives_away_the_question_it_answers() -> None:
    """Seed 2016's sheet printed "Which Russian president signed the decree?" (Putin) beside a
    matching question pairing "Vladimir Putin" with "Russian president who signed the
    directive", and seed 42's "Which magazine does the article quote on the prosecutor's
    report?" beside "Foreign Policy" / "Magazine quoted on the prosecutor's report": the
    two sides of a pair were looked at only one at a time."""
    from quizgen.quizrules import gives_away
    matching = _profile("matching", "Match each name in the article to its role in the story.", "m",
                        pairs=(("Vladimir Putin", "Russian president who signed the directive"),
                               ("Dmitry Peskov", "Kremlin spokesman quoted on the decree"),
                               ("Foreign Policy", "Magazine quoted on the prosecutor’s report")))
    who_signed = _profile("short_answer", "Which Russian president signed the November 2016 decree?", "w",
                          answers=("Vladimir Putin",))
    magazine = _profile("short_answer", "Which magazine does the article quote on the prosecutor’s report?", "f",
                        answers=("Foreign Policy",))
    assert gives_away(matching, who_signed)
    assert gives_away(matching, magazine)
    # a pair about something else gives nothing away
    roles = _profile("matching", "Match each person to their role.", "r",
                     pairs=(("Vladimir Putin", "President of Russia"), ("Dmitry Peskov", "Kremlin spokesman")))
    assert not gives_away(roles, _profile("short_answer", "Who signed the decree?", "s", answers=("Vladimir Putin",)))


def test_a_build_without_generated_questions_retires_none_of_them(default_bank_dir, tmp_path) -> None:
    """`quizgen build --no-generated` ("hand-written questions only") marked every generated
    question of the deck "Withdrawn" (33 in the default bank), and the next plain build
    brought them back as 33 updates: students would have seen the banner come and go."""
    from quizgen.exporters import ExportOptions
    from quizgen.pipeline import BuildConfig, build
    build(BuildConfig(paths=(str(default_bank_dir),), out=tmp_path / "a", formats=("anki",),
                      options=ExportOptions(now=1_700_000_000)))
    report = build(BuildConfig(paths=(str(default_bank_dir),), out=tmp_path / "b", formats=("anki",),
                               include_generated=False, options=ExportOptions(now=1_700_086_400)))
    assert report.manifest[0]["changes"]["retired"] == []
    again = build(BuildConfig(paths=(str(default_bank_dir),), out=tmp_path / "c", formats=("anki",),
                              options=ExportOptions(now=1_700_172_800)))
    assert again.manifest[0]["changes"] == {"new": [], "updated": [], "retired": []}


# Pairs of the default bank that a teacher's read-through found on one printed sheet, where one
# question told the other's answer or both tested the same point (seeds 2016, 7, 42 and 5).
FOUND_ON_ONE_SHEET = [
    ("us-trial-fact-check", "afghanistan"),  # "... the CIA would stand trial for war crimes in Afghanistan"
    ("us-cia-decided", "us-trial-fact-check"),  # the same claim, asked twice
    ("case-stages", "us-trial-fact-check"),  # the ordering's stem says the matter was far from trial
    ("antimedia-people", "who-signed"),  # "Vladimir Putin" / "Russian president who signed the directive"
    ("antimedia-people", "foreign-policy-source"),  # "Foreign Policy" / "Magazine quoted on the ... report"
    ("status-before-withdrawal", "treaty-name"),  # "Russia had signed the Rome Statute but never ratified it"
    ("putin-president.role-true", "who-signed"),
    ("compare-decree-directive", "who-signed"),  # "the document President Vladimir Putin signed"
    ("crimean-tatars", "un-committee-resolution"),  # the same resolution
]


@pytest.mark.parametrize("one,other", FOUND_ON_ONE_SHEET)
def test_questions_that_answer_each_other_never_share_a_sheet(one: str, other: str) -> None:
    from conftest import DEFAULT_BANK
    from quizgen.banks import load_bank
    from quizgen.pipeline import bank_questions
    from quizgen.quizrules import TextAnalyzer, common_tokens, conflict, profile_question
    bank = load_bank(DEFAULT_BANK)
    questions, _ = bank_questions(bank)
    analyzer = TextAnalyzer(bank)
    profiles = {q.id: profile_question(q, analyzer) for q in questions}
    common = common_tokens(list(profiles.values()), bank, analyzer)
    assert conflict(profiles[one], profiles[other], common) is not None


# Giveaways a review found after the first rules were merged: a one-name answer ("Rome Statute",
# "Vladimir Putin") stated verbatim in a passage on the same act, which the two-shared-words test
# let through (DESIGN 11.2; see quizrules.names_the_answer).
NAMED_VERBATIM = [
    ("signature-meaning", "treaty-name"),  # "withdrawing its signature from the Rome Statute"
    ("quit-strictly-speaking", "treaty-name"),  # "Russia ... the ICC ... not a party to the Rome Statute"
    ("treaty-steps", "treaty-name"),  # "The state signs the Rome Statute"
    ("who-signed", "treaty-name"),  # "... the decree withdrawing Russia's signature from the Rome Statute"
    ("bias-framing", "who-signed"),  # "Putin withdrew Russia's support of the ICC"
    ("week-in-november", "who-signed"),  # "16 November 2016" / "Putin withdraws Russia's support of the ICC"
]


@pytest.mark.parametrize("giver,receiver", NAMED_VERBATIM)
def test_a_name_stated_verbatim_on_the_same_act_is_a_giveaway(giver: str, receiver: str) -> None:
    from conftest import DEFAULT_BANK
    from quizgen.banks import load_bank
    from quizgen.pipeline import bank_questions
    from quizgen.select import RuleBook
    bank = load_bank(DEFAULT_BANK)
    questions, _ = bank_questions(bank)
    by_id = {q.id: q for q in questions}
    rules = RuleBook(bank, questions)
    assert rules.conflict(by_id[giver], by_id[receiver]) == f"{giver!r} gives away the answer of {receiver!r}"
