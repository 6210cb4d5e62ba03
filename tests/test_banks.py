"""The loader and validator: every field, every mistake, exact messages and lines."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizgen.banks import load_bank, load_bank_text, load_banks, normalize, parse_cloze
from quizgen.errors import BankErrors
from quizgen.model import Blank

from conftest import DATA, SAMPLE_BANK

INVALID = DATA / "banks" / "invalid"
EXPECT = re.compile(r"^# expect: (.*)$", re.M)


def expected_errors(path: Path) -> list[str]:
    """The `# expect: LINE: message` comments at the top of an invalid bank."""
    text = path.read_bytes().decode("utf-8", "replace")
    return [f"{path}:{line}" for line in EXPECT.findall(text)]


INVALID_FILES = sorted(p for p in INVALID.glob("*.yaml") if p.name != "empty.yaml")


@pytest.mark.parametrize("path", INVALID_FILES, ids=lambda p: p.stem)
def test_each_invalid_bank_reports_exact_errors(path: Path) -> None:
    expected = expected_errors(path)
    assert expected, f"{path.name} has no '# expect:' line"
    with pytest.raises(BankErrors) as info:
        load_banks([path])
    assert [str(e) for e in info.value.errors] == sorted(expected, key=_line_key)


def _line_key(message: str) -> tuple[str, int]:
    path, line, _ = message.split(":", 2)
    return path, int(line)


def test_empty_file() -> None:
    path = INVALID / "empty.yaml"
    with pytest.raises(BankErrors) as info:
        load_banks([path])
    assert str(info.value).splitlines() == [
        f"{path}:1: the file is empty; expected a bank (a mapping with bank, title, sources, ...)",
        "Aborted: 1 error in 1 bank file",
    ]


def test_all_problems_of_all_files_in_one_run() -> None:
    with pytest.raises(BankErrors) as info:
        load_banks([INVALID])
    files = {e.ref.path for e in info.value.errors}
    assert len(files) == len(INVALID_FILES) + 1  # every file reported, empty.yaml included
    assert info.value.summary == f"Aborted: {len(info.value.errors)} errors in {len(files)} bank files"


def test_folder_without_banks(tmp_path: Path) -> None:
    with pytest.raises(BankErrors) as info:
        load_banks([tmp_path])
    assert str(info.value.errors[0]) == (
        f"{tmp_path}: no bank files (*.yaml, *.yml) in this folder; expected at least one"
    )


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(BankErrors) as info:
        load_banks([tmp_path / "nope.yaml"])
    assert "no such file or folder" in str(info.value)


def test_sample_bank_loads_every_type() -> None:
    bank = load_bank(SAMPLE_BANK)
    assert bank.id == "sample-bank"
    assert bank.sources["alpha"].date == "2016-11-21"
    assert bank.sources["beta"].date == "2016-11"
    assert bank.entities["putin"].aliases == ("Putin",)
    by_id = {q.id: q for q in bank.questions}
    assert by_id["who-signed"].answers == ("Vladimir Putin",)
    assert by_id["who-signed"].distractors == ("Dmitry Peskov", "Fatou Bensouda", "Sergei Lavrov")
    assert by_id["who-signed"].ref.line == 24
    assert by_id["select-critics"].select_all and by_id["select-critics"].points == 2
    assert by_id["never-ratified"].truth is False
    assert by_id["spokesman-name"].accept == ("Peskov",)
    assert by_id["cloze-ratify"].blanks == (Blank("ratified"), Blank("Rome Statute", "treaty"))
    assert by_id["verdicts"].number == 4 and by_id["verdicts"].unit == "verdicts"
    assert by_id["roles"].pairs[1] == ("Dmitry Peskov", "Kremlin spokesman")
    assert by_id["timeline"].items[0] == "The Rome Statute is adopted"
    assert {q.type for q in bank.questions} == {
        "multiple_choice", "true_false", "short_answer", "cloze", "numeric", "matching", "ordering"}


MINIMAL = """\
bank: tiny
title: Tiny
sources:
  s: {title: T, publisher: P}
questions:
"""


MATCHING = """\
  - id: roles
    type: matching
    prompt: Match each person with their role.
    pairs: [[Putin, president], [Peskov, spokesman], [Bensouda, prosecutor], [Lavrov, minister]]
    source: s
"""


def test_a_matching_is_worth_one_point_per_pair_unless_points_say_otherwise() -> None:
    """DESIGN §3 points default to 1, but a four-pair matching asks four things (issue 12)."""
    [default] = load_bank_text(MINIMAL + MATCHING).questions
    assert default.points == 4
    [given] = load_bank_text(MINIMAL + MATCHING + "    points: 2\n").questions
    assert given.points == 2
    [other] = load_bank_text(MINIMAL + "  - {id: o, type: ordering, prompt: Order., items: [a, b, c, d], source: s}\n"
                             ).questions
    assert other.points == 1


def test_numbers_in_text_fields_are_text() -> None:
    bank = load_bank_text(MINIMAL + """\
  - id: year
    type: short_answer
    prompt: In which year was the statute adopted?
    answer: 1998
    source: s
""")
    assert bank.questions[0].answers == ("1998",)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (MINIMAL + "  []\n").replace("questions:\n  []", "questions: []").encode())
    assert load_bank(path).id == "tiny"


def test_utf16_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "utf16.yaml"
    path.write_bytes(MINIMAL.encode("utf-16"))
    with pytest.raises(BankErrors, match="UTF-16 text; expected UTF-8"):
        load_bank(path)


def test_alias_bomb_is_refused() -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 9)}]")
    text = "\n".join(lines) + "\nbank: b\n"
    with pytest.raises(BankErrors) as info:  # 9**9 values if expanded; built once here
        load_bank_text(text)
    assert str(info.value.errors[0]) == (
        "<bank>:1: bank: unknown field 'a0'; expected one of: bank, title, sources, language, "
        "description, entities, facts, questions, paper, disable, sheet")


def test_python_tags_are_refused() -> None:
    with pytest.raises(BankErrors, match="unsupported tag tag:yaml.org,2002:python/object/apply:os.system; expected a plain list"):
        load_bank_text(MINIMAL.replace("title: Tiny", "title: !!python/object/apply:os.system [ls]"))


def test_cloze_parsing() -> None:
    assert parse_cloze("a [[b]] c [[d::e]]") == ([Blank("b"), Blank("d", "e")], None)
    assert parse_cloze("a [[b c")[1] == "unbalanced brackets: every [[ needs a matching ]]"
    assert parse_cloze("a ]] b")[1] == "unbalanced brackets: every [[ needs a matching ]]"
    assert parse_cloze("a [[ ]] b")[1] == "a blank has no answer ([[]])"


def test_cloze_alternatives() -> None:
    """``[[answer|alternative::hint]]``: the first answer is the key's, the others are also right."""
    assert parse_cloze("a [[the ICC | ICC|International Criminal Court::court]] b") == (
        [Blank("the ICC", "court", ("ICC", "International Criminal Court"))], None)
    assert parse_cloze("[[4|four]] and [[x]]")[0] == [Blank("4", None, ("four",)), Blank("x")]
    assert parse_cloze("[[4|four]]")[0][0].accepted == ("4", "four")
    assert parse_cloze("[[4|four|four]]")[0][0].accept == ("four",)
    assert parse_cloze("a [[b|]] c")[1] == "a blank has an empty alternative ([[answer|]])"
    assert parse_cloze("a [[|b]] c")[1] == "a blank has an empty alternative ([[answer|]])"


def test_normalize_ignores_case_space_and_curly_quotes() -> None:
    assert normalize("  Russia\u2019s   DECREE ") == normalize("russia's decree")


def test_same_bank_id_in_two_files(tmp_path: Path) -> None:
    for name in ("one.yaml", "two.yaml"):
        (tmp_path / name).write_text(MINIMAL + "  []\n".replace("  []", "") + "", encoding="utf-8")
    with pytest.raises(BankErrors, match="bank id 'tiny' is also used at"):
        load_banks([tmp_path])


# -- authoring traps and new source fields ------------------------------------------------

FOLDED = """\
bank: cop22
title: COP22
sources:
  a: {title: T, publisher: P}
questions:
  - id: order
    type: ordering
    prompt: Put these in order.
    items:
      - COP22 opens
       - The conference ends
      - Delegates go home
      - The report is published
    source: a
"""


def test_an_over_indented_list_item_is_a_warning_at_its_line() -> None:
    bank = load_bank_text(FOLDED, path="cop22.yaml")
    assert bank.questions[0].items[0] == "COP22 opens - The conference ends"  # what YAML made of it
    assert bank.warnings == (
        "cop22.yaml:11: warning: this list item is indented further than the item above, so YAML reads the "
        "two as one item ('COP22 opens - The conference ends'); indent it exactly like the item above",)
    fixed = load_bank_text(FOLDED.replace("       - The", "      - The"), path="cop22.yaml")
    assert fixed.warnings == () and len(fixed.questions[0].items) == 4


def test_folded_items_ignore_nested_lists_and_mappings() -> None:
    from quizgen.yamlnodes import folded_items

    text = "pairs:\n  - [a, b]\n   - [c, d]\nq:\n  - id: x\n    answers:\n      - one\n      - two\n"
    assert folded_items(text) == []
    assert folded_items("items:\n  - one\n    - two\n") == [(3, "two", "one - two")]


def test_evidence_matches_the_text_file_despite_quotes_dashes_case_and_spacing(tmp_path: Path) -> None:
    (tmp_path / "article.txt").write_text("He said the court was “biased” — and a burden.\n", encoding="utf-8")
    text = """\
bank: ok
title: Evidence
sources:
  art: {title: T, publisher: P, text_file: article.txt}
  ref: {title: Rome Statute status, publisher: UN Treaty Collection, kind: reference, url: "https://treaties.un.org"}
questions:
  - id: q
    type: true_false
    statement: The court was called biased.
    answer: true
    source: art
    evidence: "the court was \\"BIASED\\" -  and a burden"
  - id: r
    type: true_false
    statement: The statute was adopted in 1998.
    answer: true
    source: ref
    evidence: anything at all (a reference has no text file here)
"""
    path = tmp_path / "ok.yaml"
    path.write_text(text, encoding="utf-8")
    bank = load_bank(path)
    assert bank.sources["ref"].kind == "reference" and bank.sources["art"].text_file == "article.txt"
    (tmp_path / "article.txt").unlink()
    with pytest.raises(BankErrors) as info:
        load_bank(path)
    assert "source 'art': cannot read text_file 'article.txt' (No such file or directory)" in str(info.value)


def test_evidence_found_in_the_text_file_needs_no_second_reading_of_the_bank(tmp_path: Path, monkeypatch) -> None:
    """The bank's lines are read again only to place a miss: for 100,000 questions they took
    107 MiB more at the load's peak, for nothing when every evidence is found."""
    from quizgen.banks import check_evidence

    (tmp_path / "article.txt").write_text("He said the court was biased.\n", encoding="utf-8")
    path = tmp_path / "ok.yaml"
    path.write_text("bank: ok\ntitle: T\nsources:\n  art: {title: T, publisher: P, text_file: article.txt}\n"
                    "questions:\n  - id: q\n    type: true_false\n    statement: S\n    answer: true\n"
                    "    source: art\n    evidence: the court was biased\n", encoding="utf-8")
    bank = load_bank(path)
    read: list[str] = []
    real = Path.read_text
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: read.append(self.name) or real(self, *a, **k))
    assert check_evidence(bank) == [] and read == ["article.txt"]
    bank = load_bank_text(path.read_text(encoding="utf-8").replace("court was biased", "court was fair"), str(path))
    read.clear()
    assert [e.ref.line for e in check_evidence(bank)] == [11] and read == ["article.txt", "ok.yaml"]


_BLANK_TEXT = st.text(alphabet=st.characters(categories=["L", "N", "Zs"], include_characters="'-.,"),
                      min_size=1, max_size=12).filter(lambda t: t.strip())


@given(st.lists(st.tuples(_BLANK_TEXT, st.lists(_BLANK_TEXT, max_size=3), st.none() | _BLANK_TEXT),
                min_size=1, max_size=4))
def test_cloze_markup_with_alternatives_reads_back(blanks) -> None:
    """Any blanks written ``[[answer|alt|...::hint]]`` read back as written (spaces trimmed)."""
    from quizgen.generate import cloze_markup

    written = [Blank(a.strip(), h.strip() if h else None, tuple(dict.fromkeys(o.strip() for o in others)))
               for a, others, h in blanks]
    text = " and ".join("[[" + cloze_markup(b) + "]]" for b in written)
    assert parse_cloze(text) == (written, None)
