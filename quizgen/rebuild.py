"""An unchanged rebuild does nothing (issue 15): the record of the last build of a folder.

After a build whose saved Anki state came out as it went in (a fixed point: building again
would write the very same bytes), ``pipeline.build`` records a fingerprint of everything the
build read, with the sha256 of every file it wrote. The next build with the same
fingerprint, into a folder whose files still have those sha256, writes nothing and says so.

The fingerprint is the sha256 of:

- quizgen's code and data: every file of the package, its shipped templates and banks
  (so any edit or upgrade of quizgen is a change), the Python version, and the modification
  times of the site-packages folders Python imports from (installing, upgrading or removing a
  library changes them);
- every bank file's bytes (and the names in a bank folder), and whether its folder is
  writable (that decides where the state lives);
- the local ``templates/`` folder (file names and bytes);
- every option of the build (``BuildConfig``, which holds quizgen.toml's settings too) and
  the working folder; the build's clock only where an output prints it (the changelog), as
  a fixed point's outputs never hold it otherwise;
- the previous build's state files and outputs, and the article texts its banks' sources name
  (``text_file``, which evidence is checked against), by sha256 (checked one by one).

The record lives in the user's cache folder (``cachedir.cache_dir()``), one small JSON file
per output folder, never in the output folder itself; ``QUIZGEN_CACHE_DIR=off`` turns this
off and every build is a real one. A damaged or foreign record is a miss: it can only save
time, never change a result. This module imports nothing heavy, so an unchanged rebuild
costs little more than starting Python.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Mapping, Sequence

RECORD_FORMAT = 1
# as banks.BANK_SUFFIXES and exporters.anki.CHANGELOG_OPTION (not imported: those modules pull in
# the YAML parser and the deck writer; tests/test_rebuild.py checks they agree)
BANK_SUFFIXES = (".yaml", ".yml")
CHANGELOG_OPTION = "anki_changelog"
_PACKAGE = Path(__file__).resolve().parent


def _hash_tree(digest, root: Path) -> None:
    """Names and bytes of every file under ``root`` (no ``__pycache__``), in a stable order."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.endswith(".egg-info"))
        for name in sorted(files):
            path = os.path.join(folder, name)
            digest.update(os.path.relpath(path, root).encode("utf-8", "surrogateescape") + b"\0")
            with open(path, "rb") as handle:
                digest.update(hashlib.sha256(handle.read()).digest())


def _shipped(package: str) -> Path | None:
    """The folder of a data package shipped with quizgen (its first, when a namespace package
    has several), found without importing it (importlib.resources would, at a cost)."""
    from importlib.util import find_spec

    try:
        spec = find_spec(package)
    except (ImportError, ValueError):
        return None
    places = list(spec.submodule_search_locations or ()) if spec is not None else []
    return Path(places[0]).resolve() if places else None


def _bank_files(paths: Sequence[str]) -> list[Path] | None:
    """The bank files a build of ``paths`` reads (None: let the real build report the problem)."""
    if not paths:
        local = Path("question_banks")
        shipped = _shipped("quizgen.question_banks")
        paths = [str(local)] if local.is_dir() else [str(shipped / "icc-withdrawal-2016.yaml")] if shipped else []
    files = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in BANK_SUFFIXES and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            return None
    return files


def _options_text(config) -> str:
    """Every option of the build as text; the clock only where an output shows it."""
    import dataclasses

    options = config.options
    if not options.extra.get(CHANGELOG_OPTION):
        options = dataclasses.replace(options, now=0)
    return repr(dataclasses.replace(config, options=options))


def inputs_digest(config) -> str | None:
    """The fingerprint of what a build with ``config`` reads (see the module docstring),
    or None when a bank path does not exist (the real build says what is wrong)."""
    files = _bank_files(config.paths)
    if files is None:
        return None
    digest = hashlib.sha256(f"quizgen build record {RECORD_FORMAT}\0{sys.version}\0".encode())
    digest.update(os.getcwd().encode("utf-8", "surrogateescape") + b"\0")
    digest.update(_options_text(config).encode("utf-8", "surrogateescape") + b"\0")
    for entry in sys.path:
        if not entry.endswith(("site-packages", "dist-packages")):
            continue  # the standard library changes with sys.version; quizgen's own code is hashed below
        try:
            digest.update(f"{entry}\0{os.stat(entry or '.').st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
        except OSError:
            digest.update(f"{entry}\0-\0".encode("utf-8", "surrogateescape"))
    _hash_tree(digest, _PACKAGE)
    for package in ("quizgen.templates", "quizgen.question_banks"):
        shipped = _shipped(package)
        if shipped is not None and shipped.is_dir():
            _hash_tree(digest, shipped)
    if Path("templates").is_dir():
        _hash_tree(digest, Path("templates"))
    for path in files:
        digest.update(str(path.resolve()).encode("utf-8", "surrogateescape") + b"\0")
        digest.update(b"w" if os.access(path.resolve().parent, os.W_OK) else b"r")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for raw in config.paths:
        if Path(raw).is_dir():  # a bank added to or removed from a folder changes the build
            digest.update("\0".join(sorted(os.listdir(raw))).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def record_path(out: Path) -> Path | None:
    """Where the record of builds into ``out`` lives (None: the cache is off)."""
    from .cachedir import cache_dir

    folder = cache_dir()
    if folder is None:
        return None
    key = hashlib.sha256(str(Path(out).resolve()).encode("utf-8", "surrogateescape")).hexdigest()
    return folder / f"build-{key}.json"


def _sha256(path: Path) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _written_sha256(path: Path, data: object) -> str | None:
    """The sha256 of a file just written from ``data``: of its bytes, or, for a file written
    piece by piece (pipeline.StateFile), as worked out while it was written (else read back)."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return hashlib.sha256(data).hexdigest()
    return getattr(data, "sha256", None) or _sha256(path)


def unchanged(config) -> dict | None:
    """The record of the last build into ``config.out`` when building again would write
    the same bytes (same fingerprint, every recorded file as it was written), else None."""
    try:
        where = record_path(config.out)
        if where is None:
            return None
        record = json.loads(where.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
            return None
        files = record.get("files")
        if not isinstance(files, dict) or not files or record.get("inputs") != inputs_digest(config):
            return None
        read = record.get("read", {})
        for name, digest in [*files.items(), *read.items()]:
            if _sha256(Path(name)) != digest:
                return None
        return record
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def remember(config, files: Mapping[Path, object], fixed_point: bool, report: Mapping,
             read: Sequence[Path] = ()) -> None:
    """Record this build (or forget the last one when this build is not a fixed point).
    ``files`` are what it wrote; ``report`` the parts of its report a no-op repeats; ``read``
    the other files the banks named (their sources' ``text_file``), checked like the outputs."""
    try:
        where = record_path(config.out)
        if where is None:
            return
        digest = inputs_digest(config) if fixed_point else None
        if digest is None:
            where.unlink(missing_ok=True)
            return
        record = {"format": RECORD_FORMAT, "inputs": digest, **report,
                  "files": {str(Path(path).resolve()): _written_sha256(Path(path), data)
                            for path, data in files.items()},
                  "read": {str(Path(path).resolve()): _sha256(Path(path)) for path in read}}
        where.parent.mkdir(parents=True, exist_ok=True)
        temporary = where.with_name(f".{where.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, where)
    except (OSError, ValueError, TypeError):
        return  # the record only saves time
