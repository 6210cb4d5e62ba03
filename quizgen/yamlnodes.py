"""Read YAML into plain Python values that remember their line numbers.

PyYAML composes the document into nodes (with the C parser when it is available);
``to_python`` then builds dicts, lists and scalars from the nodes, recording the
1-based line of every mapping key and sequence item, refusing duplicate keys and
and building each anchored value once however often it is aliased (so the
"billion laughs" bomb stays as small as its text).
Only the YAML 1.1 safe types are built (no Python objects, ever).
"""
from __future__ import annotations

import bisect
import contextlib
import itertools
import datetime as dt
import os
import re

import yaml

try:  # the C composer is about 5x faster; fall back to pure Python if absent
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loading, with YAML 1.2 booleans: only true/false are booleans.

    YAML 1.1 also reads yes/no/on/off as booleans, so ``answer: yes`` or a country
    code ``NO`` would silently become True/False. Here they stay text.
    """


_BOOL_TAG = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

MAX_VALUES = 5_000_000  # values built from one file, aliases expanded


class YamlProblem(Exception):
    """A problem at a line of the YAML text (no path: the caller adds it)."""

    def __init__(self, line: int, message: str):
        self.line = line
        self.message = message
        super().__init__(f"{line}: {message}")


class LDict(dict):
    """A dict that knows its own line and the line of each key (0: not known)."""

    line: int = 0
    key_lines: dict = {}  # replaced per instance by the line-keeping parser

    def line_of(self, key: object) -> int:
        return self.key_lines.get(key, self.line)


class LList(list):
    """A list that knows its own line and the line of each item (0: not known)."""

    line: int = 0
    item_lines: list = []  # replaced per instance by the line-keeping parser

    def line_of(self, index: int) -> int:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


_SCALARS = yaml.constructor.SafeConstructor()


def parse(text: str, first_line: int = 1) -> tuple[object, list[YamlProblem]]:
    """Parse one YAML document into LDict/LList/scalars.

    Returns the value and the problems that do not stop reading (duplicate keys);
    raises YamlProblem for those that do (syntax errors, alias bombs). ``first_line`` is
    the line number of the text's first line (a slice of a file starts further down).
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        problem = _syntax_problem(exc, text)
        raise YamlProblem(problem.line + first_line - 1, problem.message) from None
    except yaml.YAMLError as exc:  # no mark: rare (stream-level errors)
        raise YamlProblem(first_line, f"YAML syntax error: {exc}; expected valid YAML") from None
    if node is None:
        return None, []
    builder = _Builder(first_line)
    try:
        value = builder.build(node)
    finally:  # the scalar constructor remembers every node it built: forget them (and so the nodes)
        _SCALARS.constructed_objects.clear()
    return value, builder.problems


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str) -> YamlProblem:
    mark = exc.problem_mark or exc.context_mark
    lines = text.splitlines()
    line = min(mark.line + 1, max(len(lines), 1)) if mark else 1  # end of file: the last line
    column = mark.column + 1 if mark else 1
    problem = (exc.problem or "invalid YAML").strip()
    source_line = lines[line - 1] if 0 < line <= len(lines) else ""
    if source_line[column - 1:column] == "\t" or "\\t" in problem:
        return YamlProblem(
            line,
            f"YAML syntax error: a tab character at column {column}; indent with spaces, not tabs",
        )
    context = f" ({exc.context.strip()})" if exc.context else ""
    plain = plain_words(f"{problem}{context}")
    return YamlProblem(
        line, f"YAML syntax error at column {column}: {problem}{context}; "
              + (plain if plain else "expected valid YAML")
    )


# PyYAML's wording -> what to fix, in words a teacher reads (the first match wins).
PLAIN_WORDS: tuple[tuple[str, str], ...] = (
    (r"mapping values are not allowed",
     "a value contains a colon followed by a space, or a key is indented under text; "
     "put the whole value in quotes (\"...\") or fix the indentation"),
    (r"did not find expected key|expected <block end>, but found",
     "this line is not lined up with the lines around it; indent it exactly like the "
     "other entries of its list or mapping (two spaces per level)"),
    (r"could not find expected ':'",
     "a line is neither 'key: value' nor a list item '- ...'; add the missing colon after the key, "
     "or quotes around text that runs over several lines"),
    (r"found unexpected end of stream|while scanning a quoted scalar",
     "a quotation mark is opened but never closed; close it on the same line, or quote the text "
     "with the other kind of quotes"),
    (r"unknown escape character",
     "a backslash inside double quotes; write the text in single quotes instead"),
    (r"while scanning an? (alias|anchor)",
     "a value starts with '*' or '&', which YAML reads as a reference; put the value in quotes"),
    (r"cannot start any token",
     "a value starts with a character YAML reserves (@ or `); put the value in quotes"),
    (r"flow (sequence|mapping)|expected ',' or '[\]}]'",
     "a [list] or {mapping} on one line is not closed, or an item in it has a comma or colon; "
     "close the brackets and put such items in quotes"),
    (r"found duplicate anchor|found undefined alias",
     "'&' or '*' used in a value; put the value in quotes"),
)


def plain_words(problem: str) -> str:
    """What to fix, in plain words, for a PyYAML problem text ("" when unknown)."""
    for pattern, words in PLAIN_WORDS:
        if re.search(pattern, problem):
            return words
    return ""


_LIST_ITEM = re.compile(r"^( *)- (?!-)(.*)$")


def folded_items(text: str) -> list[tuple[int, str, str]]:
    """List items indented further than the plain-text item above them, which YAML
    silently folds into that item ("COP22 opens - The conference ends").

    Returns (line, this item's text, the folded result) for each one.
    """
    if not any(brk in text for brk in _OTHER_LINE_BREAKS):  # nine scans for a character: 0.2 ms at 4 MB
        return _folded_items_between_list_items(text)
    out: list[tuple[int, str, str]] = []
    lines = text.splitlines()
    previous: tuple[int, str, int] | None = None  # (indent of its dash, its text, line)
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _LIST_ITEM.match(line)
        indent = len(line) - len(line.lstrip(" "))
        if previous is not None and match and indent > previous[0] and indent <= previous[0] + 3:
            above = previous[1]
            out.append((number, match.group(2).strip(), f"{above} - {match.group(2).strip()}"))
            previous = (previous[0], f"{above} - {match.group(2).strip()}", previous[2])
            continue
        if match and _plain_text(match.group(2)):
            previous = (len(match.group(1)), match.group(2).strip(), number)
        elif previous is not None and indent > previous[0] + 1 and not match:
            previous = (previous[0], f"{previous[1]} {stripped}", previous[2])  # a continued line
        else:
            previous = None
    return out


# line breaks str.splitlines knows besides "\n": with any of them the line-by-line loop above runs
# (looked for one by one with ``in``: a regex with this class took 11 ms at 4 MB, ``in`` 0.2 ms)
_OTHER_LINE_BREAKS = tuple("\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_LIST_ITEMS = re.compile(r"^( *)- (?!-)(.*)$", re.M)


# a list item that may be plain text (a superset: ``_plain_text`` decides); not "- key: value",
# not quoted or bracketed, not empty. Anchored on "\n" rather than "^", which regex scans
# try at every character (several times slower); the text's first line is matched apart.
_MAYBE_PLAIN = r"""( *)- (?!-)(?! *(?:[^\s:]+:(?:\s|$)|["'\[{|>&*!%@`#]|$))(.*)$"""
_MAYBE_PLAIN_ITEM = re.compile("\n" + _MAYBE_PLAIN, re.M)
_MAYBE_PLAIN_FIRST = re.compile(_MAYBE_PLAIN, re.M)


def _folded_items_between_list_items(text: str) -> list[tuple[int, str, str]]:
    """``folded_items`` for a text whose only line break is "\n", the same result without a
    Python step per line: only list items can fold, and only after a plain-text item (rare
    in a bank, where most items are ``- id: ...`` mappings or quoted text), so a regex finds
    those and the items after each are followed only until the fold can no longer happen."""
    out: list[tuple[int, str, str]] = []
    position = _folds_after(text, 0, out) if _MAYBE_PLAIN_FIRST.match(text) else 0
    while True:
        start = _MAYBE_PLAIN_ITEM.search(text, position)
        if start is None:
            return out
        position = _folds_after(text, start.start() + 1, out)


def _folds_after(text: str, start: int, out: list[tuple[int, str, str]]) -> int:
    """Follow the list items from ``start`` (a list item's line) while one may fold into
    the item above it; add the folds to ``out``; return where nothing can fold any more."""
    previous: tuple[int, str] | None = None  # (indent of its dash, its text)
    after = start  # where the text after the last list item's line starts
    for match in _LIST_ITEMS.finditer(text, start):
        if previous is not None:
            for line in text[after:match.start()].split("\n")[:-1]:
                stripped = line.strip()
                if not stripped or stripped.startswith("#"):
                    continue
                if len(line) - len(line.lstrip(" ")) > previous[0] + 1:
                    previous = (previous[0], f"{previous[1]} {stripped}")  # a continued line
                else:
                    previous = None
                    break
        after = match.end() + 1
        indent, item = len(match.group(1)), match.group(2)
        if previous is not None and previous[0] < indent <= previous[0] + 3:
            folded = f"{previous[1]} - {item.strip()}"
            out.append((text.count("\n", 0, match.start()) + 1, item.strip(), folded))
            previous = (previous[0], folded)
        elif _plain_text(item):
            previous = (indent, item.strip())
        else:
            previous = None
        if previous is None:
            return match.end()
    return len(text)


def _plain_text(value: str) -> bool:
    """A plain scalar that YAML would continue onto a more indented line."""
    value = value.strip()
    if not value or value[0] in "\"'[{|>&*!%@`#":
        return False
    return re.search(r"(^|\s)[^\s:]+:(\s|$)", value) is None  # not "key: value"


class _Builder:
    def __init__(self, first_line: int = 1) -> None:
        self.first_line = first_line  # the line number of the text's first line
        self.count = 0
        self.active: set[int] = set()
        self.problems: list[YamlProblem] = []
        self.memo: dict[int, object] = {}

    def build(self, node: yaml.Node) -> object:
        # An alias is the same node object as its anchor: build it once and share the
        # value, so an "alias bomb" (nested aliases that expand exponentially) costs
        # no more than its text. Nothing downstream walks arbitrary nested values.
        if id(node) in self.memo:
            return self.memo[id(node)]
        value = self._build(node)
        self.memo[id(node)] = value
        return value

    def _build(self, node: yaml.Node) -> object:
        self.count += 1
        if self.count > MAX_VALUES:
            raise YamlProblem(
                node.start_mark.line + self.first_line,
                f"the document holds more than {MAX_VALUES:,} values; "
                "expected a bank of sane size (split it into several banks)",
            )
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if id(node) in self.active:
            raise YamlProblem(
                node.start_mark.line + self.first_line, "an alias refers to itself; expected a finite document"
            )
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return self._sequence(node)
            return self._mapping(node)
        finally:
            self.active.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode) -> object:
        line = node.start_mark.line + self.first_line
        try:
            value = _SCALARS.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise YamlProblem(line, f"{exc.problem}; expected a plain YAML value") from None
        except ValueError:  # a timestamp with an impossible date: keep the text,
            return node.value  # and let the field's own check name the problem
        if isinstance(value, (dt.date, dt.datetime)):  # dates are text with a checked format,
            value = node.value  # kept as written ("2001-09-11 08:46:00" is not rewritten with a "T")
        return value

    def _sequence(self, node: yaml.SequenceNode) -> LList:
        if node.tag != "tag:yaml.org,2002:seq":
            raise YamlProblem(node.start_mark.line + self.first_line, f"unsupported tag {node.tag}; expected a plain list")
        out = LList(self.build(item) for item in node.value)
        out.line = node.start_mark.line + self.first_line
        out.item_lines = [item.start_mark.line + self.first_line for item in node.value]
        return out

    def _mapping(self, node: yaml.MappingNode) -> LDict:
        if node.tag != "tag:yaml.org,2002:map":
            raise YamlProblem(node.start_mark.line + self.first_line, f"unsupported tag {node.tag}; expected a plain mapping")
        out = LDict()
        out.line = node.start_mark.line + self.first_line
        out.key_lines = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + self.first_line
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlProblem(key_line, "merge keys (<<) are not supported; write the fields out")
            key = self.build(key_node)
            if isinstance(key, (LDict, LList)):
                raise YamlProblem(key_line, "a mapping key must be a plain value; expected a name")
            if key in out:
                self.problems.append(YamlProblem(
                    key_line,
                    f"duplicate key {key!r} (first at line {out.key_lines[key]}); "
                    "expected each key once",
                ))
                continue
            out[key] = self.build(value_node)
            out.key_lines[key] = key_line
        return out


# -- the fast path ------------------------------------------------------------
#
# rapidyaml parses about 20x faster than PyYAML's C composer but keeps no line
# numbers we can use and types scalars its own way. ``parse_fast`` therefore only
# answers when its result is certain to equal ``parse``'s (lines aside): it gives
# up (returns None) on anything that could be read differently (anchors, aliases,
# tags, merge keys, several documents, tabs, duplicate keys, and any text that
# PyYAML's resolvers would type as something other than a string), and callers
# fall back to ``parse``, which is also what they use to locate errors.

try:
    import json as _json

    import ryml as _ryml
except ImportError:  # pragma: no cover - rapidyaml is a declared dependency
    _ryml = None

_RISKY_TEXT = re.compile(
    r"""[\s\[{,][&*!] | ^[&*!]     # anchors, aliases, tags
      | <<                          # merge keys
      | ^---|^\.\.\.|^%              # several documents, directives
      | \t                          # tabs (PyYAML's message is the one we want)
    """, re.M | re.X)
# control characters, NEL and the Unicode line breaks: the two parsers read them differently
# (PyYAML takes NEL and U+2028/9 for line breaks)
_READ_DIFFERENTLY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
# a JSON string that PyYAML might have typed (first characters of its resolvers)
_MAYBE_TYPED = re.compile(
    r'"(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|=|<<'
    r'|[-+]?\.?[0-9][^"\\]{0,40}|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))"'
)
# where _MAYBE_TYPED can match: a quote, then a first character of a number, "~", "=" or "<<";
# the words (null, true, ...) are looked for in the values themselves (``_mapping``), which is
# cheaper than a regex over the whole JSON text
_MAYBE_TYPED_START = re.compile(r'"[-+.0-9~=<]')
_TYPED_WORDS = frozenset(["null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"])
_PLAIN_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
_RESOLVER = _Loader("")  # only its resolve() is used


_DOCUMENT_MARKS = re.compile(r"\n(?:---|\.\.\.|%)")  # and at the text's start (see _risky)
# ] } @ % or a backtick after a line's start, ':', '-', ',', '[' or '{' and spaces: where a
# plain scalar may start with one (``_starts_with_indicator`` decides; the text's own start
# is looked at apart). The regex looks for those five characters (rare in a bank, but for
# ']') right after a space or one of the six; a scan that started from the six, far more
# frequent (every ':' and line break), took twice as long (17 -> 9 ms at 4 MB)
_INDICATOR_CANDIDATES = re.compile(r"[]}@`%](?<=[-:,\[{\n ].)")
_INDICATOR_FIRST = re.compile(r" *[]}@`%]")


def _starts_with_indicator(text: str) -> bool:
    """Does a plain scalar start with ] } @ % or a backtick? rapidyaml reads it as text,
    PyYAML refuses it; such files take the slow path, which reports the error."""
    first = _INDICATOR_FIRST.match(text)
    for at in itertools.chain([first.end() - 1] if first else [],
                              (match.start() for match in _INDICATOR_CANDIDATES.finditer(text))):
        start = text.rfind("\n", 0, at) + 1
        before = text[start:at].rstrip(" ")
        if before.lstrip().startswith("#"):
            continue  # in a comment
        if not before or before[-1] in ":-,":
            return True
        if before[-1] in "[{" and text[at] not in "]}":
            return True
    return False


_PRINTABLE_ASCII = bytes(range(0x20, 0x7F)) + b"\t\n\r"


def printable_ascii(text: str) -> bool:
    """Is the text ASCII without control characters (tab, line feed and carriage return
    aside)? A few milliseconds for megabytes; then no character-class regex needs to run."""
    if not text.isascii():
        return False
    step = 1 << 18  # a slice at a time: a copy of a 200 MB text would double its memory (and a
    # freed block of 16 MB set glibc's limits for giving memory back that high: 21 MB stayed at 100k)
    return not any(text[i:i + step].encode("ascii").translate(None, _PRINTABLE_ASCII)
                   for i in range(0, len(text), step))


# characters PyYAML refuses anywhere, even in comments (rapidyaml lets them pass)
_NON_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


def _risky(text: str) -> bool:
    """Does the text use YAML features the fast path leaves to PyYAML?"""
    if not printable_ascii(text) and (_NON_PRINTABLE.search(text) or _READ_DIFFERENTLY.search(text)):
        return True
    if any(mark in text for mark in ("&", "*", "!", "<<", "\t")):  # cheap test first
        if _RISKY_TEXT.search(text) is not None:
            return True
    if text.startswith(("---", "...", "%")) or _DOCUMENT_MARKS.search(text) is not None:
        return True
    return _starts_with_indicator(text)


class _Ambiguous(Exception):
    pass


def _resolved_tag(text: str) -> str:
    return _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))


def _number(text: str) -> object:
    tag = _resolved_tag(text)
    if tag == "tag:yaml.org,2002:int":
        return int(text)
    if tag == "tag:yaml.org,2002:float":
        return float(text)
    return text  # e.g. "1e3": PyYAML 1.1 reads it as text


def _mapping(pairs: list) -> LDict:
    out = LDict(pairs)
    if len(out) != len(pairs) or "" in out or not _TYPED_WORDS.isdisjoint(out):
        # a duplicate key, or an empty one: rapidyaml makes '' of a value with no key
        # (": x") or a bare "?", which PyYAML refuses or reads as null; the slow path decides
        raise _Ambiguous
    for key, value in pairs:
        kind = type(value)
        if kind is str:
            if value in _TYPED_WORDS:
                raise _Ambiguous  # PyYAML may have typed this scalar: don't guess
        elif kind is list:
            out[key] = _to_llist(value)
    return out


def _to_llist(items: list) -> LList:
    try:
        plain = _TYPED_WORDS.isdisjoint(items)  # the usual case: texts and numbers only
    except TypeError:  # a mapping or a list among the items
        plain = None
    if plain:
        return LList(items)
    if not _TYPED_WORDS.isdisjoint([v for v in items if type(v) is str]):
        raise _Ambiguous
    return LList([_to_llist(v) if type(v) is list else v for v in items])


FAST_PATH_MIN_CHARS = 256 * 1024  # below this PyYAML is quick enough, and exact


@contextlib.contextmanager
def _silent_stderr():
    """rapidyaml prints its own parse errors on file descriptor 2; we report ours."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def parse_fast(text: str) -> object | None:
    """Parse with rapidyaml when the result is sure to equal ``parse``'s; else None."""
    if _ryml is None or len(text) < FAST_PATH_MIN_CHARS or _risky(text):
        return None
    return _read_fast(text)


def _json_of(tree) -> str:
    """The tree as JSON text. Emitted into a buffer of ours: rapidyaml's ``emit_json`` (0.15)
    never frees the buffer it emits into, which kept a copy of every slice's JSON, about
    1.15 bytes per byte of YAML (46 MB of a 40 MB bank) for as long as the process lived."""
    buffer = bytearray(_ryml.compute_json_length(tree))
    emitted = _ryml.emit_json_in_place(tree, buffer)
    return str(emitted, "utf-8")


def _read_fast(text: str) -> LDict | None:
    """``parse_fast`` for a text already found free of what rapidyaml reads differently."""
    try:
        with _silent_stderr():  # both parse and emit print their own errors (a deep tree, say)
            tree = _ryml.parse_in_arena(text.encode("utf-8"))
            emitted = _json_of(tree)
    except Exception:  # any parse problem: the slow path reports it with its line
        return None
    del tree  # the tree and its arena (a copy of the text) are not needed while the dicts are built
    if not isinstance(emitted, str) or not emitted.strip():
        return None
    for start in _MAYBE_TYPED_START.finditer(emitted):
        match = _MAYBE_TYPED.match(emitted, start.start())
        if match is None:
            continue
        value = match.group(1)
        if _resolved_tag(value) != "tag:yaml.org,2002:str" and not _PLAIN_DATE.match(value):
            return None  # PyYAML may have typed this scalar: don't guess
    try:
        value = _json.loads(emitted, object_pairs_hook=_mapping, parse_int=_number,
                            parse_float=_number, parse_constant=lambda c: _Ambiguous)
    except (_Ambiguous, ValueError):
        return None
    return value if isinstance(value, LDict) else None  # a bank is a mapping


# -- the fast path in slices ---------------------------------------------------
#
# A bank of 100,000 questions is 40 MB of YAML; rapidyaml's tree, the JSON it emits and
# the dicts built from it take about ten times that when the whole file is read at once.
# ``parse_fast_in_slices`` reads the long lists (``questions:``, ``facts:``) a slice of
# items at a time instead, so that only one slice's tree, JSON and dicts are alive at once.
# A slice is cut where the list's own items start ("\n  - " at the list's indentation);
# each slice must read as exactly as many items as it has starts, else the text is not
# what it seemed (a quoted text over several lines, say) and the caller falls back to
# ``parse``, as for anything else the fast path is not sure of.

SLICE_ITEMS = 250  # list items per parse, at most (smaller slices: less of a parse alive at once,
# and no slower: 2,000 items and 1 MB took 10 MiB more at the peak of 100,000 questions)
SLICE_CHARS = 128 * 1024  # and about this much text (more only when one item is larger)
SLICED_MIN_CHARS = 1 << 20  # smaller files are read whole (``parse_fast``): little to save


class NotFast(Exception):
    """A slice did not read as it should: the caller reads the file again with ``parse``."""


class Slices:
    """A top-level block list of a bank, read ``SLICE_ITEMS`` items at a time.

    ``len()`` is the number of items; iterating parses the slices one after another and
    yields each item (an LDict or a scalar, as ``parse_fast`` would give it) and may raise
    ``NotFast``. Nothing of a slice is kept once the next one is read.
    """

    def __init__(self, key: str, text: str, starts: list[int], end: int):
        self.key = key
        self._text = text
        self._starts = starts
        self._end = end

    def __len__(self) -> int:
        return len(self._starts)

    def slices(self, start: int = 0, stop: int | None = None):
        """(index of the first item, index after the last, the slice's text) for each slice of
        the items from ``start`` up to ``stop`` (default: all of them)."""
        starts, text = self._starts, self._text
        stop = len(starts) if stop is None else stop
        first = start
        while first < stop:
            last = min(first + SLICE_ITEMS, stop,
                       max(first + 1, bisect.bisect_right(starts, starts[first] + SLICE_CHARS, first)))
            yield first, last, text[starts[first]:starts[last] if last < len(starts) else self._end]
            first = last

    def offset(self, index: int) -> int:
        """Where item ``index`` starts in the text."""
        return self._starts[index]

    def __iter__(self):
        return self.part(0, len(self))

    def part(self, start: int, stop: int):
        """The items from ``start`` up to ``stop``, as iterating yields them: any two parts
        that meet read as the whole list does, since each item reads alone."""
        for first, last, piece in self.slices(start, stop):
            doc = _read_fast(f"{self.key}:\n{piece}")
            del piece
            items = doc.get(self.key) if isinstance(doc, LDict) and len(doc) == 1 else None
            if type(items) is not LList or len(items) != last - first:
                raise NotFast(self.key)
            del doc
            yield from items
            del items


class LineSlices(Slices):
    """``Slices`` read with ``parse`` (PyYAML), every item with its lines, for a file too
    large to read whole. The problems that do not stop reading collect in ``problems``;
    those that do raise ``YamlProblem``, as ``parse`` does."""

    def __init__(self, key: str, text: str, starts: list[int], end: int):
        super().__init__(key, text, starts, end)
        self.problems: list[YamlProblem] = []

    def part(self, start: int, stop: int):
        raise TypeError("a LineSlices is read whole, for its lines")  # (bankshare reads only Slices in parts)

    def __iter__(self):
        line = self._text.count("\n", 0, self._starts[0]) + 1  # the first item's line
        position = self._starts[0]
        for first, last, piece in self.slices():
            line += self._text.count("\n", position, self._starts[first])
            position = self._starts[first]
            doc, problems = parse(f"{self.key}:\n{piece}", first_line=line - 1)
            del piece
            self.problems.extend(problems)
            items = doc.get(self.key) if isinstance(doc, LDict) and len(doc) == 1 else None
            if type(items) is not LList or len(items) != last - first:
                raise YamlProblem(line, f"the items of '{self.key}' from here on do not read as one list item "
                                        "per line that starts with '-' (a quoted text over several lines?); "
                                        "expected each item of a large bank to start on its own line")
            del doc
            yield from items
            del items


def parse_fast_in_slices(text: str, keys: tuple[str, ...]) -> LDict | None:
    """``parse_fast``, with the top-level block lists named in ``keys`` left as ``Slices``
    (read as they are iterated) when the file is large enough to take the fast path."""
    if _ryml is None or len(text) < FAST_PATH_MIN_CHARS or _risky(text):
        return None
    lists = block_lists(text, keys)
    if not lists:
        return _read_fast(text)
    doc = _read_fast(_without(text, lists, blank_lines=False))
    if doc is None or any(key in doc for key, *_ in lists):
        return None  # a key given twice (PyYAML reports it), or not a bank
    for key, start, end, starts in lists:
        doc[key] = Slices(key, text, starts, end)
    return doc


def parse_in_slices(text: str, keys: tuple[str, ...],
                    lists: list[tuple[str, int, int, list[int]]]) -> tuple[object, list[YamlProblem]]:
    """``parse`` for a file too large to read whole: the lists found by ``block_lists`` are
    left as ``LineSlices``, the rest is read whole with its lines (the lists' lines are
    left blank in it)."""
    doc, problems = parse(_without(text, lists, blank_lines=True))
    if not isinstance(doc, LDict):
        return doc, problems
    for key, start, end, starts in lists:
        line = text.count("\n", 0, start) + 1
        if key in doc:  # the key twice: PyYAML keeps the first and reports the other
            first, second = sorted([line, doc.key_lines[key]])
            problems.append(YamlProblem(second, f"duplicate key {key!r} (first at line {first}); "
                                                "expected each key once"))
            if first != line:
                continue
        doc[key] = LineSlices(key, text, starts, end)
        doc.key_lines[key] = line
    return doc, problems


def block_lists(text: str, keys: tuple[str, ...]) -> list[tuple[str, int, int, list[int]]]:
    """The top-level block lists of ``keys`` that can be read in slices, in the text's
    order: (key, where its line starts, where the list ends, where each item starts)."""
    lists = []
    for key in keys:
        found = _block_list(text, key)
        if found is not None:
            lists.append((key, *found))
    lists.sort(key=lambda found: found[1])
    if any(a[2] > b[1] for a, b in zip(lists, lists[1:])):
        return []  # lists overlap: not what they seemed
    return lists


def _without(text: str, lists: list[tuple[str, int, int, list[int]]], blank_lines: bool) -> str:
    """The text without the lists (their lines left blank, to keep the others' numbers)."""
    out, position = [], 0
    for _, start, end, _ in lists:
        out.append(text[position:start])
        if blank_lines:
            out.append("\n" * text.count("\n", start, end))
        position = end
    out.append(text[position:])
    return "".join(out)


_ITEM_AFTER_BLANKS = re.compile(r"(?: *(?:#[^\n]*)?\r?\n)*( *)-[ \r\n]")  # blank and comment lines, then an item
_LIST_END = {False: re.compile(r"\n(?=[^ \r\n#-])"), True: re.compile(r"\n(?=[^ \r\n#])")}  # indented?


def _block_list(text: str, key: str) -> tuple[int, int, list[int]] | None:
    """Where the top-level ``key:`` line starts and its block list ends, and where each of
    the list's items starts; None unless the key is written plainly ("questions:" alone on
    its line), holds a block list, and is followed by another top-level key or the end."""
    pattern = rf"{re.escape(key)}: *\r?\n"  # Windows line ends too
    line = re.match(pattern, text) or re.search("\n" + pattern, text)  # "\n", not "^": a faster scan
    if line is None:
        return None
    start = line.start() + (text[line.start()] == "\n")
    first = _ITEM_AFTER_BLANKS.match(text, line.end())
    if first is None:
        return None
    indent = first.group(1)
    # the list ends at the first line at column 0 that is not blank or a comment (nor, for a
    # list at column 0, one of its items); what follows must be another top-level key
    stop = _LIST_END[bool(indent)].search(text, line.end() - 1)
    end = stop.start() + 1 if stop else len(text)
    if stop and not TOP_KEY_LINE.match(text, end):
        return None
    starts = [m.start() + 1 for m in re.compile(rf"\n{indent}-[ \r\n]").finditer(text, line.end() - 1, end)]
    if not starts or starts[0] != first.start(1):
        return None
    return start, end, starts


TOP_KEY_LINE = re.compile(r"[A-Za-z_][\w-]*:[ \r\n]")
