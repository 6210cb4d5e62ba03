"""Load bank files, validate them completely, and build ``Bank`` objects.

Every problem in every file is collected, each with its ``path:line``, and raised
together as one ``BankErrors``; a bank with any problem is never returned.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import gc
import itertools
import math
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable, Iterator

from . import bankcache, bankshare, yamlnodes
from .errors import BankError, BankErrors, SourceRef
from .model import (
    DIFFICULTIES,
    ENTITY_KINDS,
    FACT_KINDS,
    PAPER_SIZES,
    QUESTION_TYPES,
    Bank,
    Blank,
    Entity,
    Fact,
    Question,
    Source,
)
from .yamlnodes import LDict, LList

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
GENERATED_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\.[a-z0-9]+(?:[-_][a-z0-9]+)*$")
DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
BLANK_PATTERN = re.compile(r"\[\[(.*?)\]\]", re.S)
BANK_SUFFIXES = (".yaml", ".yml")
SLICED_LISTS = ("facts", "questions")  # the long lists the fast path reads a slice at a time
# A bank file of up to MAX_FILE_BYTES is read; one over READ_WHOLE_MAX_CHARS only a slice of
# its questions and facts at a time (memory stays flat: about 1 KiB per question once read),
# which needs those as block lists of entries up to MAX_ITEM_CHARS each, and the rest of the
# file (sources, entities, ...) at most MAX_REST_CHARS (docs/bank-format.md)
MAX_FILE_BYTES = 256 * 1024 * 1024
READ_WHOLE_MAX_CHARS = 20 * 1024 * 1024
MAX_ITEM_CHARS = 1024 * 1024
MAX_REST_CHARS = 4 * 1024 * 1024
MAX_QUESTIONS = 200_000
MAX_TEXT = 10_000  # characters in one field
# Bank ids name output files: Windows refuses these names (with any extension), and a
# file name has at most 255 bytes ("<id>-answer-key-AA.pdf", "<id>.anki-state.json")
RESERVED_NAMES = frozenset(["con", "nul", "prn", "aux", *(f"com{i}" for i in range(10)),
                            *(f"lpt{i}" for i in range(10))])
MAX_BANK_ID = 64
# Numbers a bank may hold: floats are exact integers up to 2**53, and amounts beyond these
# bounds print badly and break arithmetic on distractors (write them in another unit)
NUMBER_LARGEST = 1e15
NUMBER_SMALLEST = 1e-9
MAX_POINTS = 1000
YEAR_RANGE = (1, 9000)  # date distractors move a date by some years either way
# C0 and C1 control characters but tab, line feed and carriage return: invisible, and "\x1f"
# would split an Anki note's fields (docs/bank-format.md, docs/troubleshooting.md)
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

SHEET_FIELDS = {"title": False, "subtitle": False, "instructions": False, "time_allowed": False, "school": False}
TOP_FIELDS = {
    "bank": True, "title": True, "sources": True, "language": False, "description": False,
    "entities": False, "facts": False, "questions": False, "paper": False, "disable": False, "sheet": False,
}
SOURCE_FIELDS = {"title": True, "publisher": True, "date": False, "author": False, "url": False,
                 "kind": False, "text_file": False}
SOURCE_KINDS = ("article", "reference")
ENTITY_FIELDS = {"name": True, "kind": True, "role": False, "aliases": False, "group": False}
QUESTION_COMMON = {
    "id": True, "type": True, "source": True, "explanation": False, "evidence": False,
    "tags": False, "difficulty": False, "points": False, "deck": False, "override": False,
    "facts": False,
}
QUESTION_FIELDS: dict[str, dict[str, bool]] = {
    "multiple_choice": {"prompt": True, "answer": False, "answers": False, "distractors": True},
    "true_false": {"statement": True, "answer": True},
    "short_answer": {"prompt": True, "answer": True, "accept": False},
    "cloze": {"text": True},
    "numeric": {"prompt": True, "answer": True, "tolerance": False, "unit": False},
    "matching": {"prompt": True, "pairs": True},
    "ordering": {"prompt": True, "items": True},
}
FACT_COMMON = {"id": True, "kind": True, "source": True, "evidence": False, "tags": False, "deck": False}
# Each fact kind's own fields: name -> (required, value kind). Value kinds: "text",
# "entity" (an entity id; for `who` of actions, quotes and claims also a list of ids:
# a joint statement), "entities" (a list of entity ids), "date", "number", "bool",
# "slots" (a mapping of this fact's fields to lists of values).
# Every kind also has the attribution fields (ATTRIBUTION_FIELDS, below).
ATTRIBUTION_FIELDS: dict[str, tuple[bool, str]] = {
    "according_to": (False, "entity"),  # whose account this is, when it is not settled fact
    "via": (False, "entities"),  # through whom it reached the article, nearest the speaker first
    "note": (False, "text"),  # a correction or background, added to generated explanations
    "also_true": (False, "slots"),  # field -> values also true in the world: never wrong options
}
JOINT_FIELDS = frozenset({("action", "who"), ("quote", "who"), ("claim", "who")})
FACT_FIELDS: dict[str, dict[str, tuple[bool, str]]] = {
    "action": {"who": (True, "entity"), "did": (True, "text"), "when": (False, "date"),
               "where": (False, "text")},
    "quote": {"who": (True, "entity"), "said": (True, "text"), "verbatim": (False, "bool"),
              "translated": (False, "bool"), "about": (False, "text"), "key": (False, "text")},
    "quantity": {"what": (True, "text"), "value": (True, "number"), "unit": (False, "text"),
                 "claimed_by": (False, "entity"), "tolerance": (False, "number"), "question": (False, "text")},
    "event": {"what": (True, "text"), "when": (True, "date"), "where": (False, "text"),
              "clause": (False, "text"), "question": (False, "text")},
    "claim": {"who": (True, "entity"), "claim": (True, "text"), "key": (False, "text")},
    "role": {"who": (True, "entity"), "role": (True, "text")},
    "definition": {"term": (True, "text"), "means": (True, "text")},
}
for _own in FACT_FIELDS.values():
    _own.update(ATTRIBUTION_FIELDS)


_STRAIGHT_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_SPACE = re.compile(r"\s")


def normalize(text: str) -> str:
    """Compare answers as a student would: case, spacing and curly quotes don't count."""
    if text.isascii():  # no curly quotes to straighten, and lower() is casefold() for ASCII
        return " ".join(text.lower().split())
    return " ".join(text.translate(_STRAIGHT_QUOTES).casefold().split())


def parse_cloze(text: str) -> tuple[list[Blank], str | None]:
    """The blanks of a cloze text, and a problem description if the brackets are wrong."""
    blanks = []
    for match in BLANK_PATTERN.finditer(text):
        inner = match.group(1)
        if "[[" in inner:
            return [], "a blank opens inside another blank"
        answer, sep, hint = inner.partition("::")
        if not answer.strip():
            return [], "a blank has no answer ([[]])"
        answer, *others = (a.strip() for a in answer.split("|"))
        if not answer or not all(others):
            return [], "a blank has an empty alternative ([[answer|]])"
        blanks.append(Blank(answer, hint.strip() or None if sep else None, tuple(dict.fromkeys(others))))
    rest = BLANK_PATTERN.sub("", text)
    if "[[" in rest or "]]" in rest:
        return [], "unbalanced brackets: every [[ needs a matching ]]"
    return blanks, None


def default_points(qtype: str, fields: dict) -> float:
    """What a question without ``points:`` is worth: one point per pair for matching (a
    five-pair matching asks five things), else one point."""
    if qtype == "matching":
        return len(fields.get("pairs") or ()) or 1
    return 1


def find_bank_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into bank files, in a stable order."""
    found: list[Path] = []
    errors = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.suffix in BANK_SUFFIXES and p.is_file())
            if not files:
                errors.append(BankError(None, f"{path}: no bank files (*.yaml, *.yml) in this folder; "
                                              "expected at least one"))
            found.extend(files)
        elif path.is_file():
            found.append(path)
        else:
            errors.append(BankError(None, f"{path}: no such file or folder; expected a bank file or a folder of them"))
    if errors:
        raise BankErrors(errors)
    return found


def builtin_bank_path() -> Path:
    """The default bank shipped inside quizgen (absolute)."""
    return Path(str(resources.files("quizgen.question_banks") / "icc-withdrawal-2016.yaml"))


def default_bank_paths() -> list[Path]:
    """``./question_banks`` if it exists, else the default bank shipped with quizgen."""
    local = Path("question_banks")
    if local.is_dir():
        return [local]
    return [builtin_bank_path()]


@contextlib.contextmanager
def _collector_paused():
    """The cyclic garbage collector off while banks are read: they make millions of
    objects and no cycles, and each full collection would walk all of them again (a
    tenth of the time at 100,000 questions). Switched back on as it was, whatever happens."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_banks(paths: Iterable[str | Path] | None = None) -> list[Bank]:
    """Load and validate every bank under ``paths``; raise BankErrors listing all problems."""
    with _collector_paused():
        banks = _load_banks(paths)
    if sum(len(bank.questions) + len(bank.facts) for bank in banks) >= RELEASE_MIN_ITEMS:
        _release_free_heap()
    return banks


RELEASE_MIN_ITEMS = 20_000  # questions and facts read, from which freed C memory is handed back


def _release_free_heap() -> None:
    """Hand the C heap's free pages back to the system: glibc's ``malloc_trim(0)``, a no-op
    where there is none. Reading a large bank frees many buffers of a few hundred KB (slices,
    their JSON, rapidyaml's trees); once a freed block of some MB (the file's bytes) has raised
    glibc's thresholds, it keeps them all: 86 -> 68 MiB resident after loading 50,000 questions
    (100,000: 115 -> 112; 200,000: 205 -> 200), for 2 ms (``import ctypes`` and the trim)."""
    try:
        import ctypes

        trim = ctypes.CDLL(None).malloc_trim
    except (ImportError, OSError, AttributeError, TypeError):  # not glibc (musl, macOS, Windows)
        return
    trim(0)


def _load_banks(paths: Iterable[str | Path] | None) -> list[Bank]:
    files = find_bank_files(paths if paths else default_bank_paths())
    banks: list[Bank] = []
    errors: list[BankError] = []
    seen: dict[str, SourceRef] = {}
    for path in files:
        reader = _BankReader(str(path))
        bank = reader.read(path)
        errors.extend(reader.errors)
        if bank is not None:
            errors.extend(check_evidence(bank))
            if bank.id in seen:
                errors.append(BankError(bank.ref, f"bank id {bank.id!r} is also used at {seen[bank.id]}; "
                                                  "expected each bank id once"))
            seen.setdefault(bank.id, bank.ref)  # type: ignore[arg-type]
            banks.append(bank)
    if errors:
        raise BankErrors(errors)
    return banks


_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u00ab": '"', "\u00bb": '"', "\u2026": "..."})


def evidence_key(text: str) -> str:
    """Text as evidence is compared: quotes, dashes, case and whitespace normalised."""
    return " ".join(text.translate(_QUOTES).translate(_DASHES).casefold().split())


def check_evidence(bank: Bank) -> list[BankError]:
    """Every ``evidence`` of a source with a ``text_file`` must occur in that text.

    The text file is read relative to the bank file; each miss is reported at the
    line of its ``evidence:``.
    """
    texts: dict[str, str] = {}
    errors: list[BankError] = []
    for source in bank.sources.values():
        if not source.text_file:
            continue
        path = Path(bank.path).parent / source.text_file
        try:
            texts[source.id] = evidence_key(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            errors.append(BankError(source.ref, f"source {source.id!r}: cannot read text_file "
                                                f"{source.text_file!r} ({reason}); expected the article's "
                                                "text, as a UTF-8 file relative to the bank file"))
    if not texts:
        return errors
    lines: list[str] | None = None  # the bank's, read at the first miss (a valid bank has none)
    for item, what in itertools.chain(zip(bank.facts, itertools.repeat("fact")),
                                      zip(bank.questions, itertools.repeat("question"))):
        text = texts.get(item.source)
        if text is None or not item.evidence or evidence_key(item.evidence) in text:
            continue
        if lines is None:
            try:
                lines = Path(bank.path).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                lines = []
        line = item.ref.line if item.ref else 1
        for number in range(line, min(len(lines), line + 60) + 1):
            if lines[number - 1].lstrip().startswith("evidence:"):
                line = number
                break
        errors.append(BankError(SourceRef(bank.path, line),
                                f"{what} {item.id!r}: evidence {item.evidence!r} is not in the text of source "
                                f"{item.source!r} ({bank.sources[item.source].text_file}); expected words "
                                "copied from the article (quotes, dashes, case and spacing may differ)"))
    return errors


def load_bank(path: str | Path) -> Bank:
    """Load and validate one bank file."""
    return load_banks([path])[0]


def load_bank_text(text: str, path: str = "<bank>") -> Bank:
    """Validate a bank given as text (``path`` is only used in messages)."""
    reader = _BankReader(path)
    bank = reader.read_text(text)
    if reader.errors or bank is None:
        raise BankErrors(reader.errors)
    return bank


@dataclass
class _Ctx:
    """Where a value sits: its container, key and a label for messages."""

    node: LDict
    label: str


ID_LINE = re.compile(r"^[ \t]*(?:-[ \t]+)?id:[ \t]*[\"']?([a-z0-9-]+)", re.M)
TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:", re.M)
# the same, anchored on the line break before the line: a regex scan tries "^" at every
# character, several times slower than looking for "\n" (the text's first line is matched apart).
# The possessive "*+" and "?+" never give back what they took (giving back a space or the dash
# could not let "id:" match anyway), which makes the scan about 3x faster: 11 -> 4 ms at 4 MB
_ID_LINE_AFTER_BREAK = re.compile(r"\n[ \t]*+(?:-[ \t]+)?+id:[ \t]*[\"']?([a-z0-9-]+)")
_TOP_KEY_AFTER_BREAK = re.compile(r"\n([A-Za-z_][\w-]*)[ \t]*:")
_MISSING = object()  # a key not in a mapping (``None`` is a value: an empty field)
_QUESTION_TYPE_NAMES = {name: name for name in QUESTION_TYPES}


def _id_line_matches(text: str, ranges: list[tuple[int, int]]) -> Iterator[tuple[str, int]]:
    """(id, line) of each ``id:`` line in these ranges of the text, in the text's order."""
    for start, end in ranges:
        line, position = text.count("\n", 0, start) + 1, start
        found = ID_LINE.match(text, start, end) if start == 0 else None
        if found:
            yield found.group(1), line
        for match in _ID_LINE_AFTER_BREAK.finditer(text, max(start - 1, 0), end):
            at = match.start() + 1  # the line's start
            line += text.count("\n", position, at)
            position = at
            yield match.group(1), line


class _IdLines:
    """The line of each ``id:`` line of one top-level section (1: none), found as asked for.

    Items are asked for in the order they are written, so a scan that goes on from where the
    last answer was found meets each next id at once, and only the ids it passed over (nested
    ``id:`` lines, items asked for later) are kept: no table of every id of a 100,000-question
    bank (13 MB). An id's first line in the section is found as long as each id is asked for
    once, as in a bank without errors (a second asking is a duplicate id, which is an error,
    and a bank with errors is read again with PyYAML, which gives every line)."""

    def __init__(self, text: str, ranges: list[tuple[int, int]]):
        self._matches = _id_line_matches(text, ranges)
        self._passed: dict[str, int] = {}

    def line_of(self, item_id: str) -> int:
        passed = self._passed.get(item_id)
        if passed is not None:
            return passed
        for found, line in self._matches:
            if found == item_id:
                return line
            self._passed.setdefault(found, line)
        return 1


class _BankReader:
    fast_questions = True  # try plain_question before the full checks (tests compare the two)

    def __init__(self, path: str):
        self.path = path
        self.errors: list[BankError] = []
        self.source_text = ""
        self._id_lines: dict[str, _IdLines] | None = None
        self.strings: dict[str, str] = {}  # one copy of texts many items repeat (tags, decks, units)
        self.clean_tags: dict[tuple, tuple[str, ...]] = {}  # tags as written -> as read, when they had no problem
        self.clean_decks: dict[str, str] = {}  # a deck as written -> as read, when it had no problem

    def key_line(self, section: str, key: str) -> int:
        """The line of ``key:`` under the top-level ``section:`` (when the fast parser gave no lines)."""
        start = re.search(rf"^{re.escape(section)}[ \t]*:", self.source_text, re.M)
        if start is None:
            return 1
        found = re.compile(rf"^[ \t]+[\"']?{re.escape(key)}[\"']?[ \t]*:", re.M).search(self.source_text, start.end())
        return self.source_text.count("\n", 0, found.start()) + 1 if found else 1

    def first_line(self) -> int:
        """The first line that is not blank or a comment: where the top mapping starts."""
        text, size = self.source_text, 4096
        while True:  # split a growing head of whole lines, not the whole text
            end = text.find("\n", size)
            head = text if end < 0 else text[:end + 1]
            for number, line in enumerate(head.splitlines(), start=1):
                if line.strip() and not line.lstrip().startswith("#"):
                    return number
            if end < 0:
                return 1
            size *= 4

    def id_line(self, section: str, item_id: str) -> int:
        """The line of ``id: item_id`` in the top-level list ``section`` (when the fast
        parser gave no lines). Facts and questions have separate ids, hence the section."""
        if self._id_lines is None:
            self._id_lines = {name: _IdLines(self.source_text, found) for name, found in self.sections().items()}
        finder = self._id_lines.get(section)
        return 1 if finder is None else finder.line_of(item_id)

    def sections(self) -> dict[str, list[tuple[int, int]]]:
        """Where each top-level key's part of the text starts and ends (a key written twice: twice)."""
        text = self.source_text
        first = TOP_KEY.match(text)
        tops = [(first.group(1), 0)] if first else []
        tops += [(m.group(1), m.start(1)) for m in _TOP_KEY_AFTER_BREAK.finditer(text)]
        tops.append(("", len(text)))
        ranges: dict[str, list[tuple[int, int]]] = {}
        for (name, start), (_, end) in zip(tops, tops[1:]):
            ranges.setdefault(name, []).append((start, end))
        return ranges

    def id_lines_from(self, section: str, offset: int) -> None:
        """Find ``section``'s id lines from ``offset`` on (where a second process starts
        reading the list) instead of passing over the ids before it."""
        ranges = [(max(start, offset), end) for start, end in self.sections().get(section, []) if end > offset]
        self._id_lines = {section: _IdLines(self.source_text, ranges)}

    # -- reporting ------------------------------------------------------
    def error(self, line: int, message: str) -> None:
        self.errors.append(BankError(SourceRef(self.path, line), message))

    def ref(self, line: int) -> SourceRef:
        return SourceRef(self.path, line)

    # -- entry points ---------------------------------------------------
    def read(self, path: Path) -> Bank | None:
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                self.error(1, f"the file is {size / 1048576:.1f} MB; expected a bank file of at most "
                              f"{MAX_FILE_BYTES // 1048576} MB (split it into several banks)")
                return None
            data = path.read_bytes()
        except OSError as exc:
            self.error(1, f"cannot read the file ({exc.strerror}); expected a readable bank file")
            return None
        entry = bankcache.entry_for(self.path, data)
        cached = bankcache.load_entry(self.path, entry)
        if cached is not None:
            return cached
        text = self.decode(data)
        del data  # the text is enough from here on (a large bank's bytes would double its memory)
        bank = None if text is None else self.read_text(text)
        if bank is not None and not self.errors:
            bankcache.store_entry(entry, bank)
        return bank

    def decode(self, data: bytes) -> str | None:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            self.error(1, "the file is UTF-16 text; expected UTF-8 (save it as UTF-8 in your editor)")
            return None
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]  # a UTF-8 byte-order mark is harmless: skip it
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            self.error(line, f"byte 0x{data[exc.start]:02x} is not valid UTF-8; "
                             "expected UTF-8 text (save the file as UTF-8)")
            return None

    def read_text(self, text: str) -> Bank | None:
        if not text.strip():
            self.error(1, "the file is empty; expected a bank (a mapping with bank, title, sources, ...)")
            return None
        self.source_text = text
        self.warnings = [
            f"{self.path}:{line}: warning: this list item is indented further than the item above, so YAML "
            f"reads the two as one item ({folded!r}); indent it exactly like the item above"
            for line, _, folded in yamlnodes.folded_items(text)]
        if self.control_characters_in_text(text):
            return None
        lists = None  # a file too large to read whole: its long lists, read a slice at a time
        if len(text) > READ_WHOLE_MAX_CHARS:
            lists = yamlnodes.block_lists(text, SLICED_LISTS)
            if not self.readable_in_slices(text, lists):
                return None
            lists = []  # found again if the slow path needs them: 3.6 MB at 100,000 questions
        if len(text) >= yamlnodes.SLICED_MIN_CHARS:  # a large file: its long lists a slice at a time
            fast = yamlnodes.parse_fast_in_slices(text, SLICED_LISTS)
        else:
            fast = yamlnodes.parse_fast(text)
        if isinstance(fast, LDict):
            try:
                bank = self.bank(fast)
            except yamlnodes.NotFast:
                bank = None
            if not self.errors and bank is not None:
                return bank
            self.errors.clear()  # read again, slowly, to give every error its line
            # nor its decks (their first spellings, with the first reading's lines, and the spellings
            # known to be clean, which skip that check): the second reading meets them all again
            self.__dict__.pop("_deck_spellings", None)
            self.clean_decks.clear()
            self.clean_tags.clear()
            del fast, bank  # nothing of the first reading is kept while the second runs
        try:
            if lists is None:
                doc, problems = yamlnodes.parse(text)
            else:
                lists = yamlnodes.block_lists(text, SLICED_LISTS)
                doc, problems = yamlnodes.parse_in_slices(text, SLICED_LISTS, lists)
        except yamlnodes.YamlProblem as exc:
            self.error(exc.line, exc.message)
            return None
        for problem in problems:
            self.error(problem.line, problem.message)
        if not isinstance(doc, LDict):
            self.error(getattr(doc, "line", 1), "the file does not hold a mapping; expected a bank "
                                                "(bank:, title:, sources:, ...)")
            return None
        try:
            bank = self.bank(doc)
        except yamlnodes.YamlProblem as exc:  # in a slice: as for the whole file, that error alone
            self.errors = [BankError(self.ref(exc.line), exc.message)]
            return None
        for value in doc.values():
            for problem in getattr(value, "problems", ()):  # duplicate keys in the slices' items
                self.error(problem.line, problem.message)
        if bank is None and not self.errors:  # every reason to drop a bank must be reported
            raise AssertionError(f"{self.path}: bank rejected without an error")
        return None if self.errors else bank

    def readable_in_slices(self, text: str, lists: list) -> bool:
        """Can a file too large to read whole be read a slice at a time? Its questions (and
        facts) must be block lists, the rest and each item of moderate size (else report why)."""
        size = len(text.encode("utf-8")) / 1048576 if not text.isascii() else len(text) / 1048576
        if not lists:
            self.error(1, f"the file is {size:.1f} MB, and a bank over {READ_WHOLE_MAX_CHARS // 1048576} MB is "
                          "read a slice at a time, which needs its questions (and facts) as block lists; "
                          "expected 'questions:' alone on its line, then each question starting with '- ' "
                          "on a line of its own (or split the bank into several files)")
            return False
        rest = len(text) - sum(end - start for _, start, end, _ in lists)
        if rest > MAX_REST_CHARS:
            self.error(1, f"the file holds {rest / 1048576:.1f} MB besides its "
                          f"{' and '.join(repr(key) for key, *_ in lists)} list{'s' if len(lists) > 1 else ''}; "
                          f"expected at most {MAX_REST_CHARS // 1048576} MB of sources, entities and the rest "
                          "(split the bank into several files)")
            return False
        for key, _, end, starts in lists:
            sizes = [b - a for a, b in zip(starts, starts[1:] + [end])]
            largest = max(sizes)
            if largest > MAX_ITEM_CHARS:
                at = starts[sizes.index(largest)]
                self.error(text.count("\n", 0, at) + 1, f"this entry of {key!r} is {largest / 1048576:.1f} MB "
                                                        f"long; expected at most {MAX_ITEM_CHARS // 1048576} MB "
                                                        "per question or fact")
                return False
        return True

    # -- control characters ---------------------------------------------------
    def control_characters_in_text(self, text: str) -> bool:
        """Report each line that holds a control character typed into the file."""
        if yamlnodes.printable_ascii(text) or not CONTROL_CHARACTER.search(text):
            return False
        for number, line in enumerate(text.split("\n"), start=1):
            found = CONTROL_CHARACTER.search(line)
            if found:
                self.error(number, f"control character {_codepoint(found.group())} at column "
                                   f"{found.start() + 1}; expected printable text (delete it: it is "
                                   "invisible in most editors)")
        return True

    def control_characters_in_values(self, doc: LDict) -> None:
        """Report each value (or key) that a YAML escape ("\\x1f", "\\0", ...) made hold a
        control character: every string of the document is text some output shows."""
        if "\\" not in self.source_text:
            return  # no escape, no control character (those typed in were refused already)
        stack: list[object] = [doc]
        while stack:
            node = stack.pop()
            if isinstance(node, LDict):
                entries = [(node.line_of(key), key, value) for key, value in node.items()]
            elif isinstance(node, LList):
                entries = [(node.line_of(i), None, value) for i, value in enumerate(node)]
            else:
                continue
            for line, key, value in entries:
                for text in (key, value):
                    found = CONTROL_CHARACTER.search(text) if isinstance(text, str) else None
                    if found:
                        self.error(line or 1, f"control character {_codepoint(found.group())} in the text "
                                              f"{_short(text)!r}; expected printable text (remove the "
                                              "escape, or write a line break as a new line)")
                if isinstance(value, (LDict, LList)):
                    stack.append(value)

    # -- generic field checks -----------------------------------------------
    def keys(self, node: LDict, fields: dict[str, object], label: str) -> None:
        """Report unknown and missing keys of a mapping (a likely typo is reported once)."""
        if node.keys() <= fields.keys() and _required(fields) <= node.keys():
            return  # the usual case, checked at C speed
        suggested = set()
        for key in node:
            if key not in fields:
                hint = difflib.get_close_matches(str(key), [f for f in fields if f not in node], n=1)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
                suggested.update(hint)
                self.error(node.line_of(key), f"{label}: unknown field {key!r}{suggestion}; "
                                              f"expected one of: {', '.join(fields)}")
        for key, spec in fields.items():
            required = spec[0] if isinstance(spec, tuple) else spec
            if required and key not in node and key not in suggested:
                self.error(node.line, f"{label}: missing field {key!r}; expected it to be set")

    def mapping(self, node: LDict, key: str, label: str) -> LDict | None:
        value = node.get(key)
        if value is None:
            return None
        if not isinstance(value, LDict):
            self.error(node.line_of(key), f"{label}: {key!r} is {describe(value)}; expected a mapping")
            return None
        return value

    def text(self, node: LDict, key: str, label: str, required: bool = False) -> str | None:
        value = node.get(key, _MISSING)
        if type(value) is str:  # the usual case: some text of a sane size
            stripped = value.strip()
            if stripped and len(value) <= MAX_TEXT:
                return stripped
        elif value is _MISSING:
            return None
        line = node.line_of(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # "answer: 1998" is text in a short answer
        if not isinstance(value, str):
            self.error(line, f"{label}: {key!r} is {describe(value)}; expected text")
            return None
        if not value.strip():
            self.error(line, f"{label}: {key!r} is empty; expected some text")
            return None
        if len(value) > MAX_TEXT:
            self.error(line, f"{label}: {key!r} is {len(value):,} characters long; "
                             f"expected at most {MAX_TEXT:,}")
            return None
        return value.strip()

    def text_list(self, node: LDict, key: str, label: str, minimum: int = 0) -> tuple[str, ...] | None:
        value = node.get(key, _MISSING)
        if value is _MISSING:
            return None
        if type(value) is LList and len(value) >= minimum:  # the usual case: distinct texts
            stripped = [item.strip() for item in value if type(item) is str]
            if len(stripped) == len(value) and all(stripped):
                if len(stripped) < 2 or len({normalize(item) for item in stripped}) == len(stripped):
                    return tuple(stripped)
        line = node.line_of(key)
        if not isinstance(value, LList):
            self.error(line, f"{label}: {key!r} is {describe(value)}; expected a list of texts")
            return None
        out = []
        for i, item in enumerate(value):
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str):
                self.error(value.line_of(i), f"{label}: item {i + 1} of {key!r} is {describe(item)}; "
                                             "expected text")
            elif not item.strip():
                self.error(value.line_of(i), f"{label}: item {i + 1} of {key!r} is empty; expected some text")
            else:
                out.append(item.strip())
        if len(value) < minimum:
            self.error(line, f"{label}: {key!r} has {len(value)} item{'s' if len(value) != 1 else ''}; "
                             f"expected at least {minimum}")
        seen: dict[str, int] = {}
        for i, item in enumerate(out):
            norm = normalize(item)
            if norm in seen:
                self.error(value.line_of(i), f"{label}: {key!r} lists {item!r} twice; expected distinct items")
            seen[norm] = i
        return tuple(out)

    def ident(self, node: LDict, key: str, label: str) -> str | None:
        if key not in node:
            return None
        value = node[key]
        if value is None:
            self.error(node.line_of(key), f"{label}: {key!r} is empty; expected an id like 'peskov-reason'")
            return None
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.error(node.line_of(key), f"{label}: {key} {value!r} is not a valid id; expected lowercase "
                                          "letters, digits and single hyphens, like 'peskov-reason'")
            return None
        return value

    def choice(self, node: LDict, key: str, label: str, choices: Iterable[str]) -> str | None:
        if key not in node:
            return None
        value = node[key]
        choices = tuple(choices)
        if value not in choices:
            self.error(node.line_of(key), f"{label}: {key} {value!r} is not allowed; "
                                          f"expected one of: {', '.join(choices)}")
            return None
        return choices[choices.index(value)]  # the one copy of the name

    def number(self, node: LDict, key: str, label: str) -> float | None:
        if key not in node:
            return None
        value = node[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or (isinstance(value, float) and not math.isfinite(value)):
            self.error(node.line_of(key), f"{label}: {key!r} is {describe(value)}; expected a number")
            return None
        if not (value == 0 or NUMBER_SMALLEST <= abs(value) <= NUMBER_LARGEST):
            self.error(node.line_of(key), f"{label}: {key!r} is {describe(value)}; expected 0 or a number "
                                          f"between {NUMBER_SMALLEST:g} and {NUMBER_LARGEST:g} in size "
                                          "(write very large or small amounts in a larger or smaller unit)")
            return None
        return value

    def boolean(self, node: LDict, key: str, label: str) -> bool | None:
        if key not in node:
            return None
        value = node[key]
        if not isinstance(value, bool):
            self.error(node.line_of(key), f"{label}: {key!r} is {describe(value)}; expected true or false")
            return None
        return value

    def date(self, node: LDict, key: str, label: str) -> str | None:
        if key not in node:
            return None
        value = node[key]
        if isinstance(value, dt.datetime):
            value = value.date().isoformat() if value.time() == dt.time() else value
        elif isinstance(value, dt.date):
            value = value.isoformat()
        text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
        match = DATE_PATTERN.match(text or "")
        if match:
            year, month, day = (int(g) if g else 1 for g in match.groups())
            try:
                dt.date(year, month, day)
            except ValueError:
                pass
            else:
                if YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
                    return text
                self.error(node.line_of(key), f"{label}: {key} {value!r} is out of range; expected a year "
                                              f"from {YEAR_RANGE[0]:04d} to {YEAR_RANGE[1]}")
                return None
        self.error(node.line_of(key), f"{label}: {key} {value!r} is not a date; "
                                      "expected YYYY, YYYY-MM or YYYY-MM-DD")
        return None

    def deck(self, node: LDict, label: str) -> str | None:
        """A sub-deck name; Anki matches deck names ignoring case (and Unicode forms), so
        two spellings of one name are an error at the second."""
        deck = self.text(node, "deck", label)
        if deck is None:
            return None
        shown = "::".join(" ".join(part.split()) for part in deck.split("::") if part.strip())
        key = unicodedata.normalize("NFC", shown).casefold()
        spellings = self.__dict__.setdefault("_deck_spellings", {})
        first = spellings.setdefault(key, (shown, node.line_of("deck")))
        if first[0] != shown:
            self.error(node.line_of("deck"), f"{label}: deck {deck!r} differs from {first[0]!r} (line {first[1]}) "
                                             "only by case or Unicode form; expected one spelling (Anki would "
                                             "make them one deck, renamed)")
        return self.strings.setdefault(deck, deck)  # one copy of each deck name

    def tags(self, node: LDict, label: str) -> tuple[str, ...]:
        raw = node.get("tags")
        key = tuple(raw) if type(raw) is LList and all(type(tag) is str for tag in raw) else None
        if key is not None and key in self.clean_tags:  # the same tags as an earlier item's
            return self.clean_tags[key]
        errors = len(self.errors)
        tags = self.text_list(node, "tags", label) or ()
        if not tags:
            return ()
        if _SPACE.search("".join(tags)):
            for tag in tags:
                if _SPACE.search(tag):
                    self.error(node.line_of("tags"), f"{label}: tag {tag!r} contains a space; "
                                                     "expected tags without spaces (use a hyphen)")
        tags = tuple([self.strings.setdefault(tag, tag) for tag in tags])  # one copy of each tag
        if key is not None and len(self.errors) == errors:
            self.clean_tags[key] = tags  # and one of each list of tags
        return tags

    # -- sections -------------------------------------------------------
    def bank(self, doc: LDict) -> Bank | None:
        self.control_characters_in_values(doc)
        self.keys(doc, TOP_FIELDS, "bank")
        bank_id = self.ident(doc, "bank", "bank")
        if bank_id is not None and (bank_id in RESERVED_NAMES or len(bank_id) > MAX_BANK_ID):
            self.error(doc.line_of("bank"), f"bank: id {bank_id[:70]!r} cannot name files on every computer "
                                            f"(the outputs are named after it); expected at most {MAX_BANK_ID} "
                                            "characters and not a name Windows reserves (con, nul, prn, aux, "
                                            "com1-9, lpt1-9)")
            bank_id = None
        title = self.text(doc, "title", "bank")
        language = self.text(doc, "language", "bank") or "en"
        description = self.text(doc, "description", "bank")
        paper = self.choice(doc, "paper", "bank", PAPER_SIZES)
        sources = self.sources(doc)
        entities = self.entities(doc)
        facts = self.facts(doc, bank_id or "", sources, entities)
        questions = self.questions(doc, bank_id or "", sources, {f.id for f in facts})
        disable = self.text_list(doc, "disable", "bank") or ()
        for i, item in enumerate(disable):
            if not GENERATED_ID_PATTERN.match(item):
                self.error(doc["disable"].line_of(i), f"bank: disable {item!r} is not a generated "
                                                      "question id; expected '<fact-id>.<template-id>'")
        sheet = self.sheet_texts(doc)
        if bank_id is None or title is None:
            return None
        return Bank(sheet=sheet,
            id=bank_id, title=title, path=self.path, sources=sources, entities=entities,
            facts=tuple(facts), questions=tuple(questions), language=language,
            description=description, paper=paper, disable=tuple(disable),
            ref=self.ref(doc.line or self.first_line()), warnings=tuple(getattr(self, "warnings", ())),
        )

    def sheet_texts(self, doc: LDict) -> dict[str, str]:
        """The optional ``sheet:`` table: what printed sheets say instead of (or beside) the title."""
        node = self.mapping(doc, "sheet", "bank")
        if node is None:
            return {}
        self.keys(node, SHEET_FIELDS, "sheet")
        return {key: value for key in SHEET_FIELDS if (value := self.text(node, key, "sheet")) is not None}

    def sources(self, doc: LDict) -> dict[str, Source]:
        node = self.mapping(doc, "sources", "bank")
        out: dict[str, Source] = {}
        if node is None:
            if "sources" in doc and doc["sources"] is None:
                self.error(doc.line_of("sources"), "bank: 'sources' is empty; expected at least one source")
            return out
        if not node:
            self.error(doc.line_of("sources"), "bank: 'sources' is empty; expected at least one source")
        for key, value in node.items():
            label = f"source {key!r}"
            line = node.line_of(key)
            if not isinstance(key, str) or not ID_PATTERN.match(key):
                self.error(line, f"source id {key!r} is not a valid id; expected lowercase letters, "
                                 "digits and single hyphens")
                continue
            if not isinstance(value, LDict):
                self.error(line, f"{label} is {describe(value)}; expected a mapping with title and publisher")
                continue
            self.keys(value, SOURCE_FIELDS, label)
            title = self.text(value, "title", label)
            publisher = self.text(value, "publisher", label)
            source_kind = self.choice(value, "kind", label, SOURCE_KINDS) or "article"
            text_file = self.text(value, "text_file", label)
            if title and publisher:
                out[key] = Source(
                    id=key, title=title, publisher=publisher, date=self.date(value, "date", label),
                    author=self.text(value, "author", label), url=self.text(value, "url", label),
                    ref=self.ref(line or self.key_line("sources", key)),
                    kind=source_kind, text_file=text_file,
                )
        return out

    def entities(self, doc: LDict) -> dict[str, Entity]:
        node = self.mapping(doc, "entities", "bank")
        out: dict[str, Entity] = {}
        for key, value in (node or {}).items():
            label = f"entity {key!r}"
            line = node.line_of(key)  # type: ignore[union-attr]
            if not isinstance(key, str) or not ID_PATTERN.match(key):
                self.error(line, f"entity id {key!r} is not a valid id; expected lowercase letters, "
                                 "digits and single hyphens")
                continue
            if not isinstance(value, LDict):
                self.error(line, f"{label} is {describe(value)}; expected a mapping with name and kind")
                continue
            self.keys(value, ENTITY_FIELDS, label)
            name = self.text(value, "name", label)
            kind = self.choice(value, "kind", label, ENTITY_KINDS)
            role = self.text(value, "role", label)
            aliases = self.text_list(value, "aliases", label) or ()
            group = self.text(value, "group", label)
            if name and kind:
                out[key] = Entity(key, name, kind, role, aliases, self.ref(line or self.key_line("entities", key)),
                                  group=group)
        return out

    def items_of(self, doc: LDict, key: str, start: int = 0, stop: int | None = None) -> Iterable[tuple[int, LDict]]:
        """The mappings of the list ``key`` (from item ``start`` up to ``stop``), each with its index."""
        node = doc.get(key)
        if node is None:
            return
        if isinstance(node, yamlnodes.Slices):  # the fast path's long list, read a slice at a time
            yield from self.sliced_items(doc, key, node, start, stop)
            return
        if not isinstance(node, LList):
            self.error(doc.line_of(key), f"bank: {key!r} is {describe(node)}; expected a list")
            return
        if len(node) > MAX_QUESTIONS:
            self.error(doc.line_of(key), f"bank: {key!r} has {len(node):,} entries; expected at most "
                                         f"{MAX_QUESTIONS:,} per bank (split it into several banks)")
            return
        for i in range(start, len(node) if stop is None else stop):
            item = node[i]
            if not isinstance(item, LDict):
                self.error(node.line_of(i), f"{key} entry {i + 1} is {describe(item)}; expected a mapping")
                continue
            yield i, item

    def sliced_items(self, doc: LDict, key: str, node: yamlnodes.Slices,
                     start: int = 0, stop: int | None = None) -> Iterable[tuple[int, LDict]]:
        """``items_of`` for a list the fast path reads in slices (it has no lines: any
        problem sends the file to the slow path, which finds the lines)."""
        if len(node) > MAX_QUESTIONS:
            self.error(doc.line_of(key), f"bank: {key!r} has {len(node):,} entries; expected at most "
                                         f"{MAX_QUESTIONS:,} per bank (split it into several banks)")
            return
        escapes = "\\" in self.source_text  # control characters can only come from escapes
        part = node if start == 0 and stop is None else node.part(start, len(node) if stop is None else stop)
        for i, item in enumerate(part, start):
            if not isinstance(item, LDict):
                self.error(0, f"{key} entry {i + 1} is {describe(item)}; expected a mapping")
                continue
            if escapes:
                self.control_characters_in_values(item)
            yield i, item

    def facts(self, doc: LDict, bank_id: str, sources: dict, entities: dict) -> list[Fact]:
        out: list[Fact] = []
        seen: dict[str, int] = {}
        for i, node in self.items_of(doc, "facts"):
            fact_id = self.ident(node, "id", f"fact {i + 1}")
            label = f"fact {fact_id!r}" if fact_id else f"fact {i + 1}"
            kind = node.get("kind")
            if "kind" in node and kind not in FACT_KINDS:
                self.error(node.line_of("kind"), f"{label}: kind {kind!r} is not allowed; "
                                                 f"expected one of: {', '.join(FACT_KINDS)}")
                kind = None
            own = FACT_FIELDS.get(kind, {})  # type: ignore[arg-type]
            self.keys(node, FACT_TABLES.get(kind, FACT_ANY), label)
            if fact_id:
                if fact_id in seen:
                    self.error(node.line_of("id"), f"{label}: duplicate id (first at line {seen[fact_id]}); "
                                                   "expected each fact id once")
                seen.setdefault(fact_id, node.line_of("id"))
            source = self.source_ref(node, label, sources)
            evidence = self.text(node, "evidence", label)
            tags = self.tags(node, label)
            deck = self.deck(node, label)
            data: dict[str, object] = {}
            for field, (required, value_kind) in own.items():
                value = self.fact_value(node, field, value_kind, label, entities, kind)
                if value is not None:
                    data[field] = value
            if fact_id and kind and source and all(f in data for f, (req, _) in own.items() if req):
                out.append(Fact(fact_id, kind, source, data, evidence, tags, deck,
                                self.ref(node.line or self.id_line("facts", fact_id))))
        return out

    def fact_value(self, node: LDict, field: str, value_kind: str, label: str, entities: dict,
                   kind: str = "") -> object:
        if value_kind == "text":
            return self.text(node, field, label)
        if value_kind == "number":
            return self.number(node, field, label)
        if value_kind == "bool":
            return self.boolean(node, field, label)
        if value_kind == "date":
            return self.date(node, field, label)
        if value_kind == "slots":
            return self.slot_values(node, field, label, entities)
        value = node.get(field)  # entity, or a list of them
        if value is None:
            if field in node:  # written but left empty: the fact would vanish without a word
                several = value_kind == "entities" or (kind, field) in JOINT_FIELDS
                self.error(node.line_of(field), f"{label}: '{field}' is empty; expected an entity id"
                                                + (" (or a list of ids)" if several else ""))
            return None
        if value_kind == "entities" or (isinstance(value, LList) and (kind, field) in JOINT_FIELDS):
            return self.entity_list(node, field, label, entities)
        if not isinstance(value, str):
            joint = " (or a list of ids, for a joint statement)" if (kind, field) in JOINT_FIELDS else ""
            self.error(node.line_of(field), f"{label}: {field} is {describe(value)}; expected an entity id{joint}")
            return None
        if value not in entities:
            self.error(node.line_of(field), f"{label}: {field} {value!r} is not a known entity; "
                                            f"expected one of the ids under 'entities'")
            return None
        return value

    def entity_list(self, node: LDict, field: str, label: str, entities: dict) -> tuple[str, ...] | None:
        """A list of entity ids (``via``, or a joint statement's ``who``)."""
        ids = self.text_list(node, field, label, minimum=1)
        if ids is None:
            return None
        ok = True
        for i, item in enumerate(ids):
            if item not in entities:
                self.error(node[field].line_of(i), f"{label}: {field} {item!r} is not a known entity; "
                                                   "expected one of the ids under 'entities'")
                ok = False
        return ids if ok and ids else None

    def slot_values(self, node: LDict, field: str, label: str, entities: dict) -> dict | None:
        """``also_true``: fact field -> the values also true for it in the world (entity ids
        for entity fields, texts, dates or numbers otherwise)."""
        value = node.get(field)
        if value is None:
            return None
        if not isinstance(value, LDict):
            self.error(node.line_of(field), f"{label}: {field!r} is {describe(value)}; expected a mapping "
                                            "of fact fields to lists, like {who: [syria, afghanistan]}")
            return None
        kind = node.get("kind")
        own = {k: v for k, v in FACT_FIELDS.get(kind, {}).items() if k not in ATTRIBUTION_FIELDS}  # type: ignore[arg-type]
        out: dict[str, tuple] = {}
        for slot, items in value.items():
            where = value.line_of(slot)
            if slot not in own or own[slot][1] not in ("entity", "text", "date", "number"):
                self.error(where, f"{label}: {field} names {slot!r}, which is not a field with wrong options; "
                                  f"expected one of: {', '.join(k for k, v in own.items() if v[1] in ('entity', 'text', 'date', 'number'))}")
                continue
            if not isinstance(items, LList) or not items:
                self.error(where, f"{label}: {field}.{slot} is {describe(items)}; expected a list of values")
                continue
            kept = []
            for i, item in enumerate(items):
                item_kind = own[slot][1]
                if item_kind == "entity" and item not in entities:
                    self.error(items.line_of(i), f"{label}: {field}.{slot} {item!r} is not a known entity; "
                                                 "expected one of the ids under 'entities'")
                    continue
                if item_kind == "date":
                    text = str(item.isoformat() if isinstance(item, dt.date) else item)
                    if not DATE_PATTERN.match(text):
                        self.error(items.line_of(i), f"{label}: {field}.{slot} {item!r} is not a date; "
                                                     "expected YYYY, YYYY-MM or YYYY-MM-DD")
                        continue
                    item = text
                if item_kind == "number" and (isinstance(item, bool) or not isinstance(item, (int, float))):
                    self.error(items.line_of(i), f"{label}: {field}.{slot} {item!r} is not a number; "
                                                 "expected a number")
                    continue
                kept.append(item if item_kind in ("number", "date") else str(item))
            out[slot] = tuple(kept)
        return out

    def source_ref(self, node: LDict, label: str, sources: dict) -> str | None:
        value = node.get("source")
        if value is None:
            if "source" in node:  # written but left empty: the question would vanish without a word
                known = ", ".join(sources) or "none defined"
                self.error(node.line_of("source"), f"{label}: 'source' is empty; expected one of: {known}")
            return None
        if not isinstance(value, str) or value not in sources:
            known = ", ".join(sources) or "none defined"
            self.error(node.line_of("source"), f"{label}: source {value!r} is not defined; "
                                               f"expected one of: {known}")
            return None
        return sources[value].id  # the one copy of the id

    def questions(self, doc: LDict, bank_id: str, sources: dict, fact_ids: set[str]) -> list[Question]:
        out: list[Question] = []
        seen: dict[str, int] = {}
        overrides: dict[str, int] = {}
        fast = self.fast_questions
        items = doc.get("questions")
        share = (bankshare.QuestionShare.start(self, items, bank_id, sources, fact_ids)
                 if fast and isinstance(items, yamlnodes.Slices) and len(items) <= MAX_QUESTIONS else None)
        stop = None if share is None else share.start
        try:
            for i, node in self.items_of(doc, "questions", stop=stop):
                question = self.question(i, node, bank_id, sources, fact_ids, seen, overrides, fast)
                if question is not None:
                    out.append(question)
        except BaseException:
            if share is not None:
                share.cancel()
            raise
        if share is not None:
            theirs = share.finish(self, seen)
            if theirs is not None:
                out += theirs
            else:  # the child could not read its share as plain questions: read it here, with every check
                for i, node in self.items_of(doc, "questions", start=share.start):
                    question = self.question(i, node, bank_id, sources, fact_ids, seen, overrides, fast)
                    if question is not None:
                        out.append(question)
        return out

    def question(self, i: int, node: LDict, bank_id: str, sources: dict, fact_ids: set[str],
                 seen: dict[str, int], overrides: dict[str, int], fast: bool) -> Question | None:
        """The question of the list's item ``i`` (``node``), or None after reporting why not."""
        if fast:
            question = self.plain_question(node, bank_id, sources, fact_ids, seen)
            if question is not None:
                return question
        qid = node.get("id")
        if type(qid) is not str or not ID_PATTERN.match(qid):  # else what ident() would return
            qid = self.ident(node, "id", f"question {i + 1}")
        label = f"question {qid!r}" if qid else f"question {i + 1}"
        qtype = node.get("type")
        if "type" in node and qtype not in QUESTION_TYPES:
            self.error(node.line_of("type"), f"{label}: type {qtype!r} is not allowed; "
                                             f"expected one of: {', '.join(QUESTION_TYPES)}")
            qtype = None
        if qtype:
            qtype = _QUESTION_TYPE_NAMES[qtype]  # the one copy of the name
            self.keys(node, QUESTION_TABLES[qtype], label)
        else:
            self.keys(node, QUESTION_ANY, label)
        if qid:
            if qid in seen:
                self.error(node.line_of("id"), f"{label}: duplicate id (first at line {seen[qid]}); "
                                               "expected each question id once")
            seen.setdefault(qid, node.line_of("id"))
        override = node.get("override")
        if override is not None:
            if not isinstance(override, str) or not GENERATED_ID_PATTERN.match(override):
                self.error(node.line_of("override"), f"{label}: override {override!r} is not a generated "
                                                     "question id; expected '<fact-id>.<template-id>'")
                override = None
            elif override in overrides:
                self.error(node.line_of("override"), f"{label}: {override!r} is already overridden at "
                                                     f"line {overrides[override]}; expected one override each")
            else:
                overrides[override] = node.line_of("override")
        common = dict(
            source=self.source_ref(node, label, sources),
            explanation=self.text(node, "explanation", label),
            evidence=self.text(node, "evidence", label),
            tags=self.tags(node, label),
            difficulty=self.choice(node, "difficulty", label, DIFFICULTIES),
            deck=self.deck(node, label),
        )
        common["facts"] = self.tested_facts(node, label, fact_ids, override)
        points = self.number(node, "points", label)
        if points is not None and not 0 < points <= MAX_POINTS:
            self.error(node.line_of("points"), f"{label}: points {points:g} is out of range; "
                                               f"expected a number above 0 and at most {MAX_POINTS}")
            points = None
        specific = QUESTION_BUILDERS[qtype](self, node, label) if qtype else None
        if not (qid and qtype and specific is not None and common["source"]):
            return None
        common.update(specific)
        return Question(
            id=override or qid, bank=bank_id, type=qtype, points=points or default_points(qtype, specific),
            ref=SourceRef(self.path, node.line or self.id_line("questions", qid)), **common,  # type: ignore[arg-type]
        )

    def tested_facts(self, node: LDict, label: str, fact_ids: set[str], override: str | None) -> tuple[str, ...]:
        """The facts a hand-written question tests: its ``facts:``, else the fact of the
        generated question it overrides."""
        if "facts" not in node:
            overridden = override.split(".", 1)[0] if override else None
            return (overridden,) if overridden in fact_ids else ()
        declared = self.text_list(node, "facts", label) or ()
        for i, fact_id in enumerate(declared):
            if fact_id not in fact_ids:
                known = ", ".join(sorted(fact_ids)) or "none (the bank has no facts)"
                self.error(node["facts"].line_of(i), f"{label}: facts {fact_id!r} is not a fact of this bank; "
                                                     f"expected one of: {known}")
        return tuple(dict.fromkeys(f for f in declared if f in fact_ids))

    # -- the fast path: a plain, valid question built in one go --------------------
    def plain_question(self, node: LDict, bank_id: str, sources: dict, fact_ids: set[str],
                       seen: dict[str, int]) -> Question | None:
        """The ``Question`` the full checks in ``questions`` would build from ``node``, when
        every value has its plain shape (known keys, texts that are non-blank strings, lists
        of distinct texts, numbers in range, ...); None for anything else, which the full
        checks then read, so that every message and its line stays theirs. Nothing is
        reported here, and the reader's state changes only as the full checks would change
        it for the same question (ids seen; the texts, tags and decks read once)."""
        qtype = node.get("type")
        qtype = _QUESTION_TYPE_NAMES.get(qtype) if type(qtype) is str else None
        if qtype is None or not (node.keys() <= QUESTION_TABLES[qtype].keys()
                                 and _REQUIRED_BY_TYPE[qtype] <= node.keys()) or "override" in node:
            return None
        qid, source = node["id"], node["source"]
        if (type(qid) is not str or not ID_PATTERN.match(qid) or qid in seen
                or type(source) is not str or source not in sources):
            return None
        try:
            if len(self.strings) > SHARED_STRINGS_MAX:  # mostly texts that did not repeat: start afresh
                self.strings.clear()
            specific = _PLAIN_BUILDERS[qtype](node, self.strings)
            explanation = _optional_text(node, "explanation")
            evidence = _optional_text(node, "evidence")
            evidence = evidence and self.strings.setdefault(evidence, evidence)  # questions quote one sentence
            tags = self.plain_tags(node.get("tags", _MISSING))
            difficulty = node.get("difficulty", _MISSING)
            if difficulty is not _MISSING:
                difficulty = _DIFFICULTY_NAMES.get(difficulty) if type(difficulty) is str else None
                if difficulty is None:
                    return None
            else:
                difficulty = None
            deck = node.get("deck", _MISSING)
            deck = None if deck is _MISSING else self.plain_deck(node, deck)
            facts = node.get("facts", _MISSING)
            if facts is _MISSING:
                facts = ()
            else:
                facts = _plain_texts(facts, 0)
                if not fact_ids.issuperset(facts):
                    return None
            points = node.get("points", _MISSING)
            if points is _MISSING:
                points = default_points(qtype, specific)
            elif not 0 < _plain_number(points) <= MAX_POINTS:
                return None
        except _Unusual:
            return None
        seen[qid] = node.line_of("id")
        return Question(
            id=qid, bank=bank_id, type=qtype, points=points, source=sources[source].id,
            explanation=explanation, evidence=evidence, tags=tags, difficulty=difficulty, deck=deck,
            facts=facts, ref=SourceRef(self.path, node.line or self.id_line("questions", qid)), **specific,
        )

    def plain_tags(self, raw: object) -> tuple[str, ...]:
        """``tags`` for plain tags (raises _Unusual for any other)."""
        if raw is _MISSING:
            return ()
        if type(raw) is not LList:
            raise _Unusual
        key = tuple(raw)
        try:
            found = self.clean_tags.get(key)
        except TypeError:  # a list or mapping among the tags
            raise _Unusual from None
        if found is not None:
            return found
        tags = _plain_texts(raw, 0)  # strings only, so ``key`` is as ``tags`` would keep it
        if _SPACE.search("".join(tags)):
            raise _Unusual
        tags = tuple([self.strings.setdefault(tag, tag) for tag in tags])
        self.clean_tags[key] = tags
        return tags

    def plain_deck(self, node: LDict, raw: object) -> str:
        """``deck`` for a plain deck name of a spelling already used, or the first (raises
        _Unusual for any other)."""
        found = self.clean_decks.get(raw) if type(raw) is str else None
        if found is not None:
            return found
        deck = _plain_text(raw)
        shown = "::".join(" ".join(part.split()) for part in deck.split("::") if part.strip())
        key = unicodedata.normalize("NFC", shown).casefold()
        spellings = self.__dict__.setdefault("_deck_spellings", {})
        if spellings.setdefault(key, (shown, node.line_of("deck")))[0] != shown:
            raise _Unusual
        deck = self.clean_decks[raw] = self.strings.setdefault(deck, deck)  # type: ignore[index]
        return deck

    # -- question types ---------------------------------------------------
    def multiple_choice(self, node: LDict, label: str) -> dict | None:
        prompt = self.text(node, "prompt", label)
        distractors = self.text_list(node, "distractors", label, minimum=2)
        if "answer" in node and "answers" in node:
            self.error(node.line_of("answers"), f"{label}: both 'answer' and 'answers' are set; "
                                                "expected 'answer' (one) or 'answers' (select all that apply)")
            return None
        if "answers" in node:
            answers = self.text_list(node, "answers", label, minimum=1)
            select_all = True
        elif "answer" in node:
            one = self.text(node, "answer", label)
            answers = (one,) if one else None
            select_all = False
        else:
            self.error(node.line, f"{label}: missing field 'answer'; expected 'answer' (one) "
                                  "or 'answers' (select all that apply)")
            return None
        if answers and distractors:
            correct = {normalize(a) for a in answers}
            for i, distractor in enumerate(distractors):
                if normalize(distractor) in correct:
                    self.error(node["distractors"].line_of(i),
                               f"{label}: distractor {distractor!r} is also an answer; "
                               "expected wrong options only")
        if prompt is None or not answers or distractors is None:
            return None
        return dict(prompt=prompt, answers=answers, distractors=distractors, select_all=select_all)

    def true_false(self, node: LDict, label: str) -> dict | None:
        statement = self.text(node, "statement", label)
        truth = self.boolean(node, "answer", label)
        if statement is None or truth is None:
            return None
        return dict(prompt=statement, truth=truth)

    def short_answer(self, node: LDict, label: str) -> dict | None:
        prompt = self.text(node, "prompt", label)
        answer = self.text(node, "answer", label)
        accept = self.text_list(node, "accept", label) or ()
        if prompt is None or answer is None:
            return None
        return dict(prompt=prompt, answers=(answer,), accept=accept)

    def cloze(self, node: LDict, label: str) -> dict | None:
        text = self.text(node, "text", label)
        if text is None:
            return None
        blanks, problem = parse_cloze(text)
        if problem:
            self.error(node.line_of("text"), f"{label}: {problem}; expected blanks written "
                                             "[[answer]], [[answer::hint]] or [[answer|alternative::hint]]")
            return None
        if not blanks:
            self.error(node.line_of("text"), f"{label}: the text has no blank; expected at least one "
                                             "[[answer]] or [[answer::hint]]")
            return None
        return dict(prompt=text, blanks=tuple(blanks), answers=tuple(b.answer for b in blanks))

    def numeric(self, node: LDict, label: str) -> dict | None:
        prompt = self.text(node, "prompt", label)
        number = self.number(node, "answer", label)
        tolerance = self.number(node, "tolerance", label)
        if tolerance is not None and tolerance < 0:
            self.error(node.line_of("tolerance"), f"{label}: tolerance {tolerance!r} is negative; "
                                                  "expected 0 or more")
            tolerance = None
        unit = self.text(node, "unit", label)
        unit = unit and self.strings.setdefault(unit, unit)
        if prompt is None or number is None:
            return None
        return dict(prompt=prompt, number=number, tolerance=tolerance, unit=unit)

    def matching(self, node: LDict, label: str) -> dict | None:
        prompt = self.text(node, "prompt", label)
        value = node.get("pairs")
        if value is None:
            if "pairs" in node:  # written but left empty
                self.error(node.line_of("pairs"), f"{label}: 'pairs' is empty; expected a list of [left, right] pairs")
            return None
        line = node.line_of("pairs")
        if not isinstance(value, LList):
            self.error(line, f"{label}: 'pairs' is {describe(value)}; expected a list of [left, right] pairs")
            return None
        pairs = []
        for i, pair in enumerate(value):
            ok = (isinstance(pair, LList) and len(pair) == 2
                  and all(isinstance(p, (str, int, float)) and not isinstance(p, bool) and str(p).strip()
                          for p in pair))
            if not ok:
                self.error(value.line_of(i), f"{label}: pair {i + 1} is {describe(pair)}; "
                                             "expected [left, right] with two non-empty texts")
                continue
            pairs.append((str(pair[0]).strip(), str(pair[1]).strip()))
        if len(value) < 3:
            self.error(line, f"{label}: 'pairs' has {len(value)} pair{'s' if len(value) != 1 else ''}; "
                             "expected at least 3")
        for side, name in ((0, "left"), (1, "right")):
            seen: set[str] = set()
            for i, pair in enumerate(pairs):
                norm = normalize(pair[side])
                if norm in seen:
                    self.error(value.line_of(i), f"{label}: {name} item {pair[side]!r} appears twice; "
                                                 "expected distinct items on each side")
                seen.add(norm)
        if prompt is None or len(pairs) != len(value) or len(pairs) < 3:
            return None
        return dict(prompt=prompt, pairs=tuple(pairs))

    def ordering(self, node: LDict, label: str) -> dict | None:
        prompt = self.text(node, "prompt", label)
        items = self.text_list(node, "items", label, minimum=3)
        if prompt is None or items is None or len(items) < 3:
            return None
        return dict(prompt=prompt, items=items)


QUESTION_BUILDERS: dict[str, Callable[[_BankReader, LDict, str], dict | None]] = {
    "multiple_choice": _BankReader.multiple_choice,
    "true_false": _BankReader.true_false,
    "short_answer": _BankReader.short_answer,
    "cloze": _BankReader.cloze,
    "numeric": _BankReader.numeric,
    "matching": _BankReader.matching,
    "ordering": _BankReader.ordering,
}


# every field a question or fact of each kind may have (common fields first)
QUESTION_TABLES = {t: {**QUESTION_COMMON, **fields} for t, fields in QUESTION_FIELDS.items()}
QUESTION_ANY = {**QUESTION_COMMON, **{n: False for fields in QUESTION_FIELDS.values() for n in fields}}
FACT_TABLES = {k: {**FACT_COMMON, **fields} for k, fields in FACT_FIELDS.items()}
FACT_ANY = {**FACT_COMMON, **{n: (False, "text") for fields in FACT_FIELDS.values() for n in fields}}
_REQUIRED = {
    id(table): frozenset(k for k, spec in table.items() if (spec[0] if isinstance(spec, tuple) else spec))
    for table in [TOP_FIELDS, SOURCE_FIELDS, ENTITY_FIELDS, QUESTION_ANY, FACT_ANY,
                  *QUESTION_TABLES.values(), *FACT_TABLES.values()]
}


_REQUIRED_BY_TYPE = {qtype: _REQUIRED[id(table)] for qtype, table in QUESTION_TABLES.items()}
_DIFFICULTY_NAMES = {name: name for name in DIFFICULTIES}
_TEXT_OR_NUMBER = frozenset([str, int, float])  # what a matching pair's side may be (bool is not)


class _Unusual(Exception):
    """A value the fast path leaves to the full checks (which say what is wrong with it)."""


def _plain_text(value: object) -> str:
    """What ``text`` returns for a non-blank string of at most MAX_TEXT characters."""
    if type(value) is str and len(value) <= MAX_TEXT:
        stripped = value.strip()
        if stripped:
            return stripped
    raise _Unusual


def _optional_text(node: LDict, key: str) -> str | None:
    value = node.get(key, _MISSING)
    return None if value is _MISSING else _plain_text(value)


def _plain_texts(value: object, minimum: int) -> tuple[str, ...]:
    """What ``text_list`` returns for a list of at least ``minimum`` distinct non-blank strings."""
    if type(value) is LList and len(value) >= minimum:
        stripped = [item.strip() for item in value if type(item) is str]
        if len(stripped) == len(value) and all(stripped):
            if len(stripped) < 2 or len({normalize(item) for item in stripped}) == len(stripped):
                return tuple(stripped)
    raise _Unusual


def _plain_texts_and_keys(value: object, minimum: int) -> tuple[tuple[str, ...], set[str]]:
    """``_plain_texts``, and the texts as answers are compared (``normalize``)."""
    if type(value) is LList and len(value) >= minimum:
        stripped = [item.strip() for item in value if type(item) is str]
        if len(stripped) == len(value) and all(stripped):
            keys = {normalize(item) for item in stripped}
            if len(keys) == len(stripped):
                return tuple(stripped), keys
    raise _Unusual


def _plain_number(value: object) -> float:
    """What ``number`` returns for an int or float in range (bool is not a number here)."""
    if (type(value) is int or type(value) is float) and (
            value == 0 or NUMBER_SMALLEST <= abs(value) <= NUMBER_LARGEST):  # type: ignore[operator]
        return value  # type: ignore[return-value]
    raise _Unusual


SHARED_STRINGS_MAX = 1 << 16  # texts kept for sharing (``_BankReader.strings``) before it starts afresh


def _shared(strings: dict[str, str], texts: tuple[str, ...]) -> tuple[str, ...]:
    """The texts, each as the one copy in ``strings`` of an equal text read before, in the one
    copy of an equal tuple: options, answers and items repeat across questions (a bank's names,
    say), and each copy of a text costs 50 bytes or more, of a tuple 64 or more (18 of the 95 MB
    that the benchmark's 100,000 questions held)."""
    shared = tuple([strings.setdefault(text, text) for text in texts])
    return strings.setdefault(shared, shared)  # type: ignore[call-overload]  # and the tuple


# -- the fast path's own fields of each type: those the type's full check (the
# _BankReader method of the type's name) returns for a plain question; _Unusual for any other
def _plain_multiple_choice(node: LDict, strings: dict[str, str]) -> dict:
    prompt = _plain_text(node["prompt"])
    distractors, wrong = _plain_texts_and_keys(node["distractors"], 2)
    if "answers" in node:
        if "answer" in node:
            raise _Unusual
        answers, correct = _plain_texts_and_keys(node["answers"], 1)
        select_all = True
    elif "answer" in node:
        answers, select_all = (_plain_text(node["answer"]),), False
        correct = {normalize(answers[0])}
    else:
        raise _Unusual
    if not wrong.isdisjoint(correct):
        raise _Unusual
    return dict(prompt=prompt, answers=_shared(strings, answers), distractors=_shared(strings, distractors),
                select_all=select_all)


def _plain_true_false(node: LDict, strings: dict[str, str]) -> dict:
    truth = node["answer"]
    if type(truth) is not bool:
        raise _Unusual
    return dict(prompt=_plain_text(node["statement"]), truth=truth)


def _plain_short_answer(node: LDict, strings: dict[str, str]) -> dict:
    accept = node.get("accept", _MISSING)
    answer = _plain_text(node["answer"])
    return dict(prompt=_plain_text(node["prompt"]), answers=_shared(strings, (answer,)),
                accept=() if accept is _MISSING else _shared(strings, _plain_texts(accept, 0)))


def _plain_cloze(node: LDict, strings: dict[str, str]) -> dict:
    text = _plain_text(node["text"])
    blanks, problem = parse_cloze(text)
    if problem or not blanks:
        raise _Unusual
    return dict(prompt=text, blanks=tuple(blanks), answers=tuple(b.answer for b in blanks))


def _plain_numeric(node: LDict, strings: dict[str, str]) -> dict:
    prompt = _plain_text(node["prompt"])
    number = _plain_number(node["answer"])
    tolerance = node.get("tolerance", _MISSING)
    if tolerance is _MISSING:
        tolerance = None
    elif _plain_number(tolerance) < 0:
        raise _Unusual
    unit = _optional_text(node, "unit")
    return dict(prompt=prompt, number=number, tolerance=tolerance,
                unit=unit and strings.setdefault(unit, unit))


def _plain_matching(node: LDict, strings: dict[str, str]) -> dict:
    prompt = _plain_text(node["prompt"])
    value = node["pairs"]
    if type(value) is not LList or len(value) < 3:
        raise _Unusual
    pairs = []
    for pair in value:
        if type(pair) is not LList or len(pair) != 2:
            raise _Unusual
        left, right = (str(p).strip() if type(p) in _TEXT_OR_NUMBER else "" for p in pair)
        if not (left and right):
            raise _Unusual
        pairs.append(_shared(strings, (left, right)))
    for side in (0, 1):
        if len({normalize(pair[side]) for pair in pairs}) != len(pairs):
            raise _Unusual
    return dict(prompt=prompt, pairs=strings.setdefault(tuple(pairs), tuple(pairs)))  # type: ignore[call-overload]


def _plain_ordering(node: LDict, strings: dict[str, str]) -> dict:
    return dict(prompt=_plain_text(node["prompt"]), items=_shared(strings, _plain_texts(node["items"], 3)))


_PLAIN_BUILDERS: dict[str, Callable[[LDict, dict[str, str]], dict]] = {
    "multiple_choice": _plain_multiple_choice,
    "true_false": _plain_true_false,
    "short_answer": _plain_short_answer,
    "cloze": _plain_cloze,
    "numeric": _plain_numeric,
    "matching": _plain_matching,
    "ordering": _plain_ordering,
}


def _required(fields: dict[str, object]) -> frozenset[str]:
    """The required keys of a field table (precomputed for the tables above)."""
    found = _REQUIRED.get(id(fields))
    if found is None:
        found = frozenset(k for k, spec in fields.items() if (spec[0] if isinstance(spec, tuple) else spec))
    return found


def _codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def describe(value: object) -> str:
    """Name a YAML value's type for a message: 'a list', 'the number 3', 'empty'."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int) and abs(value) >= 10**20:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return type(value).__name__
