"""A build killed at any moment leaves every output either old or new and complete, never torn."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import DEFAULT_BANK


def run_build(banks: Path, out: Path, seed: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "quizgen", "build", str(banks), "--out", str(out), "--seed", str(seed),
         "--versions", "3", "--timestamp", "1700000000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")}


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_at_many_points_never_leaves_a_torn_file(tmp_path: Path) -> None:
    banks = tmp_path / "banks"
    banks.mkdir()
    shutil.copy(DEFAULT_BANK, banks / DEFAULT_BANK.name)
    old_out, new_out = tmp_path / "old", tmp_path / "new"
    assert run_build(banks, old_out, seed=1).wait() == 0
    started = time.monotonic()
    assert run_build(banks, new_out, seed=2).wait() == 0
    duration = time.monotonic() - started
    old, new = snapshot(old_out), snapshot(new_out)
    assert old.keys() == new.keys() and all(old[k] != new[k] for k in old if k.endswith(".pdf"))

    outcomes = set()
    for step in range(10):
        out = tmp_path / f"run{step}"
        shutil.copytree(old_out, out)
        process = run_build(banks, out, seed=2)
        time.sleep(duration * (0.3 + step * 0.08))  # from loading to past the renames
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        for name, data in snapshot(out).items():
            assert data in (old[name], new[name]), f"{name} is torn after a kill at step {step}"
            outcomes.add("new" if data == new[name] and data != old[name] else "old")
    assert "old" in outcomes  # some kills landed before the renames (new ones too, when the machine is quick)


def test_two_builds_into_one_folder_at_once(tmp_path: Path) -> None:
    banks = tmp_path / "banks"
    banks.mkdir()
    shutil.copy(DEFAULT_BANK, banks / DEFAULT_BANK.name)
    # a first build writes the deck's state, so that every build below reports the same changes
    assert run_build(banks, tmp_path / "first", 1).wait() == 0
    expected = {}
    for seed in (1, 2):
        assert run_build(banks, tmp_path / f"ref{seed}", seed).wait() == 0
        expected[seed] = snapshot(tmp_path / f"ref{seed}")
    out = tmp_path / "shared"
    first, second = run_build(banks, out, 1), run_build(banks, out, 2)
    assert first.wait() == 0 and second.wait() == 0
    for name, data in snapshot(out).items():
        assert data in (expected[1][name], expected[2][name]), f"{name} is a mix of two builds"
