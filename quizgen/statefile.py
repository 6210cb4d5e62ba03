"""A deck's state file (``<bank>.anki-state.json``): its bytes, made piece by piece or ahead of time.

A state is JSON, written as ``json.dumps(state, indent=1, sort_keys=True, ensure_ascii=False)``
would write it (students' decks depend on reading it back; docs/anki.md), but never whole in
memory: a 100,000-note state is 77 MB of JSON.

- ``state_chunks``/``state_bytes``: the bytes, piece by piece or joined.
- ``StateFile``: a state to write (``pipeline.write_all_atomically``), encoded as it is written.
- ``EncodedState``: a state whose bytes were made ahead of writing, into a temporary file, by an
  exporter that had a moment to spare (the Anki exporter, while its package is compressed on
  another thread); ``StateFile`` then copies them instead of encoding the state again.
"""
from __future__ import annotations

import hashlib
import json
import os
import weakref
from typing import Iterator, Mapping

LARGE_MAPPING = 64  # entries: a mapping this large is written one entry at a time (state_chunks)


def state_bytes(state: Mapping) -> bytes:
    """``json.dumps(state, indent=1, sort_keys=True, ensure_ascii=False) + "\n"`` as UTF-8: the
    same bytes as ``StateFile(state)`` writes piece by piece."""
    return b"".join(state_chunks(state))


def state_chunks(state: Mapping) -> Iterator[bytes]:
    """The bytes of ``state_bytes``, in pieces: with ``indent`` the json module builds a list of
    every token of the document (millions for a 100,000-note state) before joining them; here
    each entry of a large mapping (the notes, their kept content) is encoded on its own, so a
    state is written without ever being whole in memory. An ``EncodedState`` gives the bytes
    it holds."""
    if isinstance(state, EncodedState):
        yield from state.chunks()
        return
    yield from _json_chunks(state, 0)
    yield b"\n"


def _json_chunks(value: object, depth: int) -> Iterator[bytes]:
    if isinstance(value, Mapping) and not isinstance(value, dict):  # a deck's content records (anki_records)
        if len(value) < LARGE_MAPPING:
            value = dict(value)
    # the document itself entry by entry (its large mappings are its entries), and any large mapping
    if (isinstance(value, Mapping) and value and (depth == 0 or len(value) >= LARGE_MAPPING)
            and all(isinstance(k, str) for k in value)):
        inner = "\n" + " " * (depth + 1)
        batch: list[str] = ["{"]  # entries whose value is text are joined a few hundred at a time
        for number, key in enumerate(sorted(value)):
            entry = value[key]
            batch.append(("," if number else "") + inner + _encode_scalar(key) + ": ")
            if isinstance(entry, str):
                batch.append(_encode_scalar(entry))
                if len(batch) < CHUNK_ENTRIES:
                    continue
                yield "".join(batch).encode()
            else:
                yield "".join(batch).encode()
                yield from _json_chunks(entry, depth + 1)
            batch = []
        batch.append("\n" + " " * depth + "}")
        yield "".join(batch).encode()
        return
    if isinstance(value, str):
        yield _encode_scalar(value).encode()
        return
    if isinstance(value, list) and value and all(type(item) in _SCALARS for item in value):
        pad = "\n" + " " * (depth + 1)
        yield ("[" + ",".join(pad + _encode_scalar(item) for item in value) + "\n" + " " * depth + "]").encode()
        return
    # a JSON text holds no raw line break (json escapes it), so indenting its lines is safe
    text = json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)
    yield (text.replace("\n", "\n" + " " * depth) if depth else text).encode()


# json.dumps with ``indent`` runs the json module's pure-Python encoder; a string, a number or a
# flat list of them is encoded here with its C encoder instead (the same text: indent only lays
# out containers)
_encode_scalar = json.JSONEncoder(ensure_ascii=False).encode
_SCALARS = (str, int, float, bool, type(None))
CHUNK_ENTRIES = 512  # text pieces joined into one chunk (a few hundred KB at most for a state's content)


class StateFile:
    """A state file to write: its bytes are made while they are written (``state_chunks``),
    so a large deck's state (77 MB of JSON at 100,000 notes) never sits in memory whole."""

    def __init__(self, state: Mapping):
        self.state = state
        self.sha256: str | None = None  # of the bytes, once ``chunks`` has given them all (for quizgen.rebuild)

    def chunks(self) -> Iterator[bytes]:
        if isinstance(self.state, EncodedState):  # made ahead of time, its digest with it
            yield from self.state.chunks()
            self.sha256 = self.state.sha256
            return
        digest = hashlib.sha256()
        for chunk in state_chunks(self.state):
            digest.update(chunk)
            yield chunk
        self.sha256 = digest.hexdigest()


READ_BYTES = 1 << 20  # an EncodedState gives its bytes back this much at a time


class EncodedState(dict):
    """A state (the dict itself, for every reader of the state) with the bytes of its file,
    made ahead of writing into an anonymous temporary file (``TMPDIR``), and their sha256.
    Made by ``encode_ahead``; read-only from then on (the bytes would not follow a change)."""

    _file: object
    sha256: str

    def chunks(self) -> Iterator[bytes]:
        """The state file's bytes, a piece at a time (read again from the start at every call)."""
        fd, offset = self._file.fileno(), 0  # type: ignore[attr-defined]
        while True:
            piece = os.pread(fd, READ_BYTES, offset)
            if not piece:
                return
            offset += len(piece)
            yield piece


def encode_ahead(state: dict) -> dict:
    """``state`` as an ``EncodedState``, its bytes made now (``state_chunks``); the state as
    it is if the temporary folder cannot take them (it is then encoded while written)."""
    import tempfile  # here: an unchanged rebuild (quizgen.rebuild) encodes nothing

    digest = hashlib.sha256()
    handle = None
    try:
        handle = tempfile.TemporaryFile(prefix="quizgen-state-")
        for chunk in state_chunks(state):
            digest.update(chunk)
            handle.write(chunk)
        handle.flush()
    except OSError:  # a full or unwritable temporary folder: nothing lost, the writer encodes it
        if handle is not None:
            handle.close()
        return state
    encoded = EncodedState(state)
    encoded._file, encoded.sha256 = handle, digest.hexdigest()
    weakref.finalize(encoded, handle.close)  # the file goes with the state
    return encoded


