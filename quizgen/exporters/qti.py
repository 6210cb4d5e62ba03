"""IMS QTI 1.2 for Canvas (``B.qti.zip``): ``imsmanifest.xml`` plus one assessment.

Canvas reads a QTI 1.2 item's type from its ``question_type`` metadata field (the values
Canvas itself exports: ``multiple_choice_question``, ``multiple_answers_question``, ...)
and its points from ``points_possible``. Without quiz flags the assessment holds one
section per fact group with ``selection_number`` 1, which Canvas imports as a question
group that picks one question, so a quiz never asks the same fact twice; a group's
points per question are the questions' points when they agree (Canvas's rule), else 1.
With quiz flags the assessment is the chosen quiz, in bank order.

The XML is written as text, not built as a tree: 1,000 questions render in about
70 ms (benchmarks/qti.py). Every piece of bank text passes through ``esc``
(HTML-escaped for ``text/html`` material, then XML-escaped).
"""
from __future__ import annotations

import hashlib
import html
import io
import zipfile
from typing import Callable

from ..model import Bank, Question
from . import Artifact, ExportJob, register
from .lms import (NATIVE, accepted, carried_questions, check_table, cloze_pieces, fact_groups, feedback_text,
                  number_text, numeric_prompt, numeric_range, options, ordering_pairs, ordering_prompt)

ZIP_TIME = (2016, 11, 16, 0, 0, 0)  # fixed, so the same bank gives the same bytes
XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def xml(text: str) -> str:
    """Text as XML character data or attribute value."""
    return text.translate(XML_ESCAPES)


def html_mattext(text: str) -> str:
    """Bank text as a text/html mattext: HTML-escaped, line breaks kept, then XML-escaped."""
    body = html.escape(text, quote=False).replace("\r\n", "\n").replace("\n", "<br>")
    return f'<material><mattext texttype="text/html">{xml(body)}</mattext></material>'


def plain_mattext(text: str) -> str:
    return f'<material><mattext texttype="text/plain">{xml(text)}</mattext></material>'


def ident(*parts: str) -> str:
    """A stable identifier (letters and digits only, as Canvas's converter wants)."""
    return "i" + hashlib.blake2b("\x1f".join(parts).encode(), digest_size=10).hexdigest()


def metadata(question_type: str, points: float, answer_ids: list[str] = ()) -> str:
    fields = [("question_type", question_type), ("points_possible", f"{float(points)}")]
    if answer_ids:
        fields.append(("original_answer_ids", ",".join(answer_ids)))
    return ("<itemmetadata><qtimetadata>" + "".join(
        f"<qtimetadatafield><fieldlabel>{label}</fieldlabel><fieldentry>{entry}</fieldentry></qtimetadatafield>"
        for label, entry in fields) + "</qtimetadata></itemmetadata>")


SCORE = '<outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>'
SHOW_FEEDBACK = ('<respcondition continue="Yes"><conditionvar><other/></conditionvar>'
                 '<displayfeedback feedbacktype="Response" linkrefid="general_fb"/></respcondition>')


def share(count: int) -> str:
    return f"{100 / count:.4f}".rstrip("0").rstrip(".")


class Parts:
    """What one item renderer returns: its Canvas type, presentation, conditions and answer ids."""

    __slots__ = ("question_type", "presentation", "conditions", "answer_ids")

    def __init__(self, question_type: str, presentation: str, conditions: str, answer_ids: list[str] = ()):
        self.question_type = question_type
        self.presentation = presentation
        self.conditions = conditions
        self.answer_ids = list(answer_ids)


def _choices(key: str, q: Question, canvas_type: str) -> Parts:
    labels = []
    ids = []
    right_ids = []
    wrong_ids = []
    for n, (text, right) in enumerate(options(q)):
        label = f"{key}_{n}"
        ids.append(label)
        (right_ids if right else wrong_ids).append(label)
        labels.append(f'<response_label ident="{label}">{html_mattext(text)}</response_label>')
    cardinality = "Single" if canvas_type != "multiple_answers_question" else "Multiple"
    presentation = (f'{html_mattext(q.prompt)}<response_lid ident="response1" rcardinality="{cardinality}">'
                    f'<render_choice>{"".join(labels)}</render_choice></response_lid>')
    if cardinality == "Single":
        test = f'<varequal respident="response1">{right_ids[0]}</varequal>'
    else:
        test = "<and>" + "".join(f'<varequal respident="response1">{i}</varequal>' for i in right_ids) + "".join(
            f'<not><varequal respident="response1">{i}</varequal></not>' for i in wrong_ids) + "</and>"
    conditions = (f'<respcondition continue="No"><conditionvar>{test}</conditionvar>'
                  '<setvar action="Set" varname="SCORE">100</setvar></respcondition>')
    return Parts(canvas_type, presentation, conditions, ids)


def multiple_choice(key: str, q: Question) -> Parts:
    return _choices(key, q, "multiple_choice_question" if len(q.answers) == 1 else "multiple_answers_question")


def true_false(key: str, q: Question) -> Parts:
    true_id, false_id = f"{key}_true", f"{key}_false"
    presentation = (f'{html_mattext(q.prompt)}<response_lid ident="response1" rcardinality="Single"><render_choice>'
                    f'<response_label ident="{true_id}">{plain_mattext("True")}</response_label>'
                    f'<response_label ident="{false_id}">{plain_mattext("False")}</response_label>'
                    "</render_choice></response_lid>")
    conditions = (f'<respcondition continue="No"><conditionvar><varequal respident="response1">'
                  f'{true_id if q.truth else false_id}</varequal></conditionvar>'
                  '<setvar action="Set" varname="SCORE">100</setvar></respcondition>')
    return Parts("true_false_question", presentation, conditions, [true_id, false_id])


def short_answer(key: str, q: Question) -> Parts:
    presentation = (f'{html_mattext(q.prompt)}<response_str ident="response1" rcardinality="Single">'
                    '<render_fib><response_label ident="answer1" rshuffle="No"/></render_fib></response_str>')
    tests = "".join(f'<varequal respident="response1">{xml(a)}</varequal>' for a in accepted(q))
    conditions = (f'<respcondition continue="No"><conditionvar>{tests}</conditionvar>'
                  '<setvar action="Set" varname="SCORE">100</setvar></respcondition>')
    return Parts("short_answer_question", presentation, conditions)


def cloze(key: str, q: Question) -> Parts:
    names = [f"blank{i + 1}" for i in range(len(q.blanks))]
    text = []
    for piece in cloze_pieces(q):
        if isinstance(piece, int):
            hint = q.blanks[piece].hint
            text.append(f"[{names[piece]}]" + (f" ({hint})" if hint else ""))
        else:  # Canvas reads [word] as a blank: keep the bank's own brackets literal
            text.append(piece.replace("[", "(").replace("]", ")"))
    lids = []
    tests = []
    ids = []
    points = share(len(q.blanks))
    for name, blank in zip(names, q.blanks):
        # every right answer of the blank is one response_label (Canvas: the blank's answers);
        # the blank scores when any of them is given
        labels = [f"{key}_{name}"] + [f"{key}_{name}_{n}" for n in range(1, len(blank.accepted))]
        ids += labels
        lids.append(f'<response_lid ident="response_{name}">{plain_mattext(name)}<render_choice>'
                    + "".join(f'<response_label ident="{label}">{plain_mattext(text)}</response_label>'
                              for label, text in zip(labels, blank.accepted))
                    + "</render_choice></response_lid>")
        equal = "".join(f'<varequal respident="response_{name}">{label}</varequal>' for label in labels)
        condition = f"<or>{equal}</or>" if len(labels) > 1 else equal
        tests.append(f'<respcondition><conditionvar>{condition}'
                     f'</conditionvar><setvar action="Add" varname="SCORE">{points}</setvar></respcondition>')
    presentation = html_mattext("".join(text)) + "".join(lids)
    return Parts("fill_in_multiple_blanks_question", presentation, "".join(tests), ids)


def numeric(key: str, q: Question) -> Parts:
    low, high = numeric_range(q)
    presentation = (f'{html_mattext(numeric_prompt(q))}<response_str ident="response1" rcardinality="Single">'
                    '<render_fib fibtype="Decimal"><response_label ident="answer1"/></render_fib></response_str>')
    conditions = ('<respcondition continue="No"><conditionvar><or>'
                  f'<varequal respident="response1">{number_text(q.number)}</varequal><and>'
                  f'<vargte respident="response1">{number_text(low)}</vargte>'
                  f'<varlte respident="response1">{number_text(high)}</varlte></and></or></conditionvar>'
                  '<setvar action="Set" varname="SCORE">100</setvar></respcondition>')
    return Parts("numerical_question", presentation, conditions)


def _matching(key: str, prompt: str, pairs: tuple[tuple[str, str], ...]) -> Parts:
    rights = list(dict.fromkeys(right for _, right in pairs))
    right_ids = {right: f"{key}_r{n}" for n, right in enumerate(rights)}
    labels = "".join(f'<response_label ident="{right_ids[r]}">{plain_mattext(r)}</response_label>' for r in rights)
    lids = []
    tests = []
    ids = []
    points = share(len(pairs))
    for n, (left, right) in enumerate(pairs):
        lid = f"response_{key}_l{n}"
        ids.append(f"{key}_l{n}")
        lids.append(f'<response_lid ident="{lid}">{plain_mattext(left)}<render_choice>{labels}</render_choice>'
                    "</response_lid>")
        tests.append(f'<respcondition><conditionvar><varequal respident="{lid}">{right_ids[right]}</varequal>'
                     f'</conditionvar><setvar action="Add" varname="SCORE">{points}</setvar></respcondition>')
    return Parts("matching_question", html_mattext(prompt) + "".join(lids), "".join(tests), ids)


def matching(key: str, q: Question) -> Parts:
    return _matching(key, q.prompt, q.pairs)


def ordering(key: str, q: Question) -> Parts:
    return _matching(key, ordering_prompt(q), ordering_pairs(q))


RENDER: dict[str, Callable[[str, Question], Parts]] = {
    "multiple_choice": multiple_choice,
    "true_false": true_false,
    "short_answer": short_answer,
    "cloze": cloze,
    "numeric": numeric,
    "matching": matching,
    "ordering": ordering,
}
SUPPORT: dict[str, str] = {
    "multiple_choice": NATIVE + " (multiple_choice_question; select-all: multiple_answers_question)",
    "true_false": NATIVE + " (true_false_question)",
    "short_answer": NATIVE + " (short_answer_question)",
    "cloze": NATIVE + " (fill_in_multiple_blanks_question)",
    "numeric": NATIVE + " (numerical_question, exact answer with margin; the unit goes into the prompt)",
    "matching": NATIVE + " (matching_question)",
    "ordering": "matching_question of item \u2192 position",
}
check_table("qti", RENDER, SUPPORT)


def render_item(bank: Bank, q: Question) -> str:
    key = ident(bank.id, q.id)
    parts = RENDER[q.type](key, q)
    return (f'<item ident="{key}" title="{xml(q.id)}">'
            f"{metadata(parts.question_type, q.points, parts.answer_ids)}"
            f"<presentation>{parts.presentation}</presentation>"
            f"<resprocessing>{SCORE}{SHOW_FEEDBACK}{parts.conditions}</resprocessing>"
            f'<itemfeedback ident="general_fb"><flow_mat>{html_mattext(feedback_text(bank, q))}</flow_mat>'
            "</itemfeedback></item>\n")


def assessment_xml(job: ExportJob) -> tuple[str, list[str]]:
    """The assessment document and the ids of the questions in it, in order."""
    bank = job.bank
    questions = carried_questions(job)
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n'
           '<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:schemaLocation="http://www.imsglobal.org/xsd/ims_qtiasiv1p2 '
           'http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd">\n'
           f'<assessment ident="{ident(bank.id)}" title="{xml(" ".join(bank.title.split()))}">\n'
           '<qtimetadata><qtimetadatafield><fieldlabel>cc_maxattempts</fieldlabel>'
           '<fieldentry>1</fieldentry></qtimetadatafield></qtimetadata>\n'
           '<section ident="root_section">\n']
    written: list[str] = []
    if job.quiz_requested:
        for q in questions:
            out.append(render_item(bank, q))
            written.append(q.id)
    else:
        for group in fact_groups(bank, questions):
            if len(group.questions) == 1:  # a group of one is just the question
                out.append(render_item(bank, group.questions[0]))
                written.append(group.questions[0].id)
                continue
            out.append(f'<section ident="{ident(bank.id, "group", group.key)}" title="{xml(group.title)}">'
                       "<selection_ordering><selection><selection_number>1</selection_number></selection>"
                       "</selection_ordering>\n")
            for q in group.questions:
                out.append(render_item(bank, q))
                written.append(q.id)
            out.append("</section>\n")
    out.append("</section>\n</assessment>\n</questestinterop>\n")
    return "".join(out), written


def manifest_xml(bank: Bank, href: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<manifest identifier="{ident(bank.id, "manifest")}" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 http://www.imsglobal.org/xsd/imscp_v1p1.xsd">\n'
            "  <metadata>\n    <schema>IMS Content</schema>\n    <schemaversion>1.1.3</schemaversion>\n  </metadata>\n"
            "  <organizations/>\n  <resources>\n"
            f'    <resource identifier="{ident(bank.id)}" type="imsqti_xmlv1p2" href="{xml(href)}">\n'
            f'      <file href="{xml(href)}"/>\n    </resource>\n  </resources>\n</manifest>\n')


def zip_bytes(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


@register("qti")
class QtiExporter:
    description = "IMS QTI 1.2 package for Canvas (B.qti.zip): a question group per fact, or the chosen quiz"
    needs_versions = False
    render_type = RENDER
    support = SUPPORT

    def render(self, job: ExportJob) -> list[Artifact]:
        bank = job.bank
        href = f"{bank.id}/{bank.id}.xml"
        assessment, written = assessment_xml(job)
        data = zip_bytes({"imsmanifest.xml": manifest_xml(bank, href), href: assessment})
        return [Artifact(name=f"{bank.id}.qti.zip", data=data, kind="qti", bank=bank.id, questions=tuple(written))]
