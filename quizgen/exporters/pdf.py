"""Printable worksheets and answer keys as PDF (reportlab platypus, DejaVu Sans embedded).

``WorksheetExporter`` writes one worksheet per version (``B-worksheet.pdf``, or
``B-worksheet-A.pdf``, ``-B.pdf``, ... with several versions) and, with
``--combined``, ``B-worksheets-all.pdf`` where every version starts on an odd page.
``AnswerKeyExporter`` writes the matching keys (``B-answer-key[-A].pdf``) and, with
``--key-summary``, ``B-answer-key-summary.pdf`` showing every version side by side.

Both render from the job's ``QuestionSet``s as they are: numbering, question order
and option order were fixed by ``select`` and are never changed here, so a worksheet
and its key always agree. Output is byte-reproducible (reportlab's invariant mode,
set per document, no global state touched).
"""
from __future__ import annotations

from typing import Callable, Iterable

from .. import cores
from ..errors import ExportError
from ..i18n import right_to_left, words as words_for
from ..model import Bank, PlacedQuestion, QuestionSet, letter
from . import Artifact, ExportJob
from .pdf_doc import PAPER, DocInfo, Geometry, Section, frame_heights, render_document
from .pdf_fonts import FONT_FAMILY, TextPlan, missing_glyphs
from .pdf_key import key_blocks, key_summary_blocks, ordering_boxes
from .pdf_worksheet import Layout, clean, cloze_plain, tighten_last_page, worksheet_blocks

_PLANS: dict[str, TextPlan] = {}


def paper_of(job: ExportJob) -> str:
    """The paper size: --paper, else the bank's, else letter."""
    paper = (job.options.paper or job.bank.paper or "letter").lower()
    if paper not in PAPER:
        raise ExportError(f"{job.bank.path}: paper size {paper!r} is not supported; expected one of: "
                          f"{', '.join(PAPER)}")
    return paper


def _bank_texts(bank: Bank, sets: Iterable[QuestionSet]) -> Iterable[tuple[str, str, str]]:
    """(question id or "", style key, text) for everything a worksheet or key may print."""
    yield "", "bold", bank.title
    for text in dict(getattr(bank, "sheet", None) or {}).values():
        yield "", "regular", text
        yield "", "bold", text.upper()
    yield "", "regular", furniture_text(bank.language)
    yield "", "bold", furniture_text(bank.language)
    for source in bank.sources.values():
        yield "", "regular", source.citation()
    seen = set()
    for qset in sets:
        for item in qset.items:
            q = item.question
            if q.id in seen:
                continue
            seen.add(q.id)
            yield from ((q.id, style, text) for style, text in question_texts(item))


def question_texts(item: PlacedQuestion) -> list[tuple[str, str]]:
    """(style key, text) pairs a question prints on its worksheet and in its key."""
    q = item.question
    texts = [("regular", q.prompt if q.type != "cloze" else cloze_plain(item, ""))]
    texts += [("regular", t) for t in q.answers + q.distractors + q.accept + q.items]
    texts += [("regular", t) for pair in q.pairs for t in pair]
    texts += [("bold", b.answer) for b in q.blanks] + [("regular", b.answer) for b in q.blanks]
    texts += [("italic", b.hint) for b in q.blanks if b.hint]
    if q.unit:
        texts.append(("regular", q.unit))
    if q.explanation:
        texts.append(("regular", q.explanation))
    if q.evidence:
        texts.append(("italic", q.evidence))
    return texts


def text_plan(job: ExportJob) -> TextPlan:
    """The bank's shared text plan (one per set of characters, reused across builds)."""
    chars = set()
    for _, _, text in _bank_texts(job.bank, job.sets):
        chars.update(text)
    plan_chars = "".join(sorted(c for c in chars if ord(c) > 126))
    plan = _PLANS.get(plan_chars)
    if plan is None:
        if len(_PLANS) > 32:
            _PLANS.clear()
        plan = _PLANS[plan_chars] = TextPlan(plan_chars)
    return plan


def glyph_warnings(job: ExportJob, what: str) -> tuple[str, ...]:
    """One warning per question (or the bank title) with characters the font cannot print."""
    found: dict[str, set[str]] = {}
    for qid, style, text in _bank_texts(job.bank, job.sets):
        missing = missing_glyphs(text, style)
        if missing:
            found.setdefault(qid, set()).update(missing)
    out = []
    for qid, chars in found.items():
        listed = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in sorted(chars))
        where = f"question {qid!r}" if qid else "the bank's title or sources"
        out.append(f"{job.bank.path}: {what}: {where} has characters that {FONT_FAMILY} has no glyph for: "
                   f"{listed}; they print as empty boxes")
    return tuple(out)


def sources_line(bank: Bank) -> str:
    cites = [clean(s.citation()) for s in bank.sources.values()]
    words = words_for(bank.language)
    label = f"{words['source']} " if len(cites) == 1 else f"{words['sources']} "
    return label + "; ".join(cites)


def sheet_texts(job: ExportJob) -> dict[str, str]:
    """Title, subtitle, instructions, time allowed and school: flags and settings over the bank's ``sheet:``."""
    return {**dict(getattr(job.bank, "sheet", None) or {}), **dict(job.options.sheet)}


def furniture_text(language: str) -> str:
    """Every word the sheets print around the questions in ``language`` (for the font plan)."""
    out = []

    def walk(value):
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (tuple, list)):
            for v in value:
                walk(v)
        else:
            out.append(str(value))

    walk(words_for(language))
    return " ".join(out)


def refuse_right_to_left(job: ExportJob) -> None:
    """Hebrew or Arabic would print unshaped and in the wrong order: refuse, naming the question."""
    bank = job.bank
    if right_to_left(bank.title):
        raise ExportError(f"{bank.path}: the bank's title has right-to-left text (Hebrew or Arabic), which "
                          "quizgen cannot print yet; expected left-to-right text in printed outputs")
    for qset in job.sets[:1]:
        for item in qset.items:
            if any(right_to_left(text) for _, text in question_texts(item)):
                q = item.question
                where = f"{q.ref}: " if q.ref else f"{bank.path}: "
                raise ExportError(f"{where}question {q.id!r} has right-to-left text (Hebrew or Arabic), which "
                                  "quizgen cannot print shaped and in order yet; expected left-to-right text, "
                                  "or leave the question out with --exclude or --types")


def _file_name(bank_id: str, stem: str, version: str | None) -> str:
    return f"{bank_id}-{stem}-{version}.pdf" if version else f"{bank_id}-{stem}.pdf"


class _Renderer:
    """Shared state for rendering one job's PDFs."""

    def __init__(self, job: ExportJob):
        refuse_right_to_left(job)
        self.job = job
        self.bank = job.bank
        self.words = words_for(job.bank.language)
        self.sheet = sheet_texts(job)
        self.title = clean(self.sheet.get("title") or self.bank.title)
        self.geometry = Geometry(paper_of(job))
        self.plan = text_plan(job)
        first_h, later_h = frame_heights(self.geometry, sources_line(self.bank))
        self.layout = Layout(width=self.geometry.width, show_points=job.options.show_points,
                             group_by=job.options.group_by, word_bank=job.options.word_bank,
                             first_height=first_h, later_height=later_h, words=self.words, sheet=self.sheet)

    def info(self, subject: str, version: str | None) -> DocInfo:
        title = self.title + (f" \u2014 {subject}, version {version}" if version else f" \u2014 {subject}")
        return DocInfo(title=title, subject=subject, language=self.bank.language, sources=sources_line(self.bank))

    def worksheet_section(self, qset: QuestionSet) -> Section:
        blocks = tighten_last_page(worksheet_blocks(self.bank, qset, self.layout), self.layout)
        name = str(self.words["worksheet"])
        return Section(blocks, f"{self.title} \u00b7 {name}", qset.version, name,
                       str(self.words["page"]), str(self.words["version"]))

    def key_section(self, qset: QuestionSet) -> Section:
        blocks = key_blocks(self.bank, qset, self.layout)
        name = str(self.words["answer_key"])
        return Section(blocks, f"{self.title} \u00b7 {name}", qset.version, name,
                       str(self.words["page"]), str(self.words["version"]))

    def render(self, sections: list[Section], subject: str, version: str | None, odd_starts: bool = False) -> bytes:
        return render_document(sections, self.info(subject, version), self.geometry, self.plan, odd_starts)


# Below this many documents a second process does not pay for its start.
PARALLEL_MIN_DOCUMENTS = 6


def _workers(job: ExportJob) -> int:
    """How many processes may render: ``options.extra["pdf_workers"]`` if set, else 2 when a
    second CPU is there and was idle while this build ran (a busy machine makes a second
    process cost, not save)."""
    wanted = job.options.extra.get("pdf_workers")
    if wanted is not None:
        return max(1, int(wanted))
    if len(job.sets) < PARALLEL_MIN_DOCUMENTS:
        return 1  # render_all would not fork anyway: no need to look at the machine
    return 2 if cores.second_cpu_idle() else 1


def render_all(render: Callable[[int], bytes], count: int, workers: int = 1) -> list[bytes]:
    """``[render(0), ..., render(count - 1)]``, using a second process when it pays.

    The first document is rendered here first, so the forked child starts with warm
    caches (fonts, laid-out text); then the child renders the second half of the rest
    while this process renders the first half. Every document is a pure function of
    its index, so the bytes are the same whichever process made them. Where this
    process cannot fork (``cores.can_fork``), or if the child fails, everything is
    rendered here.
    """
    if count == 0:
        return []
    results = [render(0)]
    rest = list(range(1, count))
    if workers < 2 or count < PARALLEL_MIN_DOCUMENTS:
        return results + [render(i) for i in rest]
    half = len(rest) // 2
    mine, theirs = rest[:half], rest[half:]
    share = cores.fork_share(lambda: [render(i) for i in theirs])  # None: cannot fork here
    if share is None:
        return results + [render(i) for i in rest]
    try:
        results += [render(i) for i in mine]
    except BaseException:
        share.cancel()
        raise
    try:
        child = list(share.records())
    except cores.ShareFailed:
        child = []
    if len(child) != len(theirs):
        child = [render(i) for i in theirs]
    return results + child


def _item_ids(qset: QuestionSet) -> tuple[str, ...]:
    return tuple(item.question.id for item in qset.items)


def _item_keys(qset: QuestionSet) -> tuple[str | None, ...]:
    return tuple(item.key_text for item in qset.items)


def marking_record(item: PlacedQuestion) -> dict:
    """What ``quizgen mark`` needs of one printed question: its type, points and answer as printed.

    ``answer`` is, by type: multiple choice the right letters (["C"], ["A", "C"]); true/false
    true or false; short answer every accepted text; numeric the number (with ``tolerance`` and
    ``unit``); cloze the blanks' answers in order (and ``accept``, each blank's other right
    answers, when a blank has any); matching the right letter for each numbered
    item; ordering the number each box should hold, from the top. ``options`` are the printed
    options (multiple choice, the right-hand column of matching, the ordering items).
    """
    q = item.question
    record: dict = {"type": q.type, "points": q.points}
    if q.type == "multiple_choice":
        record["answer"] = [letter(i) for i in sorted(item.key)]
        record["options"] = list(item.options)
    elif q.type == "true_false":
        record["answer"] = bool(q.truth)
    elif q.type == "short_answer":
        record["answer"] = list(q.answers + q.accept)
    elif q.type == "numeric":
        record.update(answer=q.number, tolerance=q.tolerance or 0, unit=q.unit)
    elif q.type == "cloze":
        record["answer"] = [b.answer for b in q.blanks]
        if any(b.accept for b in q.blanks):  # the other answers each blank accepts, in order
            record["accept"] = [list(b.accept) for b in q.blanks]
    elif q.type == "matching":
        record["answer"] = [letter(k).lower() for k in item.key]
        record["options"] = list(item.options)
    elif q.type == "ordering":
        record["answer"] = ordering_boxes(item)
        record["options"] = list(item.options)
    return record


def _item_marking(qset: QuestionSet) -> tuple[dict, ...]:
    return tuple(marking_record(item) for item in qset.items)


def _per_version(job: ExportJob, r: "_Renderer", section, title: str, file_part: str, kind: str,
                 what: str) -> list[Artifact]:
    """One PDF per version of the set (the glyph warnings go with the first only)."""
    sets = job.sets
    documents = render_all(lambda i: r.render([section(sets[i])], title, sets[i].version),
                           len(sets), _workers(job))
    warnings = glyph_warnings(job, what)
    return [Artifact(name=_file_name(job.bank.id, file_part, qset.version), data=data, kind=kind,
                     bank=job.bank.id, version=qset.version, questions=_item_ids(qset), key=_item_keys(qset),
                     warnings=warnings if i == 0 else (), marking=_item_marking(qset) if kind == "worksheet" else None)
            for i, (qset, data) in enumerate(zip(sets, documents))]


class WorksheetExporter:
    """Printable worksheet PDFs, one per version (plus an all-versions PDF with --combined)."""

    name = "worksheet"
    needs_versions = True
    description = "printable worksheet PDF per version (B-worksheet[-A].pdf)"

    def render(self, job: ExportJob) -> list[Artifact]:
        r = _Renderer(job)
        out = _per_version(job, r, r.worksheet_section, "Worksheet", "worksheet", "worksheet", "worksheet")
        if job.options.combined:
            data = r.render([r.worksheet_section(qset) for qset in job.sets], "Worksheets, all versions", None,
                            odd_starts=True)
            out.append(Artifact(name=f"{job.bank.id}-worksheets-all.pdf", data=data, kind="worksheet_combined",
                                bank=job.bank.id, version=None, questions=(), key=None))
        return out


class AnswerKeyExporter:
    """Answer key PDFs, one per version (plus a cross-version summary with --key-summary)."""

    name = "key"
    needs_versions = True
    description = "answer key PDF per version (B-answer-key[-A].pdf)"

    def render(self, job: ExportJob) -> list[Artifact]:
        r = _Renderer(job)
        out = _per_version(job, r, r.key_section, "Answer key", "answer-key", "answer_key", "answer key")
        if job.options.key_summary:
            blocks = key_summary_blocks(job.bank, job.sets, r.layout)
            name = str(r.words["key_summary"])
            section = Section(blocks, f"{r.title} \u00b7 {r.words['summary_title']}", None, name,
                              str(r.words["page"]), str(r.words["version"]))
            data = r.render([section], "Answer key summary", None)
            out.append(Artifact(name=f"{job.bank.id}-answer-key-summary.pdf", data=data, kind="key_summary",
                                bank=job.bank.id, version=None, questions=(), key=None))
        return out
