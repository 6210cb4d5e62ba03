"""Pages for quizgen's PDFs: the platypus document, page furniture, "Page n of m".

A document is one or more ``Section``s (one per version; several only in the combined
worksheet PDF). Platypus flows each section's blocks into frames. The canvas keeps
every finished page aside until the end (``_PagedCanvas``), so the furniture can say
"Page 2 of 3" without laying the document out twice, and so the combined PDF can
insert a blank page wherever a version would otherwise start on an even page.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Sequence

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, NextPageTemplate, PageBreak, PageTemplate
from reportlab.platypus.doctemplate import LayoutError

from ..errors import ExportError
from .pdf_fonts import TextPlan
from .pdf_layout import Block, Para, Style, coord, line, para, rect, text_ops

PAPER = {"letter": LETTER, "a4": A4}
MARGIN_X = 54.0  # 0.75 in
MARGIN_TOP = 40.0
FOOTER_BOTTOM = 30.0
RUNNING_HEADER = 34.0  # height the running header takes on pages after a section's first

FOOTER_STYLE = Style("regular", 7.0, 9.0, 0.3)
PAGE_LABEL_STYLE = Style("regular", 8.5, 10.0, 0.15)
PAGE_VERSION_STYLE = Style("bold", 8.5, 10.0, 0.0)
RUNNING_STYLE = Style("regular", 8.5, 10.0, 0.35)
VERSION_LETTER_RUNNING = Style("bold", 14.0, 16.0)
VERSION_LABEL = Style("regular", 5.5, 7.0, 0.35)
BLANK_NOTE = Style("italic", 9.0, 12.0, 0.5)


@dataclass(frozen=True)
class Geometry:
    """Where things go on one paper size."""

    paper: str

    @property
    def size(self) -> tuple[float, float]:
        return PAPER[self.paper]

    @property
    def width(self) -> float:
        return self.size[0] - 2 * MARGIN_X


@dataclass
class Section:
    """One version's pages: its blocks and what its furniture says."""

    blocks: list[Flowable]
    running_title: str  # left of the running header on pages 2+
    version: str | None
    page_label: str = ""  # e.g. "Worksheet" or "Answer key", before "Page n of m"
    page_format: str = "Page {n} of {m}"  # in the bank's language (i18n)
    version_word: str = "Version"


@dataclass
class DocInfo:
    title: str
    subject: str
    language: str = "en"
    sources: str = ""  # the footer's text, one line or a few


class _SectionMark(Flowable):
    """Zero-size marker: the section with this index starts on the current page."""

    def __init__(self, index: int):
        super().__init__()
        self.index = index
        self.width = self.height = 0

    def wrap(self, aw, ah):
        return 0, 0

    def draw(self):
        canv = self.canv
        canv._qz_marks.setdefault(len(canv._qz_pages), self.index)


def version_box(x: float, top: float, size: float, letter: str, letter_style: Style, label: bool = True,
                label_text: str = "VERSION") -> list[tuple]:
    """Parts for a boxed version letter (top-left at x, top), as Block parts."""
    parts: list[tuple] = [(top, top + size, "ops", rect(x, top, size, size, 1.2, 0.0))]
    w = letter_style.width(letter)
    if w > size - 6:  # "AA" and beyond: shrink to fit the box
        scale = (size - 6) / w
        letter_style = letter_style._replace(size=letter_style.size * scale, leading=letter_style.leading * scale)
        w = letter_style.width(letter)
    if label:
        lw = VERSION_LABEL.width(label_text)
        parts.append((top, top + 7, "text", x + (size - lw) / 2, VERSION_LABEL, label_text))
        letter_top = top + 5 + (size - 5 - letter_style.leading) / 2
    else:
        letter_top = top + (size - letter_style.leading) / 2 + 0.5
    parts.append((letter_top, letter_top + letter_style.leading, "text", x + (size - w) / 2, letter_style, letter))
    return parts


class _PagedCanvas(Canvas):
    """A canvas that holds every page until ``save`` and then adds the furniture."""

    def __init__(self, *args, qz: "_Job", **kwargs):
        super().__init__(*args, **kwargs)
        self._qz = qz
        self._qz_plan = qz.plan
        self._qz_pages: list[dict] = []
        self._qz_marks: dict[int, int] = {}
        qz.plan.begin(self)

    def showPage(self):  # noqa: N802 - reportlab's name
        self._qz_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        job = self._qz
        pages = self._qz_pages
        marks = self._qz_marks or {0: 0}
        starts = sorted(marks)
        spans = []  # (section index, first page, page count)
        for i, first in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else len(pages)
            spans.append((marks[first], first, end - first))
        written = 0
        for section_index, first, count in spans:
            if job.odd_starts and written % 2 == 1:
                self._blank_page()
                written += 1
            section = job.sections[section_index]
            for n in range(count):
                self.__dict__.update(pages[first + n])
                self.addLiteral(job.furniture(self._qz_plan, section, n + 1, count))
                Canvas.showPage(self)
                written += 1
        Canvas.save(self)

    def _blank_page(self):
        job = self._qz
        note = "This page is intentionally left blank."
        w, h = job.geometry.size
        x = (w - BLANK_NOTE.width(note)) / 2
        self.addLiteral(text_ops(self._qz_plan, coord(x), coord(h / 2), BLANK_NOTE, note))
        Canvas.showPage(self)


@dataclass
class _Job:
    """Everything the canvas needs to finish the pages of one document."""

    plan: TextPlan
    geometry: Geometry
    sections: Sequence[Section]
    footer: Para
    odd_starts: bool = False
    _cache: dict = field(default_factory=dict)

    def furniture(self, plan: TextPlan, section: Section, page: int, pages: int) -> str:
        """Operators for the running header (pages 2+) and the footer of one page."""
        width, height = self.geometry.size
        right = width - MARGIN_X
        out = [f"q 1 0 0 1 0 {coord(height)} cm"]
        if page > 1:
            key = ("head", id(section))
            head = self._cache.get(key)
            if head is None:
                parts = []
                box = 22.0
                top = MARGIN_TOP - 12
                title_w = self.geometry.width - (box + 12 if section.version else 0)
                title = _fit(section.running_title, RUNNING_STYLE, title_w)
                parts.append(text_ops(plan, coord(MARGIN_X), coord(-(top + 4 + RUNNING_STYLE.baseline)),
                                      RUNNING_STYLE, title))
                if section.version:
                    for p in version_box(right - box, top - 4, box, section.version, VERSION_LETTER_RUNNING, False):
                        parts.append(_part_code(plan, p))
                parts.append(line(MARGIN_X, top + 22, right - (box + 8 if section.version else 0), top + 22,
                                  0.4, 0.6))
                head = self._cache[key] = " ".join(parts)
            out.append(head)
        # footer: sources at the left, version and page at the right
        foot_key = ("foot",)
        foot = self._cache.get(foot_key)
        footer_top = height - FOOTER_BOTTOM - self.footer.height
        if foot is None:
            rule = line(MARGIN_X, footer_top - 5, right, footer_top - 5, 0.4, 0.6)
            body = self.footer.code(plan)
            foot = self._cache[foot_key] = f"{rule} q 1 0 0 1 {coord(MARGIN_X)} {coord(-footer_top)} cm {body} Q"
        out.append(foot)
        label_top = footer_top + FOOTER_STYLE.baseline - PAGE_LABEL_STYLE.baseline
        page_text = section.page_format.format(n=page, m=pages)
        pieces = []
        if section.page_label:
            pieces.append((PAGE_LABEL_STYLE, section.page_label + " \u00b7 "))
        if section.version:
            pieces.append((PAGE_VERSION_STYLE, f"{section.version_word} {section.version}"))
            pieces.append((PAGE_LABEL_STYLE, " \u00b7 "))
        pieces.append((PAGE_LABEL_STYLE, page_text))
        x = right - sum(st.width(t) for st, t in pieces)
        for st, t in pieces:
            out.append(text_ops(plan, coord(x), coord(-(label_top + st.baseline)), st, t))
            x += st.width(t)
        out.append("Q")
        return " ".join(out)


def _part_code(plan: TextPlan, part: tuple) -> str:
    kind = part[2]
    if kind == "text":
        _, _, _, x, style, text = part
        return text_ops(plan, coord(x), coord(-(part[0] + style.baseline)), style, text)
    if kind == "para":
        _, _, _, x, p = part
        return f"q 1 0 0 1 {coord(x)} {coord(-part[0])} cm {p.code(plan)} Q"
    return part[3]


def _fit(text: str, style: Style, width: float) -> str:
    """``text`` cut with an ellipsis so that it fits on one line of ``width``."""
    if style.width(text) <= width:
        return text
    while text and style.width(text + "\u2026") > width:
        text = text[:-1]
    return text.rstrip() + "\u2026"


def footer_para(sources: str, geometry: Geometry) -> Para:
    """The footer's sources text, wrapped beside the page label (at most 3 lines)."""
    width = geometry.width - 170
    p = para(sources, FOOTER_STYLE, width)
    if len(p.lines) > 3:
        words = sources.split()
        while words and len(para(" ".join(words) + "\u2026", FOOTER_STYLE, width).lines) > 3:
            words.pop()
        p = para(" ".join(words) + "\u2026", FOOTER_STYLE, width)
    return p


def frame_heights(geometry: Geometry, sources: str) -> tuple[float, float]:
    """Heights of the text frame on a section's first page and on the pages after it."""
    footer = footer_para(sources, geometry)
    first_h = geometry.size[1] - MARGIN_TOP - (FOOTER_BOTTOM + footer.height + 14)
    return first_h, first_h - RUNNING_HEADER


def render_document(sections: Sequence[Section], info: DocInfo, geometry: Geometry, plan: TextPlan,
                    odd_starts: bool = False) -> bytes:
    """Lay out and write one PDF; returns its bytes (identical for identical input)."""
    width, height = geometry.size
    footer = footer_para(info.sources, geometry)
    frame_bottom = FOOTER_BOTTOM + footer.height + 14
    first_h, later_h = frame_heights(geometry, info.sources)
    first = Frame(MARGIN_X, frame_bottom, geometry.width, first_h, 0, 0, 0, 0, id="first")
    later = Frame(MARGIN_X, frame_bottom, geometry.width, later_h, 0, 0, 0, 0, id="later")
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=(width, height), invariant=1, pageCompression=1,
        leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP, bottomMargin=frame_bottom,
        title=info.title, author="quizgen", subject=info.subject, creator="quizgen",
        initialFontName="QuizgenSans", initialFontSize=10, initialLeading=12,
        lang=info.language or None,
        pageTemplates=[PageTemplate(id="first", frames=[first], autoNextPageTemplate="later"),
                       PageTemplate(id="later", frames=[later], autoNextPageTemplate="later")],
    )
    story: list[Flowable] = []
    for index, section in enumerate(sections):
        if index:
            story.append(NextPageTemplate("first"))
            story.append(PageBreak())
        story.append(_SectionMark(index))
        for block in section.blocks:
            if isinstance(block, Block):
                block.max_height = later_h
            story.append(block)
    job = _Job(plan, geometry, sections, footer, odd_starts)
    try:
        with plan.lock:
            doc.build(list(story), canvasmaker=lambda *a, **k: _PagedCanvas(*a, qz=job, **k))  # build empties its list
    except LayoutError as exc:  # a question taller than a page that cannot be cut
        label = _failing_label(str(exc), story)
        raise ExportError(f"{label}is too long to fit on one page ({geometry.paper}); expected every question "
                          "to fit on a page (shorten it or split it in two)") from None
    return buf.getvalue()


def _failing_label(message: str, story: Sequence[Flowable]) -> str:
    for block in story:
        if isinstance(block, Block) and block.label and block.label in message:
            return f"{block.label} "
    return "a question "
