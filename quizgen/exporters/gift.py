"""Moodle GIFT text (``B.gift.txt``): one question per paragraph, categories as in Moodle XML.

Text is written in GIFT's ``[html]`` format, HTML-escaped, then with GIFT's own
characters (``~ = # { } :`` and the backslash) escaped by a backslash. GIFT has no points
and no multi-blank cloze: each question is worth one mark in Moodle (use ``moodle`` for
points), and a cloze with more than one blank is left out with a warning (``moodle``
carries it). What each type becomes is in ``SUPPORT`` and in docs/lms.md.
"""
from __future__ import annotations

import html
from typing import Callable

from ..model import Bank, Question
from . import Artifact, ExportJob, register
from .lms import (NATIVE, LeftOut, accepted, carried_questions, check_table, cloze_pieces, fact_groups,
                  feedback_text, moodle_share, number_text, numeric_prompt, options, ordering_pairs,
                  ordering_prompt, warning)

GIFT_SPECIAL = str.maketrans({c: "\\" + c for c in "\\~=#{}:"})


def esc(text: str) -> str:
    """Bank text as GIFT [html] text: HTML-escaped, newlines as <br>, GIFT syntax escaped."""
    return html.escape(text, quote=False).replace("\r\n", "\n").replace("\n", "<br>").translate(GIFT_SPECIAL)


def esc_answer(text: str) -> str:
    """An answer: like ``esc``, and a leading "%" written as "&#37;" so no one reads a weight."""
    out = esc(text)
    return "&\\#37;" + out[1:] if out.startswith("%") else out


def esc_plain(text: str) -> str:
    """Text Moodle shows as plain text (a matching question's answers): GIFT syntax escaped only."""
    return " ".join(text.split()).translate(GIFT_SPECIAL)


def general(bank: Bank, q: Question) -> str:
    return "####" + esc(feedback_text(bank, q))


def multiple_choice(bank: Bank, q: Question) -> str:
    if len(q.answers) == 1:
        lines = [f"\t{'=' if right else '~'}{esc_answer(text)}" for text, right in options(q)]
    else:
        right_share = moodle_share(len(q.answers))
        if right_share is None:
            raise LeftOut(f"{len(q.answers)} correct answers cannot each get a grade Moodle allows",
                          "use at most 10 correct answers (not 7 is fine too), or split the question")
        lines = [f"\t~%{right_share if right else '-' + right_share}%{esc_answer(text)}" for text, right in options(q)]
    return f"[html]{esc(q.prompt)}{{\n" + "\n".join(lines) + f"\n\t{general(bank, q)}\n}}"


def true_false(bank: Bank, q: Question) -> str:
    return f"[html]{esc(q.prompt)}{{{'TRUE' if q.truth else 'FALSE'}{general(bank, q)}}}"


def short_answer(bank: Bank, q: Question) -> str:
    answers = " ".join(f"={esc_answer(a)}" for a in accepted(q))
    return f"[html]{esc(q.prompt)}{{{answers}{general(bank, q)}}}"


def cloze(bank: Bank, q: Question) -> str:
    if len(q.blanks) != 1:
        raise LeftOut(f"a cloze with {len(q.blanks)} blanks has no GIFT form",
                      "import the moodle format (B.moodle.xml) for it, or give the cloze one blank")
    blank = q.blanks[0]
    before, after = [], []
    seen = False
    for piece in cloze_pieces(q):
        if isinstance(piece, int):
            seen = True
        else:
            (after if seen else before).append(piece)
    hint = f" ({blank.hint})" if blank.hint else ""
    answers = " ".join(f"={esc_answer(a)}" for a in blank.accepted)  # GIFT: each right answer after its own =
    if not "".join(after).strip() or not "".join(before).strip():
        # a blank at the end or the start: the text shows "_____", GIFT's answer block closes it
        return f"[html]{esc(''.join(before) + '_____' + hint + ''.join(after))}{{{answers}{general(bank, q)}}}"
    return f"[html]{esc(''.join(before))}{{{answers}{general(bank, q)}}}{esc(hint + ''.join(after))}"


def numeric(bank: Bank, q: Question) -> str:
    answer = number_text(q.number)
    if q.tolerance:
        answer += ":" + number_text(q.tolerance)
    return f"[html]{esc(numeric_prompt(q))}{{#{answer}{general(bank, q)}}}"


def _matching(bank: Bank, q: Question, prompt: str, pairs: tuple[tuple[str, str], ...]) -> str:
    lines = [f"\t={esc(left)} -> {esc_plain(right)}" for left, right in pairs]
    return f"[html]{esc(prompt)}{{\n" + "\n".join(lines) + f"\n\t{general(bank, q)}\n}}"


def matching(bank: Bank, q: Question) -> str:
    return _matching(bank, q, q.prompt, q.pairs)


def ordering(bank: Bank, q: Question) -> str:
    return _matching(bank, q, ordering_prompt(q), ordering_pairs(q))


RENDER: dict[str, Callable[[Bank, Question], str]] = {
    "multiple_choice": multiple_choice,
    "true_false": true_false,
    "short_answer": short_answer,
    "cloze": cloze,
    "numeric": numeric,
    "matching": matching,
    "ordering": ordering,
}
SUPPORT: dict[str, str] = {
    "multiple_choice": NATIVE + " (select-all: equal Moodle grades, wrong choices negative)",
    "true_false": NATIVE,
    "short_answer": NATIVE,
    "cloze": "one blank: a missing-word short answer; more blanks: left out with a warning",
    "numeric": NATIVE + " (the unit goes into the prompt)",
    "matching": NATIVE,
    "ordering": "matching of item \u2192 position",
}
check_table("gift", RENDER, SUPPORT)


def category_path(bank: Bank, *parts: str) -> str:
    """A Moodle category path; "/" inside a name is doubled, as Moodle reads it."""
    names = [bank.title, *parts]
    return "$course$/top/" + "/".join(" ".join(n.split()).replace("/", "//") for n in names)


@register("gift")
class GiftExporter:
    description = "Moodle GIFT text (B.gift.txt): categories per fact, or the chosen quiz"
    needs_versions = False
    render_type = RENDER
    support = SUPPORT

    def render(self, job: ExportJob) -> list[Artifact]:
        bank = job.bank
        blocks = [f"// {bank.id}: {' '.join(bank.title.split())}\n"
                  "// quizgen GIFT export; import in Moodle: Question bank > Import > GIFT format"]
        written: list[str] = []
        warnings: list[str] = []

        def emit(q: Question) -> None:
            try:
                body = RENDER[q.type](bank, q)
            except LeftOut as problem:
                warnings.append(warning(q, f"left out of {bank.id}.gift.txt: {problem.what}", problem.fix))
                return
            blocks.append(f"::{esc(q.id)}::{body}")
            written.append(q.id)

        questions = carried_questions(job)
        if job.quiz_requested:
            blocks.append(f"$CATEGORY: {category_path(bank, 'quiz')}")
            for q in questions:
                emit(q)
        else:
            for group in fact_groups(bank, questions):
                blocks.append(f"$CATEGORY: {category_path(bank, group.tag or 'untagged', group.title)}")
                for q in group.questions:
                    emit(q)
        data = ("\n\n".join(blocks) + "\n").encode("utf-8")
        return [Artifact(name=f"{bank.id}.gift.txt", data=data, kind="gift", bank=bank.id,
                         questions=tuple(written), warnings=tuple(warnings))]
