"""A large bank's questions read by two processes: the second half of the list in a forked copy.

Reading and checking a 10,000-question bank is a third of a deck build, all of it one
question after another. When a second CPU sits idle (``cores``) and the list is long and
read by the fast path in slices, a forked child reads the list from a slice boundary near
its middle while this process reads up to it; the child sends its questions back as plain
rows (``marshal``: text, numbers and tuples, never code), and this process appends them.

The result is the same bank in every case, which is what the tests compare:

- The child only takes plain questions (``_BankReader.plain_question``): at the first item
  that needs the full checks (a mistake, an override, an unusual value) it gives up, and
  this process reads the child's share itself, with every check and line, as it always did.
- What one share cannot see of the other is checked when they meet: an id in both shares,
  or a deck spelt two ways across them, sends the child's share to this process too (where
  the full checks report it, as a one-process read would).
- A child that fails or is killed, a platform without ``os.fork``, or a process with other
  threads running: this process reads everything.
"""
from __future__ import annotations

import dataclasses
import marshal
from typing import Any

from . import cores, yamlnodes
from .errors import SourceRef
from .model import Blank, Question
from .yamlnodes import LDict

_BankReader = Any  # banks._BankReader (banks imports this module, not the other way round)

MIN_QUESTIONS = 4000  # a shorter list is read here: a fork and the way back cost more than half of it saves
CHILD_SHARE = 0.45  # of the list's items, from the end (the child also packs its rows, this process unpacks them)
BATCH = 1000  # questions per record sent back
WORKERS: int | None = None  # 1: never share, 2: share whenever possible (tests); None: when a second CPU is idle

_FIELDS = tuple(field.name for field in dataclasses.fields(Question))
_BLANKS = _FIELDS.index("blanks")
_REF = _FIELDS.index("ref")


class _NotPlain(Exception):
    """An item of the child's share needs the full checks: this process reads the share."""


def row_of(question: Question) -> tuple:
    """A question as plain data: its fields in order, its blanks as tuples, its ref as its line."""
    row = [getattr(question, name) for name in _FIELDS]
    if row[_BLANKS]:
        row[_BLANKS] = tuple((b.answer, b.hint, b.accept) for b in row[_BLANKS])
    row[_REF] = row[_REF].line
    return tuple(row)


def question_of(row: tuple, path: str) -> Question:
    """The inverse of ``row_of`` (``path``: the bank file's, as every question of it has).

    The fields are set as ``pickle`` and ``bankcache`` set them, through the slots (the
    model's classes are frozen): half the time of ``Question(*row)``, which counts for a
    few thousand questions."""
    question = _new(Question)
    for put, value in zip(_PUT_QUESTION, row):
        put(question, value)
    if row[_BLANKS]:
        _PUT_QUESTION[_BLANKS](question, tuple(Blank(*blank) for blank in row[_BLANKS]))
    ref = _new(SourceRef)
    _PUT_PATH(ref, path)
    _PUT_LINE(ref, row[_REF])
    _PUT_QUESTION[_REF](question, ref)
    return question


_new = object.__new__
_PUT_QUESTION = tuple(Question.__dict__[name].__set__ for name in _FIELDS)  # the slots' setters
_PUT_PATH, _PUT_LINE = SourceRef.__dict__["path"].__set__, SourceRef.__dict__["line"].__set__


class QuestionShare:
    """The child reading items ``start`` to the end of the bank's ``questions:``."""

    def __init__(self, share: cores.Share, start: int, count: int):
        self.start = start
        self._share = share
        self._count = count

    @classmethod
    def start(cls, reader: _BankReader, items: object, bank_id: str, sources: dict,
              fact_ids: set[str]) -> QuestionShare | None:
        """Fork a child for the second part of ``items`` (the bank's ``questions:``, of at most
        ``MAX_QUESTIONS``) when that pays; None: read it all here."""
        if type(items) is not yamlnodes.Slices or reader.errors:
            return None
        start = cores.child_start(len(items), MIN_QUESTIONS, WORKERS, CHILD_SHARE)
        if start is None:
            return None
        share = cores.fork_share(lambda: _child_records(reader, items, start, bank_id, sources, fact_ids))
        return None if share is None else cls(share, start, len(items) - start)

    def cancel(self) -> None:
        self._share.cancel()

    def finish(self, reader: _BankReader, seen: dict[str, int]) -> list[Question] | None:
        """The child's questions, once this process has read its own share (whose ids are
        ``seen``); None if the child's share must be read here."""
        records = self._share.records()
        try:
            their_seen, their_decks = marshal.loads(next(records))
            decks = reader.__dict__.setdefault("_deck_spellings", {})
            if not their_seen.keys().isdisjoint(seen) or any(
                    decks.get(key, (shown,))[0] != shown for key, shown, _ in their_decks):
                return None  # an id in both shares, a deck spelt two ways: the full checks report it
            questions: list[Question] = []
            for record in records:
                questions += [question_of(row, reader.path) for row in marshal.loads(record)]
        except (cores.ShareFailed, StopIteration, ValueError, TypeError, EOFError):
            return None
        finally:
            records.close()
            self._share.cancel()  # the child gone (also when this process was interrupted) and its file closed
        if len(questions) != self._count:
            return None
        seen.update(their_seen)
        for key, shown, line in their_decks:
            decks.setdefault(key, (shown, line))
        return questions


def _child_records(reader: _BankReader, items: yamlnodes.Slices, start: int, bank_id: str, sources: dict,
                   fact_ids: set[str]) -> list[bytes]:
    """In the child: the share's questions as records (first the ids seen, with their lines,
    and the decks' spellings; then the rows, BATCH at a time), or ``_NotPlain``."""
    reader.id_lines_from("questions", items.offset(start))
    escapes = "\\" in reader.source_text  # control characters can only come from escapes
    seen: dict[str, int] = {}
    rows = []
    for node in items.part(start, len(items)):
        if type(node) is not LDict:
            raise _NotPlain
        if escapes:
            reader.control_characters_in_values(node)
            if reader.errors:
                raise _NotPlain
        question = reader.plain_question(node, bank_id, sources, fact_ids, seen)
        if question is None:
            raise _NotPlain
        rows.append(row_of(question))
    decks = [(key, shown, line) for key, (shown, line) in reader.__dict__.get("_deck_spellings", {}).items()]
    head = marshal.dumps((seen, decks))
    return [head] + [marshal.dumps(tuple(rows[i:i + BATCH])) for i in range(0, len(rows), BATCH)]
