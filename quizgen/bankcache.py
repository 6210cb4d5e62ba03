"""A cache of validated large banks, keyed by the file's bytes.

Reading and validating a 10,000-question bank costs most of a deck build. A teacher
re-running a build on an unchanged bank should not pay for it again, so a bank file of
at least ``MIN_BYTES`` that validated cleanly is pickled into the user's cache folder,
under the SHA-256 of its bytes, its path and the code that reads banks. Any change to
the file or to that code is a miss, and a damaged or unreadable entry is a miss too:
the cache can only save time, never change a result. Errors are never cached.

The folder is ``$QUIZGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/quizgen``, else
``~/.cache/quizgen``; set ``QUIZGEN_CACHE_DIR=off`` to turn the cache off.
"""
from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from .model import Bank

MIN_BYTES = 256 * 1024  # smaller banks load in well under a tenth of a second anyway
KEEP = 16  # entries kept; the least recently used go first
_CODE = ("banks.py", "model.py", "yamlnodes.py", "errors.py", "bankcache.py")


def cache_dir() -> Path | None:
    configured = os.environ.get("QUIZGEN_CACHE_DIR", "")
    if configured.lower() in ("off", "0", "no", "none"):
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "quizgen"


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> bytes:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(pickle.format_version.encode())
    for name in _CODE:
        digest.update((here / name).read_bytes())
    return digest.digest()


def _entry(path: str, data: bytes) -> Path | None:
    folder = cache_dir()
    if folder is None or len(data) < MIN_BYTES:
        return None
    key = hashlib.sha256(_code_fingerprint() + path.encode() + b"\0" + data).hexdigest()
    return folder / f"bank-{key}.pickle"


def load(path: str, data: bytes) -> Bank | None:
    """The cached Bank for these bytes at this path, or None."""
    entry = _entry(path, data)
    if entry is None:
        return None
    try:
        with entry.open("rb") as handle:
            bank = pickle.load(handle)
        os.utime(entry)  # recently used
    except Exception:  # missing, damaged, written by another Python: a miss
        return None
    return bank if isinstance(bank, Bank) and bank.path == path else None


def store(path: str, data: bytes, bank: Bank) -> None:
    """Remember a bank that validated cleanly (best effort: failures are ignored)."""
    entry = _entry(path, data)
    if entry is None:
        return
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".bank-", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(bank, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, entry)
        entries = sorted(entry.parent.glob("bank-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        try:
            os.unlink(tmp)  # type: ignore[possibly-undefined]
        except (OSError, NameError):
            pass
