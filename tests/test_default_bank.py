"""Content checks for the default bank, question_banks/icc-withdrawal-2016.yaml.

These read the YAML directly (``yaml.safe_load``) so that they do not depend on the
loader: they guard the quality of the shipped questions, not the loader's rules.
The evidence check needs the two source articles, which live outside the repository
(``../shared/seeds`` next to the checkout); it is skipped where they are absent.
"""
from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve()
BANK_PATH = HERE.parents[1] / "question_banks" / "icc-withdrawal-2016.yaml"
# The articles: $QUIZGEN_SEEDS_DIR, else ../shared/seeds beside the checkout.
SEEDS = Path(os.environ.get("QUIZGEN_SEEDS_DIR") or HERE.parents[2] / "shared" / "seeds")
SEED_FILES = {"anonhq": "000_*.txt", "antimedia": "002_*.txt"}

QUESTION_TYPES = ("multiple_choice", "true_false", "short_answer", "cloze", "numeric", "matching", "ordering")
COMMON_FIELDS = {"id", "type", "source", "explanation", "evidence", "tags", "difficulty", "points", "deck", "facts"}
TYPE_FIELDS = {
    "multiple_choice": {"prompt", "answer", "answers", "distractors"},
    "true_false": {"statement", "answer"},
    "short_answer": {"prompt", "answer", "accept"},
    "cloze": {"text"},
    "numeric": {"prompt", "answer", "tolerance", "unit"},
    "matching": {"prompt", "pairs"},
    "ordering": {"prompt", "items"},
}
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
BLANK_RE = re.compile(r"\[\[(.+?)\]\]")
# Words that only appear when a question is about the Russian Foreign Ministry's
# claims on the court's record and cost.
COST_CLAIM_RE = re.compile(r"four verdicts|four sentences|verdicts|sentences|billion|14 years", re.I)


def norm(text: str) -> str:
    """Compare texts as a reader would: case, spacing and curly quotes don't count."""
    text = str(text).translate(str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}))
    return " ".join(text.casefold().split())


def collapse(text: str) -> str:
    return " ".join(text.split())


def wording(q: dict) -> str:
    """The text a student reads: prompt, statement or cloze text."""
    return str(q.get("prompt") or q.get("statement") or q.get("text") or "")


@pytest.fixture(scope="module")
def bank() -> dict:
    with BANK_PATH.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="module")
def questions(bank: dict) -> list[dict]:
    return bank["questions"]


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    if not SEEDS.is_dir():
        pytest.skip(f"source articles not available ({SEEDS})")
    texts = {}
    for source, pattern in SEED_FILES.items():
        found = sorted(SEEDS.glob(pattern))
        if not found:
            pytest.skip(f"source article {pattern} not found in {SEEDS}")
        texts[source] = collapse(found[0].read_text(encoding="utf-8"))
    return texts


def test_header(bank: dict) -> None:
    assert bank["bank"] == "icc-withdrawal-2016"
    assert bank["title"] and bank["description"]
    articles = {k for k, v in bank["sources"].items() if v.get("kind", "article") == "article"}
    assert articles == {"anonhq", "antimedia"}
    for key, source in bank["sources"].items():
        assert source["title"] and source["publisher"]
        if key not in articles:  # background knowledge: a reference a teacher can open
            assert source["kind"] == "reference" and source["url"].startswith("https://"), key
            continue
        assert isinstance(source["date"], str), "dates are quoted strings, not YAML dates"
        assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", source["date"])


def test_entities(bank: dict) -> None:
    entities = bank["entities"]
    assert 15 <= len(entities) <= 45
    kinds = {"person", "organization", "country", "place", "document", "event", "other"}
    for key, entity in entities.items():
        assert ID_RE.match(key), key
        assert entity["name"] and entity["kind"] in kinds, key


def test_counts(questions: list[dict]) -> None:
    assert len(questions) >= 45
    types = Counter(q["type"] for q in questions)
    for qtype in QUESTION_TYPES:
        assert types[qtype] >= 3, f"only {types[qtype]} {qtype} questions"
    sources = Counter(q["source"] for q in questions)
    assert sources["anonhq"] >= 15 and sources["antimedia"] >= 15, sources
    select_all = [q["id"] for q in questions if q["type"] == "multiple_choice" and "answers" in q]
    assert len(select_all) >= 2


def test_ids_unique_and_well_formed(questions: list[dict]) -> None:
    ids = [q["id"] for q in questions]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    for qid in ids:
        assert ID_RE.match(qid), qid


def test_fields_and_metadata(bank: dict, questions: list[dict]) -> None:
    decks = set()
    for q in questions:
        assert q["type"] in QUESTION_TYPES, q["id"]
        unknown = set(q) - COMMON_FIELDS - TYPE_FIELDS[q["type"]]
        assert not unknown, f"{q['id']}: unknown fields {unknown}"
        assert q["source"] in bank["sources"], q["id"]
        assert q.get("explanation"), f"{q['id']}: every default question has an explanation"
        for tag in q.get("tags", []):
            assert TAG_RE.match(tag), f"{q['id']}: tag {tag!r}"
        assert q.get("difficulty", "easy") in ("easy", "medium", "hard"), q["id"]
        if q.get("deck"):
            decks.add(q["deck"])
    assert 4 <= len(decks) <= 6, decks


def test_evidence_is_verbatim(questions: list[dict], seeds: dict[str, str]) -> None:
    missing = [
        (q["id"], q["evidence"]) for q in questions
        if q.get("evidence") and collapse(q["evidence"]) not in seeds[q["source"]]
    ]
    assert not missing
    with_evidence = sum(1 for q in questions if q.get("evidence"))
    assert with_evidence >= 0.8 * len(questions)


def test_fact_evidence_is_verbatim(bank: dict, seeds: dict[str, str]) -> None:
    facts = bank.get("facts") or []
    assert len(facts) >= 30
    missing = [(f["id"], f["evidence"]) for f in facts
               if f.get("evidence") and f["source"] in seeds and collapse(f["evidence"]) not in seeds[f["source"]]]
    assert not missing
    # a fact beyond the articles cites a reference, never an article's unrelated words
    for f in facts:
        assert f["source"] in seeds or bank["sources"][f["source"]]["kind"] == "reference", f["id"]


def test_multiple_choice_options(questions: list[dict]) -> None:
    for q in (q for q in questions if q["type"] == "multiple_choice"):
        assert ("answer" in q) != ("answers" in q), q["id"]
        answers = q["answers"] if "answers" in q else [q["answer"]]
        distractors = q["distractors"]
        assert len(distractors) >= 2, q["id"]
        options = [norm(o) for o in answers + distractors]
        assert len(options) == len(set(options)), f"{q['id']}: an answer is also a distractor, or repeated"
        if "answer" in q:
            assert len(distractors) >= 3, q["id"]
            # The right answer must not give itself away by being the longest option.
            assert len(q["answer"]) <= max(len(d) for d in distractors), q["id"]


def test_type_specific_shapes(questions: list[dict]) -> None:
    for q in questions:
        kind = q["type"]
        if kind == "true_false":
            assert isinstance(q["answer"], bool), q["id"]
        elif kind == "numeric":
            assert isinstance(q["answer"], (int, float)) and not isinstance(q["answer"], bool), q["id"]
        elif kind == "cloze":
            assert BLANK_RE.search(q["text"]), q["id"]
        elif kind == "matching":
            pairs = q["pairs"]
            assert len(pairs) >= 3 and all(len(p) == 2 for p in pairs), q["id"]
            for side in (0, 1):
                assert len({norm(p[side]) for p in pairs}) == len(pairs), q["id"]
        elif kind == "ordering":
            items = q["items"]
            assert len(items) >= 3 and len({norm(i) for i in items}) == len(items), q["id"]
        elif kind == "short_answer":
            assert isinstance(q["answer"], str) and q["answer"].strip(), q["id"]


def test_true_false_balanced(questions: list[dict]) -> None:
    truths = Counter(q["answer"] for q in questions if q["type"] == "true_false")
    assert truths[True] >= 2 and truths[False] >= 2, truths


def test_cost_claims_are_attributed(questions: list[dict]) -> None:
    """The verdict count, the billion dollars and the 14 years are the Russian
    Foreign Ministry's claims: a question that states them must say so."""
    unattributed = [
        q["id"] for q in questions
        if COST_CLAIM_RE.search(wording(q)) and "foreign ministry" not in wording(q).casefold()
    ]
    assert not unattributed


def test_articles_named_not_this_article(questions: list[dict]) -> None:
    """Printed questions stand alone: no "this article" / "the article" without a name."""
    vague = [q["id"] for q in questions if re.search(r"\b(this|the) (article|report)\b", wording(q), re.I)
             and not re.search(r"\b(AnonHQ|Anti-Media)\b", wording(q))]
    assert not vague


def test_questions_resting_on_the_missing_ratification_never_share_a_sheet(questions: list[dict]) -> None:
    """Each of these states or rests on Russia having signed but never ratified the Rome Statute,
    so any two on one sheet give each other away (the true/false statement that Russia was not a
    party rules out the "suspended its membership" option, say): they declare one fact, and a
    printed quiz holds one question per fact."""
    from quizgen.pipeline import bank_questions, load_banks
    from quizgen.select import choose_quiz
    from quizgen.spec import SelectionSpec

    group = {"never-ratified", "status-before-withdrawal", "signature-meaning", "quit-strictly-speaking"}
    assert {q["id"]: q.get("facts") for q in questions if q["id"] in group} == dict.fromkeys(
        group, ["ratification-term"])
    default = load_banks()[0]
    every, _ = bank_questions(default)
    for seed in range(1, 31):
        chosen = choose_quiz(default, every, SelectionSpec(seed=seed, count=20)).questions
        assert len(group & {q.id for q in chosen}) <= 1, seed
