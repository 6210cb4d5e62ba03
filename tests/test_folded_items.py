"""yamlnodes.folded_items has a fast path (list items found by a regex); it must find exactly
what the line-by-line loop finds."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen import yamlnodes

LINES = st.sampled_from([
    "- COP22 opens", "  - The conference ends", "   - deeper", "    - deeper still", "- id: q1", "  - id: q2",
    "- \"quoted\"", "  - 'quoted'", "key: value", "  key: value", "    continued words", "     more words",
    "", "   ", "# a comment", "  # indented comment", "--- ", "-- not an item", "-", "- ", "  -", "- a: b",
    "- [x, y]", "  - plain again", "\t- tab", "- x #c", "      - six",
])


def by_line(text: str) -> list:
    saved = yamlnodes._OTHER_LINE_BREAKS
    yamlnodes._OTHER_LINE_BREAKS = ("",)  # always "found": the line-by-line loop runs
    try:
        return yamlnodes.folded_items(text)
    finally:
        yamlnodes._OTHER_LINE_BREAKS = saved


@settings(max_examples=400, deadline=None)
@given(st.lists(LINES, max_size=25), st.booleans())
def test_the_fast_path_finds_what_the_line_loop_finds(lines: list[str], final_newline: bool) -> None:
    text = "\n".join(lines) + ("\n" if final_newline else "")
    assert yamlnodes.folded_items(text) == by_line(text)


def test_the_documented_case_is_found_by_both() -> None:
    text = "items:\n  - COP22 opens\n   - The conference ends\n  - next\n"
    expected = [(3, "The conference ends", "COP22 opens - The conference ends")]
    assert yamlnodes.folded_items(text) == expected == by_line(text)
    assert yamlnodes.folded_items(text.replace("\n", "\r\n")) == expected  # other line breaks: the loop


def test_the_other_line_breaks_are_those_python_splits_lines_at() -> None:
    every = "a".join(map(chr, range(0x110000)))
    breaks = {line[-1] for line in every.splitlines(keepends=True)[:-1]}
    assert breaks - {"\n"} == set(yamlnodes._OTHER_LINE_BREAKS)
