"""The deck's note content records, held off the Python heap once a deck is large.

Each note of a deck has a content record (``anki.content_record``: cards, deck, tags, sort
text and fields in one string). A build needs each record twice: once for the collection's
row and once for the state's ``content``. For a 100,000-note deck they are about 90 MB of
text, which as Python strings is 180 MB (a single curly quote in a citation makes a string
two bytes per character) and was half of a large build's peak memory (issue 15).

``RecordSpool`` keeps the records of one build: as the strings themselves while they are
few (a classroom deck pays nothing), then, past ``SPOOL_IN_MEMORY`` characters, as UTF-8 in
an anonymous temporary file that the operating system deletes when it is closed, read back
one record at a time. ``ContentRecords`` is the state's ``content`` mapping on top of it:
the previous state's records (``base``) with this build's new and changed ones over them,
so an unchanged record is the saved state's own string. ``read_streamed_state`` reads a
large saved state into the same form, a slice of lines at a time.
"""
from __future__ import annotations

import json
import os
import tempfile
from array import array
from typing import IO, Iterator, Mapping

# characters held as strings before the spool moves to a file: a 10,000-question deck's records
# (about 9 million) stay in memory, where reading them back costs nothing
SPOOL_IN_MEMORY = 12 * 1024 * 1024
SPOOL_PREFIX = "quizgen-anki-"


class RecordSpool:
    """Append-only text records, read back by the handle ``add`` returned."""

    __slots__ = ("texts", "held", "ends", "file", "writing", "limit")

    def __init__(self, in_memory: int | None = None):
        self.texts: list[str] | None = []  # while in memory: the records themselves
        self.held = 0  # characters in ``texts``
        self.ends = array("q")  # once in the file: where record k ends (it starts where k - 1 ends)
        self.file: IO[bytes] | None = None
        self.writing = True  # the last use was a write: data may wait in the file's buffer
        self.limit = SPOOL_IN_MEMORY if in_memory is None else in_memory

    def add(self, text: str) -> int:
        """Keep ``text``; its handle. OSError if the temporary folder cannot take it."""
        texts = self.texts
        if texts is not None:
            texts.append(text)
            self.held += len(text)
            if self.held > self.limit:
                self._move_to_file()
        else:
            self._write(text)
        return len(self) - 1

    def __getitem__(self, handle: int) -> str:
        if self.texts is not None:
            return self.texts[handle]
        ends, file = self.ends, self.file
        assert file is not None
        start = ends[handle - 1] if handle else 0
        if self.writing:
            file.flush()
            self.writing = False
        if _pread is not None:  # one system call, the file's position untouched
            return _pread(file.fileno(), ends[handle] - start, start).decode("utf-8", "surrogatepass")
        file.seek(start)
        return file.read(ends[handle] - start).decode("utf-8", "surrogatepass")

    def __len__(self) -> int:
        return len(self.texts) if self.texts is not None else len(self.ends)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()

    __del__ = close  # the state that reads the records lives as long as the caller keeps it

    def _move_to_file(self) -> None:
        texts, self.texts = self.texts, None
        self.file = tempfile.TemporaryFile(prefix=SPOOL_PREFIX)
        assert texts is not None
        for text in texts:
            self._write(text)

    def _write(self, text: str) -> None:
        file = self.file
        assert file is not None
        if not self.writing:
            file.seek(0, 2)  # a read without pread moved it
            self.writing = True
        data = text.encode("utf-8", "surrogatepass")  # as the str was, whatever a saved state held
        file.write(data)
        self.ends.append((self.ends[-1] if self.ends else 0) + len(data))


_pread = getattr(os, "pread", None)  # not on Windows
_ABSENT = object()


class ContentRecords(Mapping[str, str]):
    """The state's ``content``: question id -> content record. The records of ``base`` (the
    previous state's, read-only), with this build's own over them (``put``): a record equal
    to the saved one is not put, so it stays the saved state's string."""

    __slots__ = ("base", "own", "spool", "added")

    def __init__(self, base: Mapping[str, str], spool: RecordSpool):
        self.base = base
        self.own: dict[str, int] = {}  # question id -> handle in the spool
        self.spool = spool
        self.added = 0  # own ids that are not in base

    def put(self, qid: str, handle: int) -> None:
        """Record ``qid``'s content as the spool's ``handle`` (a record unlike base's)."""
        if qid not in self.own and qid not in self.base:
            self.added += 1
        self.own[qid] = handle

    def __getitem__(self, qid: str) -> str:
        handle = self.own.get(qid, _ABSENT)
        if handle is _ABSENT:
            return self.base[qid]
        return self.spool[handle]  # type: ignore[index]

    def __contains__(self, qid: object) -> bool:
        return qid in self.own or qid in self.base

    def __iter__(self) -> Iterator[str]:
        own = self.own
        yield from own
        yield from (qid for qid in self.base if qid not in own)

    def __len__(self) -> int:
        return len(self.base) + self.added

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        if len(self) != len(other):
            return False
        if other is self.base:
            return not self.own  # own records differ from base's, or are new ids
        return all(qid in other and self[qid] == other[qid] for qid in self)

    __hash__ = None  # type: ignore[assignment]  # a mapping, compared by its entries

    def __repr__(self) -> str:
        return f"<ContentRecords: {len(self)} records, {len(self.own)} of this build>"


# -- reading a large saved state ----------------------------------------------------------
STREAMED_STATE_BYTES = 1024 * 1024  # a saved state this large has its records read a slice at a time
_CONTENT_OPEN = b' "content": {\n'  # how state_chunks (json.dumps with indent=1) opens the records
_BLOCK_CLOSE = (b" }\n", b" },\n")
_RECORD_LINE = b'  "'  # each record on a line of its own, at indent 2
_PLACEHOLDER = "\x00quizgen: the records, read a slice at a time"
_BATCH_LINES = 512


def read_streamed_state(path: str | os.PathLike) -> dict | None:
    """The saved state at ``path`` as ``json.loads`` reads it, but with its ``content`` a
    ``ContentRecords`` over a spool (a 100,000-note state's records, 77 MB of JSON, become
    no Python strings), or None when the file is not laid out as quizgen writes it: the
    caller then reads it whole, which also locates any damage.

    The records are read a few hundred lines at a time, each slice checked by ``json.loads``;
    the rest of the document, with a placeholder for the records, by ``json.loads`` too.
    """
    spool = RecordSpool()
    records = ContentRecords({}, spool)
    rest: list[bytes] = []
    batch: list[bytes] = []
    state = "before"  # before the records, in them, after them
    try:
        with open(path, "rb") as file:
            for line in file:
                if state == "in":
                    if line.startswith(_RECORD_LINE):
                        batch.append(line)
                        if len(batch) >= _BATCH_LINES and not _read_records(batch, records, last=False):
                            return None
                        continue
                    if line not in _BLOCK_CLOSE or (batch and not _read_records(batch, records, last=True)):
                        return None
                    comma = "," if line == _BLOCK_CLOSE[1] else ""
                    rest.append(f' "content": {_dumps(_PLACEHOLDER)}{comma}\n'.encode())
                    state = "after"
                elif line == _CONTENT_OPEN:
                    if state != "before":
                        return None  # the key twice: json.loads keeps the last, read it whole
                    state = "in"
                else:
                    rest.append(line)
        if state != "after" or not rest or rest[0] != b"{\n":
            return None
        value = json.loads(b"".join(rest).decode("utf-8"))
    except (OSError, ValueError, RecursionError):  # ValueError: not UTF-8, not JSON
        return None
    if not isinstance(value, dict) or value.get("content") != _PLACEHOLDER:
        return None
    value["content"] = records
    return value


def _read_records(batch: list[bytes], records: ContentRecords, last: bool) -> bool:
    """Put a slice of record lines into ``records``; False if they are not all text records,
    one to a line, each followed by a comma but the block's last (as JSON has it)."""
    text = b"".join(batch).rstrip(b"\n")
    batch.clear()
    if text.endswith(b",") == last:
        return False
    try:
        entries = json.loads("{" + (text if last else text[:-1]).decode("utf-8") + "}")
    except (ValueError, RecursionError):
        return False
    if not isinstance(entries, dict) or not all(type(record) is str for record in entries.values()):
        return False
    spool = records.spool
    for qid, record in entries.items():
        records.put(qid, spool.add(record))
    return True


_dumps = json.JSONEncoder(ensure_ascii=False).encode
