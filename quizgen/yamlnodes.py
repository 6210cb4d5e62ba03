"""Read YAML into plain Python values that remember their line numbers.

PyYAML composes the document into nodes (with the C parser when it is available);
``to_python`` then builds dicts, lists and scalars from the nodes, recording the
1-based line of every mapping key and sequence item, refusing duplicate keys and
and building each anchored value once however often it is aliased (so the
"billion laughs" bomb stays as small as its text).
Only the YAML 1.1 safe types are built (no Python objects, ever).
"""
from __future__ import annotations

import datetime as dt
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
    """A dict that knows its own line and the line of each key."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: object) -> int:
        return self.key_lines.get(key, self.line)


class LList(list):
    """A list that knows its own line and the line of each item."""

    line: int = 0
    item_lines: list

    def line_of(self, index: int) -> int:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


_SCALARS = yaml.constructor.SafeConstructor()


def parse(text: str) -> tuple[object, list[YamlProblem]]:
    """Parse one YAML document into LDict/LList/scalars.

    Returns the value and the problems that do not stop reading (duplicate keys);
    raises YamlProblem for those that do (syntax errors, alias bombs).
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_problem(exc, text) from None
    except yaml.YAMLError as exc:  # no mark: rare (stream-level errors)
        raise YamlProblem(1, f"YAML syntax error: {exc}; expected valid YAML") from None
    if node is None:
        return None, []
    builder = _Builder()
    value = builder.build(node)
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
    return YamlProblem(
        line, f"YAML syntax error at column {column}: {problem}{context}; expected valid YAML"
    )


class _Builder:
    def __init__(self) -> None:
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
                node.start_mark.line + 1,
                f"the document holds more than {MAX_VALUES:,} values; "
                "expected a bank of sane size (split it into several banks)",
            )
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if id(node) in self.active:
            raise YamlProblem(
                node.start_mark.line + 1, "an alias refers to itself; expected a finite document"
            )
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return self._sequence(node)
            return self._mapping(node)
        finally:
            self.active.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode) -> object:
        line = node.start_mark.line + 1
        try:
            value = _SCALARS.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            raise YamlProblem(line, f"{exc.problem}; expected a plain YAML value") from None
        except ValueError:  # a timestamp with an impossible date: keep the text,
            return node.value  # and let the field's own check name the problem
        if isinstance(value, dt.datetime):
            value = value.isoformat()
        return value

    def _sequence(self, node: yaml.SequenceNode) -> LList:
        if node.tag != "tag:yaml.org,2002:seq":
            raise YamlProblem(node.start_mark.line + 1, f"unsupported tag {node.tag}; expected a plain list")
        out = LList(self.build(item) for item in node.value)
        out.line = node.start_mark.line + 1
        out.item_lines = [item.start_mark.line + 1 for item in node.value]
        return out

    def _mapping(self, node: yaml.MappingNode) -> LDict:
        if node.tag != "tag:yaml.org,2002:map":
            raise YamlProblem(node.start_mark.line + 1, f"unsupported tag {node.tag}; expected a plain mapping")
        out = LDict()
        out.line = node.start_mark.line + 1
        out.key_lines = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
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
