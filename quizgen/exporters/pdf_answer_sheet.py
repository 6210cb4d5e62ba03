"""Answer sheets: a separate bubble sheet per version, and its marking overlay.

``B-answer-sheet-A.pdf`` (``B-answer-sheet.pdf`` for one version) is one page per version:
student name, class and date, a student-number bubble grid, a row of bubbles for each
multiple-choice and true/false question, boxes for the rest (one box per matching item
for its letter, one per ordering item for its number, one box for a written answer),
the bank and version as text and as a QR code, and a filled square in each corner so
that a later release can straighten and read a scan. ``B-answer-sheet-key-A.pdf`` is
the marking overlay: the same page with the right bubbles filled and the answers in
the boxes, at exactly the same positions (print it on a transparency, or hold the two
pages to the light).

Drawn straight on a reportlab canvas (the positions are the point); DejaVu Sans, so
any language prints; invariant mode, so the bytes are reproducible.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color, black, white
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from ..i18n import count as count_of
from ..model import Bank, PlacedQuestion, QuestionSet, letter
from . import Artifact, ExportJob
from .pdf import _item_ids, _item_keys, _item_marking, paper_of, refuse_right_to_left, sheet_texts
from .pdf_doc import PAPER
from .pdf_fonts import font_name, fonts
from .pdf_key import grid_code, numeric_code, ordering_boxes, shorten
from .pdf_worksheet import clean

MARGIN = 40.0
MARKER = 14.0  # the corner squares
MARKER_INSET = 22.0
QR_SIZE = 74.0
BUBBLE_R = 5.6
BUBBLE_STEP = 16.0
ROW_H = 19.0
KEY_SIZES = (8.5, 8.0, 7.5, 7.0)  # a written answer's key on the overlay: one line, the largest that fits
KEY_WRAPPED_SIZES = (6.5, 6.0, 5.5)  # else two lines (a box is ROW_H - 3 high)
KEY_LIMIT = 160  # characters of a key before it is cut (two lines of 5.5-point type hold about 90)
DIGITS = 6  # student-number columns
CHOICE_TYPES = ("multiple_choice", "true_false")
GRAY = Color(0.35, 0.35, 0.35)
LIGHT = Color(0.55, 0.55, 0.55)

ENGLISH = {
    "sheet": "Answer sheet",
    "overlay": "Marking overlay",
    "version": "Version",
    "name": "Name",
    "class": "Class",
    "date": "Date",
    "student_number": "Student number",
    "instructions": "Fill each bubble completely with a dark pen or pencil. Write the other answers in "
                    "their boxes: a letter for each numbered matching item, a number in each ordering box.",
    "overlay_note": "The key at the positions of the answer sheet: lay it over a student's sheet.",
    "page": "Page {n} of {m}",
}


def sheet_code(bank_id: str, version: str | None) -> str:
    """What the QR code holds: a scan tells which bank and version the sheet belongs to."""
    return f"quizgen:answer-sheet:{bank_id}:{version or '-'}"


@dataclass(frozen=True)
class Place:
    """Where one question goes: its column, the top of its row and the row's height."""

    x: float
    top: float
    height: float


class _Sheet:
    def __init__(self, bank: Bank, qset: QuestionSet, paper: str, words: dict, overlay: bool,
                 sheet: dict | None = None):
        fonts()
        self.sheet = sheet or {}
        self.title = " ".join((self.sheet.get("title") or bank.title).split())
        self.regular, self.bold = font_name("regular"), font_name("bold")
        self.bank, self.qset, self.words, self.overlay = bank, qset, words, overlay
        self.width, self.height = PAPER[paper]
        self.buf = io.BytesIO()
        self.c = Canvas(self.buf, pagesize=(self.width, self.height), invariant=1, pageCompression=1)
        title = f"{self.title} \u2014 {words['overlay' if overlay else 'sheet']}"
        self.c.setTitle(title + (f", {words['version']} {qset.version}" if qset.version else ""))
        self.c.setSubject(words["overlay" if overlay else "sheet"])
        self.c.setAuthor("quizgen")

    # coordinates: ``top`` measured down from the page's top edge, as in the other PDFs
    def y(self, top: float) -> float:
        return self.height - top

    def text(self, x: float, top: float, s: str, size: float = 9.0, bold: bool = False, color=black,
             align: str = "left") -> None:
        c = self.c
        c.setFillColor(color)
        c.setFont(self.bold if bold else self.regular, size)
        draw = {"left": c.drawString, "right": c.drawRightString, "centre": c.drawCentredString}[align]
        draw(x, self.y(top) - size * 0.8, s)
        c.setFillColor(black)

    def fit(self, s: str, size: float, width: float, bold: bool = False) -> str:
        face = self.bold if bold else self.regular
        if self.c.stringWidth(s, face, size) <= width:
            return s
        while s and self.c.stringWidth(s + "\u2026", face, size) > width:
            s = s[:-1]
        return s + "\u2026"

    def bubble(self, cx: float, ctop: float, label: str, filled: bool) -> None:
        c = self.c
        c.setLineWidth(0.7)
        c.setStrokeColor(black)
        c.setFillColor(black if filled else white)
        c.circle(cx, self.y(ctop), BUBBLE_R, stroke=1, fill=1)
        c.setFillColor(white if filled else LIGHT)
        c.setFont(self.bold if filled else self.regular, 6.5)
        c.drawCentredString(cx, self.y(ctop) - 2.3, label)
        c.setFillColor(black)

    def box(self, x: float, top: float, w: float, h: float, content: str = "") -> None:
        self.c.setLineWidth(0.7)
        self.c.setStrokeColor(black)
        self.c.rect(x, self.y(top + h), w, h, stroke=1, fill=0)
        if content:
            size = 8.5 if h < 18 else 9.5
            self.text(x + 3, top + (h - size) / 2, self.fit(content, size, w - 6, True), size, bold=True)

    def key_box(self, x: float, top: float, w: float, h: float, key: str) -> None:
        """A written answer's box on the overlay, with the whole key: on one line in the largest
        type that fits, else on two lines in smaller type (a three-blank cloze key such as
        "expectations; independent; ineffective"), cut with an ellipsis only past that."""
        self.box(x, top, w, h)
        width, face = w - 6, self.bold
        for size in KEY_SIZES:
            if self.c.stringWidth(key, face, size) <= width:
                self.text(x + 3, top + (h - size) / 2, key, size, bold=True)
                return
        for size in KEY_WRAPPED_SIZES:
            lines = simpleSplit(key, face, size, width)
            if len(lines) <= 2 and all(self.c.stringWidth(line, face, size) <= width for line in lines):
                break
        else:
            first, *rest = simpleSplit(key, face, size, width) or [key]
            lines = [self.fit(line, size, width, True) for line in (first, " ".join(rest)) if line]
        lead = size * 1.15
        first_top = top + (h - lead * len(lines)) / 2 + (lead - size) / 2
        for i, line in enumerate(lines):
            self.text(x + 3, first_top + i * lead, line, size, bold=True)

    # ---- the page ----

    def corners(self) -> None:
        c = self.c
        c.setFillColor(black)
        for x in (MARKER_INSET, self.width - MARKER_INSET - MARKER):
            for top in (MARKER_INSET, self.height - MARKER_INSET - MARKER):
                c.rect(x, self.y(top + MARKER), MARKER, MARKER, stroke=0, fill=1)

    def qr(self, x: float, top: float) -> None:
        widget = QrCodeWidget(sheet_code(self.bank.id, self.qset.version), barLevel="M")
        x0, y0, x1, y1 = widget.getBounds()
        drawing = Drawing(QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0])
        drawing.add(widget)
        renderPDF.draw(drawing, self.c, x, self.y(top + QR_SIZE))

    def header(self) -> float:
        w = self.words
        right = self.width - MARGIN
        top = MARGIN + 8
        qr_x = right - QR_SIZE
        self.qr(qr_x, top - 6)
        text_w = qr_x - MARGIN - 60
        if self.sheet.get("school"):
            self.text(MARGIN, top - 11, self.fit(self.sheet["school"].upper(), 7.5, text_w, True), 7.5, bold=True,
                      color=GRAY)
        below = top
        if self.c.stringWidth(self.title, self.bold, 14) <= text_w:
            self.text(MARGIN, top, self.title, 14, bold=True)
        else:  # a long title: two lines, a little smaller
            lines = simpleSplit(self.title, self.bold, 11.5, text_w)
            self.text(MARGIN, top - 2, lines[0], 11.5, bold=True)
            self.text(MARGIN, top + 11, self.fit(" ".join(lines[1:]), 11.5, text_w, True), 11.5, bold=True)
            below = top + 9
        kind = w["overlay"] if self.overlay else w["sheet"]
        version = f" \u00b7 {w['version']} {self.qset.version}" if self.qset.version else ""
        self.text(MARGIN, below + 19, f"{kind}{version}", 10.5, bold=True)
        lang = self.bank.language
        code = [self.bank.id] + ([f"{w['version']} {self.qset.version}"] if self.qset.version else [])
        self.text(MARGIN, below + 34, " \u00b7 ".join(code + [count_of(lang, len(self.qset.items), "question")]), 8,
                  color=GRAY)
        if self.qset.version:  # the version letter, big, left of the QR code
            self.c.setLineWidth(1.2)
            self.c.rect(qr_x - 52, self.y(top + 40), 42, 40, stroke=1, fill=0)
            self.text(qr_x - 31, top + 6, self.qset.version, 22 if len(self.qset.version) == 1 else 15,
                      bold=True, align="centre")
        top += QR_SIZE + 4
        # name, class, date
        x = MARGIN
        for label, share in ((w["name"], 0.5), (w["class"], 0.25), (w["date"], 0.25)):
            cell = (right - MARGIN) * share
            self.text(x, top, label, 9.5)
            start = x + self.c.stringWidth(label, self.regular, 9.5) + 4
            self.c.setLineWidth(0.6)
            self.c.line(start, self.y(top + 11), x + cell - 12, self.y(top + 11))
            x += cell
        return top + 24

    def student_number(self, top: float) -> float:
        """Write-in boxes over a column of bubbles 0-9 for each digit."""
        self.text(MARGIN, top, self.words["student_number"], 9, bold=True)
        top += 14
        step = 17.0
        for d in range(DIGITS):
            x = MARGIN + d * step
            self.box(x, top, 15, 15)
            for digit in range(10):
                self.bubble(x + 7.5, top + 24 + digit * 13.5, str(digit), False)
        note_x = MARGIN + DIGITS * step + 18
        size = 8.5
        words = (self.words["overlay_note"] if self.overlay else self.words["instructions"]).split()
        line, lines = "", []
        for word in words:
            trial = f"{line} {word}".strip()
            if self.c.stringWidth(trial, self.regular, size) > self.width - MARGIN - note_x:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
        for n, text in enumerate(lines):
            self.text(note_x, top + n * 12, text, size, color=GRAY)
        return top + 24 + 10 * 13.5 + 4

    def row_height(self, item: PlacedQuestion, col_w: float) -> float:
        q = item.question
        if q.type in ("matching", "ordering"):
            n = len(q.pairs) if q.type == "matching" else len(item.options)
            per_line = max(1, int((col_w - 26) // 30))
            return ROW_H + (ROW_H - 2) * ((n - 1) // per_line)
        return ROW_H

    def question(self, item: PlacedQuestion, x: float, top: float, col_w: float) -> None:
        q = item.question
        self.text(x + 18, top + 4, f"{item.number}", 9.5, bold=True, align="right")
        left = x + 24
        mid = top + ROW_H / 2
        if q.type == "multiple_choice":
            right = set(item.key)
            for i in range(len(item.options)):
                self.bubble(left + 8 + i * BUBBLE_STEP, mid, letter(i), self.overlay and i in right)
        elif q.type == "true_false":
            for i, label in enumerate(("T", "F")):
                self.bubble(left + 8 + i * BUBBLE_STEP, mid, label, self.overlay and (q.truth == (i == 0)))
        elif q.type in ("matching", "ordering"):
            if q.type == "matching":
                labels = [str(i + 1) for i in range(len(q.pairs))]
                answers = [letter(k).lower() for k in item.key]
            else:
                labels = [letter(i).lower() for i in range(len(item.options))]
                answers = [str(n) for n in ordering_boxes(item)]
            per_line = max(1, int((col_w - 26) // 30))
            for i, (label, answer) in enumerate(zip(labels, answers)):
                bx = left + (i % per_line) * 30
                btop = top + 2 + (i // per_line) * (ROW_H - 2)
                self.text(bx, btop + 3, label, 6.5, color=GRAY)
                self.box(bx + 9, btop, 17, 15, answer if self.overlay else "")
        else:
            if self.overlay:
                self.key_box(left, top + 1, col_w - 30, ROW_H - 3, shorten(overlay_key(item), KEY_LIMIT))
            else:
                self.box(left, top + 1, col_w - 30, ROW_H - 3)

    def questions(self, top: float) -> None:
        items = list(self.qset.items)
        cols = 3
        col_w = (self.width - 2 * MARGIN) / cols
        bottom = self.height - MARGIN - 10
        page = 1
        pages: list[list[tuple[PlacedQuestion, Place]]] = [[]]
        col, y = 0, top
        heights = [self.row_height(item, col_w) + 2 for item in items]
        # when the questions fit on the first page, share them evenly between the columns
        share = max(heights, default=0.0) + sum(heights) / cols
        column_end = min(bottom, top + share) if sum(heights) <= cols * (bottom - top) - cols * max(heights, default=0) \
            else bottom
        for item in items:
            h = self.row_height(item, col_w)
            if y + h > column_end and y > top and col < cols - 1 and len(pages) == 1:
                col, y = col + 1, top
            elif y + h > bottom:
                col, y = col + 1, (top if len(pages) == 1 else MARGIN + 30)
                if col == cols:
                    pages.append([])
                    col, y = 0, MARGIN + 30
            pages[-1].append((item, Place(MARGIN + col * col_w, y, h)))
            y += h + 2
        for page, placed in enumerate(pages, start=1):
            if page > 1:
                self.c.showPage()
                self.corners()
                self.text(MARGIN, MARGIN + 6, f"{self.title} \u00b7 {self.words['version']} "
                          f"{self.qset.version}" if self.qset.version else self.title, 9, color=GRAY)
            for n, (item, place) in enumerate(placed):
                if n % 2 == 0:
                    self.c.setFillColor(Color(0.95, 0.95, 0.95))
                    self.c.rect(place.x, self.y(place.top + place.height), col_w - 8, place.height, stroke=0, fill=1)
                    self.c.setFillColor(black)
                self.question(item, place.x, place.top, col_w)
            label = self.words["page"].format(n=page, m=len(pages))
            self.text(self.width - MARGIN, self.height - MARGIN + 4, label, 8, color=GRAY, align="right")

    def render(self) -> bytes:
        self.corners()
        top = self.header()
        top = self.student_number(top)
        self.questions(top + 6)
        self.c.showPage()
        self.c.save()
        return self.buf.getvalue()


def sheet_words(bank: Bank) -> dict:
    """The sheet's furniture in the bank's language (English where the table has no entry)."""
    try:
        from ..i18n import furniture
    except ImportError:  # pragma: no cover - i18n is optional for this exporter
        return ENGLISH
    return {**ENGLISH, **furniture(bank.language, "answer_sheet")}


def overlay_key(item: PlacedQuestion) -> str:
    """What the overlay prints in a written answer's box: the whole answer (the key's quick grid
    shortens long ones, see ``pdf_key.GRID_WORDS``; the box has room for two lines of small type)."""
    q = item.question
    if q.type == "cloze":
        return "; ".join(clean(b.answer) for b in q.blanks)
    if q.type == "short_answer":
        return clean(q.answers[0]) if q.answers else ""
    if q.type == "numeric":
        return numeric_code(q.number, q.tolerance, q.unit)
    return grid_code(item)


def render_sheet(bank: Bank, qset: QuestionSet, paper: str, overlay: bool = False,
                 sheet: dict | None = None) -> bytes:
    return _Sheet(bank, qset, paper, sheet_words(bank), overlay, sheet).render()


class AnswerSheetExporter:
    """A one-page bubble sheet per version, plus its marking overlay."""

    name = "answer_sheet"
    needs_versions = True
    description = "bubble answer sheet PDF per version, and its marking overlay (B-answer-sheet[-A].pdf)"

    def render(self, job: ExportJob) -> list[Artifact]:
        paper = paper_of(job)
        refuse_right_to_left(job)
        sheet = sheet_texts(job)
        out = []
        for qset in job.sets:
            suffix = f"-{qset.version}" if qset.version else ""
            common = dict(bank=job.bank.id, version=qset.version, questions=_item_ids(qset), key=_item_keys(qset))
            out.append(Artifact(name=f"{job.bank.id}-answer-sheet{suffix}.pdf", kind="answer_sheet",
                                data=render_sheet(job.bank, qset, paper, sheet=sheet), marking=_item_marking(qset), **common))
            out.append(Artifact(name=f"{job.bank.id}-answer-sheet-key{suffix}.pdf", kind="answer_sheet_key",
                                data=render_sheet(job.bank, qset, paper, overlay=True, sheet=sheet), **common))
        return out
