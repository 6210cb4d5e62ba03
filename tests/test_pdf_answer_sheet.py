"""The answer sheet's marking overlay: a written answer's whole key fits its box."""
from __future__ import annotations

import io
import re
from pathlib import Path

from conftest import DEFAULT_BANK, SAMPLE_BANK

from pypdf import PdfReader

from quizgen.exporters import ExportOptions
from quizgen.pipeline import BuildConfig, build
from quizgen.select import SelectionSpec


def overlay_lines(bank: Path, out: Path, **selection) -> list[str]:
    build(BuildConfig(paths=(str(bank),), out=out, formats=("answer_sheet",),
                      selection=SelectionSpec(**selection), options=ExportOptions(now=1_700_000_000)))
    (key,) = out.glob("*-answer-sheet-key.pdf")
    text = PdfReader(io.BytesIO(key.read_bytes())).pages[0].extract_text()
    return [line.strip() for line in text.splitlines()]


def test_a_three_blank_cloze_key_is_printed_whole(tmp_path: Path) -> None:
    """"expectations; independent;…" was cut at the box's edge; the overlay now wraps it onto
    two lines of smaller type, and prints long answers that the key's quick grid shortens."""
    lines = overlay_lines(DEFAULT_BANK.parent, tmp_path / "out", types=("cloze", "short_answer", "numeric"),
                          count=24, include=("ministry-expectations", "armed-conflict-term.definition-cloze",
                                             "crimes-against-humanity-term.definition-cloze"))
    text = "\n".join(lines)
    assert re.search(r"expectations; independent;\s*ineffective", text)
    assert "international armed conflict" in text and "crimes against humanity" in text
    assert "\u2026" not in text


def test_an_answer_too_long_for_two_lines_ends_with_an_ellipsis(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    long_answer = " ".join(["the Assembly of States Parties to the Rome Statute"] * 6)
    text = SAMPLE_BANK.read_text(encoding="utf-8")
    assert "    answer: Dmitry Peskov\n" in text
    (bank / SAMPLE_BANK.name).write_text(text.replace("    answer: Dmitry Peskov\n", f"    answer: {long_answer}\n", 1),
                                         encoding="utf-8")
    lines = overlay_lines(bank, tmp_path / "out", types=("short_answer",))
    wrapped = [line for line in lines if "Assembly" in line]
    assert len(wrapped) == 2 and wrapped[0].startswith("the Assembly of States") and wrapped[1].endswith("\u2026")
