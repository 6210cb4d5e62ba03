"""DejaVu Sans for every PDF quizgen prints: registered once, subset once, checked for glyphs.

reportlab embeds a TrueType font as per-document subsets. Two things make that slow
when a class set is printed (60 small PDFs of the same bank): building each subset
(``makeSubset``) and compressing it again for every document. Both depend only on
which characters the subset holds, so ``TextPlan`` fixes that set for a whole bank
(ASCII plus every other character the bank's texts use, in sorted order), and
``_SubsetCachingFont`` keeps the finished, compressed font streams keyed by that set.
The bytes written are exactly those reportlab would write; only the work is shared.

The same plan also caches how a string is encoded for the PDF (the subset codes of
its characters), so a prompt printed in 30 versions is encoded once.
"""
from __future__ import annotations

import threading
from importlib import resources

from reportlab.lib.rl_accel import escapePDF
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, makeToUnicodeCMap, SUBSETN, FF_NONSYMBOLIC, FF_SYMBOLIC

FONT_FAMILY = "DejaVu Sans"
# face key -> (registered name, file in quizgen/fonts)
FONT_FILES = {
    "regular": ("QuizgenSans", "DejaVuSans.ttf"),
    "bold": ("QuizgenSans-Bold", "DejaVuSans-Bold.ttf"),
}
FONT_KEYS = tuple(FONT_FILES)
# Style keys and the face each is set in. DejaVu Sans Oblique is DejaVu Sans slanted
# (same outlines, same advance widths), so "italic" is the regular face drawn with a
# slanted text matrix (SLANT): one font fewer to parse and to embed in every PDF.
STYLE_FACES = {"regular": "regular", "bold": "bold", "italic": "regular"}
SLANT = 0.2  # tan of about 11 degrees, DejaVu Sans Oblique's angle

# Characters the page furniture itself prints beyond ASCII (arrows, dashes, quotes, ...).
FURNITURE_CHARS = "\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u2192\u00b1\u00b7\u2022\u2713\u00d7"

_lock = threading.Lock()
_fonts: dict[str, "_SubsetCachingFont"] = {}
_stream_cache: dict[tuple, bytes] = {}
_STREAM_CACHE_LIMIT = 256


class _Formatted(pdfdoc.PDFObject):
    """A direct (inline) PDF object whose formatted bytes are already known."""

    def __init__(self, data: bytes):
        self.data = data

    def format(self, document) -> bytes:  # noqa: A003 - reportlab's name
        return self.data


def _cached_widths(font_name: str, face, codes: tuple[int, ...]) -> _Formatted:
    key = ("widths", font_name, codes)
    data = _stream_cache.get(key)
    if data is None:
        data = pdfdoc.PDFArray([face.getCharWidth(c) for c in codes]).format(_FORMAT_DOC)
        _stream_cache[key] = data
    return _Formatted(data)


class _FormattedStream(pdfdoc.PDFObject):
    """A PDF stream object whose formatted bytes are already known."""

    __RefOnly__ = 1

    def __init__(self, data: bytes):
        self.data = data

    def format(self, document) -> bytes:  # noqa: A003 - reportlab's name
        return self.data


def _cached_stream(key: tuple, make) -> pdfdoc.PDFObject:
    """The formatted bytes of the stream ``make()`` returns, computed once per key."""
    data = _stream_cache.get(key)
    if data is None:
        stream = make()
        data = stream.format(_FORMAT_DOC)
        if len(_stream_cache) >= _STREAM_CACHE_LIMIT:
            _stream_cache.clear()
        _stream_cache[key] = data
    return _FormattedStream(data)


# Formats a stream that holds no references: reportlab's own stand-in document.
_FORMAT_DOC = pdfdoc.DummyDoc()


class _SubsetCachingFont(TTFont):
    """A TTFont whose embedded subsets (font program and ToUnicode map) are cached.

    ``addObjects`` writes the same objects as ``TTFont.addObjects``; the two streams
    that cost time (the subset font program and its ToUnicode CMap, both compressed)
    are taken from a cache keyed by the subset's characters.
    """

    def addObjects(self, doc):  # noqa: N802 - reportlab's name
        state = self.state.get(doc)
        if state is None or not doc.compression:  # not ours to optimise: plain reportlab
            return TTFont.addObjects(self, doc)
        state.frozen = 1
        face = self.face
        font_dict = doc.idToObject["BasicFonts"].dict
        for n, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(n, doc)[1:]
            base_name = b"".join((SUBSETN(n), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
            codes = tuple(subset)

            pdf_font = pdfdoc.PDFTrueTypeFont()
            pdf_font.__Comment__ = "Font %s subset %d" % (self.fontName, n)
            pdf_font.Name = internal_name
            pdf_font.BaseFont = base_name
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            pdf_font.Widths = _cached_widths(self.fontName, face, codes)

            def make_cmap(base_name=base_name, subset=subset):
                stream = pdfdoc.PDFStream()
                stream.content = makeToUnicodeCMap(base_name, subset)
                stream.filters = [pdfdoc.PDFZCompress]
                return stream

            cmap = _cached_stream(("cmap", self.fontName, base_name, codes), make_cmap)
            pdf_font.ToUnicode = doc.Reference(cmap, "toUnicodeCMap:" + base_name)

            def make_program(subset=subset):
                stream = pdfdoc.PDFStream()
                stream.content = face.makeSubset(subset)
                stream.dictionary["Length1"] = len(stream.content)
                stream.filters = [pdfdoc.PDFZCompress]
                return stream

            program = _cached_stream(("program", self.fontName, codes), make_program)
            program_ref = doc.Reference(program, "fontFile:%s(%s)" % (face.filename, base_name))
            flags = (face.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC
            descriptor = pdfdoc.PDFDictionary({
                "Type": "/FontDescriptor",
                "Ascent": face.ascent,
                "CapHeight": face.capHeight,
                "Descent": face.descent,
                "Flags": flags,
                "FontBBox": pdfdoc.PDFArray(face.bbox),
                "FontName": pdfdoc.PDFName(base_name),
                "ItalicAngle": face.italicAngle,
                "StemV": face.stemV,
                "FontFile2": program_ref,
                "MissingWidth": face.defaultWidth,
            })
            pdf_font.FontDescriptor = doc.Reference(descriptor, "fontDescriptor:" + base_name)
            doc.Reference(pdf_font, internal_name)
            font_dict[internal_name] = pdf_font
        del self.state[doc]


def fonts() -> dict[str, _SubsetCachingFont]:
    """The DejaVu Sans faces by style key (see STYLE_FACES), registered once per process."""
    if len(_fonts) == len(STYLE_FACES):
        return _fonts
    with _lock:
        if len(_fonts) < len(STYLE_FACES):
            folder = resources.files("quizgen") / "fonts"
            faces = {}
            for key, (name, filename) in FONT_FILES.items():
                with resources.as_file(folder / filename) as path:
                    font = _SubsetCachingFont(name, str(path), asciiReadable=1)
                pdfmetrics.registerFont(font)
                faces[key] = font
            for style, face in STYLE_FACES.items():
                _fonts[style] = faces[face]
    return _fonts


def font_name(key: str) -> str:
    return FONT_FILES[key][0]


def missing_glyphs(text: str, key: str = "regular") -> list[str]:
    """The characters of ``text`` that the font has no glyph for (whitespace ignored)."""
    cmap = fonts()[key].face.charToGlyph
    return sorted({c for c in text if ord(c) not in cmap and not c.isspace()})


_widths: dict[tuple[str, str], float] = {}


def text_width(text: str, key: str, size: float) -> float:
    """Width of ``text`` in points, set in style ``key`` at ``size`` (cached per string)."""
    key = STYLE_FACES[key]
    w = _widths.get((key, text))
    if w is None:
        if len(_widths) > 200_000:
            _widths.clear()
        w = _widths[(key, text)] = fonts()[key].stringWidth(text, 1000.0)
    return w * size / 1000.0


class TextPlan:
    """How every string of one bank is encoded in its PDFs, shared by all of them.

    ``begin(canvas)`` prepares a new document: the three fonts get their subsets
    filled, in the same order every time, with the characters the plan was made
    for, and their internal names are fixed. After that, ``show(key, size, text)``
    returns the PDF text operators for a string; they are cached, and valid in
    every document the plan began.
    """

    def __init__(self, chars: str):
        extra = {c for c in chars if ord(c) > 126 and not c.isspace()} | set(FURNITURE_CHARS)
        self.seed = "".join(sorted(extra))
        self.seed_set = frozenset(self.seed)
        self._ops: dict[tuple[str, float, str], str] = {}
        self._names: dict[str, tuple[str, ...]] | None = None
        self._doc = None
        # set when show() returned operators valid only in the current document (a
        # character outside the seed): callers must not cache what they built from them
        self.unstable = False
        # one document at a time per plan (the subset codes belong to that document)
        self.lock = threading.RLock()

    def begin(self, canvas) -> None:
        doc = canvas._doc
        faces = fonts()
        names: dict[str, tuple[str, ...]] = {}
        for key in FONT_KEYS:
            font = faces[key]
            if self.seed:
                font.splitString(self.seed, doc)
            state = font.state[doc]
            names[key] = tuple(font.getSubsetInternalName(i, doc) for i in range(len(state.subsets)))
        if self._names is None:
            self._names = names
        elif names != self._names:  # cannot happen with a fresh canvas; be safe anyway
            self._ops.clear()
            self._names = names
        self._doc = doc

    def show(self, key: str, size: float, text: str) -> str:
        """PDF operators that set the font and show ``text`` at the current text position."""
        key = STYLE_FACES[key]
        cache_key = (key, size, text)
        ops = self._ops.get(cache_key)
        if ops is not None:
            return ops
        font = fonts()[key]
        parts = []
        for subset, chunk in font.splitString(text, self._doc):
            parts.append(f"{font.getSubsetInternalName(subset, self._doc)} {size:g} Tf ({escapePDF(chunk)}) Tj")
        ops = " ".join(parts)
        if all(32 <= ord(c) < 127 or c in self.seed_set for c in text):  # codes fixed by the seed
            self._ops[cache_key] = ops
        else:
            self.unstable = True
        return ops
