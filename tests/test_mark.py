"""`quizgen mark`: a synthetic class whose totals are known before marking, item analysis that
finds a mis-keyed question, located errors for bad rows, the template, and the class report.

The class is planned first (who gets which question right), the answer cells are then
written from the built manifest as a student would write them on their version, and the
expected totals come from the plan and the bank's points, never from the marking code.
"""
from __future__ import annotations

import csv
import io
import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from quizgen import mark
from quizgen.cli import app
from quizgen.exporters import ExportOptions
from quizgen.pipeline import BuildConfig, build
from quizgen.select import SelectionSpec

from conftest import ROOT, SAMPLE_BANK

pypdf = pytest.importorskip("pypdf")
runner = CliRunner()

# The sample bank plus a question whose key is wrong: the Rome Statute was adopted in 1998,
# but the teacher typed 2002 (when it came into force) as the answer.
MISKEYED = """
  - id: statute-year
    type: multiple_choice
    prompt: In which year was the Rome Statute adopted?
    answer: "2002"
    distractors: ["1998", "2016", "1945"]
    source: alpha
"""
TRUE_ANSWER = "1998"
STUDENTS = 24


# The class's sheet: a plain build that includes the short-answer question (its matching
# question "roles" would give it away, so a plain build leaves it out), so that one written
# answer is left to a person to review.
CLASS_SPEC = SelectionSpec(seed=7, include=("spokesman-name",))


def _plain_quiz(text: str, spec: SelectionSpec = SelectionSpec(seed=7)) -> tuple:
    """The questions a build of a bank prints (the selection rules decide, not this test)."""
    from quizgen.banks import load_bank_text
    from quizgen.pipeline import bank_questions
    from quizgen.select import choose_quiz

    bank = load_bank_text(text, "sample.yaml")
    return choose_quiz(bank, bank_questions(bank)[0], spec).questions


_SHEET = _plain_quiz(SAMPLE_BANK.read_text(encoding="utf-8") + MISKEYED, CLASS_SPEC)
_SAMPLE_ALONE = _plain_quiz(SAMPLE_BANK.read_text(encoding="utf-8"))
assert "statute-year" in {q.id for q in _SHEET}
assert [q.id for q in _SHEET if q.type == "short_answer"] == ["spokesman-name"]
QUESTIONS = len(_SHEET)
MAX_POINTS = float(sum(q.points for q in _SHEET))
HEADER = "student,version," + ",".join(str(n) for n in range(1, QUESTIONS + 1))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("class")
    banks = folder / "banks"
    banks.mkdir()
    (banks / "sample.yaml").write_text(SAMPLE_BANK.read_text(encoding="utf-8") + MISKEYED, encoding="utf-8")
    build(BuildConfig(paths=(str(banks),), out=folder / "out", formats=("worksheet", "key"),
                      selection=SelectionSpec(seed=7, versions=3, include=CLASS_SPEC.include),
                      options=ExportOptions()))
    return folder


def sheets(folder: Path) -> dict[str, dict]:
    entries = json.loads((folder / "out" / "manifest.json").read_text(encoding="utf-8"))
    return {e["version"]: e for e in entries if e["kind"] == "worksheet"}


def right_cell(record: dict) -> str:
    """What a student who knows the (keyed) answer writes, in the forms a teacher meets."""
    t, answer = record["type"], record["answer"]
    if t == "multiple_choice":
        return ";".join(answer)
    if t == "true_false":
        return "T" if answer else "False"
    if t == "short_answer":
        return "  dmitry PESKOV. "  # case, spacing and punctuation are not marked down
    if t == "numeric":
        return f"{answer:g} {record['unit']}" if record.get("unit") else f"{answer:g}"
    if t == "cloze":
        return "; ".join(a.upper() for a in answer)
    if t == "matching":
        return ";".join(answer)
    return ";".join(str(n) for n in answer)


def wrong_cell(record: dict) -> str:
    """A wrong answer of the same shape that earns nothing (no partial credit)."""
    t, answer = record["type"], record["answer"]
    if t == "multiple_choice":
        return next(chr(65 + i) for i in range(len(record["options"])) if chr(65 + i) not in answer)
    if t == "true_false":
        return "F" if answer else "T"
    if t == "short_answer":
        return ""  # left blank (a written wrong answer would be "review")
    if t == "numeric":
        return str(answer + 3)
    if t == "cloze":
        return ""
    rotated = answer[1:] + answer[:1]  # every item moved: nothing right
    return ";".join(str(a) for a in rotated)


def plan_class(folder: Path):
    """Student k (0 = weakest) is right on a question when k is above its threshold; the
    mis-keyed question is "right" (by the key) only for the weaker half, because the
    stronger half choose the true answer."""
    rng = random.Random("synthetic-class")
    by_version = sheets(folder)
    versions = sorted(by_version)
    ids = by_version[versions[0]]["questions"]
    thresholds = {qid: rng.randrange(2, STUDENTS - 4) for qid in ids}
    rows, expected = [], {}
    for k in range(STUDENTS):
        version = versions[k % len(versions)]
        entry = by_version[version]
        cells, total = [], 0.0
        for qid, record in zip(entry["questions"], entry["marking"]):
            if qid == "statute-year":
                if k >= STUDENTS // 2:
                    cells.append(chr(65 + record["options"].index(TRUE_ANSWER)))
                else:
                    cells.append(record["answer"][0])
                    total += record["points"]
                continue
            if k == STUDENTS - 1 and record["type"] == "short_answer":
                cells.append("the president's press secretary")  # not in accept: a person decides
            elif k > thresholds[qid]:
                cells.append(right_cell(record))
                total += record["points"]
            else:
                cells.append(wrong_cell(record))
        rows.append([f"student-{k:02d}", version] + cells)
        expected[f"student-{k:02d}"] = total
    return rows, expected, len(ids)


def write_csv(path: Path, rows, size: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(["student", "version"] + [str(n) for n in range(1, size + 1)])
        w.writerows(rows)
    return path


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_synthetic_class_gets_its_known_totals_and_the_miskeyed_question_is_flagged(built, tmp_path):
    rows, expected, size = plan_class(built)
    responses = write_csv(tmp_path / "responses.csv", rows, size)
    result = runner.invoke(app, ["mark", str(responses), "--manifest", str(built / "out" / "manifest.json")])
    assert result.exit_code == 0, result.output
    assert f"marked {STUDENTS} students on {size} questions" in result.output
    assert "check key: question statute-year" in result.output
    assert '1 answer to review ("review" in scores.csv)' in result.output
    scores = {r["student"]: r for r in read_csv(tmp_path / "scores.csv")}
    assert scores[f"student-{STUDENTS - 1}"]["spokesman-name"] == "review"
    assert {s: float(r["score"]) for s, r in scores.items()} == expected
    assert {float(r["max"]) for r in scores.values()} == {MAX_POINTS}
    for r in scores.values():
        assert float(r["percent"]) == pytest.approx(100 * float(r["score"]) / MAX_POINTS, abs=0.05)
    items = {r["id"]: r for r in read_csv(tmp_path / "items.csv")}
    assert items["statute-year"]["flag"] == "check key"
    assert items["spokesman-name"]["needs_review"] == "1"
    assert float(items["statute-year"]["discrimination"]) < -0.5
    assert items["statute-year"]["choices"].startswith(f"2002={STUDENTS // 2}; ") and \
        f"{TRUE_ANSWER}={STUDENTS // 2}" in items["statute-year"]["choices"]
    assert float(items["statute-year"]["difficulty"]) == pytest.approx(0.5)
    # the well-keyed questions separate strong from weak students: none is flagged "check key"
    assert [q for q, r in items.items() if r["flag"] == "check key"] == ["statute-year"]
    for qid, r in items.items():
        if qid != "statute-year":
            assert float(r["discrimination"]) > 0.3, qid
    report = pypdf.PdfReader(tmp_path / "report.pdf")
    assert len(report.pages) == 1
    text = " ".join(report.pages[0].extract_text().split())
    assert f"{STUDENTS} students" in text and "Score distribution" in text
    assert "Flagged items (1)" in text and "statute-year" in text and "check key" in text
    assert "1 answer need a person" in text or "1 answer needs a person" in text


def test_marks_are_the_same_bytes_twice(built, tmp_path):
    rows, _, size = plan_class(built)
    responses = write_csv(tmp_path / "responses.csv", rows, size)
    manifest = built / "out" / "manifest.json"
    mark.mark_class(responses, manifest, tmp_path / "one")
    mark.mark_class(responses, manifest, tmp_path / "two")
    for name in ("scores.csv", "items.csv", "report.pdf"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def printed(qtype: str, answer, points=1.0, **kw) -> mark.Printed:
    return mark.Printed(number=1, id="q", type=qtype, points=points, answer=answer, **kw)


@pytest.mark.parametrize("p,cell,earned", [
    (printed("multiple_choice", ("B",), options=("a", "b", "c")), "b", 1.0),
    (printed("multiple_choice", ("B",), options=("a", "b", "c")), "A", 0.0),
    (printed("multiple_choice", ("A", "C"), 2, options=("a", "b", "c")), "C;A", 2.0),
    (printed("multiple_choice", ("A", "C"), 2, options=("a", "b", "c")), "A", 0.0),
    (printed("true_false", True), "True", 1.0),
    (printed("true_false", True), "f", 0.0),
    (printed("short_answer", ("Dmitry Peskov", "Peskov")), "peskov!", 1.0),
    (printed("short_answer", ("The Hague",)), "Hague", 1.0),
    (printed("short_answer", ("Dmitry Peskov", "Peskov")), "the Kremlin", None),
    (printed("numeric", 1998.0), "1998", 1.0),
    (printed("numeric", 1000.0, tolerance=50.0, unit="km"), "1,040 km", 1.0),
    (printed("numeric", 1000.0, tolerance=50.0, unit="km"), "1 060", 0.0),
    (printed("numeric", 2.5), "2,5", 1.0),
    (printed("numeric", 4.0), "four", None),
    (printed("cloze", ("ratified", "Rome Statute")), "Ratified; rome statute", 1.0),
    (printed("cloze", ("ratified", "Rome Statute")), "ratified;", 0.5),
    (printed("cloze", ("ratified", "Rome Statute")), "ratified; treaty", None),
    (printed("cloze", ("ratified", "Rome Statute")), "ratified", None),
    (printed("matching", ("b", "a", "c"), 3, options=("x", "y", "z")), "b;c;a", 1.0),
    (printed("ordering", (3, 4, 2, 1), options=("w", "x", "y", "z")), "3;4;2;1", 1.0),
    (printed("ordering", (3, 4, 2, 1), options=("w", "x", "y", "z")), "3;4;1;2", 0.5),
    (printed("ordering", (3, 4, 2, 1)), "", 0.0),
])
def test_one_cell(p, cell, earned):
    assert mark.mark_cell(p, cell).earned == earned


@given(st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: round(v, 2)))
def test_numbers_read_back_as_written(value):
    assert mark.parse_number(f"{value:,.2f}") == pytest.approx(value)
    assert mark.parse_number(f"{value:.2f} km", "km") == pytest.approx(value)


@given(st.text(alphabet=st.characters(categories=["L", "N", "P", "Zs"]), max_size=30))
def test_normalising_twice_changes_nothing(text):
    assert mark.normalise(mark.normalise(text)) == mark.normalise(text)


def test_bad_rows_are_located_errors_and_nothing_is_written(built, tmp_path):
    rows, _, size = plan_class(built)
    first = sheets(built)["A"]
    mc = next(n for n, r in enumerate(first["marking"], start=3) if r["type"] == "multiple_choice")
    bad = [list(rows[0]), ["student-x", "Q"] + rows[0][2:], ["student-y", "A"] + rows[0][2:-1],
           ["student-z", "A"] + rows[0][2:]]
    bad[3][mc - 1] = "Z"
    bad.append(list(rows[0]))  # the same student again
    responses = write_csv(tmp_path / "responses.csv", bad, size)
    result = runner.invoke(app, ["mark", str(responses), "--manifest", str(built / "out" / "manifest.json")])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == f"{responses}:3: student 'student-x': unknown version 'Q'; expected one of: A, B, C"
    assert lines[1] == f"{responses}:4: {size + 1} columns; expected {size + 2} (student, version and one per question)"
    assert re.fullmatch(rf"{re.escape(str(responses))}:5: student 'student-z', question {mc - 2}: 'Z' is not a printed "
                        r"option; expected a letter A to [C-F]", lines[2])
    assert lines[3] == f"{responses}:6: student 'student-00' already has a row (line 2); expected one row per student"
    assert lines[4] == f"Aborted: 4 errors in {responses}; nothing was written"
    assert "Traceback" not in result.output
    assert not (tmp_path / "scores.csv").exists()


def test_a_wrong_header_is_an_error_on_line_1(built, tmp_path):
    responses = tmp_path / "responses.csv"
    responses.write_text("name,version,1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["mark", str(responses), "--manifest", str(built / "out" / "manifest.json")])
    assert result.exit_code == 1
    assert result.output.startswith(f"{responses}:1: header 'name,version,1,2' does not match the quiz; expected "
                                    + HEADER)


def test_template_writes_the_header_and_never_overwrites(built, tmp_path):
    target = tmp_path / "class" / "responses.csv"
    manifest = str(built / "out" / "manifest.json")
    result = runner.invoke(app, ["mark", str(target), "--template", "--manifest", manifest])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == HEADER + "\n"
    again = runner.invoke(app, ["mark", str(target), "--template", "--manifest", manifest])
    assert again.exit_code == 1 and "already exists" in again.output
    empty = runner.invoke(app, ["mark", str(target), "--manifest", manifest])
    assert empty.exit_code == 0 and "no student rows yet" in empty.output


def test_a_manifest_without_worksheets_is_explained(tmp_path):
    (tmp_path / "manifest.json").write_text("[]", encoding="utf-8")
    (tmp_path / "responses.csv").write_text("student,version,1\n", encoding="utf-8")
    result = runner.invoke(app, ["mark", str(tmp_path / "responses.csv")])
    assert result.exit_code == 1
    assert "no worksheet in this manifest" in result.output and "--format worksheet" in result.output


# ---- the walk-through in docs/marking.md ----

def test_the_sample_responses_in_the_docs_mark(tmp_path, monkeypatch):
    doc = (ROOT / "docs" / "marking.md").read_text(encoding="utf-8")
    build_line = next(line for line in re.findall(r"^\$ (quizgen build .*)$", doc, re.M))
    sample = re.search(r"```csv\n(.*?)```", doc, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    import shutil

    shutil.copytree(ROOT / "question_banks", tmp_path / "question_banks",
                    ignore=shutil.ignore_patterns("__init__.py", "__pycache__", "*.anki-state.json"))
    result = runner.invoke(app, build_line.split()[1:])
    assert result.exit_code == 0, result.output
    (tmp_path / "responses.csv").write_text(sample, encoding="utf-8")
    result = runner.invoke(app, ["mark", "responses.csv"])
    assert result.exit_code == 0, result.output
    scores = read_csv(tmp_path / "scores.csv")
    assert [r["student"] for r in scores] == [line.split(",")[0] for line in sample.splitlines()[1:]]
    shown = re.search(r"```text\n\s*(student,version,score.*?)\n", doc).group(1)
    header = (tmp_path / "scores.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",")[:5] == shown.split(",")[:5]  # then the question ids, which the bank decides
    assert len(header.split(",")) == 5 + len(sample.splitlines()[0].split(",")) - 2


def test_a_build_of_answer_sheets_alone_can_be_marked(tmp_path):
    out = tmp_path / "out"
    build(BuildConfig(paths=(str(SAMPLE_BANK),), out=out, formats=("answer_sheet",),
                      selection=SelectionSpec(versions=2), options=ExportOptions(), state_dir=tmp_path))
    entries = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {e["kind"] for e in entries} == {"answer_sheet", "answer_sheet_key"}
    quiz = mark.load_quiz(out / "manifest.json")
    assert sorted(quiz.versions) == ["A", "B"] and quiz.size == len(_SAMPLE_ALONE)
    sheet_a = next(e for e in entries if e["kind"] == "answer_sheet" and e["version"] == "A")
    responses = tmp_path / "r.csv"
    cells = [right_cell(r) for r in sheet_a["marking"]]
    responses.write_text("student,version," + ",".join(str(n) for n in range(1, len(_SAMPLE_ALONE) + 1)) + "\n"
                         + "ana,A," + ",".join(f'"{c}"' for c in cells) + "\n", encoding="utf-8")
    report = mark.mark_class(responses, out / "manifest.json", tmp_path / "marks")
    alone = float(sum(q.points for q in _SAMPLE_ALONE))
    assert [(s.student, s.score, s.max) for s in report.students] == [("ana", alone, alone)]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.booleans(), min_size=QUESTIONS, max_size=QUESTIONS), min_size=1, max_size=12),
       st.sampled_from(["A", "B", "C"]))
def test_any_class_gets_the_totals_its_answers_earn(built, answers, version):
    """Whoever is right on whichever questions, the score is the sum of those questions' points."""
    entry = sheets(built)[version]
    quiz = mark.load_quiz(built / "out" / "manifest.json")
    rows = []
    for k, rights in enumerate(answers):
        cells = tuple((right_cell(r) if right else wrong_cell(r)).strip() for r, right in zip(entry["marking"], rights))
        rows.append(mark.Response(f"s{k}", version, cells, k + 2))
    students = mark.mark_all(quiz, rows)
    for student, rights in zip(students, answers):
        assert student.score == sum(r["points"] for r, right in zip(entry["marking"], rights) if right)
        assert student.max == MAX_POINTS and student.reviews == 0
    stats = mark.analyse_items(quiz, students)
    for item in stats:
        column = [rights[entry["questions"].index(item.id)] for rights in answers]
        assert item.correct == sum(column)
        assert item.difficulty == pytest.approx(sum(column) / len(column))
        assert item.discrimination is None or -1 - 1e-9 <= item.discrimination <= 1 + 1e-9


def test_a_semicolon_separated_sheet_and_run_together_letters_are_read(built, tmp_path):
    entry = sheets(built)["A"]
    cells = [right_cell(r).replace(";", ", ") if r["type"] in ("matching", "ordering")
             else "".join(r["answer"]) if r["type"] == "multiple_choice" else right_cell(r) for r in entry["marking"]]
    responses = tmp_path / "r.csv"
    responses.write_text("student;version;" + ";".join(str(n) for n in range(1, QUESTIONS + 1)) + "\n"
                         + "ana;A;" + ";".join(f'"{c}"' for c in cells) + "\n", encoding="utf-8")
    quiz = mark.load_quiz(built / "out" / "manifest.json")
    rows = mark.read_responses(responses, quiz)
    assert [s.score for s in mark.mark_all(quiz, rows)] == [MAX_POINTS]
