"""Where quizgen keeps what can only save time: the bank cache (``bankcache``) and the
record of the last build of each output folder (``rebuild``).

``$QUIZGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/quizgen``, else ``~/.cache/quizgen``;
``QUIZGEN_CACHE_DIR=off`` (or 0, no, none) turns both off. A module of its own, importing
nothing of quizgen, so that an unchanged rebuild finds its record without loading the model.
"""
from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path | None:
    configured = os.environ.get("QUIZGEN_CACHE_DIR", "")
    if configured.lower() in ("off", "0", "no", "none"):
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "quizgen"
