"""The practice page (``B-practice.html``): one self-contained HTML file for students.

Each attempt draws a fresh set, one question from each fact group (lms.fact_groups),
checks answers in the page with feedback, the explanation and the source, shows
progress and the score, and lets the student retry the ones she got wrong. It works
offline: styles and script are inline and a Content-Security-Policy forbids any
request. Every control is a native form control with a label, so the page works by
keyboard and screen reader. Bank text reaches the page only through ``textContent``.

The questions travel as JSON, XOR-ed with a key and base64-encoded: answers are not
readable in the page source at a glance. This is a light obfuscation, not security;
docs/lms.md says so. The page's own random draw happens in the browser; the file
itself is the same bytes for the same bank.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
from importlib import resources
from typing import Callable

from ..model import Bank, Question
from . import Artifact, ExportJob, register
from .lms import (NATIVE, accepted, carried_questions, check_table, cloze_pieces, fact_groups, numeric_range,
                  options, source_line)

CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"


def multiple_choice(q: Question) -> dict:
    return {"options": [[text, right] for text, right in options(q)], "multi": len(q.answers) > 1}


def true_false(q: Question) -> dict:
    return {"truth": bool(q.truth)}


def short_answer(q: Question) -> dict:
    return {"accept": list(accepted(q))}


def cloze(q: Question) -> dict:
    pieces: list = []
    for piece in cloze_pieces(q):
        if isinstance(piece, int):
            pieces.append({"b": piece, "hint": q.blanks[piece].hint})
        else:
            pieces.append(piece)
    data = {"pieces": pieces, "blanks": [b.answer for b in q.blanks]}
    if any(b.accept for b in q.blanks):  # each blank's other right answers ([[answer|alternative]])
        data["accept"] = [list(b.accept) for b in q.blanks]
    return data


def numeric(q: Question) -> dict:
    low, high = numeric_range(q)
    return {"number": q.number, "low": low, "high": high, "unit": q.unit}


def matching(q: Question) -> dict:
    return {"pairs": [list(pair) for pair in q.pairs]}


def ordering(q: Question) -> dict:
    return {"items": list(q.items)}


RENDER: dict[str, Callable[[Question], dict]] = {
    "multiple_choice": multiple_choice,
    "true_false": true_false,
    "short_answer": short_answer,
    "cloze": cloze,
    "numeric": numeric,
    "matching": matching,
    "ordering": ordering,
}
SUPPORT: dict[str, str] = {
    "multiple_choice": NATIVE + " (radio buttons; select-all: checkboxes)",
    "true_false": NATIVE + " (two radio buttons)",
    "short_answer": NATIVE + " (a text box; case and spacing ignored)",
    "cloze": NATIVE + " (a text box per blank)",
    "numeric": NATIVE + " (a text box; within the tolerance)",
    "matching": NATIVE + " (a list box per left-hand item)",
    "ordering": NATIVE + " (a position list box per item)",
}
check_table("html", RENDER, SUPPORT)


def question_record(bank: Bank, q: Question) -> dict:
    record = {"id": q.id, "type": q.type, "points": q.points, "answer": q.answer_text,
              "prompt": q.prompt, "explanation": q.explanation, "source": source_line(bank, q)}
    record.update(RENDER[q.type](q))
    return record


def obfuscate(data: bytes, key: str) -> str:
    """base64 of ``data`` XOR the repeating ``key``: light obfuscation, undone by the page."""
    key_bytes = key.encode("ascii")
    repeated = (key_bytes * (len(data) // len(key_bytes) + 1))[:len(data)]
    mixed = (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(data), "big")
    return base64.b64encode(mixed).decode("ascii")


def page_key(bank: Bank) -> str:
    return hashlib.sha256(f"quizgen-practice__{bank.id}".encode()).hexdigest()[:24]


def asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def render_page(job: ExportJob) -> tuple[str, list[str]]:
    bank = job.bank
    questions = carried_questions(job)
    groups = fact_groups(bank, questions)
    index = {q.id: n for n, q in enumerate(questions)}
    data = {"title": bank.title,
            "questions": [question_record(bank, q) for q in questions],
            "groups": [[index[q.id] for q in group.questions] for group in groups]}
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    key = page_key(bank)
    title = html.escape(" ".join(bank.title.split()))
    count = len(groups)
    page = f"""<!DOCTYPE html>
<html lang="{html.escape(bank.language)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="generator" content="quizgen">
<title>Practice: {title}</title>
<style>
{asset("practice.css")}</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p class="intro">Practice: {count} question{"s" if count != 1 else ""}, one for each fact, drawn fresh for every set.
Check each answer to see whether it is right, why, and where it comes from. Nothing you type leaves this page.</p>
<div class="status" role="region" aria-label="Progress">
<p id="progress-text">Answered 0 of {count}.</p>
<progress id="progress-bar" aria-label="Questions answered" max="{count}" value="0"></progress>
<button type="button" id="new-set-top" class="secondary">New set of questions</button>
</div>
<div id="questions"></div>
<section id="summary" class="summary" aria-label="Score" hidden></section>
<noscript><p>This practice page needs JavaScript to check answers.</p></noscript>
</main>
<script type="application/octet-stream" id="quiz-data" data-key="{key}">
{obfuscate(payload, key)}
</script>
<script>
{asset("practice.js")}</script>
</body>
</html>
"""
    return page, [q.id for q in questions]


@register("html")
class PracticePageExporter:
    description = "a self-contained HTML practice page (B-practice.html): one question per fact, checked in the page"
    needs_versions = False
    render_type = RENDER
    support = SUPPORT

    def render(self, job: ExportJob) -> list[Artifact]:
        page, written = render_page(job)
        return [Artifact(name=f"{job.bank.id}-practice.html", data=page.encode("utf-8"), kind="html",
                         bank=job.bank.id, questions=tuple(written))]
