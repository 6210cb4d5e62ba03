"""The LMS exports (moodle, gift, qti), proven by real parsers: gift-pegjs for GIFT, the IMS
QTI 1.2 DTD and content-packaging schema (lxml) for QTI, lxml and Moodle's own rules for
Moodle XML. Run for the default bank and for a bank with every type and hostile text."""
from __future__ import annotations

import html
import io
import json
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import DATA, DEFAULT_BANK, ROOT, TESTS

from quizgen.banks import load_bank
from quizgen.exporters import EXPORTERS, ExportJob, load_exporter
from quizgen.exporters import lms
from quizgen.model import QUESTION_TYPES, Question
from quizgen.pipeline import BuildConfig, bank_questions, build
from quizgen.select import SelectionSpec

EVERY_TYPE_BANK = DATA / "banks" / "lms" / "every-type.yaml"
BANKS = {"every-type": EVERY_TYPE_BANK, "icc-withdrawal-2016": DEFAULT_BANK}
LMS_FORMATS = ("moodle", "gift", "qti", "html")
SHARED_QTI = ROOT.parent / "shared" / "qti"  # ../shared/qti, beside the repository
GIFT_PARSER = TESTS / "js" / "node_modules" / "gift-pegjs"
MOODLE_GRADES = {float(v) for v in lms.MOODLE_FRACTIONS} | {-float(v) for v in lms.MOODLE_FRACTIONS}


@lru_cache(maxsize=None)
def bank_and_questions(name: str):
    bank = load_bank(str(BANKS[name]))
    questions, _ = bank_questions(bank)
    return bank, questions


def job_for(name: str, quiz: tuple[Question, ...] | None = None) -> ExportJob:
    bank, questions = bank_and_questions(name)
    if quiz is None:
        return ExportJob(bank=bank, sets=(), questions=questions, quiz=questions)
    return ExportJob(bank=bank, sets=(), questions=questions, quiz=quiz, quiz_requested=True)


@lru_cache(maxsize=None)
def rendered(fmt: str, name: str):
    [artifact] = load_exporter(fmt).render(job_for(name))
    return artifact


def by_id(name: str) -> dict[str, Question]:
    return {q.id: q for q in bank_and_questions(name)[1]}


# -- design: every format handles every type ----------------------------------------
@pytest.fixture(scope="module")
def every_type_builds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Each registered exporter run alone on the every-type bank, through the pipeline."""
    results = {}
    for fmt in EXPORTERS:
        folder = tmp_path_factory.mktemp(f"every-{fmt}")
        shutil.copy(EVERY_TYPE_BANK, folder / EVERY_TYPE_BANK.name)
        report = build(BuildConfig(paths=(str(folder),), out=folder / "out", formats=(fmt,)))
        if not hasattr(load_exporter(fmt), "support"):  # a printed quiz: the selection rules leave some out
            for n, qid in enumerate(_left_out_of_the_printed_quiz()):  # so a second quiz prints each type
                again = build(BuildConfig(paths=(str(folder),), out=folder / f"out-{n}", formats=(fmt,),
                                          selection=SelectionSpec(include=(qid,))))
                report = replace(report, manifest=report.manifest + again.manifest,
                                 warnings=report.warnings + again.warnings)
        results[fmt] = report
    return results


def _left_out_of_the_printed_quiz() -> list[str]:
    """One question of each type a plain build's quiz of the every-type bank has none of (its
    matching question gives its short-answer question away, so no one sheet holds every type)."""
    from quizgen.select import choose_quiz
    bank, questions = bank_and_questions("every-type")
    printed = {q.type for q in choose_quiz(bank, questions, SelectionSpec()).questions}
    first: dict[str, str] = {}
    for q in questions:
        if q.type not in printed:
            first.setdefault(q.type, q.id)
    return list(first.values())


@pytest.mark.parametrize("fmt", sorted(EXPORTERS))
@pytest.mark.parametrize("qtype", QUESTION_TYPES)
def test_every_exporter_handles_every_type(every_type_builds: dict, fmt: str, qtype: str) -> None:
    report = every_type_builds[fmt]
    carried = {qid for entry in report.manifest for qid in entry["questions"]}
    of_type = [q.id for q in bank_and_questions("every-type")[1] if q.type == qtype]
    assert of_type, f"the every-type bank has no {qtype} question"
    exporter = load_exporter(fmt)
    if hasattr(exporter, "support"):  # the table design (STYLE §8): every type declared and handled
        assert set(exporter.support) == set(QUESTION_TYPES) == set(exporter.render_type)
        for qid in of_type:
            warned = [w for w in report.warnings if f"question {qid}: left out of" in w]
            assert qid in carried or warned, f"{fmt} neither carries {qid} nor warns about it"
            if warned:
                assert "left out" in exporter.support[qtype], f"{fmt} warns about {qtype} but declares it carried"
    else:  # the release-1 exporters: at least the type reaches the output
        assert carried & set(of_type), f"{fmt} carries no {qtype} question"


def test_warnings_follow_the_house_format() -> None:
    artifact = rendered("gift", "every-type")
    [line] = artifact.warnings
    assert re.fullmatch(r".*every-type\.yaml:\d+: question cloze-many: left out of every-type\.gift\.txt: "
                        r"a cloze with 3 blanks has no GIFT form; import the moodle format .*", line)


def test_fact_groups_never_share_a_fact() -> None:
    for name in BANKS:
        bank, questions = bank_and_questions(name)
        groups = lms.fact_groups(bank, questions)
        assert sum(len(g.questions) for g in groups) == len(questions)
        seen: dict[str, str] = {}
        for group in groups:
            for fact in {f for q in group.questions for f in q.facts}:
                assert fact not in seen, f"fact {fact} in groups {seen[fact]} and {group.key}"
                seen[fact] = group.key
            if not group.facts:
                assert len(group.questions) == 1
    bank, questions = bank_and_questions("every-type")
    [decree] = [g for g in lms.fact_groups(bank, questions) if g.facts]
    assert decree.facts == ("decree-signed",)
    assert {q.id for q in decree.questions} >= {"mc-hostile", "tf-hostile", "cloze-many", "decree-signed.action-true"}


def test_a_question_testing_two_facts_joins_their_groups() -> None:
    bank, questions = bank_and_questions("icc-withdrawal-2016")
    groups = lms.fact_groups(bank, questions)
    timeline = next(g for g in groups if any(q.id == "timeline" for q in g.questions))
    assert {"rome-statute-adopted", "decree-signed", "crimea-annexed"} <= set(timeline.facts)
    assert all(set(q.facts) <= set(timeline.facts) for q in timeline.questions)


@pytest.mark.parametrize("fmt", ("moodle", "gift", "qti"))
def test_with_quiz_flags_an_lms_file_is_the_chosen_quiz(fmt: str) -> None:
    bank, questions = bank_and_questions("icc-withdrawal-2016")
    quiz = tuple(q for q in questions if q.type in ("multiple_choice", "matching"))[:6]
    [artifact] = load_exporter(fmt).render(job_for("icc-withdrawal-2016", quiz))
    assert artifact.questions == tuple(q.id for q in quiz)
    text = artifact.data if fmt != "qti" else zipfile.ZipFile(io.BytesIO(artifact.data)).read(
        "icc-withdrawal-2016/icc-withdrawal-2016.xml")
    assert b"selection_number" not in text
    assert text.count(b"$course$/top/") == (1 if fmt != "qti" else 0)


@pytest.mark.parametrize("fmt", LMS_FORMATS)
@pytest.mark.parametrize("name", sorted(BANKS))
def test_same_bank_same_bytes(fmt: str, name: str) -> None:
    [again] = load_exporter(fmt).render(job_for(name))
    assert again.data == rendered(fmt, name).data


# -- GIFT: gift-pegjs ------------------------------------------------------------------
def parse_gift(text: str) -> list[dict]:
    if shutil.which("node") is None or not GIFT_PARSER.is_dir():
        pytest.skip("needs node and tests/js/node_modules/gift-pegjs (make test-deps)")
    script = ("const g = require(process.argv[1]); let s = ''; process.stdin.on('data', d => s += d);"
              "process.stdin.on('end', () => process.stdout.write(JSON.stringify(g.parse(s))));")
    done = subprocess.run(["node", "-e", script, str(GIFT_PARSER)], input=text, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def gift_pegjs_decode(text: str) -> str:
    """gift-pegjs 1.0.2 leaves its own placeholders ("&&123;" for an escaped "{") in a matching
    answer, which it does not run through its decoder; decode them as it does elsewhere."""
    return re.sub(r"&&(\d{3});", lambda m: chr(int(m.group(1))), text).replace("&&010", "\n")


def unhtml(text: str) -> str:
    return html.unescape(text.replace("<br>", "\n"))


GIFT_TYPES = {"true_false": "TF", "short_answer": "Short", "numeric": "Numerical", "matching": "Matching",
              "ordering": "Matching", "cloze": "Short"}


@pytest.mark.parametrize("name", sorted(BANKS))
def test_gift_parses_and_round_trips(name: str) -> None:
    artifact = rendered("gift", name)
    parsed = parse_gift(artifact.data.decode("utf-8"))
    questions = [p for p in parsed if p["type"] != "Category"]
    categories = [p["title"] for p in parsed if p["type"] == "Category"]
    bank, all_questions = bank_and_questions(name)
    assert len(categories) == len(lms.fact_groups(bank, all_questions))
    assert [p["title"] for p in questions] == list(artifact.questions)
    wanted = by_id(name)
    for p in questions:
        q = wanted[p["title"]]
        assert p["type"] == ("MC" if q.type == "multiple_choice" else GIFT_TYPES[q.type]), q.id
        stem = unhtml(p["stem"]["text"])
        feedback = unhtml(p["globalFeedback"]["text"])
        assert feedback == lms.feedback_text(bank, q)
        if q.type == "multiple_choice":
            assert stem == q.prompt
            got = [(unhtml(c["text"]["text"]), c["isCorrect"], c["weight"]) for c in p["choices"]]
            assert [g[0] for g in got] == [text for text, _ in lms.options(q)]
            if len(q.answers) == 1:
                assert [g[1] for g in got] == [right for _, right in lms.options(q)]
            else:
                assert all(w in MOODLE_GRADES for _, _, w in got)
                assert sum(w for _, _, w in got if w > 0) == pytest.approx(100, abs=1e-3)
                assert [w > 0 for _, _, w in got] == [right for _, right in lms.options(q)]
        elif q.type == "true_false":
            assert stem == q.prompt and p["isTrue"] is q.truth
        elif q.type == "short_answer":
            assert stem == q.prompt
            assert [unhtml(c["text"]["text"]) for c in p["choices"]] == list(lms.accepted(q))
        elif q.type == "cloze":
            assert [unhtml(c["text"]["text"]) for c in p["choices"]] == list(q.blanks[0].accepted)
            # the text reads as the bank's, with "_____" where the blank is (spacing aside)
            assert re.sub(r"\s", "", stem) == re.sub(r"\s", "", lms.cloze_display(q))
        elif q.type == "numeric":
            assert stem == lms.numeric_prompt(q)
            value = p["choices"]  # a single answer: the parser gives the object itself
            assert value["type"] == ("range" if q.tolerance else "simple")
            assert value["number"] == pytest.approx(q.number)
            assert value.get("range", 0) == pytest.approx(q.tolerance or 0)
        else:
            pairs = q.pairs if q.type == "matching" else lms.ordering_pairs(q)
            got = [(unhtml(m["subquestion"]["text"]), gift_pegjs_decode(m["subanswer"])) for m in p["matchPairs"]]
            assert got == [(left, " ".join(right.split())) for left, right in pairs]


def test_gift_keeps_every_special_character() -> None:
    parsed = {p["title"]: p for p in parse_gift(rendered("gift", "every-type").data.decode()) if "title" in p}
    hostile = parsed["mc-hostile"]
    assert unhtml(hostile["stem"]["text"]) == "Which string is a GIFT control sequence: ~ = # { } : or <b>bold</b> & more?"
    assert unhtml(hostile["choices"][0]["text"]["text"]) == "{=a ~b} #fb"
    assert unhtml(hostile["choices"][3]["text"]["text"]) == "<script>alert(1)</script>"
    assert "<script>" not in hostile["choices"][3]["text"]["text"]  # Moodle shows it as text
    assert unhtml(parsed["mc-cyrillic"]["choices"][0]["text"]["text"]) == "Римский статут"
    cloze = parsed["cloze-one"]
    assert cloze["hasEmbeddedAnswers"] and unhtml(cloze["stem"]["text"]).startswith("The court sits in")
    assert "cloze-many" not in parsed  # three blanks: left out, with the warning above


# -- QTI: the IMS DTD and schema, Canvas's question types ------------------------------
def need_shared_qti() -> None:
    if not (SHARED_QTI / "ims_qtiasiv1p2p1.dtd").is_file():
        pytest.skip("needs ../shared/qti (the IMS QTI 1.2 DTD and content-packaging schema)")


def qti_files(name: str) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(rendered("qti", name).data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def without_namespaces(root: etree._Element) -> etree._Element:
    """The QTI root as the DTD knows it (see ../shared/qti/README.md)."""
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith("{"):
            element.tag = element.tag.split("}", 1)[1]
    root.attrib.pop("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", None)
    etree.cleanup_namespaces(root)
    return root


CANVAS_TYPES = {"true_false": "true_false_question", "short_answer": "short_answer_question",
                "cloze": "fill_in_multiple_blanks_question", "numeric": "numerical_question",
                "matching": "matching_question", "ordering": "matching_question"}


@pytest.mark.parametrize("name", sorted(BANKS))
def test_qti_validates_against_the_ims_dtd(name: str) -> None:
    need_shared_qti()
    files = qti_files(name)
    assert sorted(files) == sorted(["imsmanifest.xml", f"{name}/{name}.xml"])
    dtd = etree.DTD(str(SHARED_QTI / "ims_qtiasiv1p2p1.dtd"))
    root = without_namespaces(etree.fromstring(files[f"{name}/{name}.xml"]))
    assert dtd.validate(root), dtd.error_log.filter_from_errors()


@pytest.mark.parametrize("name", sorted(BANKS))
def test_qti_manifest_validates_against_the_content_packaging_schema(name: str, tmp_path: Path) -> None:
    need_shared_qti()
    # the schema imports xml.xsd from w3.org; the tests run offline, so declare xml:base/xml:lang here
    (tmp_path / "xml.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/XML/1998/namespace">'
        '<xs:attribute name="base" type="xs:anyURI"/><xs:attribute name="lang" type="xs:language"/></xs:schema>')
    schema_text = (SHARED_QTI / "imscp_v1p1.xsd").read_text(encoding="utf-8")
    schema_text = schema_text.replace("http://www.w3.org/2001/03/xml.xsd", (tmp_path / "xml.xsd").as_uri())
    schema = etree.XMLSchema(etree.fromstring(schema_text.encode()))
    manifest = etree.fromstring(qti_files(name)["imsmanifest.xml"])
    assert schema.validate(manifest), schema.error_log.filter_from_errors()
    [resource] = manifest.iter("{http://www.imsglobal.org/xsd/imscp_v1p1}resource")
    assert resource.get("type") == "imsqti_xmlv1p2" and resource.get("href") == f"{name}/{name}.xml"


@pytest.mark.parametrize("name", sorted(BANKS))
def test_qti_items_carry_the_canvas_question_type_and_points(name: str) -> None:
    root = without_namespaces(etree.fromstring(qti_files(name)[f"{name}/{name}.xml"]))
    wanted = by_id(name)
    items = list(root.iter("item"))
    assert [i.get("title") for i in items] == list(rendered("qti", name).questions)
    assert len(items) == len(wanted)
    for item in items:
        q = wanted[item.get("title")]
        meta = {f.findtext("fieldlabel"): f.findtext("fieldentry") for f in item.iter("qtimetadatafield")}
        expected = CANVAS_TYPES.get(q.type) or ("multiple_choice_question" if len(q.answers) == 1
                                                 else "multiple_answers_question")
        assert meta["question_type"] == expected, q.id
        assert float(meta["points_possible"]) == q.points
        feedback = "".join(item.find("itemfeedback").itertext())
        assert html.unescape(feedback.replace("<br>", "\n")) == lms.feedback_text(by_bank(name), q)
        if q.type == "multiple_choice":
            labels = {l.get("ident"): html.unescape("".join(l.itertext())) for l in item.iter("response_label")}
            right = {labels[v.text] for v in item.find("resprocessing").iter("varequal")
                     if v.getparent().tag != "not"}
            assert right == set(q.answers)
        if q.type == "cloze":
            text = html.unescape(item.find("presentation/material/mattext").text)
            assert [f"[blank{i + 1}]" in text for i in range(len(q.blanks))] == [True] * len(q.blanks)
            answers = [l.findtext("material/mattext") for l in item.iter("response_label")]
            assert answers == [a for b in q.blanks for a in b.accepted]  # every right answer of each blank
            # a blank scores when any of its answers is given: one condition per blank
            scoring = [c for c in item.find("resprocessing").findall("respcondition")
                       if c.find("setvar[@varname='SCORE']") is not None]
            assert [len(c.findall(".//varequal")) for c in scoring] == [len(b.accepted) for b in q.blanks]
        if q.type == "numeric":
            assert item.find(".//render_fib").get("fibtype") == "Decimal"
            low, high = lms.numeric_range(q)
            assert float(item.findtext(".//vargte")) == pytest.approx(low)
            assert float(item.findtext(".//varlte")) == pytest.approx(high)


def by_bank(name: str):
    return bank_and_questions(name)[0]


def test_qti_groups_pick_one_question_per_fact() -> None:
    root = without_namespaces(etree.fromstring(qti_files("icc-withdrawal-2016")[
        "icc-withdrawal-2016/icc-withdrawal-2016.xml"]))
    bank, questions = bank_and_questions("icc-withdrawal-2016")
    groups = [g for g in lms.fact_groups(bank, questions) if len(g.questions) > 1]
    sections = [s for s in root.iter("section") if s.get("ident") != "root_section"]
    assert len(sections) == len(groups) > 5
    for section, group in zip(sections, groups):
        assert section.findtext("selection_ordering/selection/selection_number") == "1"
        assert [i.get("title") for i in section.findall("item")] == [q.id for q in group.questions]


# -- Moodle XML ------------------------------------------------------------------------
MOODLE_QTYPES = {"multiple_choice": "multichoice", "true_false": "truefalse", "short_answer": "shortanswer",
                 "cloze": "cloze", "numeric": "numerical", "matching": "matching", "ordering": "matching"}
# what Moodle's XML import (question/format/xml) reads for each qtype, besides name/questiontext
MOODLE_FIELDS = {
    "multichoice": ["defaultgrade", "penalty", "single", "shuffleanswers", "answernumbering",
                    "correctfeedback", "partiallycorrectfeedback", "incorrectfeedback", "answer"],
    "truefalse": ["defaultgrade", "penalty", "answer"],
    "shortanswer": ["defaultgrade", "penalty", "usecase", "answer"],
    "numerical": ["defaultgrade", "penalty", "answer", "unitgradingtype", "unitpenalty", "showunits", "unitsleft"],
    "matching": ["defaultgrade", "penalty", "shuffleanswers", "correctfeedback", "partiallycorrectfeedback",
                 "incorrectfeedback", "subquestion"],
    "cloze": ["penalty"],
}
# Moodle's multianswer (cloze) syntax: {weight:SHORTANSWER:=answer}, answers with } # ~ / " \ escaped
EMBEDDED = re.compile(r"\{(\d+):SHORTANSWER:=((?:\\.|[^\\}#~/\"])*(?:~=(?:\\.|[^\\}#~/\"])*)*)\}")
EMBEDDED_SEPARATOR = re.compile(r"(?<!\\)~=")  # between the right answers of one blank


@pytest.mark.parametrize("name", sorted(BANKS))
def test_moodle_xml_has_every_field_moodle_reads(name: str) -> None:
    root = etree.fromstring(rendered("moodle", name).data)
    assert root.tag == "quiz"
    wanted = by_id(name)
    bank = by_bank(name)
    questions = [q for q in root.findall("question") if q.get("type") != "category"]
    assert [q.findtext("name/text") for q in questions] == list(rendered("moodle", name).questions)
    expected_ids = [q.id for q in bank_and_questions(name)[1]]
    assert sorted(q.findtext("name/text") for q in questions) == sorted(expected_ids)
    for element in questions:
        q = wanted[element.findtext("name/text")]
        qtype = element.get("type")
        assert qtype == MOODLE_QTYPES[q.type], q.id
        for field in ["name", "questiontext", "generalfeedback", "hidden", "idnumber"] + MOODLE_FIELDS[qtype]:
            assert element.find(field) is not None, f"{q.id}: no <{field}>"
        assert element.find("questiontext").get("format") == "html"
        if qtype != "cloze":
            assert float(element.findtext("defaultgrade")) == q.points
        assert html.unescape(element.findtext("generalfeedback/text").replace("<br>", "\n")) == \
            lms.feedback_text(bank, q)
        fractions = [float(a.get("fraction")) for a in element.findall("answer")]
        assert all(f in MOODLE_GRADES for f in fractions), (q.id, fractions)
        if qtype == "multichoice":
            texts = [html.unescape(a.findtext("text")) for a in element.findall("answer")]
            assert texts == [t for t, _ in lms.options(q)]
            assert [f > 0 for f in fractions] == [right for _, right in lms.options(q)]
            assert sum(f for f in fractions if f > 0) == pytest.approx(100, abs=1e-3)
            assert element.findtext("single") == ("true" if len(q.answers) == 1 else "false")
        if qtype == "truefalse":
            assert dict(zip([a.findtext("text") for a in element.findall("answer")], fractions)) == \
                {"true": 100 if q.truth else 0, "false": 0 if q.truth else 100}
        if qtype == "shortanswer":
            assert [a.findtext("text").replace("\\*", "*") for a in element.findall("answer")] == list(lms.accepted(q))
        if qtype == "numerical":
            [answer] = element.findall("answer")
            assert float(answer.findtext("text")) == q.number
            assert float(answer.findtext("tolerance")) == (q.tolerance or 0)
        if qtype == "matching":
            pairs = q.pairs if q.type == "matching" else lms.ordering_pairs(q)
            got = [(html.unescape(s.findtext("text")), s.findtext("answer/text")) for s in element.findall("subquestion")]
            assert got == [(left, " ".join(right.split())) for left, right in pairs]
        if qtype == "cloze":
            text = element.findtext("questiontext/text")
            found = EMBEDDED.findall(text)
            assert len(found) == len(q.blanks), (q.id, text)
            assert [[html.unescape(re.sub(r"\\(.)", r"\1", a)) for a in EMBEDDED_SEPARATOR.split(answers)]
                    for _, answers in found] == [list(b.accepted) for b in q.blanks]
            assert text.count("{") == len(q.blanks)  # nothing else Moodle could take for a blank


def test_moodle_categories_one_per_fact_under_each_tag() -> None:
    root = etree.fromstring(rendered("moodle", "every-type").data)
    paths = [c.findtext("category/text") for c in root.findall("question[@type='category']")]
    bank, questions = bank_and_questions("every-type")
    groups = lms.fact_groups(bank, questions)
    assert len(paths) == len(groups)
    top = "$course$/top/Every type & <every> format: ~ = # { } :/"
    assert top + "syntax/fact decree-signed" in paths
    assert top + "untagged/question tf-false" in paths
    assert all(p.startswith(top) for p in paths)
    # every question sits right after its group's category
    current = None
    for element in root.findall("question"):
        if element.get("type") == "category":
            current = element.findtext("category/text")
        elif element.findtext("name/text") in ("mc-hostile", "cloze-many"):
            assert current == top + "syntax/fact decree-signed"


def test_moodle_select_all_with_more_correct_answers_than_grades_is_left_out_with_a_warning() -> None:
    bank, questions = bank_and_questions("every-type")
    q = by_id("every-type")["select-all"]
    seven = replace(q, answers=tuple(f"answer {i}" for i in range(7)))
    eleven = replace(q, id="eleven", answers=tuple(f"answer {i}" for i in range(11)))
    job = ExportJob(bank=bank, sets=(), questions=(seven, eleven), quiz=(seven, eleven))
    for fmt in ("moodle", "gift"):
        [artifact] = load_exporter(fmt).render(job)
        assert artifact.questions == ("select-all",)  # 7 answers: 14.28571 each, a Moodle grade
        [line] = artifact.warnings
        assert "question eleven: left out" in line


# -- golden files ----------------------------------------------------------------------
GOLDEN_NAMES = {"moodle": "{}.moodle.xml", "gift": "{}.gift.txt"}  # html: test_exporter_html.py


@pytest.mark.parametrize("fmt", ("moodle", "gift", "qti"))
@pytest.mark.parametrize("name", ["every-type"])  # the default bank changes often; its parsers' tests stay
def test_golden(fmt: str, name: str, check_golden) -> None:
    artifact = rendered(fmt, name)
    if fmt == "qti":
        files = qti_files(name)
        text = "".join(f"=== {path}\n{data.decode('utf-8')}" for path, data in sorted(files.items()))
        check_golden(f"qti/{name}.qti.txt", text.replace("><", ">\n<"))
    else:
        check_golden(f"{fmt}/{GOLDEN_NAMES[fmt].format(name)}", artifact.data.decode("utf-8"))


def test_docs_type_table_is_the_exporters_support_tables() -> None:
    doc = (ROOT / "docs" / "lms.md").read_text(encoding="utf-8")
    for qtype in QUESTION_TYPES:
        row = "| `%s` | " % qtype + " | ".join(load_exporter(f).support[qtype] for f in LMS_FORMATS) + " |"
        assert row in doc, f"docs/lms.md: the {qtype} row should read\n{row}"


# -- property: any text survives every format's escaping ---------------------------------
HOSTILE = st.text(alphabet=st.sampled_from(list("aZ09 ~=#{}:\\%<>&\"'/*-[]\nйЖ«»→")), min_size=1, max_size=24) \
    .map(str.strip).filter(bool)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(HOSTILE, min_size=9, max_size=9, unique_by=lambda t: " ".join(t.split()).casefold()))
def test_any_text_round_trips_through_gift_and_moodle(texts: list[str]) -> None:
    bank, _ = bank_and_questions("every-type")
    prompt, right, wrong1, wrong2, statement, left1, left2, left3, answer = texts
    made = (
        Question(id="mc", bank=bank.id, type="multiple_choice", prompt=prompt, source="wire",
                 answers=(right,), distractors=(wrong1, wrong2), explanation=statement),
        Question(id="tf", bank=bank.id, type="true_false", prompt=statement, source="wire", truth=False),
        Question(id="sa", bank=bank.id, type="short_answer", prompt=prompt, source="wire", answers=(answer,)),
        Question(id="ma", bank=bank.id, type="matching", prompt=prompt, source="wire",
                 pairs=((left1, wrong1), (left2, wrong2), (left3, right))),
    )
    job = ExportJob(bank=bank, sets=(), questions=made, quiz=made)
    [gift] = load_exporter("gift").render(job)
    parsed = {p["title"]: p for p in parse_gift(gift.data.decode()) if p["type"] != "Category"}
    assert [unhtml(c["text"]["text"]) for c in parsed["mc"]["choices"]] == [right, wrong1, wrong2]
    assert unhtml(parsed["mc"]["stem"]["text"]) == prompt
    assert unhtml(parsed["mc"]["globalFeedback"]["text"]) == lms.feedback_text(bank, made[0])
    assert unhtml(parsed["tf"]["stem"]["text"]) == statement and parsed["tf"]["isTrue"] is False
    assert [unhtml(c["text"]["text"]) for c in parsed["sa"]["choices"]] == [answer]
    assert [(unhtml(m["subquestion"]["text"]), gift_pegjs_decode(m["subanswer"])) for m in parsed["ma"]["matchPairs"]] \
        == [(left1, " ".join(wrong1.split())), (left2, " ".join(wrong2.split())), (left3, " ".join(right.split()))]
    [moodle] = load_exporter("moodle").render(job)
    root = etree.fromstring(moodle.data)
    mc = root.find("question[@type='multichoice']")
    assert unhtml(mc.findtext("questiontext/text")) == prompt
    assert [unhtml(a.findtext("text")) for a in mc.findall("answer")] == [right, wrong1, wrong2]
    short = root.find("question[@type='shortanswer']")
    assert [a.findtext("text").replace("\\*", "*") for a in short.findall("answer")] == [answer]
