"""Shared fixtures. `pytest --update-golden` rewrites the golden files under tests/golden/."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DATA = TESTS / "data"
GOLDEN = TESTS / "golden"
SAMPLE_BANK = DATA / "banks" / "valid" / "sample.yaml"
DEFAULT_BANK = ROOT / "question_banks" / "icc-withdrawal-2016.yaml"
# a question appended to the sample bank to play "the teacher adds a question"
NEW_QUESTION = """
  - id: added-later
    type: true_false
    statement: The decree was published in November 2016.
    answer: true
    source: alpha
"""
# The sample bank's ordering question, as written there (tests remove it or move it).
TIMELINE = """  - id: timeline
    type: ordering
    prompt: Put these events in order, earliest first.
    items:
      - The Rome Statute is adopted
      - Russia annexes Crimea
      - The ICC prosecutor's report on Crimea
      - Putin signs the decree
    source: beta
    tags: [timeline]
"""


@pytest.fixture(autouse=True, scope="session")
def private_bank_cache(tmp_path_factory: pytest.TempPathFactory):
    """Keep the cache of validated banks (quizgen/bankcache.py) inside the test run."""
    import os

    saved = os.environ.get("QUIZGEN_CACHE_DIR")
    os.environ["QUIZGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("bank-cache"))
    yield
    if saved is None:
        os.environ.pop("QUIZGEN_CACHE_DIR", None)
    else:
        os.environ["QUIZGEN_CACHE_DIR"] = saved


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ from the current output instead of comparing")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def check_golden(update_golden: bool):
    """check_golden("pdf/worksheet.txt", text): compare with (or rewrite) a golden file."""

    def check(relative: str, actual: str) -> None:
        path = GOLDEN / relative
        if update_golden:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        assert path.exists(), f"missing golden file {path}; run pytest --update-golden"
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"{relative} differs from the golden file; review, then run pytest --update-golden"

    return check


@pytest.fixture
def sample_bank_dir(tmp_path: Path) -> Path:
    """A private copy of the sample bank (builds write state beside the bank)."""
    folder = tmp_path / "banks"
    folder.mkdir()
    shutil.copy(SAMPLE_BANK, folder / SAMPLE_BANK.name)
    return folder


@pytest.fixture
def default_bank_dir(tmp_path: Path) -> Path:
    """A private copy of the default bank."""
    folder = tmp_path / "default-bank"
    folder.mkdir()
    shutil.copy(DEFAULT_BANK, folder / DEFAULT_BANK.name)
    return folder
