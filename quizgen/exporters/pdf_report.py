"""The class report of ``quizgen mark``: one page with the score distribution and the flagged items.

Drawn with reportlab alone: the histogram is reportlab's own ``VerticalBarChart``
(reportlab.graphics), so marking adds no dependency (matplotlib would add about
40 MB with numpy, and a second font system, for one bar chart). DejaVu Sans is the
font, so names in any script print; the bytes are reproducible (invariant mode).
"""
from __future__ import annotations

import io

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen.canvas import Canvas

from .pdf_fonts import fonts, font_name

MARGIN = 54.0
BINS = 10  # 0-9 %, 10-19 %, ..., 90-100 %
ROWS = 24  # item rows the page holds; the rest are in items.csv


def _fit(c: Canvas, text: str, font: str, size: float, width: float) -> str:
    if c.stringWidth(text, font, size) <= width:
        return text
    while text and c.stringWidth(text + "\u2026", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "\u2026"


def histogram(percents) -> list[int]:
    """How many scores fall in each tenth (100 % in the last)."""
    counts = [0] * BINS
    for p in percents:
        counts[min(BINS - 1, int(p // 10))] += 1
    return counts


def render_report(summary) -> bytes:
    """The one-page class report of a ``mark.ClassSummary``."""
    fonts()  # registers DejaVu Sans
    regular, bold = font_name("regular"), font_name("bold")
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=LETTER, invariant=1, pageCompression=1)
    c.setTitle(f"{summary.title} \u2014 class report")
    width, height = LETTER
    right = width - MARGIN
    y = height - MARGIN - 16
    c.setFont(bold, 16)
    c.drawString(MARGIN, y, _fit(c, f"Class report: {summary.title}", bold, 16, right - MARGIN))
    y -= 18
    c.setFont(regular, 9.5)
    rel = f"{summary.reliability:.2f}" if summary.reliability is not None else "n/a"
    c.drawString(MARGIN, y, f"{summary.students} students \u00b7 {summary.questions} questions \u00b7 "
                            f"{summary.max_points:g} points \u00b7 mean {summary.mean:.1f}% \u00b7 median "
                            f"{summary.median:.1f}% \u00b7 sd {summary.stdev:.1f} \u00b7 reliability (alpha) {rel}")
    y -= 14
    if summary.reviews:
        c.setFillColor(Color(0.6, 0.1, 0.1))
        c.drawString(MARGIN, y, f"{summary.reviews} answer{'s need' if summary.reviews != 1 else ' needs'} a person: "
                                "\u201creview\u201d in scores.csv; the scores above leave them out.")
        c.setFillColor(Color(0, 0, 0))
        y -= 14

    # the score distribution
    y -= 8
    c.setFont(bold, 12)
    c.drawString(MARGIN, y, "Score distribution")
    chart_h = 170.0
    drawing = Drawing(right - MARGIN, chart_h)
    chart = VerticalBarChart()
    chart.x, chart.y = 34, 28
    chart.width, chart.height = right - MARGIN - 44, chart_h - 40
    counts = histogram(summary.percents)
    chart.data = [counts]
    chart.categoryAxis.categoryNames = [f"{10 * i}\u2013{10 * i + 9 if i < BINS - 1 else 100}%" for i in range(BINS)]
    chart.categoryAxis.labels.fontName = regular
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = regular
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    top = max(counts + [1])
    chart.valueAxis.valueMax = top + (1 if top < 5 else 2)
    chart.valueAxis.valueStep = max(1, (top + 4) // 5)
    chart.bars[0].fillColor = Color(0.35, 0.45, 0.65)
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = lambda v: str(int(v)) if v else ""
    chart.barLabels.fontName = regular
    chart.barLabels.fontSize = 7.5
    chart.barLabels.nudge = 6
    drawing.add(chart)
    y -= chart_h + 6
    drawing.drawOn(c, MARGIN, y)
    c.setFont(regular, 8)
    c.drawCentredString(MARGIN + 34 + chart.width / 2, y + 6, "score (percent of the points)")
    c.saveState()
    c.translate(MARGIN + 10, y + 28 + chart.height / 2)
    c.rotate(90)
    c.drawCentredString(0, 0, "students")
    c.restoreState()

    # flagged items first, then the rest, as far as the page goes
    y -= 22
    flagged = [i for i in summary.items if i.flag]
    c.setFont(bold, 12)
    c.drawString(MARGIN, y, f"Flagged items ({len(flagged)})" if flagged else "Flagged items: none")
    y -= 16
    cols = [("question", MARGIN), ("type", MARGIN + 170), ("difficulty", MARGIN + 260),
            ("discrimination", MARGIN + 320), ("flag", MARGIN + 400)]
    c.setFont(bold, 8.5)
    for label, x in cols:
        c.drawString(x, y, label)
    y -= 4
    c.setLineWidth(0.5)
    c.line(MARGIN, y, right, y)
    y -= 11
    rows = flagged + [i for i in summary.items if not i.flag]
    room = ROWS - 2 * len(flagged)  # a flagged item takes a second line: why it is flagged
    shown = rows[:max(len(flagged), room)]
    edges = [x for _, x in cols[1:]] + [right + 6]
    for n, item in enumerate(shown):
        if n == len(flagged) and flagged:
            c.setStrokeColor(Color(0.6, 0.6, 0.6))
            c.line(MARGIN, y + 8, right, y + 8)
            c.setStrokeColor(Color(0, 0, 0))
        font = bold if item.flag else regular
        if item.flag == "check key":
            c.setFillColor(Color(0.7, 0.05, 0.05))
        values = [item.id, item.type.replace("_", " "),
                  "" if item.difficulty is None else f"{item.difficulty:.2f}",
                  "" if item.discrimination is None else f"{item.discrimination:.2f}", item.flag]
        for (_, x), edge, value in zip(cols, edges, values):
            c.setFont(font, 8.5)
            c.drawString(x, y, _fit(c, value, font, 8.5, edge - x - 6))
        c.setFillColor(Color(0, 0, 0))
        y -= 12.5
        if item.flag:
            c.setFont(regular, 8)
            c.setFillColor(Color(0.3, 0.3, 0.3))
            c.drawString(MARGIN + 12, y, _fit(c, item.reason, regular, 8, right - MARGIN - 12))
            c.setFillColor(Color(0, 0, 0))
            y -= 13
    if len(rows) > len(shown):
        c.setFont(regular, 8)
        c.drawString(MARGIN, y, f"\u2026 and {len(rows) - len(shown)} more questions: see items.csv")
    c.setFont(regular, 7.5)
    c.setFillColor(Color(0.35, 0.35, 0.35))
    c.drawString(MARGIN, MARGIN - 20, "Difficulty: the share of the points the class earned (1.00: everyone right). "
                                      "Discrimination: corrected point-biserial.")
    c.drawString(MARGIN, MARGIN - 30, "check key: stronger students chose another answer. review: the question "
                                      "hardly separates the class, or few got it.")
    c.showPage()
    c.save()
    return buf.getvalue()
