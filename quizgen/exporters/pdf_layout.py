"""A small, fast text layout for worksheets and keys: measure, wrap, place, draw.

Bank text is plain text, never markup, so quizgen does not send it through
``Paragraph`` (which parses markup and re-wraps on every build, and would need every
``<`` and ``&`` escaped). Text is wrapped here once per (text, style, width) and the
result, a ``Para``, is cached: a prompt or an option printed in 30 versions is
measured and encoded once. Pages are still assembled by platypus: every question is
one ``Block`` flowable that the frame places whole (a question never splits across
pages) and that draws its cached pieces with translations.

Coordinates inside a block: x to the right from the block's left edge, ``top`` down
from the block's top edge, in points.
"""
from __future__ import annotations

from typing import Iterable, NamedTuple, Sequence

from reportlab.platypus import Flowable

from .pdf_fonts import SLANT, TextPlan, text_width

_CACHE_LIMIT = 50_000
_ITALIC_MATRIX = f"1 0 {SLANT:g} 1"


class Style(NamedTuple):
    """Font (style key of pdf_fonts), size, line height and gray level (0 black, 1 white).

    A named tuple rather than a dataclass: styles are hashed in every cache lookup.
    """

    font: str = "regular"
    size: float = 10.0
    leading: float = 13.5
    gray: float = 0.0

    @property
    def baseline(self) -> float:
        """Distance from the top of a line to its baseline."""
        return (self.leading - self.size) / 2 + 0.8 * self.size

    def width(self, text: str) -> float:
        return text_width(text, self.font, self.size)

    def with_(self, **changes) -> "Style":
        return self._replace(**changes)


def coord(value: float) -> str:
    """A coordinate for the content stream: two decimals, no trailing zeros."""
    text = "%.2f" % value
    if text[-1] == "0":
        text = text[:-3] if text[-2] == "0" else text[:-1]
        if text == "-0":
            return "0"
    return text


# A run of text in one style. ``glue`` keeps it on the line of the run before it
# (a hint after a blank), and keeps its own words together (a word-bank entry).
class Run(NamedTuple):
    text: str
    style: Style
    glue: bool = False


class Para:
    """Wrapped text: ``lines`` of (x, style, text) segments, ``height`` in points."""

    __slots__ = ("lines", "height", "style", "line_widths", "_plan", "_code")

    def __init__(self, lines: list[list[tuple[float, Style, str]]], style: Style, line_widths: list[float]):
        self.lines = lines
        self.style = style
        self.line_widths = line_widths
        self.height = len(lines) * style.leading
        self._plan: TextPlan | None = None
        self._code = ""

    @property
    def width(self) -> float:
        return max(self.line_widths, default=0.0)

    def code(self, plan: TextPlan) -> str:
        """Content-stream operators drawing the text with its top-left at (0, 0)."""
        if self._plan is plan:
            return self._code
        plan.unstable = False
        out = []
        leading = self.style.leading
        base = self.style.baseline
        for i, line in enumerate(self.lines):
            y = coord(-(i * leading + base))
            for x, style, text in line:
                out.append(text_ops(plan, coord(x), y, style, text))
        code = " ".join(out)
        if not plan.unstable:  # valid in every document of this plan: keep it
            self._code, self._plan = code, plan
        return code


class Piece:
    """Geometry and short texts drawn relative to a top-left corner, cached per plan.

    Used for what repeats on every page or question (a lettered bubble, say): it is
    built once and placed with a translation, like a ``Para``.
    """

    __slots__ = ("ops", "texts", "height", "_plan", "_code")

    def __init__(self, ops: str, texts: Sequence[tuple[float, float, Style, str]], height: float):
        self.ops = ops
        self.texts = tuple(texts)  # (x, line top, style, text)
        self.height = height
        self._plan: TextPlan | None = None
        self._code = ""

    def code(self, plan: TextPlan) -> str:
        if self._plan is plan:
            return self._code
        plan.unstable = False
        parts = [self.ops] if self.ops else []
        parts += [text_ops(plan, coord(x), coord(-(top + st.baseline)), st, t) for x, top, st, t in self.texts]
        code = " ".join(parts)
        if not plan.unstable:
            self._code, self._plan = code, plan
        return code


def text_ops(plan: TextPlan, x: str, y: str, style: Style, text: str) -> str:
    matrix = _ITALIC_MATRIX if style.font == "italic" else "1 0 0 1"
    ops = f"BT {matrix} {x} {y} Tm {plan.show(style.font, style.size, text)} ET"
    if style.gray:
        return f"{style.gray:g} g {ops} 0 g"
    return ops


_paras: dict[tuple, Para] = {}


def para(text: str | Sequence[Run], style: Style, width: float) -> Para:
    """``text`` (plain, or a sequence of runs) wrapped to ``width``; cached."""
    key = (text if isinstance(text, str) else tuple(text), style, round(width, 2))
    found = _paras.get(key)
    if found is None:
        if len(_paras) > _CACHE_LIMIT:
            _paras.clear()
        runs = (Run(text, style),) if isinstance(text, str) else key[0]
        found = _paras[key] = _wrap(runs, style, width)
    return found


def _tokens(runs: Iterable[Run]) -> list[tuple[str, Style, float, bool, bool]]:
    """(word, style, width, space_before, may_break_before) for every word of the runs."""
    out: list[tuple[str, Style, float, bool, bool]] = []
    pending_space = False
    for run in runs:
        text = run.text
        if not text:
            continue
        if text[0].isspace():
            pending_space = True
        if run.glue:
            word = " ".join(text.split())
            if word:
                out.append((word, run.style, run.style.width(word), pending_space, False))
                pending_space = False
        else:
            style = run.style
            for j, word in enumerate(text.split()):
                space = pending_space if j == 0 else True
                out.append((word, style, style.width(word), space, space))
                pending_space = False
        if text[-1].isspace():
            pending_space = True
    return out


def _wrap(runs: tuple[Run, ...], style: Style, width: float) -> Para:
    tokens = _tokens(runs)
    # Glue words into unbreakable boxes, then fill lines greedily with boxes.
    boxes: list[list[tuple[str, Style, float, bool, bool]]] = []
    for tok in tokens:
        if boxes and not tok[4]:
            boxes[-1].append(tok)
        else:
            boxes.append([tok])
    lines: list[list[tuple[float, Style, str, bool]]] = []
    widths: list[float] = []
    line: list[tuple[float, Style, str, bool]] = []
    x = 0.0
    for box in boxes:
        box_width = 0.0
        for i, (word, st, w, space, _) in enumerate(box):
            box_width += w + (st.width(" ") if space and i else 0.0)
        lead = box[0][1].width(" ") if (line and box[0][3]) else 0.0
        if line and x + lead + box_width > width + 0.01:
            lines.append(line)
            widths.append(x)
            line, x, lead = [], 0.0, 0.0
        if not line and box_width > width + 0.01:
            box = _break_box(box, width)  # one word longer than a line: cut it
            for piece in box[:-1]:
                lines.append([(0.0, piece[1], piece[0], False)])
                widths.append(piece[2])
            box = box[-1:]
            lead = 0.0
        for i, (word, st, w, space, _) in enumerate(box):
            gap = lead if i == 0 else (st.width(" ") if space else 0.0)
            x += gap
            line.append((x, st, word, bool(gap)))
            x += w
    if line:
        lines.append(line)
        widths.append(x)
    # Merge neighbouring words of one style into one segment.
    merged: list[list[tuple[float, Style, str]]] = []
    for line in lines:
        segs: list[tuple[float, Style, str]] = []
        for x, st, word, spaced in line:
            if segs and segs[-1][1] == st:
                sx, sst, stext = segs[-1]
                segs[-1] = (sx, sst, stext + (" " if spaced else "") + word)
            else:
                segs.append((x, st, word))
        merged.append(segs)
    return Para(merged, style, widths)


def _break_box(box, width):
    """Cut an over-long box (a URL, say) into pieces that each fit on a line."""
    text = "".join(word if i == 0 else (" " + word if space else word)
                   for i, (word, _, _, space, _) in enumerate(box))
    style = box[0][1]
    pieces = []
    current = ""
    for ch in text:
        if current and style.width(current + ch) > width:
            pieces.append(current)
            current = ch
        else:
            current += ch
    pieces.append(current)
    return [(p, style, style.width(p), False, False) for p in pieces]


# ---- geometry: operators in block coordinates (y = -top) ----

_K = 0.5523  # bezier control distance for a quarter circle


def circle(cx: float, ctop: float, r: float, line_width: float = 0.7, gray: float = 0.0) -> str:
    y = -ctop
    k = _K * r
    return (f"{line_width:g} w {gray:g} G {coord(cx + r)} {coord(y)} m "
            f"{coord(cx + r)} {coord(y + k)} {coord(cx + k)} {coord(y + r)} {coord(cx)} {coord(y + r)} c "
            f"{coord(cx - k)} {coord(y + r)} {coord(cx - r)} {coord(y + k)} {coord(cx - r)} {coord(y)} c "
            f"{coord(cx - r)} {coord(y - k)} {coord(cx - k)} {coord(y - r)} {coord(cx)} {coord(y - r)} c "
            f"{coord(cx + k)} {coord(y - r)} {coord(cx + r)} {coord(y - k)} {coord(cx + r)} {coord(y)} c S")


def rect(x: float, top: float, w: float, h: float, line_width: float = 0.7, gray: float = 0.0,
         fill: float | None = None) -> str:
    box = f"{coord(x)} {coord(-top - h)} {coord(w)} {coord(h)} re"
    if fill is not None and not line_width:
        return f"{fill:g} g {box} f 0 g"
    if fill is not None:
        return f"{line_width:g} w {gray:g} G {fill:g} g {box} B 0 g"
    return f"{line_width:g} w {gray:g} G {box} S"


def line(x1: float, top1: float, x2: float, top2: float, line_width: float = 0.5, gray: float = 0.0) -> str:
    return f"{line_width:g} w {gray:g} G {coord(x1)} {coord(-top1)} m {coord(x2)} {coord(-top2)} l S"


class Block(Flowable):
    """A piece of a page that platypus places whole: a question, a heading, a header.

    ``parts`` are (top, bottom, kind, ...) tuples: ("para", x, para), ("text", x, style,
    text) with ``top`` the line's top, or ("ops", string) for geometry. ``breaks`` are
    the tops at which the block may be cut, used only when it is taller than a page.
    """

    def __init__(self, width: float, height: float, parts: list[tuple], breaks: Sequence[float] = (),
                 label: str = "", shift: float = 0.0):
        super().__init__()
        self.width = width
        self.height = height
        self.parts = parts
        self.breaks = tuple(breaks)
        self.label = label
        self.shift = shift
        self.max_height: float | None = None  # set by the document: the frame's height

    def wrap(self, avail_width, avail_height):  # noqa: D401 - platypus API
        return self.width, self.height

    def identity(self, maxLen=None):  # noqa: N803 - platypus API; names the block in LayoutError
        return self.label or "block"

    def split(self, avail_width, avail_height):
        if self.max_height is None or self.height <= self.max_height:
            return []  # fits on a fresh page: move it there whole
        cut = max((b for b in self.breaks if 0 < b - self.shift <= avail_height), default=None)
        if cut is None:
            return []
        first, second = [], []
        for part in self.parts:
            if part[1] <= cut + 0.01:
                first.append(part)
            elif part[0] >= cut - 0.01:
                second.append(part)
            else:
                return []
        head = Block(self.width, cut - self.shift, first, (), self.label, self.shift)
        tail = Block(self.width, self.height - (cut - self.shift), second,
                     [b for b in self.breaks if b > cut], self.label, cut)
        head.max_height = tail.max_height = self.max_height
        return [head, tail]

    def code(self, plan: TextPlan) -> str:
        out = [f"1 0 0 1 0 {coord(self.height + self.shift)} cm"]
        for part in self.parts:
            kind = part[2]
            if kind == "para":
                _, _, _, x, p = part
                body = p.code(plan)
                if body:
                    out.append(f"q 1 0 0 1 {coord(x)} {coord(-part[0])} cm {body} Q")
            elif kind == "text":
                _, _, _, x, style, text = part
                out.append(text_ops(plan, coord(x), coord(-(part[0] + style.baseline)), style, text))
            else:
                out.append(part[3])
        return " ".join(out)

    def draw(self):
        self.canv.addLiteral(self.code(self.canv._qz_plan))

    def drawOn(self, canvas, x, y, _sW=0):  # noqa: N802 - platypus API
        """Like Flowable.drawOn (save state, translate, draw, restore) in one literal."""
        canvas.addLiteral(f"q 1 0 0 1 {coord(x)} {coord(y)} cm {self.code(canvas._qz_plan)} Q")


class BlockBuilder:
    """Collects the parts of one block and tracks its height."""

    def __init__(self, width: float):
        self.width = width
        self.parts: list[tuple] = []
        self.breaks: list[float] = []
        self.bottom = 0.0

    def para(self, x: float, top: float, p: Para) -> float:
        """Place a Para; returns its bottom."""
        bottom = top + p.height
        self.parts.append((top, bottom, "para", x, p))
        self.bottom = max(self.bottom, bottom)
        return bottom

    def text(self, x: float, top: float, style: Style, text: str) -> float:
        """One line of text with its line box's top at ``top``; returns the line's bottom."""
        bottom = top + style.leading
        self.parts.append((top, bottom, "text", x, style, text))
        self.bottom = max(self.bottom, bottom)
        return bottom

    def ops(self, top: float, bottom: float, code: str) -> None:
        self.parts.append((top, bottom, "ops", code))
        self.bottom = max(self.bottom, bottom)

    def allow_break(self, top: float) -> None:
        self.breaks.append(top)

    def build(self, label: str = "", pad_bottom: float = 0.0) -> Block:
        return Block(self.width, self.bottom + pad_bottom, self.parts, self.breaks, label)
