"""Moodle XML (``B.moodle.xml``): every question with its points, feedback and source.

Without quiz flags the file is a question bank grouped for "random question from
category": ``$course$/top/<bank title>/<tag>/<fact group>``, one category per fact
group (lms.fact_groups), so a quiz that draws one random question from each never
asks the same fact twice. With quiz flags it is the chosen quiz in one category.

Text fields are HTML (``format="html"``): bank text is HTML-escaped, then wrapped in
CDATA (escaping makes a ``]]>`` impossible). Short-answer answers are compared as plain
text, so they are only XML-escaped, with Moodle's ``*`` wildcard escaped. Cloze
questions are Moodle ``cloze`` (multianswer) questions, each blank a
``{w:SHORTANSWER:=answer}``. Ordering becomes matching of item -> position (Moodle's
ordering type is a plugin whose XML differs between versions).
"""
from __future__ import annotations

import html
from typing import Callable
from xml.sax.saxutils import escape as xml_escape

from ..model import Bank, Question
from . import Artifact, ExportJob, register
from .lms import (NATIVE, LeftOut, accepted, carried_questions, check_table, cloze_pieces, fact_groups,
                  feedback_text, moodle_share, number_text, numeric_prompt, options, ordering_pairs,
                  ordering_prompt, warning)

PENALTY = "0.3333333"  # Moodle's default penalty for each wrong try in interactive mode
EMBEDDED_SPECIAL = str.maketrans({c: "\\" + c for c in '\\}#~/"'})  # multianswer syntax


def html_text(text: str) -> str:
    """Bank text as HTML: escaped, line breaks kept."""
    return html.escape(text, quote=False).replace("\r\n", "\n").replace("\n", "<br>")


def text_element(tag: str, text_html: str, indent: str = "    ") -> str:
    return f'{indent}<{tag} format="html">\n{indent}  <text><![CDATA[{text_html}]]></text>\n{indent}</{tag}>'


def name_and_text(bank: Bank, q: Question, question_html: str) -> list[str]:
    lines = [
        f"    <name>\n      <text>{xml_escape(q.id)}</text>\n    </name>",
        text_element("questiontext", question_html),
        text_element("generalfeedback", html_text(feedback_text(bank, q))),
        f"    <defaultgrade>{number_text(float(q.points))}</defaultgrade>",
        f"    <penalty>{PENALTY}</penalty>",
        "    <hidden>0</hidden>",
        f"    <idnumber>{xml_escape(q.id)}</idnumber>",
    ]
    return lines


def combined_feedback() -> list[str]:
    return [
        text_element("correctfeedback", "Your answer is correct."),
        text_element("partiallycorrectfeedback", "Your answer is partially correct."),
        text_element("incorrectfeedback", "Your answer is incorrect."),
    ]


def answer(fraction: str, text: str, fmt: str = "html", extra: str = "") -> str:
    body = f"<![CDATA[{text}]]>" if fmt == "html" else xml_escape(text)
    return (f'    <answer fraction="{fraction}" format="{fmt}">\n      <text>{body}</text>\n{extra}'
            '      <feedback format="html">\n        <text></text>\n      </feedback>\n    </answer>')


def multiple_choice(bank: Bank, q: Question) -> tuple[str, list[str]]:
    if len(q.answers) == 1:
        grades = {True: "100", False: "0"}
    else:
        share = moodle_share(len(q.answers))
        if share is None:
            raise LeftOut(f"{len(q.answers)} correct answers cannot each get a grade Moodle allows",
                          "use at most 10 correct answers (but not 7), or split the question")
        grades = {True: share, False: "-" + share}
    lines = name_and_text(bank, q, html_text(q.prompt))
    lines += [f"    <single>{'true' if len(q.answers) == 1 else 'false'}</single>",
              "    <shuffleanswers>true</shuffleanswers>",
              "    <answernumbering>abc</answernumbering>",
              "    <showstandardinstruction>1</showstandardinstruction>"]
    lines += combined_feedback()
    lines += [answer(grades[right], html_text(text)) for text, right in options(q)]
    return "multichoice", lines


def true_false(bank: Bank, q: Question) -> tuple[str, list[str]]:
    lines = name_and_text(bank, q, html_text(q.prompt))
    lines.append(answer("100" if q.truth else "0", "true", "moodle_auto_format"))
    lines.append(answer("0" if q.truth else "100", "false", "moodle_auto_format"))
    return "truefalse", lines


def short_answer(bank: Bank, q: Question) -> tuple[str, list[str]]:
    lines = name_and_text(bank, q, html_text(q.prompt))
    lines.append("    <usecase>0</usecase>")
    lines += [answer("100", a.replace("*", "\\*"), "moodle_auto_format") for a in accepted(q)]
    return "shortanswer", lines


def cloze(bank: Bank, q: Question) -> tuple[str, list[str]]:
    count = len(q.blanks)
    weight = int(q.points // count) if q.points % count == 0 and q.points >= count else 1
    parts = []
    for piece in cloze_pieces(q):
        if isinstance(piece, int):
            blank = q.blanks[piece]
            right = "~=".join(html_text(a).translate(EMBEDDED_SPECIAL) for a in blank.accepted)  # ~ between answers
            parts.append(f"{{{weight}:SHORTANSWER:={right}}}")
            if blank.hint:
                parts.append(html_text(f" ({blank.hint})"))
        else:
            parts.append(html_text(piece).replace("{", "&#123;").replace("}", "&#125;"))
    lines = [
        f"    <name>\n      <text>{xml_escape(q.id)}</text>\n    </name>",
        text_element("questiontext", "".join(parts)),
        text_element("generalfeedback", html_text(feedback_text(bank, q))),
        f"    <penalty>{PENALTY}</penalty>",
        "    <hidden>0</hidden>",
        f"    <idnumber>{xml_escape(q.id)}</idnumber>",
    ]
    return "cloze", lines


def numeric(bank: Bank, q: Question) -> tuple[str, list[str]]:
    lines = name_and_text(bank, q, html_text(numeric_prompt(q)))
    tolerance = f"      <tolerance>{number_text(q.tolerance or 0.0)}</tolerance>\n"
    lines.append(answer("100", number_text(q.number), "moodle_auto_format", tolerance))
    lines += ["    <unitgradingtype>0</unitgradingtype>", "    <unitpenalty>0.1000000</unitpenalty>",
              "    <showunits>3</showunits>", "    <unitsleft>0</unitsleft>"]
    return "numerical", lines


def _matching(bank: Bank, q: Question, prompt: str, pairs: tuple[tuple[str, str], ...]) -> tuple[str, list[str]]:
    lines = name_and_text(bank, q, html_text(prompt))
    lines.append("    <shuffleanswers>true</shuffleanswers>")
    lines += combined_feedback()
    for left, right in pairs:
        lines.append('    <subquestion format="html">\n'
                     f"      <text><![CDATA[{html_text(left)}]]></text>\n"
                     f"      <answer>\n        <text>{xml_escape(' '.join(right.split()))}</text>\n      </answer>\n"
                     "    </subquestion>")
    return "matching", lines


def matching(bank: Bank, q: Question) -> tuple[str, list[str]]:
    return _matching(bank, q, q.prompt, q.pairs)


def ordering(bank: Bank, q: Question) -> tuple[str, list[str]]:
    return _matching(bank, q, ordering_prompt(q), ordering_pairs(q))


RENDER: dict[str, Callable[[Bank, Question], tuple[str, list[str]]]] = {
    "multiple_choice": multiple_choice,
    "true_false": true_false,
    "short_answer": short_answer,
    "cloze": cloze,
    "numeric": numeric,
    "matching": matching,
    "ordering": ordering,
}
SUPPORT: dict[str, str] = {
    "multiple_choice": NATIVE + " (multichoice; select-all with equal grades, wrong choices negative)",
    "true_false": NATIVE + " (truefalse)",
    "short_answer": NATIVE + " (shortanswer)",
    "cloze": NATIVE + " (cloze, i.e. multianswer: one SHORTANSWER per blank)",
    "numeric": NATIVE + " (numerical; the unit goes into the prompt)",
    "matching": NATIVE + " (matching)",
    "ordering": "matching of item \u2192 position",
}
check_table("moodle", RENDER, SUPPORT)


def category(path: str, info: str) -> str:
    return ('  <question type="category">\n'
            f"    <category>\n      <text>{xml_escape(path)}</text>\n    </category>\n"
            f'    <info format="html">\n      <text><![CDATA[{html_text(info)}]]></text>\n    </info>\n'
            "  </question>")


def category_path(bank: Bank, *parts: str) -> str:
    """A Moodle category path; "/" inside a name is doubled, as Moodle reads it."""
    return "$course$/top/" + "/".join(" ".join(n.split()).replace("/", "//") for n in (bank.title, *parts))


@register("moodle")
class MoodleExporter:
    description = "Moodle XML (B.moodle.xml): every type, points, a category per fact under each tag"
    needs_versions = False
    render_type = RENDER
    support = SUPPORT

    def render(self, job: ExportJob) -> list[Artifact]:
        bank = job.bank
        out = ['<?xml version="1.0" encoding="UTF-8"?>',
               f"<!-- quizgen: {xml_escape(bank.id).replace('--', '- -')}; import in Moodle: "
               "Question bank > Import > Moodle XML format -->",
               "<quiz>"]
        written: list[str] = []
        warnings: list[str] = []

        def emit(q: Question) -> None:
            try:
                qtype, lines = RENDER[q.type](bank, q)
            except LeftOut as problem:
                warnings.append(warning(q, f"left out of {bank.id}.moodle.xml: {problem.what}", problem.fix))
                return
            if q.tags:
                lines.append("    <tags>\n" + "\n".join(
                    f"      <tag>\n        <text>{xml_escape(t)}</text>\n      </tag>" for t in q.tags)
                    + "\n    </tags>")
            out.append(f'  <question type="{qtype}">\n' + "\n".join(lines) + "\n  </question>")
            written.append(q.id)

        questions = carried_questions(job)
        if job.quiz_requested:
            out.append(category(category_path(bank, "quiz"), f"The chosen quiz of {bank.title}."))
            for q in questions:
                emit(q)
        else:
            for group in fact_groups(bank, questions):
                out.append(category(category_path(bank, group.tag or "untagged", group.title),
                                    "Questions that test the same fact: draw one random question from here."))
                for q in group.questions:
                    emit(q)
        out.append("</quiz>\n")
        return [Artifact(name=f"{bank.id}.moodle.xml", data="\n".join(out).encode("utf-8"), kind="moodle",
                         bank=bank.id, questions=tuple(written), warnings=tuple(warnings))]
