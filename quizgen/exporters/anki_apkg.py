"""Write an Anki package (.apkg) byte for byte the same for the same content.

The collection inside is a schema-11 ``collection.anki2`` (the format genanki writes and
every Anki since 2.1 imports), built with SQLite in a scratch file from rows the caller
computed, in a fixed order of statements, so the file is the same for the same rows. The
zip around it is written with fixed dates and attributes and deflated. Nothing here reads
a clock.

The table definitions come from genanki (``genanki/apkg_schema.py`` and
``apkg_col.py``); they are loaded as two small modules without importing genanki's
package, which would pull in asyncio and cost about 0.1 s per build.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Iterable

from ..errors import ExportError

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# zlib level 1: a quarter of level 6's time for a file about 10% larger (a 10,000-note
# collection of 5.6 MB deflates to 1.21 MB instead of 1.09 MB in 44 ms instead of 173 ms)
ZIP_LEVEL = 1
COLLECTION_NAME = "collection.anki2"
# A row gives the columns that vary; the others are the same in every row, written here
# (fewer values to bind: the stored row is the same). notes: id, guid, mid, mod, tags, flds,
# sfld, csum (usn -1, flags 0, data ''); cards: id, nid, did, ord, mod, queue, due (usn -1,
# type 0 "new", no reviews, flags 0, data '').
NOTE_INSERT = "INSERT INTO notes VALUES (?,?,?,?,-1,?,?,?,?,0,'')"
CARD_INSERT = "INSERT INTO cards VALUES (?,?,?,?,?,-1,0,?,?,0,0,0,0,0,0,0,0,'')"


@dataclass
class CollectionRows:
    """Everything that goes into the collection, already in its final order."""

    models: dict[str, dict]  # note-type id (as text) -> schema-11 note-type JSON
    decks: dict[str, dict]  # deck id (as text) -> schema-11 deck JSON
    notes: Iterable[tuple] = ()  # the notes table's rows as NOTE_INSERT takes them (read once)
    cards: Iterable[tuple] = ()  # the cards table's rows as CARD_INSERT takes them (read once)
    mod_ms: int = 0  # the collection's modification time, in milliseconds


def _load_genanki_module(name: str) -> ModuleType:
    spec = importlib.util.find_spec("genanki")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - genanki is a dependency
        raise ImportError("genanki is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / f"{name}.py"
    module_spec = importlib.util.spec_from_file_location(f"_quizgen_genanki_{name}", path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=1)
def schema_sql() -> tuple[str, str]:
    """genanki's CREATE TABLE/INDEX script and its INSERT of the ``col`` row."""
    try:
        schema = _load_genanki_module("apkg_schema").APKG_SCHEMA
        col = _load_genanki_module("apkg_col").APKG_COL
    except (ImportError, OSError, AttributeError):  # pragma: no cover - a repackaged genanki
        from genanki.apkg_col import APKG_COL as col  # type: ignore[no-redef]
        from genanki.apkg_schema import APKG_SCHEMA as schema  # type: ignore[no-redef]
    return schema, col


def split_schema(schema: str) -> tuple[str, str]:
    """The schema's tables and its indexes, so that indexes are built after the inserts."""
    tables, indexes = [], []
    for statement in schema.split(";"):
        if statement.strip():
            (indexes if "CREATE INDEX" in statement.upper() else tables).append(statement.strip() + ";")
    return "\n".join(tables), "\n".join(indexes)


def write_collection(rows: CollectionRows, path: Path) -> None:
    """Write the collection's SQLite file. Same rows in, same bytes out."""
    schema, col_insert = schema_sql()
    tables, indexes = split_schema(schema)
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA journal_mode = OFF")  # a scratch file: nothing to roll back to
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -8192")  # 8 MiB: a 10,000-note collection fits; more only holds memory
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.executescript(tables)
        conn.executescript(col_insert)
        conn.execute("UPDATE col SET mod = ?, models = ?, decks = ?",
                     (rows.mod_ms, _json(rows.models), _json(rows.decks)))
        conn.executemany(NOTE_INSERT, rows.notes)
        conn.executemany(CARD_INSERT, rows.cards)
        conn.executescript(indexes)
        conn.commit()
    finally:
        conn.close()


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def zip_package(collection: Path) -> bytes:
    """The .apkg: a deflated zip of the collection file and an empty media map, fixed dates.

    The zip is written to a scratch file beside the collection and read back in one piece:
    a growing in-memory buffer would hold up to a third more than the package while it grows
    (a 200,000-note package is 34 MB). The collection is compressed ``ZIP_READ_BYTES`` at a
    time: zlib lets other threads run while it compresses, and a few large pieces let them
    run longest (``PackageBuild``)."""
    target = collection.with_name(collection.name + ".apkg")
    with zipfile.ZipFile(target, "w") as archive:
        with archive.open(_entry(COLLECTION_NAME), "w") as dest, open(collection, "rb") as src:
            shutil.copyfileobj(src, dest, ZIP_READ_BYTES)
        archive.writestr(_entry("media"), b"{}")
    try:
        return target.read_bytes()
    finally:
        target.unlink()


ZIP_READ_BYTES = 2 << 20  # the collection is read and compressed this much at a time (8 MB: 5 ms
# less at 10,000 notes, 7 MiB more at the peak)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # unix, whatever the platform
    info.external_attr = 0o644 << 16
    info._compresslevel = ZIP_LEVEL  # type: ignore[attr-defined]  # ZipFile.open has no level argument
    return info


class PackageBuild:
    """The .apkg for ``rows``: the collection is written at once, then compressed on a thread
    of its own while the caller goes on (the Anki exporter encodes the deck's state meanwhile);
    ``result()`` waits for the bytes.

    The collection is built in a scratch file rather than in memory: for a 100,000-note
    deck that keeps about 300 MB (the database and its serialized copy) out of the
    process, and the zip is streamed from the file. A full or unwritable temporary folder
    is an ``ExportError`` (from ``result()`` when the zip meets it).
    """

    def __init__(self, rows: CollectionRows):
        import threading

        self._data: bytes | None = None
        self._failure: BaseException | None = None
        try:
            self._scratch = tempfile.TemporaryDirectory(prefix="quizgen-anki-")
        except OSError as exc:
            raise scratch_space_error(exc) from None
        try:
            path = Path(self._scratch.name) / COLLECTION_NAME
            write_collection(rows, path)
        except BaseException as exc:
            self._scratch.cleanup()
            if isinstance(exc, (OSError, sqlite3.OperationalError)):
                raise scratch_space_error(exc) from None
            raise
        self._thread = threading.Thread(target=self._zip, args=(path,), name="quizgen-apkg-zip")
        self._thread.start()

    def _zip(self, path: Path) -> None:
        try:
            self._data = zip_package(path)
        except BaseException as exc:  # handed to result(), in the caller's thread
            self._failure = exc

    def result(self) -> bytes:
        """The package's bytes, once compressed (the scratch files are then removed)."""
        self._thread.join()
        self._scratch.cleanup()
        if self._failure is not None:
            failure, self._failure = self._failure, None
            if isinstance(failure, OSError):
                raise scratch_space_error(failure) from None
            raise failure
        assert self._data is not None
        return self._data


def scratch_space_error(exc: Exception) -> ExportError:
    """The error for a temporary folder that cannot take the deck's scratch files."""
    reason = getattr(exc, "strerror", None) or str(exc)
    return ExportError(f"{tempfile.gettempdir()}: cannot write the Anki collection ({reason}); expected "
                       "free space in the temporary folder (or set TMPDIR to a folder that has some)")
