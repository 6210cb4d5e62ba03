"""Hostile input: what a shared bank, template folder, state file or package can and cannot do.

Each test names the family of issue 14 it guards. The Anki tests import the deck into a real
collection (the `anki` package) and read the cards as Anki renders them for a student.
"""
from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from quizgen.exporters import ExportOptions
from quizgen.exporters import anki as anki_exporter
from quizgen.exporters.anki_notetypes import SHUFFLE_SCRIPT
from quizgen.pipeline import BuildConfig, build

from conftest import DATA

HOSTILE_BANK = DATA / "banks" / "hostile" / "hostile.yaml"
NOW = 1_700_000_000


@pytest.fixture
def hostile_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "banks"
    folder.mkdir()
    shutil.copy(HOSTILE_BANK, folder / HOSTILE_BANK.name)
    return folder


class MathJaxStrings(HTMLParser):
    """The strings MathJax 3 searches for TeX delimiters (its HTMLDomStrings): the text of
    a run of text nodes, joined across <br>, <wbr> and comments and broken by any other
    element; nothing inside script, style, textarea, pre or code."""

    SKIPPED = {"script", "noscript", "style", "textarea", "pre", "code"}
    JOINING = {"br", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.strings: list[str] = []
        self.current: list[str] = []
        self.skipping = 0

    def _push(self) -> None:
        if self.current:
            self.strings.append("".join(self.current))
        self.current = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.JOINING:
            return
        self._push()
        if tag in self.SKIPPED:
            self.skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.JOINING:
            return
        self._push()
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.current.append(data)

    @classmethod
    def of(cls, html: str) -> list[str]:
        parser = cls()
        parser.feed(html)
        parser.close()
        parser._push()
        return parser.strings


# Anki's MathJax delimiters (\( \) inline, \[ \] display); it processes no environments,
# escapes or refs, and no $ delimiters. Any backslash followed by a letter is a command.
LIVE_TEX = re.compile(r"\\[()\[\]a-zA-Z]")


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        self.hrefs.extend(value for name, value in attrs if name == "href")


# -- 1, 2, 3: nothing in a bank is live on a student's card ----------------------------
@pytest.fixture
def hostile_collection(hostile_dir: Path, tmp_path: Path):
    """A student's Anki collection with the hostile bank's deck imported (closed after the test)."""
    pytest.importorskip("anki")
    from anki.collection import Collection
    from anki.import_export_pb2 import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    build(BuildConfig(paths=(str(hostile_dir),), out=tmp_path / "out", formats=("anki",),
                      options=ExportOptions(now=NOW)))
    col = Collection(str(tmp_path / "student.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(tmp_path / "out" / "hostile.apkg"),
                                                         options=ImportAnkiPackageOptions()))
        yield col
    finally:
        col.close()


def test_hostile_bank_is_inert_in_a_real_collection(hostile_collection) -> None:
    """Family 1 (MathJax), 3 (Anki markers, URLs): every card of the hostile bank, rendered
    by Anki itself, has no TeX MathJax would typeset, no sound/TTS/LaTeX, no cloze from bank
    text, no markup from bank text, and only http(s) links."""
    col = hostile_collection
    cards = [col.get_card(cid) for cid in col.find_cards("")]
    notes = {col.get_note(nid)["Ref"]: col.get_note(nid) for nid in col.find_notes("")}
    assert sorted(notes) == [f"hostile/{q}" for q in ("gap", "mc", "num", "order", "pairs", "short", "tf")]
    # the cloze note has exactly its two [[blanks]]: "{{c5::...}}" in its text made no card
    assert len(col.get_note(notes["hostile/gap"].id).cards()) == 2
    assert len(cards) == 8
    rendered = []
    for card in cards:
        for side, html_text, av_tags in (("front", card.question(), card.question_av_tags()),
                                        ("back", card.answer(), card.answer_av_tags())):
            rendered.append(html_text)
            where = f"{card.note()['Ref']} {side}"
            assert av_tags == [], f"{where}: live sound/TTS {av_tags}"
            assert "[anki:play" not in html_text.replace("&#91;anki:play", ""), where
            for text in MathJaxStrings.of(html_text):
                assert not LIVE_TEX.search(text), f"{where}: MathJax would typeset {text!r}"
            links = Links()
            own = html_text.count(SHUFFLE_SCRIPT.strip())  # quizgen's own option shuffle, from the note type
            links.feed(html_text.replace(SHUFFLE_SCRIPT.strip(), ""))
            assert own <= 1 and "script" not in links.tags and "img" not in links.tags, f"{where}: {links.tags}"
            for href in links.hrefs:
                assert href.startswith("https://example.org/"), f"{where}: href {href!r}"
    everything = "\n".join(rendered)
    # the payloads are still there, as text a student can read
    assert "\\\u2060href{javascript:alert(1)}{click}" in "".join(MathJaxStrings.of(everything))
    links = Links()
    links.feed(everything)
    assert "https://example.org/a[sound:url.mp3]b?c=1&d={{c1::u}}" in links.hrefs  # the link, intact
    assert not any("javascript" in href for href in links.hrefs)
    assert "latex-" not in everything  # no [latex] image was asked for


@pytest.mark.parametrize("command", ["href", "style", "class", "cssId", "unicode"])
def test_mathjax_commands_reach_a_field_inert(command: str) -> None:
    """Family 1 at the field boundary: each dangerous MathJax command, inside each delimiter
    pair, leaves no delimiter or command in the strings MathJax searches."""
    for opening, closing in (("\\(", "\\)"), ("\\[", "\\]")):
        payload = f"{opening}\\{command}{{javascript:alert(1)}}{{x}}{closing}"
        field = anki_exporter.esc(f"before {payload} after")
        for text in MathJaxStrings.of(field):
            assert not LIVE_TEX.search(text), text
        # still readable: only an invisible word joiner was added after each backslash
        assert "".join(MathJaxStrings.of(field)).replace("\u2060", "") == f"before {payload} after"


def test_control_characters_never_reach_a_field() -> None:
    """Family 2 at the field boundary (banks refuse them; text from templates is cleaned):
    \\x1f would add a field and Anki would refuse the whole package."""
    field = anki_exporter.esc("one\x1ftwo\x00three\x85four\tfive")
    assert "\x1f" not in field and "\x00" not in field and "\x85" not in field
    assert field == "one\ufffdtwo\ufffdthree\ufffdfour\tfive"


@pytest.mark.parametrize("url, href", [
    ("https://example.org/x", "https://example.org/x"),
    ("HTTP://example.org/a?b=1&c=2", "HTTP://example.org/a?b=1&amp;c=2"),
    ("https://example.org/[sound:x.mp3]", "https://example.org/&#91;sound:x.mp3]"),
    ('https://example.org/"onmouseover="alert(1)', None),
    ("https://example.org/a b", None),
    ("javascript:alert(1)", None),
    ("data:text/html,<script>", None),
    ("file:///etc/passwd", None),
    (" https://example.org/\\evil", None),
])
def test_source_links_are_http_only_and_escaped_as_attributes(url: str, href: str | None) -> None:
    """Family 3: a source URL becomes a link only when it is http(s), and then as an
    attribute value no marker replacement or quote can break out of."""
    assert anki_exporter.safe_url(url) == href


# -- 8: anki-diff on hostile packages ------------------------------------------------------
def deck_with(tmp_path: Path, sample_dir: Path, name: str, *statements: str) -> Path:
    """The sample deck with its collection changed by SQL ``statements``, zipped again."""
    import sqlite3
    import zipfile

    out = tmp_path / f"build-{name}"
    build(BuildConfig(paths=(str(sample_dir),), out=out, formats=("anki",), options=ExportOptions(now=NOW)))
    with zipfile.ZipFile(out / "sample-bank.apkg") as archive:
        (tmp_path / f"{name}.anki2").write_bytes(archive.read("collection.anki2"))
    conn = sqlite3.connect(tmp_path / f"{name}.anki2")
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    target = tmp_path / f"{name}.apkg"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(tmp_path / f"{name}.anki2", "collection.anki2")
        archive.writestr("media", "{}")
    return target


def anki_diff(old: Path, new: Path):
    from typer.testing import CliRunner

    from quizgen.cli import app

    return CliRunner().invoke(app, ["anki-diff", str(old), str(new)])


UNCONSTRAINED_NOTES = ["CREATE TABLE n2 AS SELECT * FROM notes", "DROP TABLE notes", "ALTER TABLE n2 RENAME TO notes"]


@pytest.mark.parametrize("name, statements, reason", [
    ("models-list", ["UPDATE col SET models = '[1, 2]'"], "'list' object has no attribute 'values'"),
    ("models-deep", ["UPDATE col SET models = '" + "[" * 100_000 + "'"], "cannot be read"),
    ("null-fields", [*UNCONSTRAINED_NOTES, "UPDATE notes SET flds = NULL"], "expected text, found NoneType"),
    ("null-mid", [*UNCONSTRAINED_NOTES, "UPDATE notes SET mid = NULL"], "cannot be read"),
    ("blob-fields", ["UPDATE notes SET flds = x'00ff'"], "expected text, found bytes"),
    ("name-number", ["UPDATE col SET models = json_set(models, '$.' || (SELECT key FROM json_each("
                     "(SELECT models FROM col)) LIMIT 1) || '.name', 7)"], "expected text, found int"),
    ("endless-view", ["DROP TABLE notes", "CREATE VIEW notes AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL "
                      "SELECT x + 1 FROM r) SELECT x AS id, 'g' AS guid, 1 AS mid, 1 AS mod, '' AS tags, "
                      "'' AS flds FROM r"], "no table 'notes'"),
])
def test_anki_diff_refuses_malformed_collections(sample_bank_dir: Path, tmp_path: Path, name: str,
                                                 statements: list[str], reason: str) -> None:
    """Family 8: malformed collections (models as a list, NULL fields, ...) crashed anki-diff;
    now each is exit 1 with the package named."""
    good = deck_with(tmp_path, sample_bank_dir, "good")
    bad = deck_with(tmp_path, sample_bank_dir, name, *statements)
    result = anki_diff(good, bad)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stderr.startswith(f"Error: {bad}: the collection inside cannot be read ("), result.stderr
    assert reason in result.stderr


def test_anki_diff_bounds_decompression(sample_bank_dir: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Family 8: a 3 MB zip bomb grew to 6 GB before a MemoryError; the collection is now read
    at most MAX_COLLECTION_BYTES far (lowered here, so the test stays small and fast)."""
    import zipfile

    from quizgen import anki_diff as module

    monkeypatch.setattr(module, "MAX_COLLECTION_BYTES", 1024 * 1024)
    bomb = tmp_path / "bomb.apkg"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("collection.anki2", "w") as inner:
            for _ in range(32):
                inner.write(bytes(1024 * 1024))
    assert bomb.stat().st_size < 100_000
    good = deck_with(tmp_path, sample_bank_dir, "good")
    result = anki_diff(good, bomb)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {bomb}: collection.anki2 inside unpacks to more than 1 MB; "
                                    "expected an Anki package of sane size")


def test_anki_diff_bounds_the_work_of_a_query(sample_bank_dir: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Family 8: SQLite work while reading a package is bounded (lowered here to show it)."""
    from quizgen import anki_diff as module

    monkeypatch.setattr(module, "MAX_QUERY_STEPS", 10)
    monkeypatch.setattr(module, "PROGRESS_EVERY", 1)
    good = deck_with(tmp_path, sample_bank_dir, "good")
    result = anki_diff(good, good)
    assert result.exit_code == 1
    assert "the collection inside cannot be read (it asks for too much work)" in result.stderr


# -- 10: the bank cache never runs code ----------------------------------------------------
class _RunsCode:
    """Pickled, this runs Python when unpickled (it writes a marker file)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "the cache ran code"))


def test_the_bank_cache_never_runs_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Family 10: whoever could write to the cache folder could make quizgen unpickle
    anything. Entries are plain data now: a planted pickle, or plain data that holds a code
    object or an unknown class, is a miss, and the bank is read from its file."""
    import marshal
    import pickle

    from quizgen import bankcache
    from quizgen.banks import load_bank

    from conftest import SAMPLE_BANK

    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(bankcache, "MIN_BYTES", 0)
    bank_path = tmp_path / "sample.yaml"
    shutil.copy(SAMPLE_BANK, bank_path)
    expected = load_bank(bank_path)
    entry = bankcache._entry(str(bank_path), bank_path.read_bytes())
    assert entry is not None and entry.exists()
    marker = tmp_path / "ran.txt"
    entry.write_bytes(pickle.dumps(_RunsCode(marker)))
    assert load_bank(bank_path) == expected
    assert not marker.exists(), "the cache unpickled a planted entry"
    planted = [
        marshal.dumps({0: "Bank", 1: (compile("print(1)", "x", "exec"),)}),
        marshal.dumps({0: "Popen", 1: ("touch", str(marker))}),
        marshal.dumps(bankcache.to_plain(expected)).replace(b"Question", b"Questiox"),
    ]
    for data in planted:
        entry.write_bytes(data)
        assert load_bank(bank_path) == expected
        assert not marker.exists()
    assert bankcache.from_plain(bankcache.to_plain(expected)) == expected


# -- 1, for real: Anki's MathJax configuration, typesetting the cards in chromium ------------
MATHJAX = Path(__file__).resolve().parent / "js" / "node_modules" / "mathjax" / "es5" / "tex-chtml-full.js"
CHROMIUM = Path("/usr/bin/chromium")
# Anki's own settings (ts/mathjax/index.ts in Anki's source): \( \) inline, \[ \] display,
# no $ delimiters, no environments, escapes or refs; the reviewer typesets the card itself.
ANKI_MATHJAX_CONFIG = """
window.MathJax = {
  tex: {displayMath: [["\\\\[", "\\\\]"]], processEscapes: false, processEnvironments: false,
        processRefs: false, packages: {"[+]": ["noerrors", "mathtools", "mhchem"], "[-]": ["textmacros"]}},
  startup: {typeset: false},
};
"""


def typeset_in_chromium(tmp_path: Path, cards: list[str]) -> list[dict]:
    """Each card's HTML typeset by MathJax 3 with Anki's configuration in headless chromium:
    how many formulas MathJax made, and the links and styles in the result."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists() or not MATHJAX.exists():
        pytest.skip("needs Debian's chromium and tests/js/node_modules/mathjax (make test installs both)")
    body = "".join(f'<div class="card" id="card{i}">{html_text}</div>' for i, html_text in enumerate(cards))
    page_file = tmp_path / "cards.html"
    page_file.write_text(f"<!doctype html><html><head><meta charset='utf-8'><script>{ANKI_MATHJAX_CONFIG}"
                         f"</script><script src='{MATHJAX.as_uri()}'></script></head><body>{body}</body></html>",
                         encoding="utf-8")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(page_file.as_uri())
            page.wait_for_function("window.MathJax && window.MathJax.typesetPromise")
            page.evaluate("MathJax.typesetPromise(Array.from(document.querySelectorAll('.card')))")
            return page.evaluate("""Array.from(document.querySelectorAll('.card')).map(card => ({
                formulas: card.querySelectorAll('mjx-container').length,
                hrefs: Array.from(card.querySelectorAll('[href]')).map(e => e.getAttribute('href')),
                styled: card.querySelectorAll('mjx-container [style]').length,
                text: card.innerText}))""")
        finally:
            browser.close()


def test_cards_typeset_by_anki_mathjax_stay_text(hostile_collection, tmp_path: Path) -> None:
    """Family 1, in a browser: every side of every card of the hostile deck, as Anki renders
    it, typeset by MathJax with Anki's configuration, makes no formula, so \\href, \\style,
    \\class, \\cssId and \\unicode never act. The first two pages are the control: the same
    payloads unescaped do make formulas and a javascript: link."""
    col = hostile_collection
    sides = [side for cid in col.find_cards("") for side in (col.get_card(cid).question(), col.get_card(cid).answer())]
    raw = [r"\(\href{javascript:alert(1)}{click}\) \[\style{background:url(https://e.vil/x.png)}{y}\]",
           r"\(\class{x}{a}\cssId{b}{c}\unicode{x41}\)"]
    results = typeset_in_chromium(tmp_path, raw + sides)
    assert results[0]["formulas"] == 2 and "javascript:alert(1)" in results[0]["hrefs"]  # the harness sees it
    assert results[1]["formulas"] == 1
    assert len(results) == 2 + 16
    for html_text, result in zip(sides, results[2:]):
        assert result["formulas"] == 0 and result["styled"] == 0, html_text
        assert all(href.startswith("https://example.org/") for href in result["hrefs"]), result["hrefs"]
    assert any("\\\u2060href{javascript:alert(1)}{click}" in r["text"] for r in results[2:])  # shown as text


# -- 7: the template limits refuse only what is too big -----------------------------------------
def test_template_limits_leave_ordinary_text_alone(tmp_path: Path) -> None:
    """Family 7: a fact's prose with a percent sign, braces and a large number, formatted and
    filtered as templates do, renders; the limits are about sizes a template asks for."""
    from quizgen.generate import make_environment, template_budget

    env = make_environment([tmp_path])
    said = "turnout was 45% of 1000000 voters {says the ministry} in 2016"
    template = env.from_string("{{ said|replace('voters', 'people')|capfirst }} / {{ '{:,}'.format(big) }} / "
                               "{{ '%.1f%%' % share }} / {{ said.center(80)|trim }} / {% for w in said.split() %}"
                               "{{ w|length }}{% endfor %}")
    with template_budget():
        text = template.render(said=said, big=10**12, share=45.04)
    assert text.startswith("Turnout was 45% of 1000000 people {says the ministry} in 2016 / 1,000,000,000,000 / "
                           "45.0% / turnout was")
