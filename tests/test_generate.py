"""Questions generated from facts: templates, distractors, ids, override/disable, the CLI."""
from __future__ import annotations

import random
import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from quizgen.banks import GENERATED_ID_PATTERN, load_bank, load_bank_text, normalize, parse_cloze
from quizgen.cli import app
from quizgen.distractors import CORE_FIELDS, SlotTruth, nearby_numbers, text_key
from quizgen.errors import TemplateError
from quizgen.generate import (
    builtin_templates_dir,
    dedupe_key,
    drop_duplicates,
    expand_bank,
    format_preview,
    generate_with_notes,
    MAX_PER_FACT,
    RECALL_TYPES,
    load_templates,
    preview,
)
from quizgen.model import FACT_KINDS, Question
from quizgen.pipeline import list_questions

from conftest import DEFAULT_BANK, ROOT

HEADER = """\
bank: gen-test
title: Generator test bank
sources:
  alpha: {title: Alpha Report, publisher: Alpha News, date: "2016-11-21"}
  beta: {title: Beta Analysis, publisher: Beta Weekly}
entities:
  putin: {name: Vladimir Putin, kind: person, aliases: [Putin]}
  peskov: {name: Dmitry Peskov, kind: person, aliases: [Peskov]}
  bensouda: {name: Fatou Bensouda, kind: person}
  lavrov: {name: Sergei Lavrov, kind: person}
  ministry: {name: Russian Foreign Ministry, kind: organization}
  icc: {name: International Criminal Court, kind: organization, aliases: [ICC]}
  committee: {name: Third Committee, kind: organization}
  magazine: {name: Foreign Policy, kind: organization}
  russia: {name: Russia, kind: country}
  ukraine: {name: Ukraine, kind: country}
"""

FACTS = """\
facts:
  - id: peskov-interests
    kind: quote
    who: peskov
    said: the withdrawal was done purely on national interests
    key: national interests
    source: alpha
    evidence: done purely on national interests
    tags: [reasons]
  - id: ministry-verdicts
    kind: quantity
    what: the number of verdicts the court had passed in 14 years
    value: 4
    claimed_by: ministry
    source: alpha
  - id: ministry-bias
    kind: claim
    who: ministry
    claim: the court had become biased
    source: alpha
"""


def bank_text(facts: str = FACTS, questions: str = "", extra: str = "") -> str:
    return HEADER + extra + facts + (("questions:\n" + questions) if questions else "")


def bank_of(facts: str = FACTS, questions: str = "", extra: str = "", path: str = "test.yaml"):
    return load_bank_text(bank_text(facts, questions, extra), path=path)


def write_templates(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder


def generated(expansion) -> list:
    return [q for q in expansion.questions if q.origin == "template"]


def candidates(bank, templates_dir=None, builtin: bool = True) -> dict:
    """Every template's question for every fact, before the generator chooses."""
    rendered = generate_with_notes(bank, load_templates(templates_dir, builtin), choose=False)
    return {q.id: q for q in rendered.questions}


# -- the basics -------------------------------------------------------------------------

def test_generated_questions_carry_their_fact() -> None:
    bank = bank_of()
    questions = candidates(bank)
    q = questions["peskov-interests.quote-who"]
    assert q.type == "multiple_choice"
    assert q.prompt == "Who said that the withdrawal was done purely on national interests?"
    assert q.answers == ("Dmitry Peskov",)
    assert set(q.distractors) == {"Vladimir Putin", "Fatou Bensouda", "Sergei Lavrov"}
    assert (q.origin, q.fact, q.template, q.source) == ("template", "peskov-interests", "quote-who", "alpha")
    assert q.evidence == "done purely on national interests" and q.tags == ("reasons",)
    assert q.ref is not None and q.ref.path == "test.yaml" and q.ref.line == bank.facts[0].ref.line
    assert q.explanation == "Dmitry Peskov said that the withdrawal was done purely on national interests."
    cloze = questions["peskov-interests.quote-cloze"]
    assert cloze.prompt == "Dmitry Peskov said that the withdrawal was done purely on [[national interests]]."
    assert [b.answer for b in cloze.blanks] == ["national interests"]


def test_contested_claims_are_attributed() -> None:
    questions = candidates(bank_of())
    assert questions["ministry-verdicts.quantity-value"].prompt.startswith(
        "According to the Russian Foreign Ministry, what was the number of verdicts")
    assert "ministry-bias.claim-cloze" not in questions  # no key: no cloze
    organizations = ("Russian Foreign Ministry", "International Criminal Court", "Third Committee", "Foreign Policy")
    for q in questions.values():
        if q.fact in ("ministry-verdicts", "ministry-bias") and q.template != "claim-who":
            named = "Russian Foreign Ministry" if q.truth is not False else organizations
            assert any(name in q.prompt for name in ([named] if isinstance(named, str) else named)), q.prompt


def test_unattributed_claim_template_is_skipped_with_a_warning(tmp_path: Path) -> None:
    folder = write_templates(tmp_path / "t", {"claim.j2": """
        {% macro claim_bare(fact, type="true_false", truth=true) -%}
        {{ fact.claim }}.
        {%- endmacro %}
    """})
    result = expand_bank(bank_of(), templates_dir=folder, builtin=False)
    assert not generated(result)
    assert any("template 'claim-bare' skipped: the text does not say who makes this contested claim" in w
               for w in result.warnings)


def test_false_statement_swaps_in_a_wrong_value_and_explains() -> None:
    questions = candidates(bank_of())
    false = questions["peskov-interests.quote-false-who"]
    assert false.truth is False
    assert false.explanation == ("False. Dmitry Peskov said that the withdrawal was done purely on "
                                 "national interests.")
    assert false.prompt.endswith(" said that the withdrawal was done purely on national interests.")
    assert not false.prompt.startswith("Dmitry Peskov")
    assert questions["peskov-interests.quote-true"].truth is True


def test_too_few_distractors_skips_with_a_note() -> None:
    header_two_people = HEADER.replace("  bensouda: {name: Fatou Bensouda, kind: person}\n", "") \
                              .replace("  lavrov: {name: Sergei Lavrov, kind: person}\n", "")
    bank = load_bank_text(header_two_people + FACTS, path="few.yaml")
    result = expand_bank(bank)
    ids = {q.id for q in result.questions}
    assert "peskov-interests.quote-who" not in ids
    line = bank.facts[0].ref.line
    assert (f"few.yaml:{line}: fact 'peskov-interests': template 'quote-who' not used: only 1 other person "
            "in the bank for distractors that are not true; expected at least 3") in result.notes
    assert not result.warnings  # not the teacher's mistake: `quizgen generate` says why, validate stays quiet
    assert "peskov-interests.quote-false-who" in candidates(bank)  # one wrong person is enough to swap in


def test_a_value_stated_for_the_same_slot_is_never_a_wrong_option() -> None:
    facts = FACTS + """\
  - id: putin-interests
    kind: quote
    who: putin
    said: The withdrawal was done purely on national  interests.
    source: beta
"""
    result = expand_bank(bank_of(facts))
    bank_questions = {q.id: q for q in result.questions}
    for fact_id in ("peskov-interests", "putin-interests"):
        q = bank_questions.get(f"{fact_id}.quote-who")
        if q is not None:
            assert not {"Vladimir Putin", "Dmitry Peskov"} & set(q.distractors)
        false = bank_questions.get(f"{fact_id}.quote-false-who")
        assert false is None or not re.match(r"(Vladimir Putin|Dmitry Peskov) ", false.prompt)


def test_prompt_that_names_the_answer_is_skipped() -> None:
    facts = """\
facts:
  - id: russia-vote
    kind: claim
    who: russia
    claim: Crimea joined Russia after a popular vote
    source: alpha
"""
    result = expand_bank(bank_of(facts))
    assert "russia-vote.claim-who" not in {q.id for q in result.questions}
    assert any("template 'claim-who' skipped: the prompt contains the answer 'Russia'" in w for w in result.warnings)


def test_matching_and_ordering_are_built_across_facts() -> None:
    facts = """\
facts:
  - {id: e1, kind: event, what: the adoption of the statute, when: "1998-07-17", source: alpha}
  - {id: e2, kind: event, what: the entry into force, when: "2002-07-01", source: alpha}
  - {id: e3, kind: event, what: the annexation, when: "2014-03", source: beta}
  - {id: e4, kind: event, what: a report in the same month, when: "2014-03-20", source: beta}
  - {id: e5, kind: event, what: the decree, when: "2016-11-16", source: alpha}
  - {id: r1, kind: role, who: putin, role: the President of Russia, source: alpha}
  - {id: r2, kind: role, who: peskov, role: the Kremlin spokesman, source: alpha}
  - {id: r3, kind: role, who: bensouda, role: the ICC prosecutor, source: beta}
"""
    questions = {q.id: q for q in generated(expand_bank(bank_of(facts)))}
    order = questions["e1.event-order"]
    assert order.type == "ordering"
    # 2014-03 and 2014-03-20 cannot be told apart: they never share a question
    assert order.items == ("The adoption of the statute", "The entry into force", "The annexation",
                           "The decree")
    assert "e4.event-order" not in questions
    match = questions["r1.role-match"]
    assert match.pairs == (("Vladimir Putin", "The President of Russia"), ("Dmitry Peskov", "The Kremlin spokesman"),
                           ("Fatou Bensouda", "The ICC prosecutor"))
    assert match.prompt == "Match each name with the right role in November 2016."
    assert match.fact == "r1" and match.source == "alpha"
    assert match.points == 3 and order.points == 1  # a matching: one point per pair


def test_an_override_of_a_generated_matching_keeps_one_point_per_pair_unless_it_says_otherwise() -> None:
    facts = """\
facts:
  - {id: r1, kind: role, who: putin, role: the President of Russia, source: alpha}
  - {id: r2, kind: role, who: peskov, role: the Kremlin spokesman, source: alpha}
  - {id: r3, kind: role, who: bensouda, role: the ICC prosecutor, source: beta}
  - {id: r4, kind: role, who: lavrov, role: the Foreign Minister, source: beta}
"""
    assert {q.id: q.points for q in generated(expand_bank(bank_of(facts)))}["r1.role-match"] == 4


# -- override, disable, duplicates, list --json --------------------------------------

def test_disable_and_override() -> None:
    questions = """\
  - id: my-peskov-who
    override: peskov-interests.quote-who
    type: short_answer
    prompt: Who said the withdrawal was done purely on national interests?
    answer: Dmitry Peskov
    source: alpha
"""
    bank = bank_of(questions=questions, extra="disable: [peskov-interests.quote-true, nobody.quote-true]\n")
    result = expand_bank(bank)
    by_id = {}
    for q in result.questions:
        assert q.id not in by_id, f"{q.id} twice"
        by_id[q.id] = q
    assert by_id["peskov-interests.quote-who"].origin == "hand"
    assert by_id["peskov-interests.quote-who"].type == "short_answer"
    assert "peskov-interests.quote-true" not in by_id
    # the override takes the fact's recognition place; the recall question is still generated
    assert by_id["peskov-interests.quote-cloze"].origin == "template"
    assert any("disable 'nobody.quote-true' matches no generated question" in w for w in result.warnings)


def test_near_duplicates_of_hand_written_questions_are_not_generated() -> None:
    questions = """\
  - id: same-as-generated
    type: true_false
    statement: "Dmitry  Peskov said that the withdrawal was done purely on national interests."
    answer: true
    source: alpha
"""
    result = expand_bank(bank_of(questions=questions))
    ids = [q.id for q in result.questions]
    assert "same-as-generated" in ids
    assert not {"peskov-interests.quote-true", "peskov-interests.quote-who", "peskov-interests.quote-cloze"} & set(ids)
    assert any("template 'quote-true' not used: a near-duplicate of question 'same-as-generated'" in n
               for n in result.notes)


def test_no_generated() -> None:
    bank = bank_of()
    assert expand_bank(bank, include_generated=False).questions == bank.questions


def test_list_json_shows_origin_and_fact(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(bank_text(), encoding="utf-8")
    records = {r["id"]: r for r in list_questions([str(path)])}
    record = records["ministry-bias.claim-who"]
    assert record["origin"] == "template" and record["fact"] == "ministry-bias"
    assert record["answer"] == "Russian Foreign Ministry" and "Russian Foreign Ministry" in record["choices"]
    assert len(record["choices"]) == 4
    assert record["explanation"].startswith("The Russian Foreign Ministry claimed that the court had become biased.")


# -- templates: format, errors, sandbox, overrides ---------------------------------------

def test_builtin_templates_cover_every_fact_kind() -> None:
    folder = builtin_templates_dir()
    assert sorted(p.stem for p in folder.glob("*.j2")) == sorted(FACT_KINDS)
    templates = load_templates(builtin=True)
    for kind in FACT_KINDS:
        assert len(templates.for_kind(kind)) >= 3, kind
    types = {s.type for s in templates.specs}
    assert types == {"multiple_choice", "true_false", "short_answer", "cloze", "matching", "ordering"}
    assert {s.truth for s in templates.specs if s.type == "true_false"} == {True, False}


def test_misspelled_field_names_template_file_line_and_fact(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_templates(tmp_path / "templates", {"quote.j2": """
        {# line 1 #}
        {% macro quote_who(fact, type="multiple_choice", answer="who") -%}
        Who said that {{ fact.sayd }}?
        {%- endmacro %}
    """})
    bank = bank_of(path="question_banks/x.yaml")
    line = bank.facts[0].ref.line
    with pytest.raises(TemplateError) as caught:
        expand_bank(bank, builtin=False)
    message = str(caught.value)
    assert message.startswith("templates/quote.j2:3: 'fact.sayd' is undefined; expected one of the quote fields: ")
    assert message.endswith(f"(fact 'peskov-interests' at question_banks/x.yaml:{line})")


@pytest.mark.parametrize("payload", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__ }}",
    "{{ fact.__class__.__init__.__globals__ }}",
    "{{ fact._values }}",
    "{{ fact.who.__dict__ }}",
    "{{ fact.said.format.__globals__ }}",
    "{{ range(3) }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ self.__init__.__globals__ }}",
    "{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}",
    "{{ fact.tags.append(1) }}",
    "{% include '../../../../etc/passwd' %}",
    "{% import '/etc/passwd' as secrets %}",
])
def test_templates_cannot_reach_python_internals(tmp_path: Path, payload: str) -> None:
    folder = write_templates(tmp_path / "t", {"quote.j2": f"""
        {{% macro quote_evil(fact, type="true_false", truth=true) -%}}
        Dmitry Peskov said {payload}
        {{%- endmacro %}}
    """})
    with pytest.raises(TemplateError) as caught:
        expand_bank(bank_of(), templates_dir=folder, builtin=False)
    assert re.match(rf"{re.escape(str(folder / 'quote.j2'))}:2: ", str(caught.value)), str(caught.value)
    assert "(fact 'peskov-interests' at test.yaml:" in str(caught.value)


@pytest.mark.parametrize("source,message", [
    ('{% macro quote_x(fact, type="essay") %}x{% endmacro %}',
     "quote.j2:1: template 'quote-x': type='essay' is not allowed; expected one of: multiple_choice"),
    ('{% macro quote_x(fact, type="multiple_choice", answr="who") %}x{% endmacro %}',
     "quote.j2:1: template 'quote-x': unknown setting answr='who' (did you mean 'answer'?)"),
    ('{% macro quote_x(fact, type="multiple_choice", answer="whom") %}x{% endmacro %}',
     "quote.j2:1: template 'quote-x': answer='whom' is not a field of quote facts; expected one of: who, said"),
    ('{% macro quote_x(fact, type="true_false") %}x{% endmacro %}',
     "quote.j2:1: template 'quote-x': true_false templates need truth=true or truth=false"),
    ('\n{% macro quote_x(fact, type="cloze") %}{{ fact.said | blank( }}{% endmacro %}',
     "quote.j2:2: unexpected '}'"),
    ('{% macro quote_x(fact, type="cloze") %}x{% endmacro %}\n{% macro quote_x(fact, type="cloze") %}y{% endmacro %}',
     "quote.j2:2: template id 'quote-x' is also defined at"),
])
def test_template_format_errors_name_file_and_line(tmp_path: Path, source: str, message: str) -> None:
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "quote.j2").write_text(source, encoding="utf-8")
    with pytest.raises(TemplateError) as caught:
        load_templates(folder, builtin=False)
    assert message in str(caught.value)


def test_templates_in_the_working_directory_override_builtins_by_file_name(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_templates(tmp_path / "templates", {"quote.j2": """
        {% macro quote_speaker(fact, type="short_answer", answer="who") -%}
        Name the speaker: {{ fact.said | quoted }}
        {%- endmacro %}
    """})
    questions = generated(expand_bank(bank_of()))
    quote_templates = {q.template for q in questions if q.fact == "peskov-interests"}
    assert quote_templates == {"quote-speaker"}
    speaker = next(q for q in questions if q.template == "quote-speaker")
    assert speaker.prompt == "Name the speaker: \u201cthe withdrawal was done purely on national interests\u201d"
    assert speaker.accept == ("Peskov",)
    assert any(q.template.startswith("quantity-") for q in questions)  # the other kinds: built-in


def test_skip_from_a_template(tmp_path: Path) -> None:
    folder = write_templates(tmp_path / "t", {"quote.j2": """
        {% macro quote_long(fact, type="true_false", truth=true) -%}
        {% if fact.said | length < 100 %}{{ skip("too short for this template") }}{% endif %}
        {{ fact.who }} said that {{ fact.said }}.
        {%- endmacro %}
    """})
    result = expand_bank(bank_of(), templates_dir=folder, builtin=False)
    assert any("template 'quote-long' skipped: too short for this template" in w for w in result.warnings)


def test_optional_field_printed_without_a_test_is_an_error(tmp_path: Path) -> None:
    folder = write_templates(tmp_path / "t", {"quote.j2": """
        {% macro quote_about(fact, type="true_false", truth=true) -%}
        {{ fact.who }} spoke about {{ fact.about }}.
        {%- endmacro %}
    """})
    with pytest.raises(TemplateError, match=r"quote\.j2:2: 'fact\.about' has no value for this fact"):
        expand_bank(bank_of(), templates_dir=folder, builtin=False)


def test_template_examples_in_the_docs_work(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```jinja\n(.*?)```", doc, re.S)
    assert blocks, "docs/templates.md has no ```jinja example"
    for i, block in enumerate(blocks):
        name = re.search(r"\{#-? *templates/(\w+)\.j2", block)
        assert name, f"example {i + 1} does not start with a {{# templates/KIND.j2 #}} comment"
        folder = write_templates(tmp_path / f"doc{i}", {f"{name.group(1)}.j2": block})
        templates = load_templates(folder, builtin=False)
        assert templates.specs
        expand_bank(load_bank(DEFAULT_BANK), templates_dir=folder, builtin=False)


# -- the CLI -----------------------------------------------------------------------------

def test_cli_generate_text_and_filters(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(bank_text(), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["generate", str(path), "--fact", "peskov-interests"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "peskov-interests.quote-cloze  (fill in the blanks, source alpha)\n" in result.stdout
    assert "    answer: national interests\n" in result.stdout
    assert "ministry-verdicts" not in result.stdout
    # candidates not generated, and why
    assert "Not generated:\n" in result.stdout
    assert "template 'quote-who' not used: the fact already has its recognition question" in result.stdout
    result = runner.invoke(app, ["generate", str(path), "--template", "quantity-cloze"], catch_exceptions=False)
    assert result.stdout.strip().endswith("1 generated questions (quantity-cloze 1)")
    result = runner.invoke(app, ["generate", str(path), "--fact", "nobody"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --fact 'nobody' is not a fact of these banks; expected one of: ")


def test_cli_generate_yaml_pastes_into_a_bank_as_overrides(tmp_path: Path) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(bank_text(), encoding="utf-8")
    result = CliRunner().invoke(app, ["generate", str(path), "--yaml"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("  - id: ")  # indented as the starter bank's questions: paste as is
    pasted = bank_text(questions=result.stdout)
    bank = load_bank_text(pasted, path="pasted.yaml")
    before = generated(expand_bank(bank_of()))
    assert len(bank.questions) == len(before) > 3
    after = expand_bank(bank)
    assert not generated(after)
    assert sorted(q.id for q in after.questions) == sorted(q.id for q in before)
    by_id = {q.id: q for q in after.questions}
    for q in before:
        hand = by_id[q.id]
        assert (hand.type, hand.prompt, hand.answer_text, hand.source) == (q.type, q.prompt, q.answer_text, q.source)
        assert set(hand.distractors) == set(q.distractors)


# -- the default bank --------------------------------------------------------------------

def test_default_bank_golden(check_golden) -> None:
    bank = load_bank(DEFAULT_BANK)
    result = preview([bank])
    text = format_preview(result)
    if result.warnings:
        text += "\nwarnings:\n" + "".join(f"  {w}\n" for w in result.warnings)
    check_golden("generated/icc-withdrawal-2016.txt", text.replace(str(ROOT) + "/", ""))


def test_default_bank_has_enough_facts_and_questions() -> None:
    bank = load_bank(DEFAULT_BANK)
    kinds = [f.kind for f in bank.facts]
    assert len(kinds) >= 30 and all(kinds.count(k) >= 2 for k in FACT_KINDS)
    result = expand_bank(bank)
    made = generated(result)
    assert len(made) >= 40
    assert not result.warnings, result.warnings
    hand_texts = {normalize(q.prompt) for q in bank.questions}
    assert not {normalize(q.prompt) for q in made} & hand_texts
    per_fact: dict[str, list] = {}
    for q in made:
        if q.type not in ("matching", "ordering"):
            per_fact.setdefault(q.fact, []).append(q)
    for fact_id, qs in per_fact.items():  # at most one recall and one recognition question per fact
        assert len(qs) <= MAX_PER_FACT, [q.id for q in qs]
        assert len({q.type in RECALL_TYPES for q in qs}) == len(qs), [q.id for q in qs]
    assert all(q.explanation for q in made)


# -- properties over random banks ------------------------------------------------------------

PEOPLE = ["Ann Lee", "Bo Chan", "Cy Diaz", "Di Ekwe", "Ed Fox", "Lee", "Ann"]
ORGS = ["City Court", "Press Office", "Foreign Ministry", "Court", "Ministry of Truth"]
COUNTRIES = ["Ruritania", "Freedonia", "Elbonia", "Latveria"]
SAID = ["the court was biased", "The court was biased.", "the decree was a formality",
        "it was about national interests", "the vote was legitimate", "nothing would change"]
THINGS = ["the court", "the treaty", "the vote", "the decree", "a report"]


@st.composite
def random_banks(draw) -> str:
    lines = [
        "bank: random-bank", "title: Random", "sources:", "  s1: {title: One, publisher: Pub One, date: '2016-11-21'}",
        "  s2: {title: Two, publisher: Pub Two}", "entities:",
    ]
    entities: dict[str, list[str]] = {"person": [], "organization": [], "country": []}
    for kind, pool in (("person", PEOPLE), ("organization", ORGS), ("country", COUNTRIES)):
        names = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool), unique=True))
        for i, name in enumerate(names):
            eid = f"{kind[:3]}{i}"
            aliases = draw(st.lists(st.sampled_from(pool), max_size=2, unique=True))
            aliases = [a for a in aliases if a != name]
            role = draw(st.none() | st.sampled_from(["the spokesman", "the president", "a writer"]))
            extra = f", role: {role}" if role else ""
            group = draw(st.none() | st.sampled_from(["g1", "g2"]))
            extra += f", group: {group}" if group else ""
            lines.append(f"  {eid}: {{name: {name}, kind: {kind}, aliases: {aliases}{extra}}}")
            entities[kind].append(eid)
    everyone = [e for ids in entities.values() for e in ids]
    lines.append("facts:")
    n = draw(st.integers(1, 14))
    for i in range(n):
        kind = draw(st.sampled_from(FACT_KINDS))
        src = draw(st.sampled_from(["s1", "s2"]))
        who = draw(st.sampled_from(everyone))
        date = draw(st.sampled_from(["1998", "2002-07", "2014-03", "2016-11-14", "2016-11-15", "2016-11-16",
                                     "1998-07-17", "2016", "2016-12"]))
        text = draw(st.sampled_from(SAID))
        if kind in ("action", "quote", "claim") and draw(st.booleans()):
            partner = draw(st.sampled_from(everyone))
            if partner != who:
                who = f"[{who}, {partner}]"  # a joint statement
        also = draw(st.sampled_from(everyone))
        also_true = f", also_true: {{who: [{also}]}}" if kind in ("action", "quote", "claim", "role") \
            and draw(st.booleans()) else ""
        fields = {
            "action": f"who: {who}, did: {draw(st.sampled_from(['signed it', 'left the court', 'voted']))}"
                      + (f", when: '{date}'" if draw(st.booleans()) else ""),
            "quote": f"who: {who}, said: '{text}', verbatim: {str(draw(st.booleans())).lower()}"
                     + (", key: court" if "court" in text else ""),
            "quantity": f"what: the number of {draw(st.sampled_from(['verdicts', 'years', 'cases']))}, "
                        f"value: {draw(st.sampled_from([0, 1, 2, 3, 4, 7, 14, 15, 99, 1000, 0.5, 2.5, 1e9, -3]))}"
                        + (f", unit: {draw(st.sampled_from(['years', 'dollars']))}" if draw(st.booleans()) else "")
                        + (f", claimed_by: {who}" if draw(st.booleans()) else ""),
            "event": f"what: {draw(st.sampled_from(THINGS))}, when: '{date}'",
            "claim": f"who: {who}, claim: '{text}'" + (", key: court" if "court" in text else ""),
            "role": f"who: {who}, role: {draw(st.sampled_from(['the spokesman', 'the president', 'a writer', 'the judge']))}",
            "definition": f"term: {draw(st.sampled_from(['treaty', 'court', 'vote', 'decree']))}, "
                          f"means: {draw(st.sampled_from(['a written agreement', 'a body of judges', 'a choice by ballot', 'an order']))}",
        }[kind]
        who_of_role = who if not who.startswith("[") else who[1:].split(",")[0]
        fields = fields.replace(f"who: {who}, role:", f"who: {who_of_role}, role:") if kind == "role" else fields
        lines.append(f"  - {{id: f{i}, kind: {kind}, source: {src}, {fields}{also_true}}}")
    return "\n".join(lines) + "\n"


def true_values(bank, fact, slot) -> set[str]:
    """Every text that is a right answer for ``slot`` of ``fact``: a brute-force check,
    independent of quizgen's index (entities are the same when they share a name)."""
    truth = SlotTruth(bank)
    kind = fact.kind
    others = [c for c in CORE_FIELDS[kind] if c != slot]

    def names_of(eid) -> set[str]:
        if isinstance(eid, (tuple, list)):  # a joint statement: the speakers together
            return {" & ".join(sorted(min(names_of(e)) for e in eid))}
        entity = bank.entities[eid]
        return {text_key(n) for n in (entity.name, *entity.aliases, eid.replace("-", " "))}

    def same(field, a, b) -> bool:
        if a is None or b is None:
            return a is b
        value_kind = truth.value_kind(kind, field)
        if value_kind == "entity":
            return bool(names_of(a) & names_of(b))
        if value_kind == "number":
            return float(a) == float(b)
        if value_kind == "date":
            return str(a) == str(b)
        return text_key(str(a)) == text_key(str(b))

    def shown(value) -> set[str]:
        if truth.value_kind(kind, slot) == "entity" and isinstance(value, (tuple, list)):
            return set().union(*(names_of(v) for v in value))  # each speaker of a joint statement
        if truth.value_kind(kind, slot) == "entity":
            return names_of(value)
        return {text_key(truth.display(kind, slot, value, fact.data.get("unit")))}

    out: set[str] = set()
    for value in (fact.data.get("also_true") or {}).get(slot, ()):  # true in the world, says the bank
        out |= shown(value)
    for g in bank.facts:
        if g.kind == kind and slot in g.data and all(same(c, g.data.get(c), fact.data.get(c)) for c in others):
            out |= shown(g.data[slot])
    if kind == "role":
        for eid, e in bank.entities.items():
            if e.role and slot == "who" and text_key(e.role) == text_key(fact.data["role"]):
                out |= names_of(eid)
            if e.role and slot == "role" and names_of(eid) & names_of(fact.data["who"]):
                out.add(text_key(e.role))
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_banks())
def test_generated_questions_are_sound(text: str) -> None:
    bank = load_bank_text(text, path="random.yaml")
    templates = load_templates()
    specs = {s.id: s for s in templates.specs}
    facts = {f.id: f for f in bank.facts}
    result = expand_bank(bank)
    for q in generated(result):
        assert GENERATED_ID_PATTERN.match(q.id), q.id
        spec = specs[q.template]
        fact = facts[q.fact]
        assert q.explanation, q.id  # every generated question is explained
        if q.type == "multiple_choice":
            options = [normalize(o) for o in q.answers + q.distractors]
            assert (len(q.answers) == 1 or q.select_all) and len(set(options)) == len(options), q
            assert options.count(normalize(q.answers[0])) == 1
            truths = true_values(bank, fact, spec.answer)
            for d in q.distractors:  # never a value the bank states as true (a fact or also_true)
                assert text_key(d) not in truths, (q.id, d, truths)
        if q.type == "true_false":
            assert q.explanation.startswith("True. " if q.truth else "False. "), q.explanation
        if q.type == "true_false" and q.truth is False:
            true_statement = q.explanation.removeprefix("False. ")
            assert normalize(q.prompt) != normalize(true_statement)
        if q.type == "matching":
            lefts = [text_key(a) for a, _ in q.pairs]
            rights = [text_key(b) for _, b in q.pairs]
            assert len(set(lefts)) == len(lefts) >= 3 and len(set(rights)) == len(rights)
        if q.type == "ordering":
            assert len(q.items) == len(set(map(text_key, q.items))) >= 3
    # stable: same questions again, whatever the global random state
    random.seed(12345)
    again = expand_bank(bank)
    assert again == result


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.integers(-10**6, 10**12).map(float), st.floats(0.01, 1e6)), st.integers(0, 10**6))
def test_numeric_distractors_are_near_never_equal_and_on_both_sides(value: float, seed: int) -> None:
    numbers = nearby_numbers(value, random.Random(seed))
    assert value not in numbers
    assert len(numbers) == len(set(numbers))
    for n in numbers:
        assert (n > 0) == (value > 0) or value == 0
        if value.is_integer():
            assert n.is_integer()
    if abs(value) >= 3:
        assert any(n < value for n in numbers) and any(n > value for n in numbers)


# -- joint statements ----------------------------------------------------------------------

JOINT = """\
bank: cop22
title: COP22
sources:
  a: {title: Climate talks close, publisher: Daily Planet, date: "2016-11-18"}
entities:
  espinosa: {name: Patricia Espinosa, kind: person}
  mezouar: {name: Salaheddine Mezouar, kind: person}
  kerry: {name: John Kerry, kind: person}
  hollande: {name: François Hollande, kind: person}
  obama: {name: Barack Obama, kind: person}
facts:
  - id: joint-momentum
    kind: quote
    who: [espinosa, mezouar]
    said: the momentum of the Paris Agreement was irreversible
    key: irreversible
    source: a
  - id: joint-claim
    kind: claim
    who: [espinosa, mezouar]
    claim: climate action had become unstoppable
    key: unstoppable
    source: a
  - id: joint-close
    kind: action
    who: [espinosa, mezouar]
    did: closed the conference in Marrakesh
    source: a
"""


def test_a_joint_statement_names_both_speakers_in_every_template() -> None:
    bank = load_bank_text(JOINT, path="cop22.yaml")
    every = candidates(bank)
    assert {q.template for q in every.values()} >= {"quote-who", "quote-true", "quote-false-who", "quote-cloze",
                                                   "claim-true", "claim-false-who", "claim-cloze",
                                                   "action-who", "action-true", "action-false-who"}
    for q in every.values():
        if q.type == "true_false" and q.truth is False:  # every speaker swapped for someone else
            assert "Patricia Espinosa" not in q.prompt and "Salaheddine Mezouar" not in q.prompt, q.prompt
            assert " and " in q.prompt.split(" said")[0].split(" claimed")[0].split(" closed")[0]
            assert "Patricia Espinosa and Salaheddine Mezouar" in q.explanation
        elif q.type == "multiple_choice":  # who said it: select both
            assert q.select_all and q.answers == ("Patricia Espinosa", "Salaheddine Mezouar"), q
            assert q.prompt.endswith("Select all that apply.")
            assert not {"Patricia Espinosa", "Salaheddine Mezouar"} & set(q.distractors)
        elif q.type == "short_answer":  # name them: both names are the answer
            assert q.prompt.startswith("Name the people who ") and q.answers == (
                "Patricia Espinosa and Salaheddine Mezouar",)
        else:
            assert "Patricia Espinosa and Salaheddine Mezouar" in q.prompt, q.prompt
    kept = generated(expand_bank(bank))
    assert kept and all("Patricia Espinosa" in q.prompt + " ".join(q.answers) and
                        "Salaheddine Mezouar" in q.prompt + " ".join(q.answers) for q in kept if q.truth is not False)


def test_joint_statement_list_must_name_known_entities() -> None:
    with pytest.raises(Exception) as caught:
        load_bank_text(JOINT.replace("who: [espinosa, mezouar]\n    said", "who: [espinosa, guterres]\n    said"),
                       path="cop22.yaml")
    assert "cop22.yaml:14: fact 'joint-momentum': who 'guterres' is not a known entity" in str(caught.value)


# -- attribution --------------------------------------------------------------------------

def test_attribution_chain_and_according_to_reach_every_question() -> None:
    facts = """\
facts:
  - id: report
    kind: quote
    who: bensouda
    said: the annexation amounted to an on-going state of occupation
    via: [magazine, icc]
    source: beta
  - id: offensive
    kind: action
    who: russia
    did: launched an offensive in Aleppo
    according_to: magazine
    also_true: {who: [ukraine]}
    note: This is the magazine's account.
    source: beta
"""
    every = candidates(bank_of(facts))
    for q in every.values():
        if q.fact == "report":
            assert q.prompt.startswith("According to Foreign Policy, as quoted by the International Criminal Court, "), q.prompt
        else:
            assert (q.prompt.startswith("According to Foreign Policy, ")
                    or ", according to Foreign Policy, " in q.prompt), q.prompt
            assert q.explanation.endswith("This is the magazine's account.")
            assert "Ukraine" not in q.distractors and "Ukraine" not in q.prompt  # also true: never offered


# -- near-duplicates ------------------------------------------------------------------------

WORDS = ["court", "treaty", "russia", "crimea", "decree", "signed", "putin", "peskov", "ministry", "verdicts",
         "billion", "statute", "annexed", "report", "prosecutor"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=7, unique=True), min_size=1, max_size=25),
       st.lists(st.sampled_from(WORDS), min_size=1, max_size=7, unique=True))
def test_near_duplicates_are_found_exactly_as_by_comparing_every_pair(bank_prompts, prompt_words) -> None:
    from quizgen.generate import NEAR_DUPLICATE, SimilarQuestions, question_words

    def tf(i: int, words: list[str]) -> Question:
        return Question(id=f"q{i}", bank="b", type="true_false", prompt=" ".join(words) + ".", source="s", truth=True)

    kept = [tf(i, words) for i, words in enumerate(bank_prompts)]
    index = SimilarQuestions(kept)
    candidate = tf(999, prompt_words)
    mine = question_words(candidate)
    brute = [q for q in kept if mine and len(mine & question_words(q)) / len(mine | question_words(q)) >= NEAR_DUPLICATE]
    found = index.near(candidate)
    assert (found is None) == (not brute)
    if found is not None:
        assert found in brute


def test_a_hand_written_question_on_the_same_fact_and_answer_is_a_near_duplicate() -> None:
    questions = """\
  - id: reason
    type: short_answer
    prompt: On what, according to the Kremlin spokesman, was the step based?
    answer: national interests
    facts: [peskov-interests]
    source: alpha
"""
    result = expand_bank(bank_of(questions=questions))
    assert "peskov-interests.quote-cloze" not in {q.id for q in result.questions}  # its blank is "national interests"
    assert any("template 'quote-cloze' not used: a near-duplicate of question 'reason'" in n for n in result.notes)
    without = expand_bank(bank_of(questions=questions.replace("    facts: [peskov-interests]\n", "")))
    assert "peskov-interests.quote-cloze" in {q.id for q in without.questions}


def test_a_proper_name_is_not_offered_among_common_terms() -> None:
    facts = """\
facts:
  - {id: d1, kind: definition, term: Rome Statute, means: the treaty that set up the court, source: alpha}
  - {id: d2, kind: definition, term: annexation, means: taking over another state's land, source: alpha}
  - {id: d3, kind: definition, term: referendum, means: a direct vote on one question, source: alpha}
  - {id: d4, kind: definition, term: sanctions, means: penalties imposed on a country, source: alpha}
  - {id: d5, kind: definition, term: ratification, means: the formal approval of a treaty, source: alpha}
"""
    every = candidates(bank_of(facts))
    assert "d1.definition-term" not in every
    for q in every.values():
        if q.template == "definition-term":
            assert "Rome Statute" not in q.distractors


# -- cloze blanks over entity names ------------------------------------------------------

def test_cloze_blank_over_an_entity_accepts_its_other_names(tmp_path: Path) -> None:
    """A generated blank that is an entity's name accepts the entity's bare name and aliases,
    and the markup carries them, so ``generate --yaml`` keeps them."""
    folder = write_templates(tmp_path / "t", {"quote.j2": """
        {% macro quote_speaker(fact, type="cloze") -%}
        {{ fact.who | blank }} said that {{ fact.said }}.
        {%- endmacro %}
        {% macro quote_court(fact, type="cloze") -%}
        {{ fact.who }} said that {{ fact.said | blank(fact.key) }}.
        {%- endmacro %}
    """})
    bank = bank_of(FACTS.replace("key: national interests", "key: ICC").replace(
        "done purely on national interests", "done purely on national interests, not by the ICC"))
    made = candidates(bank, folder, builtin=False)
    speaker = made["peskov-interests.quote-speaker"]
    assert speaker.blanks[0].answer == "Dmitry Peskov"
    assert speaker.blanks[0].accept == ("Peskov",)
    assert speaker.prompt.startswith("[[Dmitry Peskov|Peskov]] said that")
    court = made["peskov-interests.quote-court"]
    assert court.blanks[0].accepted == ("ICC", "the International Criminal Court", "International Criminal Court")
    assert parse_cloze(court.prompt)[0] == list(court.blanks)


def test_cloze_blank_over_other_words_gets_no_alternatives() -> None:
    cloze = candidates(bank_of())["peskov-interests.quote-cloze"]
    assert cloze.blanks[0].accept == ()
    assert "|" not in cloze.prompt


def test_a_bank_in_a_language_without_templates_generates_nothing_and_says_so_once(tmp_path, monkeypatch) -> None:
    from quizgen.banks import load_bank_text

    text = ("bank: ru-bank\ntitle: Россия и МУС\nlanguage: ru\nsources:\n  s: {title: Указ, publisher: Новости}\n"
            "entities:\n  putin: {name: Владимир Путин, kind: person}\n  peskov: {name: Дмитрий Песков, kind: person}\n"
            "  lavrov: {name: Сергей Лавров, kind: person}\n  zakharova: {name: Мария Захарова, kind: person}\n"
            "facts:\n  - {id: f1, kind: action, who: putin, did: подписал указ, source: s}\n"
            "  - {id: f2, kind: action, who: peskov, did: назвал указ формальностью, source: s}\n")
    bank = load_bank_text(text, str(tmp_path / "ru.yaml"))
    monkeypatch.chdir(tmp_path)  # no ./templates here
    expansion = expand_bank(bank)
    assert expansion.questions == ()
    [warning] = [w for w in expansion.warnings if "language" in w]
    assert f"{tmp_path / 'ru.yaml'}:1: warning: bank ru-bank: no templates are written in its language 'ru', so " \
           "its 2 facts generate no questions" in warning
    assert "templates/ru/" in warning
    # templates in templates/ru/ are used for it (and the English ones are not)
    (tmp_path / "templates" / "ru").mkdir(parents=True)
    (tmp_path / "templates" / "ru" / "action.j2").write_text(
        '{% macro action_who(fact, type="multiple_choice", answer="who") -%}\n'
        "Кто {{ fact.did }}?\n{%- endmacro %}\n", encoding="utf-8")
    made = expand_bank(bank).questions
    assert made and all(q.prompt.startswith("Кто ") for q in made)


# -- duplicates: prompts compared first, answers only where prompts meet ----------------------

SAME_WORDS = ("Who", "who", "WHO", "signed", "\u2018it\u2019", "'it'", "?", "  ", "\t")


@st.composite
def near_twins(draw) -> list[Question]:
    """Questions whose prompts and answers often differ only in case, spacing and quotes."""
    words = st.lists(st.sampled_from(SAME_WORDS), min_size=1, max_size=4).map(" ".join)
    made = []
    for i in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(("short_answer", "true_false")))
        made.append(Question(id=f"q{i}", bank="b", type=kind, prompt=draw(words), source="s",
                             answers=(draw(words),) if kind == "short_answer" else (), truth=draw(st.booleans())))
    return made


@given(near_twins())
def test_duplicates_are_dropped_as_by_their_dedupe_key(questions: list[Question]) -> None:
    """drop_duplicates keeps the first question of each dedupe_key (normalized prompt and
    answer) and names it for every later one, though it normalizes answers only where
    normalized prompts meet."""
    first: dict[tuple[str, str], Question] = {}
    expected_kept, expected_dropped = [], []
    for q in questions:
        if dedupe_key(q) in first:
            expected_dropped.append((q, first[dedupe_key(q)]))
        else:
            first[dedupe_key(q)] = q
            expected_kept.append(q)
    assert drop_duplicates(questions) == (expected_kept, expected_dropped)


# -- start-up: jinja2 only for a bank with facts -------------------------------------------

IMPORTED = ("import sys\nsys.argv = ['quizgen', 'build', *sys.argv[1:], '--format', 'anki', '--out', 'out']\n"
            "from quizgen.cli import app\ntry:\n    app()\nexcept SystemExit as done:\n    assert not done.code, done\n"
            "print('imported:', *sorted(m for m in sys.modules if m.split('.')[0] in ('jinja2', 'reportlab')\n"
            "                           or m in ('quizgen.select', 'quizgen.quizrules')))\n")


def test_a_deck_build_of_a_bank_without_facts_does_not_import_jinja2(sample_bank_dir: Path,
                                                                     default_bank_dir: Path) -> None:
    """The generator imports jinja2 (and builds its sandbox classes) when a bank has facts to
    generate from; a deck-only build of a bank of hand-written questions never does."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "QUIZGEN_CACHE_DIR": "off"}
    runs = {folder: subprocess.run([sys.executable, "-c", IMPORTED, "."], cwd=folder, env=env, capture_output=True,
                                   text=True) for folder in (sample_bank_dir, default_bank_dir)}
    assert all(run.returncode == 0 for run in runs.values()), [run.stderr for run in runs.values()]
    assert (sample_bank_dir / "out" / "sample-bank.apkg").exists()
    imported = {folder: run.stdout.strip().splitlines()[-1].split() for folder, run in runs.items()}
    assert imported[sample_bank_dir] == ["imported:"]
    assert "jinja2" in imported[default_bank_dir]  # the default bank has facts
    assert "quizgen.select" not in imported[default_bank_dir]  # a deck chooses no quiz: no selection rules


def test_the_sandbox_classes_are_built_once_and_named_as_module_attributes() -> None:
    """quizgen.generate.LimitedSandbox and its siblings, built lazily, are the classes the
    environment uses, and pickle by name like any module-level class."""
    import pickle

    import quizgen.generate as generate

    env = generate.make_environment([])
    assert type(env) is generate.LimitedSandbox and env.undefined is generate.FactUndefined
    error = generate.TemplateLimitError("too much")
    assert type(pickle.loads(pickle.dumps(error))) is generate.TemplateLimitError
    assert f"{generate.FolderLoader.__module__}.{generate.FolderLoader.__qualname__}" == "quizgen.generate.FolderLoader"
    with pytest.raises(AttributeError):
        generate.NoSuchSandbox  # noqa: B018
