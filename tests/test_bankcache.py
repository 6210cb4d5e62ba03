"""The cache of validated banks only ever saves time: same Bank, and misses on any change."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from quizgen import bankcache
from quizgen.banks import load_bank
from quizgen.errors import BankErrors

from conftest import DATA, SAMPLE_BANK


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(folder))
    monkeypatch.setattr(bankcache, "MIN_BYTES", 0)  # cache even the small test banks
    return folder


def copy_bank(tmp_path: Path) -> Path:
    path = tmp_path / "sample.yaml"
    shutil.copy(SAMPLE_BANK, path)
    return path


def test_a_hit_gives_the_same_bank(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = copy_bank(tmp_path)
    first = load_bank(path)
    assert len(list(cache.glob("bank-*.marshal"))) == 1
    monkeypatch.setattr("quizgen.banks._BankReader.read_text", lambda *a: pytest.fail("not a hit"))
    assert load_bank(path) == first


def test_any_change_to_the_file_is_a_miss(cache: Path, tmp_path: Path) -> None:
    path = copy_bank(tmp_path)
    load_bank(path)
    path.write_text(path.read_text().replace("Who signed the decree?", "Who signed it?"))
    assert load_bank(path).questions[0].prompt == "Who signed it?"


def test_damaged_entries_are_misses(cache: Path, tmp_path: Path) -> None:
    path = copy_bank(tmp_path)
    expected = load_bank(path)
    for entry in cache.glob("bank-*.marshal"):
        entry.write_bytes(b"not a pickle")
    assert load_bank(path) == expected


def test_errors_are_never_cached(cache: Path) -> None:
    bad = DATA / "banks" / "invalid" / "unknown-field.yaml"
    for _ in range(2):
        with pytest.raises(BankErrors):
            load_bank(bad)
    assert not cache.exists() or not list(cache.glob("bank-*.marshal"))


def test_off_switch(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", "off")
    load_bank(copy_bank(tmp_path))
    assert not cache.exists()


def test_small_banks_are_not_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path / "cache"))
    load_bank(copy_bank(tmp_path))
    assert not (tmp_path / "cache").exists()


def test_entries_are_written_and_read_in_batches(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Questions go to the entry a batch at a time (no plain copy of a whole large bank);
    an entry cut short, or with anything after its last batch, is a miss."""
    monkeypatch.setattr(bankcache, "BATCH", 2)
    path = copy_bank(tmp_path)
    expected = load_bank(path)
    assert len(expected.questions) > 4
    (entry,) = cache.glob("bank-*.marshal")
    data = entry.read_bytes()
    monkeypatch.setattr("quizgen.banks._BankReader.read_text", lambda *a: pytest.fail("not a hit"))
    hit = load_bank(path)
    assert hit == expected and hit.questions[0].ref == expected.questions[0].ref
    assert bankcache.load_entry(str(path), entry) == expected
    for damaged in (data[:-3], data + b"\0"):
        entry.write_bytes(damaged)
        assert bankcache.load_entry(str(path), entry) is None
