"""Preview a re-import: what Anki will do with NEW.apkg in a collection that has OLD.apkg.

The rules are Anki's own (``rslib/src/import_export/package/apkg/import/notes.rs``),
with the options a student gets by default (update notes and note types "if newer",
don't merge note types):

- a note type whose id is already there but whose field names or card-template names
  differ (added, removed, renamed, reordered) is imported as a *second* note type; every
  incoming note of it whose GUID is already there is "conflicting" and not imported;
- a note is matched by GUID only. No match: it is added. A match with a different note
  type: conflicting. A match whose modification time is older than the incoming one:
  updated in place (cards and review history kept). Otherwise it is left as it is
  (Anki's log calls these "duplicate"; here they are "unchanged", or "skipped" when the
  content differs but the incoming note is not newer, so the fix would not arrive);
- notes that are only in OLD stay in the student's collection ("removed" here).

The student's own edits are not known here: a note they edited after importing OLD is
newer than OLD's copy, so Anki may leave it alone where this preview says "updated".
"""
from __future__ import annotations

import html
import io
import json
import re
import sqlite3
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import QuizgenError

if TYPE_CHECKING:  # pragma: no cover
    from .pipeline import BuildConfig

MAX_COLLECTION_BYTES = 256 * 1024 * 1024  # unpacked; quizgen's largest decks are far smaller
MAX_QUERY_STEPS = 2_000_000_000  # SQLite virtual-machine steps for reading one package
PROGRESS_EVERY = 100_000
STATUSES = ("added", "updated", "unchanged", "skipped", "conflicting", "removed")
TAG_RE = re.compile(r"<[^>]*>")
RETIRED_TAG = "quizgen::retired"  # the tag of a question that left the deck (exporters/anki.py)


class PackageError(QuizgenError):
    """An .apkg file could not be read for the import preview."""


@dataclass(frozen=True)
class PackageNoteType:
    id: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[str, ...]
    mod: int

    def schema(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """What Anki compares (by name, as quizgen's fields carry no ids)."""
        return self.fields, self.templates


@dataclass(frozen=True)
class PackageNote:
    guid: str
    note_type_id: int
    mod: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Package:
    """The parts of an .apkg that decide an import: notes by GUID and note types by id."""

    path: str
    notes: dict[str, PackageNote]
    note_types: dict[int, PackageNoteType]


@dataclass(frozen=True)
class NoteChange:
    """What will happen to one note."""

    status: str  # one of STATUSES
    guid: str
    label: str  # the quizgen question ("bank/question-id") or the note's first field
    note_type: str
    changed: tuple[str, ...] = ()  # names of the fields (and "tags") that differ
    withdrawn: bool = False  # the new note is newly tagged quizgen::retired (its question left the deck)

    def to_json(self) -> dict:
        return {"status": self.status, "label": self.label, "guid": self.guid,
                "note_type": self.note_type, "changed": list(self.changed), "withdrawn": self.withdrawn}


@dataclass(frozen=True)
class NoteTypeChange:
    status: str  # "added", "updated", "unchanged", "conflicting", "removed"
    id: int
    name: str
    detail: str = ""

    def to_json(self) -> dict:
        return {"status": self.status, "id": self.id, "name": self.name, "detail": self.detail}


@dataclass(frozen=True)
class AnkiDiff:
    """The import preview: one entry per note of either package, and per note type."""

    old: str
    new: str
    notes: tuple[NoteChange, ...]
    note_types: tuple[NoteTypeChange, ...] = field(default=())

    def of(self, status: str) -> list[NoteChange]:
        return [n for n in self.notes if n.status == status]

    def counts(self) -> dict[str, int]:
        return {status: len(self.of(status)) for status in STATUSES}

    def to_json(self) -> dict:
        return {"old": self.old, "new": self.new, "counts": self.counts(),
                "notes": [n.to_json() for n in self.notes],
                "note_types": [t.to_json() for t in self.note_types]}

    def summary_lines(self, limit: int = 20) -> list[str]:
        """A readable report: counts, and which notes for everything but "unchanged"."""
        lines = [f"Importing {self.new} into a collection that has {self.old}",
                 "(Anki's defaults: update notes if newer, don't merge note types):"]
        notes = {
            "added": "new notes",
            "updated": "updated in place (review history kept)",
            "unchanged": "left as they are",
            "skipped": "changed, but not newer: Anki keeps the old version",
            "conflicting": "note type changed under the same id: not imported",
            "removed": "not in the new deck: students keep their copy",
        }
        for status in STATUSES:
            changes = self.of(status)
            lines.append(f"  {status:<12}{len(changes):>6}  {notes[status]}")
            if status == "unchanged":
                continue
            for change in changes[:limit]:
                if change.withdrawn:
                    what = " (withdrawn: marked on the card, tagged quizgen::retired)"
                elif change.changed:
                    what = f" ({', '.join(change.changed)})"
                elif status == "updated":
                    what = " (same content, newer time: rewrites students' own edits of it)"
                else:
                    what = ""
                lines.append(f"      {change.label}{what}")
            if len(changes) > limit:
                lines.append(f"      ... and {len(changes) - limit} more")
        changed_types = [t for t in self.note_types if t.status != "unchanged"]
        unchanged = len(self.note_types) - len(changed_types)
        lines.append(f"Note types: {unchanged} unchanged" + (", " if changed_types else ""))
        if changed_types:
            lines[-1] += ", ".join(f"{t.status}: {t.name}" for t in changed_types)
            lines.extend(f"  {t.name}: {t.detail}" for t in changed_types if t.detail)
        return lines


def diff_files(old: str | Path, new: str | Path) -> AnkiDiff:
    """Read two .apkg files and preview importing ``new`` over ``old``."""
    return diff_packages(read_package(old), read_package(new))


def diff_with_banks(old: str | Path, config: "BuildConfig") -> AnkiDiff:
    """Preview importing, over the package ``old``, the deck a build with ``config`` would
    write now (from the bank's saved state; nothing is written): what students will get if
    the teacher builds and publishes. With several banks, the deck of the bank whose notes
    ``old`` holds is compared."""
    from .pipeline import preview_decks

    before = read_package(old)
    decks = preview_decks(config)
    guids = set(before.notes)
    overlap = {a.bank: len(guids & set(read_package(io.BytesIO(a.data)).notes)) for a in decks}
    chosen = [a for a in decks if overlap[a.bank] == max(overlap.values(), default=0)]
    if not decks or (len(decks) > 1 and max(overlap.values()) == 0):
        banks = ", ".join(sorted(overlap)) or "none"
        raise PackageError(f"{old}: none of the banks' decks shares a note with this package (banks: {banks}); "
                           "expected the package students imported from one of them")
    deck = chosen[0]
    after = replace(read_package(io.BytesIO(deck.data)),
                    path=f"the deck of bank {deck.bank!r} as built now ({deck.name})")
    return diff_packages(before, after)


def diff_packages(old: Package, new: Package) -> AnkiDiff:
    """Apply Anki's import rules to ``new`` against a collection holding ``old``."""
    remapped = {ntid for ntid, nt in new.note_types.items()
                if ntid in old.note_types and old.note_types[ntid].schema() != nt.schema()}
    changes: list[NoteChange] = []
    for guid, note in new.notes.items():
        nt = new.note_types.get(note.note_type_id)
        name = nt.name if nt else str(note.note_type_id)
        label = _label(note, nt)
        before = old.notes.get(guid)
        if before is None:
            changes.append(NoteChange("added", guid, label, name))
            continue
        changed = _changed_fields(before, note, old.note_types.get(before.note_type_id), nt)
        if note.note_type_id in remapped or before.note_type_id != note.note_type_id:
            changes.append(NoteChange("conflicting", guid, label, name, changed))
        elif before.mod < note.mod:
            changes.append(NoteChange("updated", guid, label, name, changed, _newly_retired(before, note)))
        elif changed:
            changes.append(NoteChange("skipped", guid, label, name, changed))
        else:
            changes.append(NoteChange("unchanged", guid, label, name))
    for guid, note in old.notes.items():
        if guid not in new.notes:
            nt = old.note_types.get(note.note_type_id)
            changes.append(NoteChange("removed", guid, _label(note, nt), nt.name if nt else str(note.note_type_id)))
    types: list[NoteTypeChange] = []
    for ntid, nt in sorted(new.note_types.items()):
        before_nt = old.note_types.get(ntid)
        if before_nt is None:
            types.append(NoteTypeChange("added", ntid, nt.name))
        elif ntid in remapped:
            types.append(NoteTypeChange("conflicting", ntid, nt.name,
                                        f"fields {list(before_nt.fields)} -> {list(nt.fields)}, card templates "
                                        f"{list(before_nt.templates)} -> {list(nt.templates)}"))
        elif before_nt.mod < nt.mod:
            types.append(NoteTypeChange("updated", ntid, nt.name, "new templates or styling"))
        else:
            types.append(NoteTypeChange("unchanged", ntid, nt.name))
    return AnkiDiff(old=old.path, new=new.path, notes=tuple(changes), note_types=tuple(types))


def _newly_retired(old: PackageNote, new: PackageNote) -> bool:
    def retired(note: PackageNote) -> bool:
        return any(tag.casefold() == RETIRED_TAG for tag in note.tags)

    return retired(new) and not retired(old)


def _label(note: PackageNote, nt: PackageNoteType | None) -> str:
    if nt is not None and "Ref" in nt.fields:
        ref = note.fields[nt.fields.index("Ref")] if nt.fields.index("Ref") < len(note.fields) else ""
        if ref:
            return html.unescape(ref)
    first = " ".join(html.unescape(TAG_RE.sub(" ", note.fields[0] if note.fields else "")).split())
    return first if len(first) <= 60 else first[:59] + "\u2026"


def _changed_fields(old: PackageNote, new: PackageNote, old_nt: PackageNoteType | None,
                    new_nt: PackageNoteType | None) -> tuple[str, ...]:
    names = list(new_nt.fields) if new_nt else [str(i) for i in range(len(new.fields))]
    old_names = list(old_nt.fields) if old_nt else names
    before = dict(zip(old_names, old.fields))
    out = [name for name, value in zip(names, new.fields) if before.get(name) != value]
    out.extend(name for name in old_names if name not in names and before.get(name))
    if sorted(t.casefold() for t in old.tags) != sorted(t.casefold() for t in new.tags):
        out.append("tags")
    return tuple(out)


# -- reading packages -------------------------------------------------------------
def read_package(path: str | Path) -> Package:
    """The notes and note types of an .apkg (collection.anki2 or .anki21; schema 11 or 18)."""
    label = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "collection.anki21b" in names:
                raise PackageError(f"{label}: this package uses the compressed format of recent Anki "
                                   "versions; expected a package built by quizgen (or exported from Anki "
                                   "with \"Support older Anki versions\" ticked)")
            for inner in ("collection.anki21", "collection.anki2"):
                if inner in names:
                    data = _read_bounded(archive, inner, label)
                    break
            else:
                raise PackageError(f"{label}: no collection.anki2 inside; expected an Anki package (.apkg)")
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            EOFError, zlib.error) as exc:
        raise PackageError(f"{label}: cannot read ({getattr(exc, 'strerror', None) or exc}); "
                           "expected an Anki package (.apkg)") from None
    conn = sqlite3.connect(":memory:")
    steps = [0]

    def progress() -> int:  # a bound on the work any query of a hostile database can ask for
        steps[0] += 1
        return 1 if steps[0] > MAX_QUERY_STEPS // PROGRESS_EVERY else 0

    try:
        try:
            conn.deserialize(data)
            conn.set_progress_handler(progress, PROGRESS_EVERY)
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = {"col", "notes", "cards"} - tables
            if missing:  # a view of that name could compute without end
                raise ValueError(f"no table {sorted(missing)[0]!r}")
            note_types = _note_types_v18(conn) if "notetypes" in tables else _note_types_v11(conn)
            notes = {}
            for guid, mid, mod, tags, flds in conn.execute(  # in deck order (new cards' due)
                    "SELECT n.guid, n.mid, n.mod, n.tags, n.flds FROM notes n LEFT JOIN cards c "
                    "ON c.nid = n.id GROUP BY n.id ORDER BY min(c.due), n.id"):
                notes[_text(guid)] = PackageNote(guid, int(mid), int(mod), tuple(_text(flds).split("\x1f")),
                                                 tuple(_text(tags).split()))
        except (sqlite3.Error, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError,
                OverflowError, MemoryError) as exc:
            # the collection is untrusted data: any shape it should not have is a refusal
            reason = "it asks for too much work" if steps[0] > MAX_QUERY_STEPS // PROGRESS_EVERY \
                else _short(f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc))
            raise PackageError(f"{label}: the collection inside cannot be read ({reason}); "
                               "expected an Anki package (.apkg)") from None
    finally:
        conn.close()
    return Package(path=label, notes=notes, note_types=note_types)


def _read_bounded(archive: zipfile.ZipFile, inner: str, label: str) -> bytes:
    """The inner file, read at most ``MAX_COLLECTION_BYTES`` far (the sizes a zip records
    can lie: a small "zip bomb" inflates to gigabytes)."""
    with archive.open(inner) as handle:
        data = handle.read(MAX_COLLECTION_BYTES + 1)
    if len(data) > MAX_COLLECTION_BYTES:
        raise PackageError(f"{label}: {inner} inside unpacks to more than {MAX_COLLECTION_BYTES // 1048576} MB; "
                           "expected an Anki package of sane size")
    return data


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value


def _short(text: str) -> str:
    return text if len(text) <= 120 else text[:117] + "..."


def _note_types_v11(conn: sqlite3.Connection) -> dict[int, PackageNoteType]:
    (models,) = conn.execute("SELECT models FROM col").fetchone()
    out = {}
    for value in json.loads(models).values():
        fields = tuple(_text(f["name"]) for f in sorted(value["flds"], key=lambda f: f.get("ord") or 0))
        templates = tuple(_text(t["name"]) for t in sorted(value["tmpls"], key=lambda t: t.get("ord") or 0))
        out[int(value["id"])] = PackageNoteType(int(value["id"]), _text(value["name"]), fields, templates,
                                                int(value.get("mod", 0)))
    return out


def _note_types_v18(conn: sqlite3.Connection) -> dict[int, PackageNoteType]:
    out = {}
    for ntid, name, mod in conn.execute("SELECT id, name, mtime_secs FROM notetypes"):
        fields = tuple(r[0] for r in conn.execute("SELECT name FROM fields WHERE ntid = ? ORDER BY ord", (ntid,)))
        templates = tuple(r[0] for r in conn.execute(
            "SELECT name FROM templates WHERE ntid = ? ORDER BY ord", (ntid,)))
        out[int(ntid)] = PackageNoteType(int(ntid), _text(name), tuple(map(_text, fields)),
                                         tuple(map(_text, templates)), int(mod))
    return out
