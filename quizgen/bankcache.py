"""A cache of validated large banks, keyed by the file's bytes.

Reading and validating a 10,000-question bank costs most of a deck build. A teacher
re-running a build on an unchanged bank should not pay for it again, so a bank file of
at least ``MIN_BYTES`` that validated cleanly is stored in the user's cache folder, under
the SHA-256 of its bytes, its path and the code that reads banks. Any change to the file
or to that code is a miss, and a damaged or unreadable entry is a miss too: the cache can
only save time, never change a result. Errors are never cached.

An entry is plain data (``marshal`` of tuples, dicts, text and numbers), never a pickle:
whoever can write to the cache folder can at worst make a miss, never run code. Reading
it back accepts only those plain types and the model's own dataclasses, by name.

The folder is ``$QUIZGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/quizgen``, else
``~/.cache/quizgen``; set ``QUIZGEN_CACHE_DIR=off`` to turn the cache off.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import marshal
import os
import tempfile
from pathlib import Path

from .cachedir import cache_dir
from .model import Bank, Blank, Entity, Fact, Question, Source, SourceRef  # SourceRef: model's import

MIN_BYTES = 256 * 1024  # smaller banks load in well under a tenth of a second anyway
KEEP = 16  # entries kept; the least recently used go first
SUFFIX = ".marshal"
_CODE = ("banks.py", "model.py", "yamlnodes.py", "errors.py", "bankcache.py")


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> bytes:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"marshal {marshal.version}".encode())
    for name in _CODE:
        digest.update((here / name).read_bytes())
    return digest.digest()


def _entry(path: str, data: bytes) -> Path | None:
    folder = cache_dir()
    if folder is None or len(data) < MIN_BYTES:
        return None
    key = hashlib.sha256(_code_fingerprint() + path.encode() + b"\0" + data).hexdigest()
    return folder / f"bank-{key}{SUFFIX}"


# -- plain data -----------------------------------------------------------------------
MODEL_CLASSES = {cls.__name__: cls for cls in (Bank, Source, Entity, Fact, Blank, Question, SourceRef)}
_FIELDS = {name: tuple(f.name for f in dataclasses.fields(cls)) for name, cls in MODEL_CLASSES.items()}
_SCALARS = (str, int, float, bool, type(None))
_SCALAR_TYPES = frozenset(_SCALARS)
_CLASS, _VALUES = 0, 1  # a dataclass is {0: class name, 1: values}; model dicts have text keys


def to_plain(value: object) -> object:
    """A Bank (or any model value) as tuples, lists, dicts, text and numbers."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, tuple):
        return tuple(to_plain(v) for v in value)
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    name = type(value).__name__
    if MODEL_CLASSES.get(name) is type(value):
        return {_CLASS: name, _VALUES: tuple(to_plain(getattr(value, f)) for f in _FIELDS[name])}
    raise TypeError(f"cannot cache a {name}")


_set = object.__setattr__


class _NotPlain(Exception):
    pass


def from_plain(value: object) -> object:
    """The inverse of ``to_plain``; anything else (a code object, bytes, an unknown class
    name, a wrong number of fields) raises ``_NotPlain``."""
    kind = type(value)
    if kind in _SCALAR_TYPES:
        return value
    if kind is tuple:
        if all(type(v) is str for v in value):  # type: ignore[union-attr]
            return value  # the common case: tags, distractors, ...
        return tuple([from_plain(v) for v in value])  # type: ignore[union-attr]
    if kind is list:
        return [from_plain(v) for v in value]  # type: ignore[union-attr]
    if kind is dict:
        if _CLASS in value:  # type: ignore[operator]
            name, values = value.get(_CLASS), value.get(_VALUES)  # type: ignore[union-attr]
            names = _FIELDS.get(name) if type(name) is str else None
            if names is None or type(values) is not tuple or len(values) != len(names) or len(value) != 2:
                raise _NotPlain(name)
            obj = object.__new__(MODEL_CLASSES[name])
            for field_name, v in zip(names, values):  # set as pickle sets them (the classes are frozen, slotted)
                _set(obj, field_name, v if type(v) in _SCALAR_TYPES else from_plain(v))
            return obj
        if not all(type(k) is str for k in value):  # type: ignore[union-attr]
            raise _NotPlain("key")
        return {k: from_plain(v) for k, v in value.items()}  # type: ignore[union-attr]
    raise _NotPlain(kind.__name__)


def entry_for(path: str, data: bytes) -> Path | None:
    """Where the bank of these bytes at this path is cached (None: the cache is off, or
    the file is too small to be worth it). Callers keep this, not the bytes."""
    return _entry(path, data)


def load(path: str, data: bytes) -> Bank | None:
    """The cached Bank for these bytes at this path, or None."""
    return load_entry(path, _entry(path, data))


def load_entry(path: str, entry: Path | None) -> Bank | None:
    """The Bank cached at ``entry`` (from ``entry_for``) for this path, or None."""
    if entry is None:
        return None
    try:
        with open(entry, "rb") as handle:
            bank = _read_records(handle)
        os.utime(entry)  # recently used
    except Exception:  # missing, damaged, not plain data, written by another Python: a miss
        return None
    return bank if isinstance(bank, Bank) and bank.path == path else None


# An entry is a series of records, each eight bytes of length then that many bytes of marshal
# data (``marshal.load`` on a file would read it a few bytes at a time): a header (FORMAT, number of facts, number of
# questions), the Bank without its facts and questions, then the facts and the questions in
# batches of BATCH: written and read a batch at a time, so that no plain copy of a whole
# large bank is ever made.
FORMAT = "quizgen bank cache 2"
BATCH = 2000
_LISTS = ("facts", "questions")


def _load_record(handle) -> object:
    size = int.from_bytes(handle.read(8), "little")
    data = handle.read(size)
    if len(data) != size:
        raise EOFError("a record is cut short")
    return marshal.loads(data)


def _dump_record(value: object, handle) -> None:
    data = marshal.dumps(value)
    handle.write(len(data).to_bytes(8, "little"))
    handle.write(data)


def _read_records(handle) -> Bank | None:
    header = _load_record(handle)
    if type(header) is not tuple or len(header) != 3 or header[0] != FORMAT \
            or not all(type(n) is int and n >= 0 for n in header[1:]):
        return None
    bank = from_plain(_load_record(handle))
    if type(bank) is not Bank:
        return None
    for name, kind, count in (("facts", Fact, header[1]), ("questions", Question, header[2])):
        items: list = []
        while len(items) < count:
            batch = _load_record(handle)
            if type(batch) is not tuple or not batch or len(items) + len(batch) > count:
                return None
            items += [from_plain(plain) for plain in batch]
        if not all(type(item) is kind for item in items):
            return None
        _set(bank, name, tuple(items))
    return bank if not handle.read(1) else None  # nothing after the last record


def _write_records(handle, bank: Bank) -> None:
    _dump_record((FORMAT, len(bank.facts), len(bank.questions)), handle)
    _dump_record({_CLASS: "Bank", _VALUES: tuple(() if name in _LISTS else to_plain(getattr(bank, name))
                                                 for name in _FIELDS["Bank"])}, handle)
    for items in (bank.facts, bank.questions):
        for first in range(0, len(items), BATCH):
            _dump_record(tuple([to_plain(item) for item in items[first:first + BATCH]]), handle)


def store(path: str, data: bytes, bank: Bank) -> None:
    """Remember a bank that validated cleanly (best effort: failures are ignored)."""
    store_entry(_entry(path, data), bank)


def store_entry(entry: Path | None, bank: Bank) -> None:
    """``store`` at an ``entry_for`` place."""
    if entry is None:
        return
    tmp = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".bank-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            _write_records(handle, bank)
        os.replace(tmp, entry)
        tmp = None
        entries = sorted(entry.parent.glob(f"bank-*{SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except (OSError, TypeError, ValueError):  # a value the model does not normally hold: do not cache
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
