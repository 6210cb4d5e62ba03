"""The Anki deck: one .apkg per bank that students can re-import to get fixes.

Anki matches an imported note to one it already has by GUID, and updates it only when
the incoming note's modification time is newer (DESIGN.md section 7). So:

- a note's GUID comes from (bank id, question id), never from its text;
- a note's ``mod`` changes exactly when its content (note type, fields, tags) changes.
  The exporter knows the previous content from the bank's *state* (``job.previous_state``,
  saved by the pipeline beside the bank): an unchanged note keeps its old ``mod``, a
  changed one gets ``max(now, old + 1)``, a new one ``now``;
- note ids and card ids are derived from the time a note first appeared and its GUID, so
  an unchanged rebuild gives an identical collection and a byte-identical .apkg;
- note types have fixed ids and field lists (``anki_notetypes``); the state records
  them, and a build that would change one under the same id fails (``ExportError``).

The state is a small JSON document (see ``docs/anki.md``)::

    {"format": 1, "bank": "icc", "columns": "hash mod added type",
     "notes": {"<question id>": "<hash> <mod> <added> <question type>", ...},
     "note_types": {"<id>": {"name": ..., "fields": [...], "templates": [...],
                              "kind": "standard"|"cloze", "hash": ..., "mod": ...}, ...}}

Entries of questions that are not in this build (filtered out, or deleted from the
bank) are kept, so a later full build does not mistake them for new ones.

A deck lasts a whole course, so two more keys: ``content`` holds each note as one line
(cards, deck, tags, sort text and fields, joined by ``\x1f``), and ``retired`` the ids of
questions that left the deck. Anki never deletes a note on import, so a question deleted
from the bank, disabled, or left out of decks (generated true/false items) stays in the deck
as a note rebuilt from ``content``, with a "Withdrawn" banner and the tag ``quizgen::retired``
(``retired_contents``). ``state_changes`` compares two states for the manifest's ``changes``.
"""
from __future__ import annotations

import contextlib
import hashlib
import html
import itertools
import marshal
import random
import re
import unicodedata
import zlib
from array import array
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Iterator, Mapping, NamedTuple, Sequence

from .. import cores
from ..errors import ExportError
from ..i18n import words as words_for
from ..model import Bank, Question, Source, format_number, letter as _letter
from ..statefile import encode_ahead
from . import Artifact, ExportJob, ExportOptions, register
from .anki_apkg import CollectionRows, PackageBuild, scratch_space_error
from .anki_notetypes import BASIC, CSS, NOTE_TYPE_FOR, NOTE_TYPES, REVISION, TRUE_FALSE, NoteType
from .anki_records import ContentRecords, RecordSpool

STATE_FORMAT = 1
STATE_COLUMNS = "hash mod added type"
NOTE_STATE_LINE = re.compile(r"([0-9a-f]{1,64}) ([0-9]{1,11}) ([0-9]{1,11}) ([a-z_]{1,40})\Z")
FUTURE_SLACK = 5 * 366 * 86_400  # state times may run ahead of a pinned build time (--timestamp), not years
GUID_NAMESPACE = "quizgen"
BLANK_PATTERN = re.compile(r"\[\[(.*?)\]\]", re.S)
SPECIAL = re.compile(r"[&<>\[\n\\{}\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Anki typesets \( \) \[ \] with MathJax (whose \href, \style, \class, \cssId and \unicode
# reach the page). Every TeX delimiter and command starts with a backslash, so a word joiner
# (U+2060, invisible) after each backslash of bank text leaves no delimiter MathJax matches.
MATHJAX_BREAK = "\\&#8288;"
# Braces as entities: "{{c1::" in a field is text, never a cloze deletion or a template tag
BRACES = str.maketrans({"{": "&#123;", "}": "&#125;", "\\": MATHJAX_BREAK})
SAFE_URL = re.compile(r"^https?://[^\s\"'<>\\`\x00-\x1f\x7f-\x9f]+$", re.I)
# C0/C1 control characters (but tab and newline): \x1f separates Anki's fields
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Anki reads these inside field text as media, text-to-speech or LaTeX; bank text must not
ANKI_MARKERS = re.compile(r"\[(?=sound:|anki:|latex\]|\$\]|\$\$\])", re.I)
LATEX_PRE = ("\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n"
             "\\usepackage[utf8]{inputenc}\n\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n"
             "\\setlength{\\parindent}{0in}\n\\begin{document}\n")
LATEX_POST = "\\end{document}"
BASE91 = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
          "!#$%&()*+,-./:;<=>?@[]^_`{|}~")  # Anki's (and genanki's) GUID alphabet
BASE91_PAIRS = [a + b for a in BASE91 for b in BASE91]
LETTERS = [_letter(i) for i in range(52)]


def letter(index: int) -> str:
    """0 -> "A" (cached: a deck letters tens of thousands of options)."""
    return LETTERS[index] if index < len(LETTERS) else _letter(index)


# -- identity -------------------------------------------------------------------
def note_guid(bank_id: str, question_id: str) -> str:
    """The note's GUID, never derived from the text: the value of genanki's
    ``guid_for("quizgen", bank, question)`` (the first 64 bits of a SHA-256 in Anki's
    base 91), computed here without genanki's per-character loop (a test checks both
    agree)."""
    digest = hashlib.sha256(f"{GUID_NAMESPACE}__{bank_id}__{question_id}".encode()).digest()
    number, d0 = divmod(int.from_bytes(digest[:8], "big"), 8281)  # two base-91 digits at a time
    number, d1 = divmod(number, 8281)
    number, d2 = divmod(number, 8281)
    d4, d3 = divmod(number, 8281)  # 8281 ** 5 > 2 ** 64: five pairs hold any 64-bit number
    pairs = BASE91_PAIRS
    return (pairs[d4] + pairs[d3] + pairs[d2] + pairs[d1] + pairs[d0]).lstrip(BASE91[0])  # no leading zero


def deck_id(bank_id: str, deck_name: str) -> int:
    """A stable deck id from the bank id and the deck's full name."""
    digest = hashlib.sha256(f"quizgen-deck__{bank_id}__{deck_name}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:8], "big") % (1 << 30)


def _offset(key: str) -> int:
    """A spread of 0..999,999 ms after a note's first build, from its key."""
    return zlib.crc32(key.encode()) % 1_000_000


def stable_ids(entries: Sequence[tuple[int, str]]) -> list[int]:
    """Unique millisecond ids for (first-seen seconds, key) pairs, in the given order.

    Each id is ``seconds * 1000 + offset(key)``, nudged upwards past any id already
    taken; it depends only on the entries, never on a counter or the clock.
    """
    ids = [0] * len(entries)
    for id_, i in ids_in_order(entries):
        ids[i] = id_
    return ids


def ids_in_order(entries: Iterable[tuple[int, str]]) -> Iterator[tuple[int, int]]:
    """The ids of ``stable_ids`` as (id, index of the entry) pairs, in increasing id order
    (the order a table's rows are appended in): entries in order of first choice
    (``seconds * 1000 + offset(key)``), then key, then index.

    The first choices are machine integers sorted by index (no tuple per entry: a
    200,000-note deck's sort held 26 MB of them); only entries that share a first choice,
    a few percent, are put in key order among themselves."""
    firsts, keys = array("q"), []
    for seconds, key in entries:
        firsts.append(seconds * 1000 + _offset(key))
        keys.append(key)
    order = sorted(range(len(keys)), key=firsts.__getitem__)  # stable: ties stay in index order
    last, k, count = -1, 0, len(order)
    while k < count:
        first_choice = firsts[order[k]]
        end = k + 1
        while end < count and firsts[order[end]] == first_choice:
            end += 1
        tied = order[k:end] if end == k + 1 else sorted(order[k:end], key=lambda i: (keys[i], i))
        for i in tied:
            last = first_choice if first_choice > last else last + 1
            yield last, i
        k = end


# -- text ----------------------------------------------------------------------
def esc(text: str | None) -> str:
    """Bank text as inert field text: HTML escaped, NFC, and nothing Anki or MathJax acts on.

    This is the one boundary between bank text and a card: ``< & >`` as entities; Anki's
    [sound:]/[anki:]/[latex]/[$] markers defused; braces as entities (no cloze deletions or
    template tags); a word joiner after every backslash (no MathJax); control characters
    (``\\x1f`` would split the note's fields) as U+FFFD.
    """
    if not text:
        return ""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if not SPECIAL.search(text):
        return text
    out = html.escape(text.replace("\r\n", "\n"), quote=False)
    if "[" in out:
        out = ANKI_MARKERS.sub("&#91;", out)
    out = out.translate(BRACES)
    if CONTROL.search(out):
        out = CONTROL.sub("\ufffd", out)
    if "\n" in out:
        out = out.strip().replace("\n", "<br>")
    return out


def esc_attribute(text: str) -> str:
    """Text for a double-quoted HTML attribute (a link's href): as ``esc`` and quotes too,
    so neither the HTML parser nor Anki's marker replacement can end the attribute."""
    return esc(text.replace("\n", " ")).replace('"', "&quot;").replace("'", "&#x27;").replace("[", "&#91;")


def safe_url(url: str | None) -> str | None:
    """An http(s) URL as an attribute value, or None for any other scheme (javascript:,
    data:, file:, ...) or a URL with characters a URL writes percent-encoded (spaces, quotes,
    angle brackets, backslashes, control characters)."""
    url = (url or "").strip()
    if not SAFE_URL.match(url):
        return None
    return esc_attribute(url)


def esc_cloze_part(text: str) -> str:
    """Text inside ``{{c1::...}}``: braces and colons as entities so they cannot end it."""
    return esc(text).replace("{", "&#123;").replace("}", "&#125;").replace(":", "&#58;")


def cloze_text(question: Question) -> str:
    """``[[answer]]``/``[[answer::hint]]`` to ``{{c1::answer}}``/``{{c1::answer::hint}}``."""
    blanks = iter(question.blanks)
    parts, pos = [], 0
    text = question.prompt
    for number, match in enumerate(BLANK_PATTERN.finditer(text), start=1):
        blank = next(blanks)
        parts.append(esc(text[pos:match.start()]).replace("{", "&#123;").replace("}", "&#125;"))
        hint = f"::{esc_cloze_part(blank.hint)}" if blank.hint else ""
        parts.append(f"{{{{c{number}::{esc_cloze_part(blank.answer)}{hint}}}}}")
        pos = match.end()
    parts.append(esc(text[pos:]).replace("{", "&#123;").replace("}", "&#125;"))
    return "".join(parts)


def plain(text: str) -> str:
    return " ".join(text.split())


def tag_list(question: Question) -> list[str]:
    """The question's tags, its type and "quizgen"; no spaces, no case-duplicates, sorted."""
    seen: dict[str, str] = {}
    for tag in (*question.tags, question.type, "quizgen"):
        tag = "_".join(tag.replace('"', "").split())
        if tag and tag.casefold() not in seen:
            seen[tag.casefold()] = tag
    return [seen[key] for key in sorted(seen)]


def deck_name(bank: Bank, question: Question | None = None) -> str:
    """``Title`` or ``Title::Deck`` (a bank title never nests: its "::" becomes ":")."""
    top = plain(bank.title).replace("::", ":") or bank.id
    if question is None or not question.deck:
        return top
    parts = [plain(p) for p in question.deck.split("::")]
    return "::".join([top] + [p for p in parts if p])


def citation_html(source: Source | None, fallback: str) -> str:
    """Publisher, “title” (a link for an http(s) URL), date."""
    if source is None:
        return esc(fallback)
    title = f"\u201c{esc(source.title)}\u201d"
    url = safe_url(source.url)
    if url is not None:
        title = f'<a href="{url}">{title}</a>'
    parts = [esc(source.publisher), title]
    if source.date:
        parts.append(esc(source.date))
    return ", ".join(parts)


# -- notes ---------------------------------------------------------------------
@dataclass(slots=True)
class NoteContent:
    """One question as an Anki note, before times and ids are known."""

    question: Question
    guid: str
    note_type: NoteType
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    deck: str
    cards: int  # how many cards (one per cloze blank, else one)
    sort_text: str

    def content_hash(self) -> str:
        return note_content_hash(self.note_type.id, "\x1f".join(self.fields), " ".join(self.tags))


def note_content_hash(note_type_id: int, fields: str, tags: str) -> str:
    """The state's hash of a note: its note type, its fields (joined by ``\\x1f``) and its tags
    (joined by spaces)."""
    return hashlib.sha256(f"{note_type_id}\x1e{fields}\x1e{tags}".encode()).hexdigest()[:12]


def _rng(bank_id: str, question_id: str) -> random.Random:
    return random.Random(f"anki:{bank_id}:{question_id}")


def _options_html(bank_id: str, q: Question) -> tuple[str, str]:
    options = list(q.answers) + list(q.distractors)
    order = list(range(len(options)))
    _rng(bank_id, q.id).shuffle(order)
    items, answer = [], []
    for pos, index in enumerate(order):
        right = index < len(q.answers)
        text = esc(options[index])
        items.append(f'<li class="{"qg-right" if right else "qg-wrong"}">'
                     f'<span class="qg-letter">{letter(pos)}</span> {text}</li>')
        if right:
            answer.append(f'<span class="qg-letter">{letter(pos)}</span> {text}')
    instruction = ""
    if q.select_all and "all that apply" not in q.prompt.casefold():
        instruction = '<div class="qg-instruction">Select all that apply.</div>'
    return instruction + '<ol class="qg-options">' + "".join(items) + "</ol>", "<br>".join(answer)


def _shuffled(bank_id: str, q: Question, n: int) -> list[int]:
    """A stable shuffled order of range(n) that is not the identity (for n >= 2)."""
    rng = _rng(bank_id, q.id)
    order = list(range(n))
    for _ in range(20):
        rng.shuffle(order)
        if n < 2 or order != sorted(order):
            return order
    return order[1:] + order[:1]


def _matching_html(bank_id: str, q: Question) -> tuple[str, str]:
    order = _shuffled(bank_id, q, len(q.pairs))  # printed position -> pair index
    position = {index: pos for pos, index in enumerate(order)}
    rows = []
    for i, (left, _) in enumerate(q.pairs):
        right = q.pairs[order[i]][1]
        rows.append(f'<tr><td><span class="qg-letter">{i + 1}</span> {esc(left)}</td>'
                    f'<td><span class="qg-letter">{letter(i)}</span> {esc(right)}</td></tr>')
    pairs = []
    for i, (left, right) in enumerate(q.pairs):
        pairs.append(f'<tr><td><span class="qg-letter">{i + 1}</span> {esc(left)}</td>'
                     f'<td class="qg-arrow">\u2192</td>'
                     f'<td><span class="qg-letter">{letter(position[i])}</span> {esc(right)}</td></tr>')
    return (f'<table class="qg-table qg-match">{"".join(rows)}</table>',
            f'<table class="qg-table qg-pairs">{"".join(pairs)}</table>')


def _ordering_html(bank_id: str, q: Question) -> tuple[str, str]:
    order = _shuffled(bank_id, q, len(q.items))
    shown = "".join(f"<li>{esc(q.items[i])}</li>" for i in order)
    right = "".join(f"<li>{esc(item)}</li>" for item in q.items)
    return f'<ul class="qg-items">{shown}</ul>', f'<ol class="qg-order">{right}</ol>'


def verdict_pattern(language: str | None) -> re.Pattern[str]:
    """A leading "True."/"False." (or the bank language's words for them) and the space after it."""
    w = words_for(language)
    names = {"True", "False", str(w["true"]), str(w["false"])}
    return re.compile(r"\A(?:%s)[.:!]\s*" % "|".join(sorted(map(re.escape, names), key=len, reverse=True)))


def without_verdict(explanation: str, pattern: re.Pattern[str]) -> str:
    """A true/false card's Explanation field without a leading verdict: the back already shows it,
    and on a false statement the explanation sits under "What is true" (the generator's
    explanations start "True."/"False."; worksheets' keys and LMS feedback keep it)."""
    rest = pattern.sub("", explanation, count=1)
    return rest if rest.strip() else explanation


def _own_fields(bank_id: str, q: Question) -> tuple[str, ...]:
    """The type's own fields, in the order of its note type's field list."""
    if q.type == "multiple_choice":
        return (esc(q.prompt), *_options_html(bank_id, q))
    if q.type == "true_false":
        return (esc(q.prompt), "True" if q.truth else "False")
    if q.type == "short_answer":
        model, others = (q.answers[0] if q.answers else ""), [*q.answers[1:], *q.accept]
        return (esc(q.prompt), esc(model), "; ".join(esc(a) for a in others))
    if q.type == "cloze":
        return (cloze_text(q),)
    if q.type == "numeric":
        tolerance = format_number(q.tolerance) if q.tolerance else ""
        return (esc(q.prompt), esc(format_number(q.number)), esc(tolerance), esc(q.unit))
    if q.type == "matching":
        return (esc(q.prompt), *_matching_html(bank_id, q))
    if q.type == "ordering":
        return (esc(q.prompt), *_ordering_html(bank_id, q))
    return (esc(q.prompt), esc(q.answer_text))  # Basic, for a type without its own note type


class NoteMaker:
    """Turns the questions of one bank into notes; what questions share is computed once."""

    def __init__(self, bank: Bank):
        self.bank = bank
        self._citations: dict[str, str] = {}
        self._decks: dict[str | None, str] = {}
        self._tags: dict[tuple, tuple[str, ...]] = {}
        self.verdict = verdict_pattern(bank.language)

    def __call__(self, q: Question) -> NoteContent:
        bank = self.bank
        note_type = NOTE_TYPE_FOR.get(q.type, BASIC)
        citation = self._citations.get(q.source)
        if citation is None:
            citation = self._citations[q.source] = citation_html(bank.sources.get(q.source), q.source)
        deck = self._decks.get(q.deck)
        if deck is None:
            deck = self._decks[q.deck] = deck_name(bank, q)
        tags = self._tags.get((q.tags, q.type))
        if tags is None:
            tags = self._tags[(q.tags, q.type)] = tuple(tag_list(q))
        explanation = esc(q.explanation)
        if note_type is TRUE_FALSE:
            explanation = without_verdict(explanation, self.verdict)
        fields = _own_fields(bank.id, q) + (explanation, esc(q.evidence), citation,
                                              esc(f"{bank.id}/{q.id}"))
        if len(fields) != len(note_type.fields):  # pragma: no cover - a programming error
            raise AssertionError(f"{note_type.name}: {len(fields)} values for {len(note_type.fields)} fields")
        if note_type.cloze:
            cards = max(1, len(q.blanks))
            sort_text = plain(BLANK_PATTERN.sub(lambda m: m.group(1).partition("::")[0].split("|")[0], q.prompt))
        else:
            cards, sort_text = 1, plain(q.prompt)
        return NoteContent(q, note_guid(bank.id, q.id), note_type, fields, tags, deck, cards, sort_text)


def note_content(bank: Bank, q: Question) -> NoteContent:
    """The note type, fields, tags and deck of one question."""
    return NoteMaker(bank)(q)


# -- state ---------------------------------------------------------------------
class NoteState(NamedTuple):
    """One note's line in the state: content hash, modification time, first build, type."""

    hash: str
    mod: int
    added: int
    type: str

    def encode(self) -> str:
        return f"{self.hash} {self.mod} {self.added} {self.type}"


def _damaged(bank: Bank, what: str) -> ExportError:
    return ExportError(f"{bank.path}: the saved Anki state of bank {bank.id!r} is damaged ({what}); "
                       "expected the file quizgen wrote. Restore it from version control, or delete it "
                       "(the next deck then stamps every note as changed: students' re-import rewrites "
                       "each note once, keeping their progress)")


def read_state(raw: Mapping | None, bank: Bank) -> tuple[Mapping[str, str], dict[str, dict]]:
    """The previous notes (still encoded, see ``parse_note_state``) and note types from
    ``job.previous_state``; empty if there is none, or if it belongs to another bank id.
    The notes are the state's own mapping (not a copy: a 100,000-note state is big), to read."""
    if not raw:
        return {}, {}
    if raw.get("format") != STATE_FORMAT:
        raise ExportError(f"{bank.path}: the saved Anki state of bank {bank.id!r} has format "
                          f"{raw.get('format')!r}; expected {STATE_FORMAT} (was it written by a newer "
                          "quizgen? upgrade quizgen, or restore the file from version control)")
    notes_raw, types_raw = raw.get("notes", {}), raw.get("note_types", {})
    if not isinstance(notes_raw, dict) or not isinstance(types_raw, dict):
        raise _damaged(bank, "notes or note_types is not a mapping")
    notes = notes_raw if raw.get("bank") in (None, bank.id) else {}
    for qid, line in notes.items():  # damage anywhere stops the build, not only in this build's notes
        if not (isinstance(line, str) and NOTE_STATE_LINE.match(line)):
            parse_note_state(bank, qid, line)
    for ntid, value in types_raw.items():
        if not isinstance(value, dict) or not isinstance(value.get("fields"), list) \
                or not isinstance(value.get("templates"), list):
            raise _damaged(bank, f"note type {_shown(ntid)} has no field or template list")
        mod = value.get("mod", 0)
        if isinstance(mod, bool) or not isinstance(mod, int) or not 0 <= mod < 10**11:
            raise _damaged(bank, f"note type {_shown(ntid)} has mod {_shown(mod)}; expected seconds")
    return notes, dict(types_raw)


def parse_note_state(bank: Bank, qid: str, value: object, now: int | None = None) -> NoteState:
    """One note's state line; a damaged one (not four words, times that are not plain
    ASCII seconds, or later than ``now`` + ``FUTURE_SLACK``) is an ExportError."""
    match = NOTE_STATE_LINE.match(value) if isinstance(value, str) and len(value) < 200 else None
    if match is None:
        raise _damaged(bank, f"entry {qid!r} is {_shown(value)}, expected {STATE_COLUMNS!r} "
                             "(times in seconds, ASCII digits)")
    state = NoteState(match[1], int(match[2]), int(match[3]), match[4])
    if now is not None and max(state.mod, state.added) > now + FUTURE_SLACK:
        raise _damaged(bank, f"entry {qid!r} has a time {max(state.mod, state.added)} more than five years after "
                             f"this build's time {now}; expected past times (a future one would stop "
                             "students' Anki from taking later fixes). If this build's time is pinned "
                             "by --timestamp or SOURCE_DATE_EPOCH, it is older than the last build's: "
                             "unpin it")
    return state


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_note_types(bank: Bank, recorded: Mapping[str, Mapping]) -> None:
    """The guard: a note type's fields and card templates never change under its id."""
    for nt in (*NOTE_TYPES, *NOTE_TYPE_FOR.values()):
        old = recorded.get(str(nt.id))
        if old is None:
            continue
        now = nt.schema()
        before = {"fields": list(old.get("fields", [])), "templates": list(old.get("templates", [])),
                  "kind": old.get("kind", now["kind"])}
        if before == now:
            continue
        raise ExportError(
            f"{bank.path}: Anki note type {nt.name!r} (id {nt.id}) would change under the same id: "
            f"this quizgen has fields {now['fields']} and card templates {now['templates']} "
            f"({now['kind']}), but the saved Anki state of bank {bank.id!r} records fields "
            f"{before['fields']} and card templates {before['templates']} ({before['kind']}). "
            "Students' Anki would import it as a second note type and report every note they "
            "already have as conflicting, never updating it again. Either keep the fields and "
            "card templates as they were, or introduce a new note type deliberately: give it a "
            "new id and name in quizgen/exporters/anki_notetypes.py (its notes then reach "
            "students as new notes, beside the old ones)")


def note_type_mod(nt: NoteType, recorded: Mapping[str, Mapping]) -> int:
    """``REVISION`` unless the state shows an earlier look: then keep its time or move past it."""
    old = recorded.get(str(nt.id))
    if old is None:
        return REVISION
    if old.get("hash") == nt.look_hash() and isinstance(old.get("mod"), int):
        return old["mod"]
    return max(REVISION, int(old.get("mod", 0)) + 1)


def note_type_json(nt: NoteType, mod: int) -> dict:
    return {
        "id": nt.id,
        "name": nt.name,
        "type": 1 if nt.cloze else 0,
        "mod": mod,
        "usn": -1,
        "sortf": 0,
        "did": None,
        "tmpls": [{"name": name, "ord": i, "qfmt": qfmt, "afmt": afmt, "bqfmt": "", "bafmt": "",
                   "did": None, "bfont": "", "bsize": 0} for i, (name, qfmt, afmt) in enumerate(nt.templates)],
        "flds": [{"name": name, "ord": i, "sticky": False, "rtl": False, "font": "Arial", "size": 20,
                  "media": []} for i, name in enumerate(nt.fields)],
        "css": CSS,
        "latexPre": LATEX_PRE,
        "latexPost": LATEX_POST,
        "latexsvg": False,
        "req": [[0, "any", [0]]],
        "tags": [],
        "vers": [],
    }


def deck_json(did: int, name: str, description: str, mod: int) -> dict:
    return {"id": did, "name": name, "desc": description, "conf": 1, "dyn": 0, "collapsed": False,
            "browserCollapsed": False, "extendNew": 0, "extendRev": 0, "usn": -1, "mod": mod,
            "newToday": [0, 0], "revToday": [0, 0], "lrnToday": [0, 0], "timeToday": [0, 0]}


def deck_description(bank: Bank) -> str:
    text = esc(bank.description)
    sources = "<br>".join(citation_html(s, s.id) for _, s in sorted(bank.sources.items()))
    if sources:
        text = (text + "<br><br>" if text else "") + "Sources:<br>" + sources
    return text


# -- the deck over a course: retired questions, what changed ---------------------
RETIRED_TAG = "quizgen::retired"
# ExportOptions.extra keys the pipeline (or a caller) may set
GENERATED_TRUE_FALSE_OPTION = "anki_generated_true_false"  # True: generated true/false items in the deck
BANK_QUESTIONS_OPTION = "bank_questions"  # ids of every question of the bank, before --tags/--types (the pipeline sets it)
CHANGELOG_OPTION = "anki_changelog"  # True: also write B-changes.md
# A student importing the deck for the first time gets the withdrawn notes' cards in a deck of their
# own beside the course's (a sub-deck would be studied with its parent) and suspended. Anki's
# importer keeps a new card's deck, but resets its queue to "new" unless the student imports
# with scheduling; a student who already holds the note keeps the card where it is, as it is.
WITHDRAWN_DECK_SUFFIX = " (withdrawn)"
SUSPENDED_QUEUE = -1
WITHDRAWN_HTML = ('<div class="qg-withdrawn"><span class="qg-label">Withdrawn</span> Your teacher took '
                  'this question out of the course. Suspend this card (deleting it only brings it back '
                  f'with the next update): it is tagged {RETIRED_TAG}.</div>')


class Retiring(NamedTuple):
    """The notes of questions that left the deck, marked withdrawn, and what the build says about them."""

    notes: list[NoteContent]
    originals: dict[str, str]  # content records of questions left out of the deck but still in the bank
    silent: list[str]  # retired, but the state holds no card to rebuild (written by an older quizgen)


def withdrawn_deck_name(bank: Bank) -> str:
    """The top-level deck of withdrawn notes' cards: ``Title (withdrawn)``."""
    return deck_name(bank) + WITHDRAWN_DECK_SUFFIX


def withdrawn_deck_description(bank: Bank) -> str:
    return ("Questions your teacher took out of the course (tagged " + RETIRED_TAG + "). They are kept "
            "here, apart from the course, so that nobody who studied them loses them; you do not need to "
            "study them (deleting them does not help: the next import of the deck adds them again).")


def split_deck_questions(questions: Sequence[Question], options: ExportOptions
                         ) -> tuple[list[Question], list[Question]]:
    """The questions the deck carries, and those it leaves out: generated true/false items,
    unless ``extra[GENERATED_TRUE_FALSE_OPTION]`` (half of them state something false, which a
    flashcard repeated for months must not teach)."""
    if options.extra.get(GENERATED_TRUE_FALSE_OPTION):
        return list(questions), []
    deck, left_out = [], []
    for q in questions:
        (left_out if q.origin == "template" and q.type == "true_false" else deck).append(q)
    return deck, left_out


class KeptNote(NamedTuple):
    """What the state keeps of a note, so that the note can be rebuilt once its question is gone."""

    cards: int
    deck: str
    tags: tuple[str, ...]
    sort: str
    fields: tuple[str, ...]


def content_record(content: NoteContent) -> str:
    """A note's ``content`` line in the state: cards, deck, tags, sort text and fields, joined
    by the character Anki itself puts between fields (one JSON string per note: a changed
    question is one changed line in a diff, and a 10,000-note state stays quick to write)."""
    return joined_record(content, "\x1f".join(content.fields), " ".join(content.tags))


def joined_record(content: NoteContent, fields: str, tags: str) -> str:
    """``content_record`` from the note's fields joined by ``\\x1f`` and its tags by spaces."""
    return f"{content.cards}\x1f{content.deck}\x1f{tags}\x1f{content.sort_text}\x1f{fields}"


def parse_content_record(bank: Bank, qid: str, text: str) -> KeptNote:
    parts = text.split("\x1f")
    if len(parts) < 5 or not parts[0].isdigit():
        raise _damaged(bank, f"content of {qid!r} is not a card record")
    return KeptNote(int(parts[0]), parts[1], tuple(parts[2].split()), parts[3], tuple(parts[4:]))


def read_kept_content(raw: Mapping | None, bank: Bank) -> tuple[Mapping[str, str], list[str]]:
    """The state's ``content`` records (its own mapping, to read) and ``retired`` ids (empty
    for a state without them)."""
    if not raw or raw.get("bank") not in (None, bank.id):
        return {}, []
    content, retired = raw.get("content", {}), raw.get("retired", [])
    if isinstance(content, ContentRecords):  # an earlier build's state, in this process: its own records
        if not isinstance(retired, list):
            raise _damaged(bank, "retired is not a list of ids")
        return content, list(retired)
    if not isinstance(content, dict) or not isinstance(retired, list) \
            or not all(isinstance(r, str) for r in retired):
        raise _damaged(bank, "content is not a mapping or retired is not a list of ids")
    if not all(isinstance(record, str) for record in content.values()):
        raise _damaged(bank, "a content entry is not a card record")
    return content, list(retired)


def retired_contents(bank: Bank, live: Sequence[NoteContent], left_out: Sequence[NoteContent],
                     old_notes: Mapping[str, str], old_content: Mapping[str, str],
                     options: ExportOptions) -> Retiring:
    """A withdrawn note for every question the students' deck had that this deck no longer
    carries: deleted from the bank, disabled, or left out of decks (generated true/false).
    Questions merely filtered out of this build (``--tags``, ``--types``) are not retired."""
    return retiring_notes(bank, {c.question.id for c in live}, {c.question.id: content_record(c) for c in left_out},
                          old_notes, old_content, options)


def retiring_notes(bank: Bank, in_deck: set[str], originals: dict[str, str], old_notes: Mapping[str, str],
                   old_content: Mapping[str, str], options: ExportOptions) -> Retiring:
    """``retired_contents`` from the ids of the questions in the deck and the content records
    of those left out of it."""
    bank_ids = options.extra.get(BANK_QUESTIONS_OPTION)
    if bank_ids is None:
        bank_ids = in_deck | set(originals)
    out = Retiring([], originals, [])
    verdict = verdict_pattern(bank.language)
    for qid in sorted(old_notes):
        if qid in in_deck or (qid in bank_ids and qid not in originals):
            continue
        text = originals.get(qid) or old_content.get(qid)
        qtype = parse_note_state(bank, qid, old_notes[qid]).type
        note_type = NOTE_TYPE_FOR.get(qtype, BASIC)
        kept = None if text is None else parse_content_record(bank, qid, text)
        if kept is None or len(kept.fields) != len(note_type.fields):
            out.silent.append(qid)
            continue
        fields = [WITHDRAWN_HTML + kept.fields[0], *kept.fields[1:]]
        if note_type is TRUE_FALSE:  # kept by an older quizgen, perhaps with its verdict
            at = note_type.fields.index("Explanation")
            fields[at] = without_verdict(fields[at], verdict)
        tags = sorted({*kept.tags, RETIRED_TAG}, key=str.casefold)
        question = Question(id=qid, bank=bank.id, type=qtype, prompt=kept.sort, source="")
        out.notes.append(NoteContent(question, note_guid(bank.id, qid), note_type, tuple(fields), tuple(tags),
                                     withdrawn_deck_name(bank), max(1, kept.cards), kept.sort))
    return out


def state_changes(previous: Mapping | None, state: Mapping, deck_ids: Sequence[str]) -> dict[str, list[str]]:
    """The manifest's ``changes``: questions new to the deck, updated (their note changed) and
    retired by this build, against the previous build's state (``previous``, untrusted)."""
    old_notes: Mapping = {}
    old_retired: set = set()
    if isinstance(previous, Mapping) and previous.get("bank") in (None, state.get("bank")):
        if isinstance(previous.get("notes"), Mapping):
            old_notes = previous["notes"]
        if isinstance(previous.get("retired"), list):
            old_retired = {r for r in previous["retired"] if isinstance(r, str)}
    new, updated = [], []
    for qid in deck_ids:
        line = old_notes.get(qid)
        if line is None:
            new.append(qid)
        elif not isinstance(line, str) or line.split()[:1] != state["notes"][qid].split()[:1]:
            updated.append(qid)
    retired = [qid for qid in state.get("retired", ()) if qid not in old_retired]
    return {"new": new, "updated": updated, "retired": retired}


def changelog_markdown(bank: Bank, changes: Mapping[str, Sequence[str]], state: Mapping, now: int) -> str:
    """``B-changes.md``: what this build changed in the deck, for a teacher to post to students."""
    content = state.get("content", {})

    notes = state.get("notes", {})

    def line(qid: str, withdrawn: bool = False) -> str:
        record = content.get(qid)
        text = plain(record.split("\x1f")[3]) if isinstance(record, str) and record.count("\x1f") >= 4 else qid
        if withdrawn and str(notes.get(qid, "")).endswith(" true_false"):
            text = "a true/false statement"  # perhaps a false one: not repeated here
        return f"- {text} (`{bank.id}/{qid}`)"

    title = plain(bank.title) or bank.id
    when = ""
    if now > 0:
        when = " on " + datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%d")
    out = [f"# {title}: what changed in the Anki deck", "",
           f"The deck `{bank.id}.apkg` built{when}. Import it in Anki as before (File > Import, "
           "default options): your progress stays, fixed questions are updated in place, new ones "
           "are added.", ""]
    sections = (("new", "New questions", ""),
                ("updated", "Updated questions", "Corrected or reworded; your card keeps its progress."),
                ("retired", "Withdrawn questions",
                 f"Taken out of the course. Anki keeps them in your collection, marked \"Withdrawn\" and "
                 f"tagged `{RETIRED_TAG}`: in the browser, search `tag:{RETIRED_TAG}`, select all, and "
                 "suspend them (a deleted note comes back with the next import)."))
    if not any(changes.get(key) for key, _, _ in sections):
        out += ["Nothing changed: importing it again changes nothing.", ""]
    for key, heading, note in sections:
        ids = changes.get(key) or []
        if not ids:
            continue
        out += [f"## {heading} ({len(ids)})", ""]
        if note:
            out += [note, ""]
        out += [line(qid, key == "retired") for qid in ids] + [""]
    return "\n".join(out)


# -- the exporter --------------------------------------------------------------
@register("anki")
class AnkiExporter:
    """One Anki package per bank: ``B.apkg``, updatable in place by re-import."""

    name = "anki"
    description = "Anki deck (.apkg) that students can re-import to receive fixes"
    needs_versions = False  # one deck of job.questions; the shuffled versions are for paper

    def render(self, job: ExportJob) -> list[Artifact]:
        bank, now = job.bank, int(job.options.now)
        old_notes, old_types = read_state(job.previous_state, bank)
        check_note_types(bank, old_types)
        old_content, old_retired = read_kept_content(job.previous_state, bank)
        make = NoteMaker(bank)
        deck_questions, left_out = split_deck_questions(job.questions, job.options)
        # records of questions left out of the deck (a record equal to the saved one is the saved string)
        originals = {q.id: _shared(content_record(make(q)), old_content.get(q.id)) for q in left_out}
        retiring = retiring_notes(bank, {q.id for q in deck_questions}, originals, old_notes, old_content,
                                  job.options)

        warnings: list[str] = [
            f"{bank.path}: question {qid}: it left the deck, but the saved Anki state (written by "
            "an older quizgen) does not hold its card, so the deck cannot mark it withdrawn; tell students "
            "to suspend it (students keep their copy as it was)"
            for qid in retiring.silent if qid not in old_retired]
        warnings += [f"{q.ref or bank.path}: question {q.id}: a false true/false statement without an "
                     "explanation, so the back of its card cannot say what is true; add an explanation "
                     "that states it" for q in deck_questions
                     if q.type == "true_false" and q.truth is False and not (q.explanation or "").strip()]
        # One pass over the deck: each note is rendered once, hashed and stamped, and only its
        # content record is kept (it is the state's, and the collection's row is cut from it).
        # The records go to a spool (memory, or a temporary file for a large deck: anki_records);
        # a record equal to the saved one is the saved string, kept by the state as it was.
        spool = RecordSpool()
        notes = DeckNotes(spool)
        notes_state = dict(old_notes)  # questions not in this build keep their line
        kept_content = ContentRecords(old_content, spool)  # questions not in this build keep theirs
        stamp = NoteStamper(bank, now, old_notes, notes_state)

        def add(q: Question, record: str, note_type: NoteType, guid: str, cards: int, deck: str,
                mod: int, added: int) -> None:
            saved = old_content.get(q.id)
            if record == saved:
                handle = spool.add(saved)  # the saved string itself, while the spool holds strings
            else:
                handle = spool.add(record)
                kept_content.put(q.id, handle)
            notes.add_parts(guid, note_type, mod, added, cards, deck, handle)

        try:
            make_deck_notes(deck_questions, make, stamp, add)
            for content in retiring.notes:
                fields, tags = "\x1f".join(content.fields), " ".join(content.tags)
                mod, added = stamp(content.question, content.note_type, fields, tags)
                notes.add(content, mod, added, spool.add(content_record(content)))
            for qid, text in retiring.originals.items():
                if text != old_content.get(qid):
                    kept_content.put(qid, spool.add(text))
        except OSError as exc:  # the spool's temporary file
            raise scratch_space_error(exc) from None
        warnings += stamp.warnings
        retired = ((set(old_retired) - {q.id for q in deck_questions}) | set(retiring.silent)
                   | {c.question.id for c in retiring.notes})

        used = sorted(notes.note_types.values(), key=lambda nt: nt.id)
        type_mods = {nt.id: note_type_mod(nt, old_types) for nt in used}
        building = PackageBuild(collection_rows(bank, notes, used, type_mods,
                                                first_withdrawn=len(notes.guids) - len(retiring.notes)))
        del notes
        try:  # while the package is compressed on its own thread, the state's file is encoded here
            types_state = dict(old_types)
            for nt in used:
                types_state[str(nt.id)] = {"name": nt.name, **nt.schema(), "hash": nt.look_hash(),
                                           "mod": type_mods[nt.id]}
            state = encode_ahead({"format": STATE_FORMAT, "bank": bank.id, "columns": STATE_COLUMNS,
                                  "notes": notes_state, "note_types": types_state,
                                  "content": kept_content, "retired": sorted(retired)})
        except BaseException:
            with contextlib.suppress(Exception):
                building.result()  # the thread done and the scratch files gone before the error goes on
            raise
        data = building.result()
        artifacts = [Artifact(name=f"{bank.id}.apkg", data=data, kind="anki", bank=bank.id, version=None,
                              questions=tuple(q.id for q in deck_questions), key=None, state=state,
                              warnings=tuple(warnings))]
        if job.options.extra.get(CHANGELOG_OPTION):
            changes = state_changes(job.previous_state, state, artifacts[0].questions)
            artifacts.append(Artifact(name=f"{bank.id}-changes.md", kind="changes", bank=bank.id,
                                      data=changelog_markdown(bank, changes, state, now).encode()))
        return artifacts

    @staticmethod
    def _rows(bank: Bank, contents: Sequence[NoteContent], states: Sequence[NoteState],
              used: Iterable[NoteType], type_mods: Mapping[int, int],
              first_withdrawn: int | None = None) -> CollectionRows:
        """The collection's rows of notes already made and stamped (``collection_rows``)."""
        notes = DeckNotes()
        for content, state in zip(contents, states):
            notes.add(content, state.mod, state.added, notes.spool.add(content_record(content)))
        return collection_rows(bank, notes, used, type_mods, first_withdrawn)


def _shared(record: str, saved: object) -> str:
    """``record``, or the equal string of the saved state (held anyway): a rebuild keeps one copy."""
    return saved if record == saved else record  # type: ignore[return-value]


class DeckNotes:
    """The deck's notes as columns, in deck order (live notes, then withdrawn ones): what the
    collection needs of each once it is rendered and stamped. The fields, tags and sort text
    live only in the note's content record (kept in ``spool``, by its handle);
    its rows are cut from it while SQLite reads them."""

    __slots__ = ("guids", "type_ids", "mods", "added", "cards", "decks", "records", "note_types", "spool")

    def __init__(self, spool: RecordSpool | None = None) -> None:
        self.spool = spool if spool is not None else RecordSpool()
        self.guids: list[str] = []
        self.type_ids: list[int] = []
        self.mods = array("q")  # seconds, as machine integers (no object per note)
        self.added = array("q")
        self.cards: list[int] = []
        self.decks: list[str] = []
        self.records = array("q")  # the handle in ``spool`` of each content_record (cards, deck, tags, sort text, fields)
        self.note_types: dict[int, NoteType] = {}

    def add(self, content: NoteContent, mod: int, added: int, record: int) -> None:
        self.add_parts(content.guid, content.note_type, mod, added, content.cards, content.deck, record)

    def add_parts(self, guid: str, note_type: NoteType, mod: int, added: int, cards: int, deck: str,
                  record: int) -> None:
        """``add``, for a note made elsewhere (``NoteShare``)."""
        self.guids.append(guid)
        self.type_ids.append(note_type.id)
        self.mods.append(mod)
        self.added.append(added)
        self.cards.append(cards)
        self.decks.append(deck)
        self.records.append(record)
        if note_type.id not in self.note_types:
            self.note_types[note_type.id] = note_type


def made_note(q: Question, make: NoteMaker, stamp: NoteStamper) -> tuple[NoteContent, str, int, int]:
    """A question's note: its content, content record, and modification and first-build times."""
    content = make(q)
    fields, tags = "\x1f".join(content.fields), " ".join(content.tags)
    record = joined_record(content, fields, tags)
    mod, added = stamp(q, content.note_type, fields, tags)
    return content, record, mod, added


def make_deck_notes(questions: Sequence[Question], make: NoteMaker, stamp: NoteStamper, add) -> None:
    """Make the deck's notes in order, handing each to ``add(q, record, note type, guid, cards,
    deck, mod, added)``; with a ``NoteShare``, the last ones are made by a child meanwhile."""
    share = NoteShare.start(questions, make, stamp)
    stop = share.start if share else len(questions)
    try:
        for q in questions[:stop]:
            content, record, mod, added = made_note(q, make, stamp)
            add(q, record, content.note_type, content.guid, content.cards, content.deck, mod, added)
        theirs = share.finish() if share else None
    except BaseException:
        if share:
            share.cancel()
        raise
    if theirs is None:  # no child, or it could not make its share: make it here
        for q in questions[stop:]:
            content, record, mod, added = made_note(q, make, stamp)
            add(q, record, content.note_type, content.guid, content.cards, content.deck, mod, added)
        return
    notes_state = stamp.notes_state
    for first in range(stop, len(questions), NoteShare.BATCH):
        rows = marshal.loads(next(theirs))  # a batch at a time: a large deck's records go on to the spool's file
        if len(rows) != min(NoteShare.BATCH, len(questions) - first):
            raise AssertionError("a batch of notes from the child is short")  # pragma: no cover - our own child's
        for q, (record, type_id, guid, cards, deck, mod, added, line) in zip(questions[first:], rows):
            if line is not None:
                notes_state[q.id] = line
            add(q, record, NOTE_TYPE_BY_ID[type_id], guid, cards, deck, mod, added)
    stamp.warnings += marshal.loads(next(theirs))
    share.cancel()  # its file closed (the child is long gone)


NOTE_TYPE_BY_ID = {nt.id: nt for nt in NOTE_TYPES}


class NoteShare:
    """The deck's notes from ``start`` on, made by a forked child (``cores.fork_share``) while
    this process makes the first ones: with a second CPU idle, a 10,000-note deck's notes take
    a third less time. The child sends, for each note, its content record, note type, GUID,
    cards, deck, times and its new state line (None: the saved line stands), then the
    stamper's warnings; every note is a pure function of its question and the saved state,
    so the deck is the same bytes. A child that fails (a damaged state line it met, say)
    leaves its share to be made here, where the same error is raised in the same order."""

    MIN_NOTES = 4000  # a smaller deck is made here: a fork and the way back cost more than half saves
    CHILD_SHARE = 0.45  # of the notes, from the end (this process also takes the child's rows in)
    BATCH = 1000  # notes per record sent back
    WORKERS: int | None = None  # 1: never share, 2: whenever possible (tests); None: when a second CPU is idle

    def __init__(self, share: cores.Share, start: int, count: int):
        self.start = start
        self._share = share
        self._count = count

    @classmethod
    def start(cls, questions: Sequence[Question], make: NoteMaker, stamp: NoteStamper) -> NoteShare | None:
        """Fork the child for the last notes when that pays; None: make them all here."""
        start = cores.child_start(len(questions), cls.MIN_NOTES, cls.WORKERS, cls.CHILD_SHARE)
        if start is None:
            return None
        share = cores.fork_share(lambda: _note_records(questions[start:], make, stamp))
        return None if share is None else cls(share, start, len(questions) - start)

    def cancel(self) -> None:
        self._share.cancel()

    def finish(self) -> Iterator[bytes] | None:
        """The child's records, read one at a time: its note rows, BATCH to a record (marshal),
        then the stamper's warnings; None if its share must be made here. (A 100,000-note
        deck's share is 45 MB as rows: the caller takes them in a batch at a time.)"""
        records = self._share.records()
        try:
            first = next(records)
        except (cores.ShareFailed, StopIteration):
            self._share.cancel()
            return None
        return itertools.chain([first], records)


def _note_records(questions: Sequence[Question], make: NoteMaker, stamp: NoteStamper) -> list[bytes]:
    """In the child: the notes of ``questions`` as ``NoteShare`` rows, BATCH to a record, then
    a record of the stamper's warnings."""
    notes_state, rows = stamp.notes_state, []
    for q in questions:
        before = notes_state.get(q.id)
        content, record, mod, added = made_note(q, make, stamp)
        line = notes_state[q.id]
        rows.append((record, content.note_type.id, content.guid, content.cards, content.deck, mod, added,
                     None if line is before else line))
    batch = NoteShare.BATCH
    return [marshal.dumps(rows[i:i + batch]) for i in range(0, len(rows), batch)] + [marshal.dumps(stamp.warnings)]


class NoteStamper:
    """A note's modification and first-build times from its content hash and its line in the
    previous state (see the module docstring); writes the new line into ``notes_state`` when it
    differs, and collects a warning for a question whose type changed under its id."""

    __slots__ = ("bank", "now", "old_notes", "notes_state", "warnings")

    def __init__(self, bank: Bank, now: int, old_notes: Mapping[str, str], notes_state: dict[str, str]):
        self.bank, self.now, self.old_notes, self.notes_state = bank, now, old_notes, notes_state
        self.warnings: list[str] = []

    def __call__(self, q: Question, note_type: NoteType, fields: str, tags: str) -> tuple[int, int]:
        """``fields`` and ``tags``: the note's fields joined by ``\\x1f``, its tags by spaces."""
        now = self.now
        digest = note_content_hash(note_type.id, fields, tags)
        line = self.old_notes.get(q.id)
        if line is None:
            self.notes_state[q.id] = f"{digest} {now} {now} {q.type}"
            return now, now
        old_hash, old_mod, old_added, old_type = line.split(" ")  # read_state checked every line
        mod, added = int(old_mod), int(old_added)
        if max(mod, added) > now + FUTURE_SLACK:
            parse_note_state(self.bank, q.id, line, now)  # raises
        if old_hash != digest:
            mod = max(now, mod + 1)
            if old_type != q.type and NOTE_TYPE_FOR.get(old_type) is not note_type:
                self.warnings.append(
                    f"{q.ref or self.bank.path}: question {q.id!r} changed from {old_type} to {q.type}; "
                    "students who already have it keep the old card (Anki reports the note as "
                    "conflicting); give the question a new id to send it as a new note")
        elif old_type == q.type:
            return mod, added  # the same line
        self.notes_state[q.id] = f"{digest} {mod} {added} {q.type}"
        return mod, added


def collection_rows(bank: Bank, notes: DeckNotes, used: Iterable[NoteType], type_mods: Mapping[int, int],
                    first_withdrawn: int | None = None) -> CollectionRows:
    """The collection's rows; notes from ``first_withdrawn`` on are withdrawn notes, whose
    cards are suspended (in their own deck, see ``withdrawn_deck_name``)."""
    guids, mods, added, cards_of, decks_of = notes.guids, notes.mods, notes.added, notes.cards, notes.decks
    top = deck_name(bank)
    names = {top, *decks_of}
    for name in list(names):  # parents of sub-decks exist in their own right
        parts = name.split("::")
        names.update("::".join(parts[:i]) for i in range(1, len(parts)))
    deck_mod = max(max(mods, default=REVISION), REVISION)
    decks = {"1": deck_json(1, "Default", "", deck_mod)}
    ids = {name: deck_id(bank.id, name) for name in names}
    descriptions = {top: deck_description(bank), withdrawn_deck_name(bank): withdrawn_deck_description(bank)}
    for name in sorted(names):
        decks[str(ids[name])] = deck_json(ids[name], name, descriptions.get(name, ""), deck_mod)

    # Rows are made while SQLite reads them (no list of the deck's text), in id order
    # (appending to a table's b-tree is much faster than inserting at random places).
    note_ids, by_note_id = [0] * len(guids), array("l")
    for nid, i in ids_in_order(zip(added, guids)):
        note_ids[i] = nid
        by_note_id.append(i)

    def note_rows() -> Iterator[tuple]:
        type_ids, records, spool, sha1 = notes.type_ids, notes.records, notes.spool, hashlib.sha1
        for i in by_note_id:
            # only the fields hold \x1f: plain() and tag_list() split the deck, tags and sort text on it
            _, _, tags, sort_text, fields = spool[records[i]].split("\x1f", 4)
            csum = int.from_bytes(sha1(sort_text.encode()).digest()[:4], "big")
            yield note_ids[i], guids[i], type_ids[i], mods[i], f" {tags} ", fields, sort_text, csum  # NOTE_INSERT

    withdrawn_from = len(guids) if first_withdrawn is None else first_withdrawn
    card_note, card_ord = array("l"), array("l")  # the k-th card of the deck: its note's index, its ord

    def card_keys() -> Iterator[tuple[int, str]]:
        for i, (seconds, guid, count) in enumerate(zip(added, guids, cards_of)):
            for ord_ in range(count):
                card_note.append(i)
                card_ord.append(ord_)
                yield seconds, f"{guid}:{ord_}"

    def card_rows() -> Iterator[tuple]:
        for cid, k in ids_in_order(card_keys()):  # sorted once SQLite asks for the first card
            i, ord_ = card_note[k], card_ord[k]
            queue = SUSPENDED_QUEUE if i >= withdrawn_from else 0  # new cards are due in bank order
            yield cid, note_ids[i], ids[decks_of[i]], ord_, mods[i], queue, i + 1  # CARD_INSERT

    models = {str(nt.id): note_type_json(nt, type_mods[nt.id]) for nt in used}
    mod_ms = 1000 * max([deck_mod] + list(type_mods.values()))
    return CollectionRows(models=models, decks=decks, notes=note_rows(), cards=card_rows(), mod_ms=mod_ms)
