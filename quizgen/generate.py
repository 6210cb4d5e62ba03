"""Turn a bank's facts into questions with jinja2 templates (see templates/ and docs/templates.md).

``expand_bank`` returns the bank's hand-written questions plus the questions its
facts generate, minus the generated ids the bank disables or overrides and minus
duplicates. A template is a jinja2 ``{% macro %}`` in a ``.j2`` file named after a
fact kind; the macro's name is the template id (``quote_who`` -> ``quote-who``) and
its keyword arguments say what question it makes::

    {% macro quote_who(fact, type="multiple_choice", answer="who") -%}
    Who said that {{ fact.said }}?
    {%- endmacro %}

The macro body renders the prompt (the statement of a true/false question, the
text of a cloze); quizgen supplies the answer and draws wrong options from the
bank (``quizgen.distractors``). Templates run in jinja2's immutable sandbox with
strict undefined values: a misspelled field or an attempt to reach Python internals
is a ``TemplateError`` naming the template file and line and the fact.
"""
from __future__ import annotations

import contextlib
import contextvars
import difflib
import functools
import json
import random
import re
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, NamedTuple, Sequence

from .banks import ATTRIBUTION_FIELDS, FACT_FIELDS, default_points, normalize, parse_cloze
from .distractors import (
    DateValue,
    Shortage,
    SlotTruth,
    comparable,
    format_amount,
    format_number,
    join_names,
    strip_article,
    text_key,
)
from .errors import SelectionError, TemplateError
from .flaws import FlawContext, find_flaws
from .model import FACT_KINDS, Bank, Blank, Entity, Fact, Question, Source

if TYPE_CHECKING:
    from jinja2 import nodes
    from jinja2.sandbox import ImmutableSandboxedEnvironment

# jinja2 is imported when templates are first read (load_templates), not with this module: a bank
# without facts needs no templates. Its subclasses here (the sandbox, its loader, its undefined value,
# the limit error) are built then too, by _sandbox_classes().

TEMPLATE_SUFFIX = ".j2"
TEMPLATE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
GENERATED_TYPES = ("multiple_choice", "true_false", "short_answer", "cloze", "matching", "ordering")
ACROSS_TYPES = ("matching", "ordering")  # one question from several facts
META_KEYS = ("kind", "type", "answer", "truth", "choices", "left", "right", "order", "item", "size",
             "requires")
SLOT_KINDS_WITH_OPTIONS = ("entity", "text", "date", "number")
WHICH = {"person": "who", "organization": "which organization", "country": "which country",
         "place": "which place", "document": "which document", "event": "which event", "other": "what"}
# Names that read with "the" in running text: "the Kremlin", "the United States".
THE_WORDS = frozenset("""
    court ministry assembly committee council statute nations states kingdom union kremlin office
    department agency conference commission federation republic government army military navy
    parliament senate duma bank fund organization organisation tribunal secretariat cabinet
    convention treaty charter protocol accord agreement alliance coalition forum institute
    administration pentagon west east security service emirates netherlands philippines
""".split())
WORD_ACRONYMS = frozenset({"NATO", "UNESCO", "UNICEF", "OPEC", "ASEAN", "INTERPOL", "FIFA", "MERCOSUR"})


MAX_PER_FACT = 2  # generated questions kept per fact: one that asks to recall, one to recognise
RECALL_TYPES = ("short_answer", "cloze")  # the student produces the answer
NEAR_DUPLICATE = 0.6  # content-word overlap (Jaccard) above which two questions ask the same thing
NEAR_DUPLICATE_LOOKS = 200  # questions compared at most per candidate (those sharing its rarest words)


@dataclass(frozen=True)
class Expansion:
    """The questions of one bank after generation, and what the generator has to say.

    ``warnings`` are problems to fix in the bank or a template; ``notes`` say why a
    candidate question was not generated (too few good wrong options, an
    item-writing flaw, a near-duplicate, the per-fact limit): ``quizgen generate``
    prints them.
    """

    questions: tuple[Question, ...]
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


# -- templates -------------------------------------------------------------------

@dataclass(frozen=True)
class TemplateSpec:
    """One template: a macro in a .j2 file and what its keyword arguments declare."""

    id: str  # "quote-who"
    macro: str  # "quote_who"
    file: str  # the file as shown in messages ("templates/quote.j2")
    name: str  # the file name ("quote.j2")
    line: int
    kind: str  # the fact kind it reads
    type: str  # the question type it makes
    answer: str | None = None  # the fact field holding the right answer (or swapped in a false statement)
    truth: bool | None = None  # true_false: the statement is true (or false: `answer` swapped)
    choices: int = 4  # multiple_choice: options including the answer
    left: str | None = None  # matching: the fields paired
    right: str | None = None
    order: str | None = None  # ordering: the date field to sort by
    item: str | None = None  # ordering: the field listed
    size: int = 5  # matching/ordering: the most facts in one question
    requires: tuple[str, ...] = ()  # facts without these fields are not used

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def needs(self) -> tuple[str, ...]:
        """Fields a fact must have for this template to apply."""
        wanted = [self.answer, self.left, self.right, self.order, self.item, *self.requires]
        return tuple(dict.fromkeys(f for f in wanted if f))


@dataclass
class TemplateSet:
    """Every template found, in order (file name, then line), and the compiled macros."""

    specs: tuple[TemplateSpec, ...]
    macros: dict[str, object]  # template id -> jinja2 Macro
    filenames: dict[str, str]  # compiled filename -> shown path
    explainers: dict[str, object] = field(default_factory=dict)  # fact kind -> its file's `explain` macro

    def for_kind(self, kind: str) -> list[TemplateSpec]:
        return [s for s in self.specs if s.kind == kind]


def builtin_templates_dir() -> Path:
    """The templates shipped with quizgen (package data ``quizgen.templates``)."""
    found = resources.files("quizgen.templates")
    paths = getattr(found, "_paths", None)  # a namespace package: MultiplexedPath
    return Path(str(paths[0] if paths else found))


def template_dirs(templates_dir: str | Path | None = None, builtin: bool = True) -> list[Path]:
    """The folders templates are read from, first one winning per file name.

    ``templates_dir`` (default: ``./templates`` when it exists) overrides the built-in
    templates by file name; ``builtin=False`` leaves the built-ins out.
    """
    dirs: list[Path] = []
    local = Path(templates_dir) if templates_dir is not None else Path("templates")
    if local.is_dir():
        dirs.append(local.resolve())
    elif templates_dir is not None:
        raise TemplateError(f"{templates_dir}: no such folder; expected a folder of {TEMPLATE_SUFFIX} templates")
    if builtin:
        shipped = builtin_templates_dir().resolve()
        if shipped not in dirs and shipped.is_dir():
            dirs.append(shipped)
    return dirs


TEMPLATE_LANGUAGE = "en"  # the language of the templates at the top of each template folder


def language_dirs(dirs: Sequence[Path], language: str) -> list[Path]:
    """The template folders for a bank's language: the folders themselves for English, else
    their subfolder named after the language ("templates/ru/"), where there is one."""
    code = (language or TEMPLATE_LANGUAGE).split("-")[0].split("_")[0].lower()
    if code == TEMPLATE_LANGUAGE:
        return list(dirs)
    return [folder / code for folder in dirs if (folder / code).is_dir()]


def no_templates_warning(bank: Bank) -> str:
    """The one warning for a bank whose language has no templates (its facts make no questions)."""
    return (f"{bank.ref or bank.path}: warning: bank {bank.id}: no templates are written in its language "
            f"{bank.language!r}, so its {len(bank.facts)} facts generate no questions (English prompts around "
            f"{bank.language!r} facts would be worse); add templates in templates/{bank.language}/ "
            "(docs/templates.md) or write the questions by hand")


def load_templates(templates_dir: str | Path | None = None, builtin: bool = True,
                   language: str = TEMPLATE_LANGUAGE) -> TemplateSet | None:
    """Read, check and compile every template for ``language``; raise TemplateError on the
    first bad one. None when no template folder has that language."""
    dirs = language_dirs(template_dirs(templates_dir, builtin), language)
    if not dirs:
        return None
    stamp = []
    for folder in dirs:
        files = []
        for path in sorted(folder.glob(f"*{TEMPLATE_SUFFIX}")):
            info = path.stat()
            files.append((path.name, info.st_mtime_ns, info.st_size))
        stamp.append((str(folder), tuple(files)))
    return _compile_templates(tuple(stamp))


def shown_path(path: str | Path) -> str:
    """A path for messages: relative to the working directory when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@functools.lru_cache(maxsize=8)
def _compile_templates(stamp: tuple) -> TemplateSet:
    import jinja2
    from jinja2 import nodes

    dirs = [Path(folder) for folder, _ in stamp]
    env = make_environment(dirs)
    chosen: dict[str, Path] = {}
    for folder, files in stamp:
        for name, _, _ in files:
            chosen.setdefault(name, Path(folder) / name)
    specs: list[TemplateSpec] = []
    macros: dict[str, object] = {}
    filenames: dict[str, str] = {}
    explainers: dict[str, object] = {}
    seen: dict[str, TemplateSpec] = {}
    for name in sorted(chosen):
        path = chosen[name]
        shown = shown_path(path)
        filenames[str(path)] = shown
        if not _inside(path, path.parent):
            raise TemplateError(f"{shown}:1: a link to a file outside {shown_path(path.parent)}; expected "
                                "template files inside their folder (copy the file in instead)")
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise TemplateError(f"{shown}:1: cannot read the template ({exc}); expected a UTF-8 text file") from None
        try:
            tree = env.parse(source, name, str(path))
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{shown}:{exc.lineno}: {exc.message}; expected valid jinja2") from None
        file_specs = [spec for spec in (_read_spec(node, name, shown) for node in tree.body
                                        if isinstance(node, nodes.Macro)) if spec]
        if not file_specs:
            continue
        try:
            with template_budget():  # compiled from the tree read above: parsing twice cost a quarter of this
                code = env.compile(tree, name, str(path))  # as env.get_template(name) would, from the same file
                module = env.template_class.from_code(env, code, env.make_globals(None)).module
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{shown_path(exc.filename or path)}:{exc.lineno}: {exc.message}; "
                                "expected valid jinja2") from None
        except Exception as exc:
            line = _template_line(exc, {str(path): shown}) or ("", 1)
            raise TemplateError(f"{line[0] or shown}:{line[1]}: {_describe(exc)}") from None
        stem = name[: -len(TEMPLATE_SUFFIX)]
        if stem in FACT_KINDS and hasattr(module, "explain"):
            explainers[stem] = getattr(module, "explain")
        for spec in file_specs:
            if spec.id in seen:
                raise TemplateError(f"{spec.where}: template id {spec.id!r} is also defined at "
                                    f"{seen[spec.id].where}; expected each template id once")
            seen[spec.id] = spec
            specs.append(spec)
            macros[spec.id] = getattr(module, spec.macro)
    return TemplateSet(tuple(specs), macros, filenames, explainers)


def _read_spec(node: nodes.Macro, name: str, shown: str) -> TemplateSpec | None:
    """The template a macro declares, or None for a helper macro (no ``type=``)."""
    where = f"{shown}:{node.lineno}"
    if node.name.startswith("_"):
        return None
    defaults = dict(zip([a.name for a in node.args[len(node.args) - len(node.defaults):]], node.defaults))
    if "type" not in defaults:
        return None
    from jinja2 import nodes

    meta: dict[str, object] = {}
    for key, value_node in defaults.items():
        try:
            meta[key] = value_node.as_const()
        except nodes.Impossible:
            raise TemplateError(f"{where}: template {node.name!r}: {key}= is not a plain value; "
                                "expected a quoted text, a number, true or false") from None
    positional = len(node.args) - len(node.defaults)
    if positional != 1:
        raise TemplateError(f"{where}: template {node.name!r} takes {positional} arguments without "
                            "defaults; expected exactly one (fact, or facts for matching and ordering)")
    template_id = node.name.replace("_", "-")
    if not TEMPLATE_ID.match(template_id):
        raise TemplateError(f"{where}: macro name {node.name!r} is not a valid template id; expected "
                            "lowercase letters, digits and single underscores, like quote_who")
    label = f"template {template_id!r}"
    for key in meta:
        if key not in META_KEYS:
            hint = difflib.get_close_matches(key, META_KEYS, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise TemplateError(f"{where}: {label}: unknown setting {key}={meta[key]!r}{suggestion}; "
                                f"expected some of: {', '.join(META_KEYS)}")
    qtype = meta.get("type")
    if qtype not in GENERATED_TYPES:
        raise TemplateError(f"{where}: {label}: type={qtype!r} is not allowed; expected one of: "
                            f"{', '.join(GENERATED_TYPES)}")
    stem = name[: -len(TEMPLATE_SUFFIX)]
    kind = meta.get("kind", stem if stem in FACT_KINDS else None)
    if kind not in FACT_KINDS:
        raise TemplateError(f"{where}: {label}: no fact kind (kind={kind!r}); expected the file to be "
                            f"named after a fact kind ({', '.join(k + TEMPLATE_SUFFIX for k in FACT_KINDS)}) "
                            'or kind="..." with one of those kinds')
    fields = FACT_FIELDS[kind]

    def slot(key: str, required: bool, value_kinds: Sequence[str] = ()) -> str | None:
        value = meta.get(key)
        if value is None:
            if required:
                raise TemplateError(f"{where}: {label}: {qtype} templates need {key}=\"...\"; expected "
                                    f"the name of a {kind} fact field: {', '.join(fields)}")
            return None
        if value not in fields:
            raise TemplateError(f"{where}: {label}: {key}={value!r} is not a field of {kind} facts; "
                                f"expected one of: {', '.join(fields)}")
        if value_kinds and fields[value][1] not in value_kinds:
            raise TemplateError(f"{where}: {label}: {key}={value!r} holds {fields[value][1]} values; "
                                f"expected a field holding {' or '.join(value_kinds)} values")
        return value  # type: ignore[return-value]

    def number(key: str, default: int, low: int, high: int) -> int:
        value = meta.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise TemplateError(f"{where}: {label}: {key}={value!r} is out of range; "
                                f"expected a whole number from {low} to {high}")
        return value

    truth = meta.get("truth")
    if qtype == "true_false":
        if not isinstance(truth, bool):
            raise TemplateError(f"{where}: {label}: true_false templates need truth=true or truth=false; "
                                f"got {truth!r}")
    elif truth is not None:
        raise TemplateError(f"{where}: {label}: truth= only applies to true_false templates; "
                            "expected no truth= here")
    answer = slot("answer", qtype in ("multiple_choice", "short_answer") or truth is False,
                  SLOT_KINDS_WITH_OPTIONS if qtype == "multiple_choice" or truth is False else ())
    requires_raw = meta.get("requires", ())
    if isinstance(requires_raw, str):
        requires_raw = [r.strip() for r in requires_raw.split(",") if r.strip()]
    requires = []
    for item in requires_raw:  # type: ignore[union-attr]
        if item not in fields:
            raise TemplateError(f"{where}: {label}: requires {item!r}, which is not a field of {kind} facts; "
                                f"expected some of: {', '.join(fields)}")
        requires.append(item)
    return TemplateSpec(
        id=template_id, macro=node.name, file=shown, name=name, line=node.lineno, kind=kind, type=qtype,
        answer=answer, truth=truth,  # type: ignore[arg-type]
        choices=number("choices", 4, 3, 8) if qtype == "multiple_choice" else 4,
        left=slot("left", qtype == "matching"), right=slot("right", qtype == "matching"),
        order=slot("order", qtype == "ordering", ("date",)), item=slot("item", qtype == "ordering"),
        size=number("size", 5, 3, 10) if qtype in ACROSS_TYPES else 5,
        requires=tuple(requires),
    )


# -- the sandbox and what templates see ---------------------------------------------

class _Skip(Exception):
    """A template asked to skip this fact: {{ skip("reason") }}."""


class Absent:
    """An optional field the fact does not set: false in ``{% if %}``, an error when printed."""

    __slots__ = ("field",)

    def __init__(self, field_name: str):
        self.field = field_name

    def __bool__(self) -> bool:
        return False

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0

    def __str__(self) -> str:
        import jinja2

        raise jinja2.UndefinedError(f"'fact.{self.field}' has no value for this fact (an optional field); "
                                    f"expected the template to test it first: {{% if fact.{self.field} %}}")


class FactView:
    """A fact as templates see it: ``fact.who``, ``fact.said``, ... (read-only)."""

    __slots__ = ("_values", "kind_name", "field_names")

    def __init__(self, kind: str, values: dict[str, object]):
        self._values = values
        self.kind_name = kind
        self.field_names = tuple(values)

    def __getitem__(self, key: str) -> object:
        return self._values[key]

    def __contains__(self, key: str) -> bool:
        return key in self._values and not isinstance(self._values[key], Absent)

    def __str__(self) -> str:
        return str(self._values["id"])


class EntityView:
    """An entity as templates see it. ``{{ e }}`` prints its name as it reads in a
    sentence ("the Kremlin", "Dmitry Peskov"); ``e.name`` the bare name."""

    __slots__ = ("id", "name", "kind", "role", "aliases", "which", "in_text", "joint", "group")

    def __init__(self, entity: Entity):
        self.id = entity.id
        self.name = entity.name
        self.kind = entity.kind
        self.role = entity.role if entity.role else Absent("who.role")
        self.aliases = tuple(entity.aliases)
        self.which = WHICH[entity.kind]
        self.in_text = name_in_text(entity)
        self.joint = False
        self.group = entity.group or Absent("who.group")

    def __str__(self) -> str:
        return self.in_text


class GroupView:
    """The speakers of a joint statement (``who: [espinosa, mezouar]``). ``{{ g }}``
    prints "Patricia Espinosa and Salaheddine Mezouar"; ``g.which`` "who"."""

    __slots__ = ("ids", "members", "name", "kind", "role", "aliases", "which", "in_text", "joint")

    def __init__(self, members: Sequence[EntityView]):
        self.members = tuple(members)
        self.ids = tuple(m.id for m in members)
        self.name = join_names([m.name for m in members])
        self.kind = members[0].kind
        self.role = Absent("who.role")
        self.aliases = ()
        self.which = WHICH[self.kind] if self.kind == "person" else WHICH[self.kind].replace(
            self.kind, KIND_PLURALS.get(self.kind, self.kind + "s"))
        self.in_text = join_names([m.in_text for m in members])
        self.joint = True

    def __iter__(self):
        return iter(self.members)

    def __str__(self) -> str:
        return self.in_text


class ChainView:
    """``fact.via``: the entities a statement passed through, nearest the speaker first.
    ``{{ fact.via }}`` prints "Foreign Policy and Anti-Media"; it is false when empty."""

    __slots__ = ("members", "first", "last")

    def __init__(self, members: Sequence[EntityView]):
        self.members = tuple(members)
        self.first = members[0] if members else Absent("via")
        self.last = members[-1] if members else Absent("via")

    def __bool__(self) -> bool:
        return bool(self.members)

    def __iter__(self):
        return iter(self.members)

    def __len__(self) -> int:
        return len(self.members)

    def __str__(self) -> str:
        return join_names([m.in_text for m in self.members])


KIND_PLURALS = {"country": "countries", "person": "people"}


class DateView:
    """A date as templates see it. ``{{ d }}`` is "16 November 2016" (or "November 2016",
    "2016"); ``d.on`` adds the preposition ("on 16 November 2016", "in 2016")."""

    __slots__ = ("text", "precision", "year", "month", "on", "_shown")

    def __init__(self, value: DateValue):
        self.text = value.text
        self.precision = value.precision
        self.year = value.start.year
        self.month = DateValue.of(value.start, "month").display()
        self.on = value.phrase()
        self._shown = value.display()

    def __str__(self) -> str:
        return self._shown


class SourceView:
    """A fact's source: ``fact.source`` prints the publisher."""

    __slots__ = ("id", "title", "publisher", "date", "author")

    def __init__(self, source: Source):
        self.id = source.id
        self.title = source.title
        self.publisher = source.publisher
        self.date = DateView(DateValue.parse(source.date)) if source.date else Absent("source.date")
        self.author = source.author or Absent("source.author")

    def __str__(self) -> str:
        return self.publisher


class Number(float):
    """A number that prints like a person writes it: 4, 2,500, 1 billion."""

    def __str__(self) -> str:
        return format_number(float(self))


def name_in_text(entity: Entity) -> str:
    """An entity's name as it reads mid-sentence: "the Kremlin", "the ICC", "Russia"."""
    name = entity.name
    if entity.kind == "person" or name.split(None, 1)[0].casefold() == "the":
        return name
    words = [w.strip(".,’'()") for w in name.split()]
    acronym = len(words) == 1 and words[0].isupper() and 2 <= len(words[0]) <= 6 and words[0] not in WORD_ACRONYMS
    if entity.kind == "event" or acronym or any(w.casefold() in THE_WORDS for w in words):
        return f"the {name}"
    return name


def capfirst(text: object) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def possessive(text: object) -> str:
    """"Dmitry Peskov" -> "Dmitry Peskov’s"."""
    return f"{text}\u2019s"


def quoted(text: object) -> str:
    """Curly double quotes around a text."""
    return f"\u201c{str(text).strip()}\u201d"


def blank(text: object, key: object = None) -> str:
    """Cloze markup: the whole text, or the first occurrence of ``key`` in it, as [[...]]."""
    text = str(text)
    if key is None or isinstance(key, Absent):
        return f"[[{text}]]"
    key = str(key).strip()
    match = re.search(re.escape(key), text, re.IGNORECASE)
    if not match:
        raise _Skip(f"the key words {key!r} do not occur in {text!r}; expected words copied from it")
    return f"{text[:match.start()]}[[{match.group(0)}]]{text[match.end():]}"


BLANK_MARKUP = re.compile(r"\[\[(.*?)\]\]", re.S)  # as banks.parse_cloze reads it


def cloze_markup(b: Blank) -> str:
    """What goes between ``[[`` and ``]]`` for a blank: ``answer|other::hint``."""
    return "|".join(b.accepted) + (f"::{b.hint}" if b.hint else "")


def _skip(reason: object = "the template skipped this fact") -> str:
    raise _Skip(str(reason))


def _finalize(value: object) -> object:
    if value is None:
        import jinja2

        raise jinja2.UndefinedError("a value printed as 'None'; expected text (test optional values with "
                                    "{% if ... %} first)")
    return value


# -- limits: a template does a bounded amount of work and makes values of bounded size --
MAX_TEMPLATE_STEPS = 100_000  # loop turns and calls while rendering one question
MAX_TEMPLATE_VALUE = 100_000  # characters (or items) of any value a template makes
# jinja2's "random" filter draws from Python's global random state: outputs would not
# depend on --seed alone. Every other filter is wrapped with the limits below.
UNSEEDED_FILTERS = ("random",)
_BUDGET: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("template_budget", default=None)
# widths and precisions in format strings: "%-09999999.2f", "%*d", "{:>999999}", "{0:,.999999f}"
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\d+|\*)?(?:\.(\d+|\*))?")
_BRACE_SPEC = re.compile(r"\{[^{}]*?:([^{}]*)\}")


@contextlib.contextmanager
def template_budget(steps: int = MAX_TEMPLATE_STEPS):
    """Let templates run at most ``steps`` loop turns and calls inside this block."""
    token = _BUDGET.set([steps])
    try:
        yield
    finally:
        _BUDGET.reset(token)


def _step() -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget[0] -= 1
        if budget[0] < 0:
            raise _sandbox_classes().TemplateLimitError(
                f"the template took more than {MAX_TEMPLATE_STEPS:,} steps (loop turns and calls) for one "
                "question; expected a bounded amount of work (look for loops inside loops, or a macro "
                "that calls itself)")


def _counted(iterable: object):
    """What a ``{% for %}`` loops over, one step per turn."""
    for item in iterable:  # type: ignore[attr-defined]
        _step()
        yield item


def _size(value: object) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)) else 0


def _too_big(size: int) -> Exception:
    """A TemplateLimitError for a value of ``size`` characters or items."""
    return _sandbox_classes().TemplateLimitError(
        f"the template would make a value of {size:,} characters or items; expected at most "
        f"{MAX_TEMPLATE_VALUE:,} (look for '*' on text, a large width, or a replace or join that multiplies text)")


def _check_arguments(name: str, subject: object, args: Sequence[object], kwargs: dict) -> None:
    """Refuse, before it runs, an operation on text (a str method or a filter, ``name``, on
    ``subject``) whose arguments could make a value past the limit: a number (a width, a
    count) above the limit, a format string asking for a huge width, and the two that
    multiply sizes: replace and join."""
    if not isinstance(subject, (str, list, tuple)):
        return  # a macro call, or arithmetic on a number: nothing to multiply
    if name in ("format", "format_map", "do_format"):  # the arguments are values, the string says sizes
        if isinstance(subject, str):
            _check_format(subject, [*args, *kwargs.values()])
        return
    for value in (*args, *kwargs.values()):  # widths and counts
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_TEMPLATE_VALUE:
            raise _too_big(abs(value))
    if name == "replace" and isinstance(subject, str):
        old = args[0] if args else kwargs.get("old", "")
        new = args[1] if len(args) > 1 else kwargs.get("new", "")
        if isinstance(old, str) and isinstance(new, str):
            hits = len(subject) + 1 if not old else subject.count(old)
            if len(subject) + hits * len(new) > MAX_TEMPLATE_VALUE:
                raise _too_big(len(subject) + hits * len(new))
    elif name == "join":  # "sep".join(items), or items|join(sep)
        items, separator = (args[0] if args else (), subject) if isinstance(subject, str) and args \
            else (subject, args[0] if args else kwargs.get("d", ""))
        if isinstance(items, (str, list, tuple)) and isinstance(separator, str):
            estimate = sum(_size(i) for i in items) + len(items) * len(separator)
            if estimate > MAX_TEMPLATE_VALUE:
                raise _too_big(estimate)


def _check_format(text: str, values: Sequence[object]) -> None:
    """Refuse a format string (``%`` or ``str.format``) that asks for a width or precision
    above the limit, or takes one (``*``) from a value above it."""
    widths = []
    if "%" in text:
        for match in _PERCENT_SPEC.finditer(text):
            widths.extend(int(g) for g in match.groups() if g and g != "*")
            if "*" in (match.group(1), match.group(2)):
                flat = [v for value in values for v in (value if isinstance(value, tuple) else (value,))]
                widths.extend(abs(v) for v in flat if isinstance(v, int) and not isinstance(v, bool))
    if "{" in text:
        for match in _BRACE_SPEC.finditer(text):
            widths.extend(int(n) for n in re.findall(r"\d+", match.group(1)))
    if widths and max(widths) > MAX_TEMPLATE_VALUE:
        raise _too_big(max(widths))


def _check_result(value: object) -> object:
    if _size(value) > MAX_TEMPLATE_VALUE:
        raise _too_big(_size(value))
    return value


def _limited_filter(name: str, func):  # noqa: ANN001, ANN202
    """A filter that counts as a step and keeps to the size limit (compiled templates call
    filters directly, not through ``call_filter``)."""
    import jinja2.utils

    skip = 1 if jinja2.utils._PassArg.from_obj(func) is not None else 0  # context or eval_ctx first

    @functools.wraps(func)
    def limited(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        _step()
        if len(args) > skip:
            _check_arguments(name, args[skip], args[skip + 1:], kwargs)
        return _check_result(func(*args, **kwargs))

    return limited


class SandboxClasses(NamedTuple):
    """The jinja2 subclasses of this module (built by ``_sandbox_classes``)."""

    FactUndefined: type  # jinja2.StrictUndefined naming fact fields as the template wrote them
    TemplateLimitError: type  # jinja2.TemplateRuntimeError: past a time or size limit
    LimitedSandbox: type  # jinja2's immutable sandbox with bounded work and value sizes
    FolderLoader: type  # jinja2.FileSystemLoader that reads only files inside its folders


@functools.lru_cache(maxsize=None)
def _sandbox_classes() -> SandboxClasses:
    """The jinja2 subclasses templates run with, built (and jinja2 imported) on first use."""
    import jinja2
    from jinja2 import nodes
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class FactUndefined(jinja2.StrictUndefined):
        """StrictUndefined that names fact fields the way a template author wrote them."""

        __slots__ = ()

        @property
        def _undefined_message(self) -> str:
            obj, name = self._undefined_obj, self._undefined_name
            if self._undefined_hint is None and isinstance(obj, FactView):
                return (f"'fact.{name}' is undefined; expected one of the {obj.kind_name} fields: "
                        f"{', '.join(obj.field_names)}")
            if self._undefined_hint is None and isinstance(obj, Absent):
                return f"'fact.{obj.field}' has no value for this fact, so it has no {name!r}; test it first"
            return super()._undefined_message

    class TemplateLimitError(jinja2.TemplateRuntimeError):
        """A template went past a time or size limit (reported with its file and line)."""

    class LimitedSandbox(ImmutableSandboxedEnvironment):
        """jinja2's immutable sandbox, with bounds on work and size: every loop turn and call
        is a step (``template_budget``), and no operator, call or filter may make a value of
        more than ``MAX_TEMPLATE_VALUE`` characters or items (checked before the operation
        where its size can be foreseen: ``*``, ``**``, widths, replace, join; after it otherwise)."""

        intercepted_binops = frozenset(["*", "**", "%", "+", "//"])

        def _parse(self, source, name, filename):  # noqa: ANN001 - jinja2 API
            tree = super()._parse(source, name, filename)
            for loop in tree.find_all(nodes.For):  # every for loop counts its turns
                loop.iter = nodes.Call(nodes.Name("qg_counted", "load"), [loop.iter], [], None, None,
                                       lineno=loop.lineno)
            return tree

        def call_binop(self, context, operator, left, right):  # noqa: ANN001 - jinja2 API
            if operator == "*":
                for seq, times in ((left, right), (right, left)):
                    if _size(seq) and isinstance(times, int) and _size(seq) * max(times, 0) > MAX_TEMPLATE_VALUE:
                        raise _too_big(_size(seq) * times)
            if operator == "**" and isinstance(left, (int, float)) and isinstance(right, (int, float)):
                if abs(right) > 1000 or (isinstance(left, int) and isinstance(right, int)
                                         and right > 0 and left.bit_length() * right > 10_000):
                    raise TemplateLimitError(f"the template raises {left} to the power {right}; expected a "
                                             "power of a sensible size")
            if operator == "%" and isinstance(left, str):
                _check_format(left, [right])
            return _check_result(super().call_binop(context, operator, left, right))

        def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - jinja2 API
            _step()
            target = getattr(__obj, "__wrapped__", __obj)  # the sandbox wraps str.format
            _check_arguments(getattr(target, "__name__", ""), getattr(target, "__self__", None), args, kwargs)
            return _check_result(super().call(__context, __obj, *args, **kwargs))

    class FolderLoader(jinja2.FileSystemLoader):
        """Reads a template only from a file inside one of its folders: a symbolic link (or
        a name) that leads out of the folder is not found, so ``{% include %}`` cannot copy
        any other readable file into a deck."""

        def get_source(self, environment, template):  # noqa: ANN001 - jinja2 API
            source, filename, uptodate = super().get_source(environment, template)
            if not any(_inside(Path(filename), Path(folder)) for folder in self.searchpath):
                raise jinja2.TemplateNotFound(template, f"{template!r} leads outside the templates folder; "
                                                        "expected a file inside it")
            return source, filename, uptodate

    for made in (FactUndefined, TemplateLimitError, LimitedSandbox, FolderLoader):
        made.__module__, made.__qualname__ = __name__, made.__name__  # quizgen.generate.X, as before
    return SandboxClasses(FactUndefined, TemplateLimitError, LimitedSandbox, FolderLoader)


def __getattr__(name: str) -> type:
    """``quizgen.generate.LimitedSandbox`` and the other jinja2 subclasses, built on first use."""
    if name in SandboxClasses._fields:
        return getattr(_sandbox_classes(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, links followed, is a file inside ``folder`` (links followed)."""
    try:
        path.resolve(strict=True).relative_to(folder.resolve(strict=True))
    except (OSError, ValueError, RuntimeError):
        return False
    return True


def make_environment(dirs: Sequence[Path]) -> ImmutableSandboxedEnvironment:
    """The sandbox templates run in: no file, environment or Python internals reachable,
    no file outside the template folders, and bounded work and value sizes."""
    made = _sandbox_classes()
    env = made.LimitedSandbox(
        loader=made.FolderLoader([str(d) for d in dirs]),
        undefined=made.FactUndefined,
        autoescape=False,  # the exporters escape for HTML and PDF
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters = {name: func for name, func in env.filters.items() if name not in UNSEEDED_FILTERS}
    env.filters.update(capfirst=capfirst, possessive=possessive, quoted=quoted, blank=blank)
    env.filters = {name: _limited_filter(name, func) for name, func in env.filters.items()}
    env.globals.clear()  # no range/dict/lipsum/cycler/joiner/namespace: templates only read facts
    env.globals.update(skip=_skip, qg_counted=_counted)
    return env


def _template_line(exc: BaseException, filenames: dict[str, str]) -> tuple[str, int] | None:
    """The template file and line the error came from (the innermost template frame)."""
    found = None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename in filenames:
            template = tb.tb_frame.f_globals.get("__jinja_template__")
            line = tb.tb_lineno
            if template is not None:
                line = template.get_corresponding_lineno(line)
            else:
                line = _line_from_debug_info(tb.tb_frame.f_globals, line)
            found = (filenames[filename], line)
        tb = tb.tb_next
    return found


def _line_from_debug_info(module_globals: dict, code_line: int) -> int:
    """Map a line of the compiled template code back to the template's own line."""
    info = module_globals.get("debug_info", "")
    best = 1
    for pair in info.split("&") if info else ():
        template_line, _, python_line = pair.partition("=")
        if python_line.isdigit() and int(python_line) <= code_line:
            best = int(template_line)
    return best


def _describe(exc: BaseException) -> str:
    import jinja2

    if isinstance(exc, jinja2.exceptions.SecurityError):
        return f"{exc}; templates may only read the fact's fields"
    if isinstance(exc, jinja2.UndefinedError):
        return str(exc)
    if isinstance(exc, jinja2.TemplateError):
        return f"{exc.message or type(exc).__name__}"
    return f"{type(exc).__name__}: {exc}"


# -- generation ----------------------------------------------------------------------

@dataclass
class _Rendered:
    questions: list[Question] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Flawed(Exception):
    """A generated question that breaks an item-writing rule: it is not generated."""


class Generator:
    """Renders a TemplateSet against one bank."""

    def __init__(self, bank: Bank, templates: TemplateSet, choose: bool = True):
        self.bank = bank
        self.templates = templates
        self.choosing = choose  # False: every candidate, unchosen (for tests of single templates)
        self.truth = SlotTruth(bank)
        self.entities = {eid: EntityView(e) for eid, e in bank.entities.items()}
        self.sources = {sid: SourceView(s) for sid, s in bank.sources.items()}
        self.flaw_context = FlawContext.of(bank, self.truth)
        self._explained: dict[str, str] = {}  # fact id -> its explanation (the same for every template)

    # views ---------------------------------------------------------------------
    def view(self, fact: Fact, swap: dict[str, object] | None = None) -> FactView:
        data = dict(fact.data)
        data.update(swap or {})
        values: dict[str, object] = {"id": fact.id, "kind": fact.kind}
        for name, (_, value_kind) in FACT_FIELDS[fact.kind].items():
            if name not in data:
                values[name] = False if value_kind == "bool" else Absent(name)
                continue
            values[name] = self.template_value(value_kind, data[name])
        if fact.kind == "quantity":
            values["amount"] = format_amount(float(data["value"]), data.get("unit"))  # type: ignore[arg-type]
        values["according"] = self.according(fact, data)
        values["source"] = self.sources[fact.source]
        values["evidence"] = fact.evidence if fact.evidence else Absent("evidence")
        values["tags"] = tuple(fact.tags)
        return FactView(fact.kind, values)

    def according(self, fact: Fact, data) -> str:
        """``fact.according``: "According to Foreign Policy, as quoted by Anti-Media, " (the
        claimant of a quantity or ``according_to``, then ``via``), or "" when the fact is
        nobody's account in particular."""
        first = data.get("claimed_by") if fact.kind == "quantity" else None
        chain = [e for e in (first, data.get("according_to")) if e] + list(data.get("via") or ())
        if not chain:
            return ""
        names = [self.entities[e].in_text for e in dict.fromkeys(chain)]
        return "According to " + names[0] + "".join(f", as quoted by {n}" for n in names[1:]) + ", "

    def template_value(self, value_kind: str, value: object) -> object:
        if value_kind == "entity" and isinstance(value, (tuple, list)):
            return GroupView([self.entities[v] for v in value])
        if value_kind == "entity":
            return self.entities[value]  # type: ignore[index]
        if value_kind == "entities":
            return ChainView([self.entities[v] for v in value])  # type: ignore[union-attr]
        if value_kind == "date":
            return DateView(value if isinstance(value, DateValue) else DateValue.parse(str(value)))
        if value_kind == "number":
            return Number(value)  # type: ignore[arg-type]
        if value_kind == "text":
            return str(value).strip().rstrip(".").rstrip() if str(value).rstrip().endswith(".") \
                and not str(value).rstrip().endswith("..") else str(value).strip()
        return value

    def display(self, fact: Fact, slot: str, value: object | None = None) -> str:
        value = fact.data[slot] if value is None else value
        return capfirst(self.truth.display(fact.kind, slot, value, fact.data.get("unit")))  # type: ignore[arg-type]

    # rendering -------------------------------------------------------------------
    def render(self, spec: TemplateSpec, arg: object, fact: Fact) -> str:
        macro = self.templates.macros[spec.id]
        try:
            with template_budget():
                text = str(macro(arg))  # type: ignore[operator]
        except _Skip:
            raise
        except TemplateError:
            raise
        except Exception as exc:
            where = _template_line(exc, self.templates.filenames)
            place = f"{where[0]}:{where[1]}" if where else spec.where
            raise TemplateError(f"{place}: {_describe(exc)} (fact {fact.id!r} at {fact.ref})") from None
        text = tidy(text)
        if not text:
            raise TemplateError(f"{spec.where}: template {spec.id!r} rendered nothing for fact {fact.id!r} "
                                f"at {fact.ref}; expected a prompt")
        return text

    def warn(self, fact: Fact, spec: TemplateSpec, reason: str) -> str:
        return f"{fact.ref}: warning: fact {fact.id}: template {spec.id!r} skipped: {reason}"

    def common(self, fact: Fact, spec: TemplateSpec) -> dict:
        return dict(id=f"{fact.id}.{spec.id}", bank=self.bank.id, source=fact.source, evidence=fact.evidence,
                    tags=tuple(fact.tags), deck=fact.deck, origin="template", fact=fact.id,
                    facts=(fact.id,), template=spec.id, ref=fact.ref)

    def rng(self, fact: Fact, spec: TemplateSpec) -> random.Random:
        return random.Random(f"quizgen:{self.bank.id}:{fact.id}:{spec.id}")

    # one fact ----------------------------------------------------------------------
    def applies(self, spec: TemplateSpec, fact: Fact) -> bool:
        return fact.kind == spec.kind and all(f in fact.data for f in spec.needs)

    def one(self, spec: TemplateSpec, fact: Fact) -> Question | str:
        """The question ``spec`` makes from ``fact``, or the reason it was skipped."""
        try:
            return self._one(spec, fact)
        except _Skip as skip:
            return str(skip)

    def explain(self, fact: Fact, truth: bool | None = None) -> str:
        """The explanation of a generated question: "True."/"False." for a statement,
        the fact in one sentence with its attribution (the kind's ``explain`` macro),
        then the fact's ``note`` (a correction or background)."""
        parts = [] if truth is None else ["True." if truth else "False."]
        cached = self._explained.get(fact.id)
        if cached is None:
            cached = self._explained[fact.id] = self._explain(fact)
        return " ".join(parts + ([cached] if cached else []))

    def _explain(self, fact: Fact) -> str:
        parts: list[str] = []
        macro = self.templates.explainers.get(fact.kind)
        if macro is not None:
            try:
                sentence = tidy(str(macro(self.view(fact))))  # type: ignore[operator]
            except _Skip:
                sentence = ""
            except Exception as exc:
                where = _template_line(exc, self.templates.filenames)
                place = f"{where[0]}:{where[1]}" if where else f"templates/{fact.kind}{TEMPLATE_SUFFIX}"
                raise TemplateError(f"{place}: {_describe(exc)} (fact {fact.id!r} at {fact.ref})") from None
            if sentence:
                parts.append(sentence if sentence[-1] in ".!?”" else sentence + ".")
        note = fact.data.get("note")
        if note:
            parts.append(str(note).strip())
        return " ".join(parts)

    def checked(self, q: Question) -> Question:
        """The question, unless it breaks an item-writing rule (then _Flawed says which)."""
        found = find_flaws(q, self.flaw_context)
        if found:
            name, message = found[0]
            raise _Flawed(f"item-writing flaw [{name}]: {message}")
        return q

    def _one(self, spec: TemplateSpec, fact: Fact) -> Question | str:
        try:
            return self._make(spec, fact)
        except _Flawed as flawed:
            return str(flawed)

    def _make(self, spec: TemplateSpec, fact: Fact) -> Question | str:
        rng = self.rng(fact, spec)
        base = self.common(fact, spec)
        if spec.type == "true_false":
            true_text = self.render(spec, self.view(fact), fact)
            if spec.truth:
                problem = self.unattributed(fact, spec, true_text, fact.data)
                return problem or self.checked(Question(type="true_false", prompt=true_text, truth=True,
                                                        explanation=self.explain(fact, True), **base))
            assert spec.answer
            size = len(fact.data[spec.answer]) if isinstance(fact.data[spec.answer], (tuple, list)) else 1
            wrong = self.truth.distractors(fact, spec.answer, size, rng, avoid=true_text, statement=True)
            if isinstance(wrong, Shortage):
                return wrong.reason
            value = tuple(o.value for o in wrong) if size > 1 else wrong[0].value  # a joint statement: all swapped
            swapped = {**fact.data, spec.answer: value}
            false_text = self.render(spec, self.view(fact, {spec.answer: value}), fact)
            if normalize(false_text) == normalize(true_text):
                return (f"the statement does not change when {spec.answer!r} is swapped; "
                        f"expected the template to print fact.{spec.answer}")
            problem = self.unattributed(fact, spec, false_text, swapped)
            return problem or self.checked(Question(type="true_false", prompt=false_text, truth=False,
                                                    explanation=self.explain(fact, False), **base))
        prompt = self.render(spec, self.view(fact), fact)
        problem = self.unattributed(fact, spec, prompt, fact.data)
        if problem:
            return problem
        base["explanation"] = self.explain(fact)
        if spec.type == "cloze":
            blanks, trouble = parse_cloze(prompt)
            if trouble or not blanks:
                return (f"the text {trouble or 'has no blank'}; expected the template to mark the "
                        "missing words with [[...]] (the blank filter)")
            prompt, blanks = self.entity_names_accepted(prompt, blanks)
            return self.checked(Question(type="cloze", prompt=prompt, blanks=tuple(blanks),
                                         answers=tuple(b.answer for b in blanks), **base))
        assert spec.answer
        answer = self.display(fact, spec.answer)
        if self.gives_away(fact, spec.answer, prompt):
            return f"the prompt contains the answer {answer!r}; expected a question that does not name it"
        value = fact.data[spec.answer]
        if spec.type == "short_answer":
            return self.checked(Question(type="short_answer", prompt=prompt, answers=(answer,),
                                         accept=self.accepted(fact, spec.answer, answer), **base))
        if isinstance(value, (tuple, list)):  # a joint statement: select every speaker
            options = self.truth.distractors(fact, spec.answer, max(2, spec.choices - len(value)), rng,
                                             avoid=prompt)
            if isinstance(options, Shortage):
                return options.reason
            names = tuple(self.display(fact, spec.answer, v) for v in value)
            return self.checked(Question(type="multiple_choice", prompt=f"{prompt} Select all that apply.",
                                         answers=names, select_all=True,
                                         distractors=tuple(capfirst(o.text) for o in options), **base))
        options = self.truth.distractors(fact, spec.answer, spec.choices - 1, rng, avoid=prompt)
        if isinstance(options, Shortage):
            return options.reason
        return self.checked(Question(type="multiple_choice", prompt=prompt, answers=(answer,),
                                     distractors=tuple(capfirst(o.text) for o in options), **base))

    def entity_names_accepted(self, prompt: str, blanks: list[Blank]) -> tuple[str, list[Blank]]:
        """A blank over an entity's name also accepts the entity's other names (its name as
        it reads mid-sentence, its bare name, its aliases), written into the markup too
        (``[[the ICC|ICC|International Criminal Court]]``) so that ``generate --yaml`` keeps them."""
        names = {}
        for entity in self.bank.entities.values():
            forms = tuple(dict.fromkeys((name_in_text(entity), entity.name, *entity.aliases)))
            for form in forms:
                names.setdefault(normalize(form), forms)
        out = []
        for b in blanks:
            forms = names.get(normalize(b.answer), ())
            taken = {normalize(a) for a in b.accepted}
            extra = [f for f in forms if normalize(f) not in taken and not taken.add(normalize(f))  # type: ignore[func-returns-value]
                     and not any(mark in f for mark in ("|", "::", "[[", "]]"))]
            out.append(replace(b, accept=b.accept + tuple(extra)))
        if out == blanks:
            return prompt, blanks
        pieces = iter(out)
        return BLANK_MARKUP.sub(lambda m: "[[" + cloze_markup(next(pieces)) + "]]", prompt), out

    def accepted(self, fact: Fact, slot: str, answer: str) -> tuple[str, ...]:
        value = fact.data[slot]
        out: list[str] = []
        if isinstance(value, (tuple, list)):
            pass  # a joint answer: the names in full
        elif FACT_FIELDS[fact.kind][slot][1] == "entity":
            out.extend(self.bank.entities[value].aliases)  # type: ignore[index]
        else:
            bare = strip_article(answer)
            if bare != answer:
                out.append(capfirst(bare))
        seen = {normalize(answer)}
        return tuple(a for a in out if not (normalize(a) in seen or seen.add(normalize(a))))  # type: ignore[func-returns-value]

    def gives_away(self, fact: Fact, slot: str, prompt: str) -> bool:
        value = fact.data[slot]
        if FACT_FIELDS[fact.kind][slot][1] == "entity":
            members = value if isinstance(value, (tuple, list)) else (value,)
            names = [n for v in members for n in (self.bank.entities[v].name, *self.bank.entities[v].aliases)]
        else:
            names = [self.truth.display(fact.kind, slot, value, fact.data.get("unit"))]  # type: ignore[arg-type]
        folded = normalize(prompt)
        return any(_contains_words(folded, text_key(n)) for n in names if len(text_key(n)) >= 2)

    def unattributed(self, fact: Fact, spec: TemplateSpec, text: str, data) -> str | None:
        """Contested claims are attributed: the text names who claims it (unless it asks for them)."""
        folded = normalize(text)

        def named(eid: str) -> bool:
            entity = self.bank.entities[eid]
            return any(_contains_words(folded, text_key(n)) for n in (entity.name, *entity.aliases))
        for field_name, phrase in (("according_to", "According to {{ fact.according_to }}, ..."),
                                   ("via", "..., {{ fact.reported }}")):
            chain = data.get(field_name)
            for eid in (chain if isinstance(chain, (tuple, list)) else (chain,) if chain else ()):
                if not named(eid):
                    return (f"the text does not say that this is {self.bank.entities[eid].name}\u2019s account "
                            f"({field_name}); expected the template to attribute it, as in \"{phrase}\"")
        claimant = {"claim": "who", "quantity": "claimed_by"}.get(fact.kind)
        if not claimant or claimant not in data:
            return None
        if spec.answer == claimant and spec.type in ("multiple_choice", "short_answer"):
            return None  # "Who claimed that ...?" asks for the attribution itself
        members = data[claimant] if isinstance(data[claimant], (tuple, list)) else (data[claimant],)
        if all(named(m) for m in members):
            return None
        entity = self.bank.entities[members[0]]
        return (f"the text does not say who makes this contested claim ({entity.name}); expected the "
                f"template to attribute it, as in \"According to {{{{ fact.{claimant} }}}}, ...\"")

    # several facts -------------------------------------------------------------------
    def across(self, spec: TemplateSpec, facts: list[Fact]) -> tuple[list[Question], list[str]]:
        """Matching and ordering questions, each built from a group of facts."""
        usable = [f for f in facts if self.applies(spec, f)]
        questions: list[Question] = []
        warnings: list[str] = []
        if not usable:
            return questions, warnings
        groups = self.groups(spec, usable)
        if not groups:
            first = usable[0]
            warnings.append(self.warn(first, spec, self.too_few(spec, usable)))
            return questions, warnings
        for group in groups:
            if len(group) < 3:
                warnings.append(self.warn(group[0], spec, self.too_few(spec, group)))
                continue
            first = group[0]
            try:
                prompt = self.render(spec, [self.view(f) for f in group], first)
            except _Skip as skip:
                warnings.append(self.warn(first, spec, str(skip)))
                continue
            base = self.common(first, spec)
            base["source"] = _most_common([f.source for f in group])
            base["evidence"] = None
            base["facts"] = tuple(f.id for f in group)
            base["tags"] = tuple(dict.fromkeys(t for f in group for t in f.tags))
            if spec.type == "matching":
                pairs = tuple((self.display(f, spec.left), self.display(f, spec.right)) for f in group)  # type: ignore[arg-type]
                base["explanation"] = " ".join(self.explain(f) for f in group)
                questions.append(Question(type="matching", prompt=prompt, pairs=pairs,
                                          points=default_points("matching", {"pairs": pairs}), **base))
            else:
                ordered = sorted(group, key=lambda f: DateValue.parse(str(f.data[spec.order])))  # type: ignore[index]
                items = tuple(self.display(f, spec.item) for f in ordered)  # type: ignore[arg-type]
                base["explanation"] = "In order: " + "; ".join(
                    f"{item} ({self.display(f, spec.order)})" for item, f in zip(items, ordered)) + "."  # type: ignore[arg-type]
                questions.append(Question(type="ordering", prompt=prompt, items=items, **base))
        return questions, warnings

    def too_few(self, spec: TemplateSpec, facts: list[Fact]) -> str:
        what = ("with distinct values on both sides" if spec.type == "matching"
                else "with dates that can be told apart")
        return (f"only {len(facts)} {spec.kind} fact{'s' if len(facts) != 1 else ''} {what} for a "
                f"{spec.type} question; expected at least 3")

    def groups(self, spec: TemplateSpec, facts: list[Fact]) -> list[list[Fact]]:
        """Split facts into groups of 3 to ``spec.size`` that make a fair question:
        distinct items on each side (matching), dates that can be told apart (ordering)."""
        count = -(-len(facts) // spec.size)
        capacity = -(-len(facts) // count)
        groups: list[list[Fact]] = []
        for fact in facts:
            for group in groups:
                if len(group) < capacity and self.fits(spec, group, fact):
                    group.append(fact)
                    break
            else:
                groups.append([fact])
        return [g for g in groups if len(g) >= 3] or ([max(groups, key=len)] if groups else [])

    def fits(self, spec: TemplateSpec, group: list[Fact], fact: Fact) -> bool:
        if spec.type == "matching":
            for side in (spec.left, spec.right):
                key = text_key(self.display(fact, side))  # type: ignore[arg-type]
                if any(text_key(self.display(f, side)) == key for f in group):  # type: ignore[arg-type]
                    return False
            return True
        dates = [DateValue.parse(str(f.data[spec.order])) for f in group + [fact]]  # type: ignore[index]
        items = [text_key(self.display(f, spec.item)) for f in group + [fact]]  # type: ignore[arg-type]
        return comparable(dates) and len(set(items)) == len(items)

    # the bank ------------------------------------------------------------------------
    def run(self) -> _Rendered:
        out = _Rendered()
        by_kind: dict[str, list[Fact]] = {}
        for fact in self.bank.facts:
            by_kind.setdefault(fact.kind, []).append(fact)
        across: dict[str, dict[str, Question]] = {}  # first fact id -> questions of that fact
        for spec in self.templates.specs:
            if spec.type in ACROSS_TYPES:
                made, warnings = self.across(spec, by_kind.get(spec.kind, []))
                out.warnings.extend(warnings)
                for q in made:
                    across.setdefault(q.fact, {})[spec.id] = q  # type: ignore[index]
        kept = SimilarQuestions([q for q in self.bank.questions if "." not in q.id])
        for fact in self.bank.facts:
            candidates: list[tuple[TemplateSpec, Question]] = []
            for spec in self.templates.for_kind(fact.kind):
                if spec.type in ACROSS_TYPES:
                    made_q = across.get(fact.id, {}).get(spec.id)
                    if made_q:
                        out.questions.append(made_q)
                    continue
                if not self.applies(spec, fact):
                    continue
                result = self.one(spec, fact)
                if isinstance(result, Question):
                    candidates.append((spec, result))
                elif result.startswith("item-writing flaw") or is_shortage(result):
                    out.notes.append(self.note(fact, spec, result))
                else:
                    out.warnings.append(self.warn(fact, spec, result))
            chosen = self.choose(fact, candidates, kept, out.notes) if self.choosing else candidates
            for spec, q in chosen:
                out.questions.append(q)
        return out

    def note(self, fact: Fact, spec: TemplateSpec, reason: str) -> str:
        return f"{fact.ref}: fact {fact.id!r}: template {spec.id!r} not used: {reason}"

    def choose(self, fact: Fact, candidates: list[tuple[TemplateSpec, Question]], kept: "SimilarQuestions",
               notes: list[str]) -> list[tuple[TemplateSpec, Question]]:
        """At most MAX_PER_FACT questions of one fact, each testing it differently: one
        that asks to recall (short answer, cloze) and one to recognise (multiple choice,
        true/false), best first (template order; a third of the facts, chosen by a hash
        of the fact id, prefer a true/false statement for recognition), never a
        near-duplicate of a question already in the bank."""
        prefer_statement = random.Random(f"quizgen:{self.bank.id}:{fact.id}:recognise").random() < 1 / 3

        def rank(item: tuple[TemplateSpec, Question]) -> tuple:
            spec, q = item
            recognise = q.type not in RECALL_TYPES
            statement_first = (q.type == "true_false") != prefer_statement
            return (not recognise, statement_first if recognise else False)
        ordered = sorted(candidates, key=rank)  # stable: template order within a rank
        chosen: list[tuple[TemplateSpec, Question]] = []
        skills: set[bool] = set()
        disabled = set(self.bank.disable)
        overridden = {q.id for q in self.bank.questions}
        ordered = ([c for c in ordered if c[1].id in overridden]  # the teacher's versions come first
                   + [c for c in ordered if c[1].id not in overridden])
        for spec, q in ordered:
            skill = q.type in RECALL_TYPES
            if q.id in disabled:  # switched off: listed (by quizgen generate) but not counted
                chosen.append((spec, q))
                continue
            if q.id in overridden:  # the hand-written override stands in for it
                chosen.append((spec, q))
                skills.add(skill)
                continue
            if skill in skills or len(skills) >= MAX_PER_FACT:
                what = "recall" if skill else "recognition"
                notes.append(self.note(fact, spec, f"the fact already has its {what} question "
                                                   f"({next(c.id for _, c in chosen if (c.type in RECALL_TYPES) == skill)})"
                             if skill in skills else f"the fact already has {MAX_PER_FACT} questions"))
                continue
            twin = kept.near(q)
            if twin is not None:
                notes.append(self.note(fact, spec, f"a near-duplicate of question {twin.id!r} ({twin.ref})"))
                continue
            chosen.append((spec, q))
            skills.add(skill)
            kept.add(q)
        order = {id(c[1]): i for i, c in enumerate(candidates)}
        return sorted(chosen, key=lambda c: order[id(c[1])])


def is_shortage(reason: str) -> bool:
    """Skip reasons that come from the bank's content, not from a mistake: too few good
    wrong options (see quizgen.distractors)."""
    return reason.startswith(("only ", "too few "))


def question_words(q: Question) -> frozenset[str]:
    """The content words a question asks about: its prompt (blanks filled) and its answer."""
    text = q.prompt.replace("[[", " ").replace("]]", " ")
    if q.type in ("multiple_choice", "short_answer"):
        text += " " + " ".join(q.answers)
    return frozenset(_content_words(text))


def _content_words(text: str) -> set[str]:
    from .flaws import _content  # the same word list as the item-writing rules
    return _content(text)


class SimilarQuestions:
    """Questions already in the bank, indexed by content word, to find near-duplicates
    (content-word overlap of at least NEAR_DUPLICATE) without comparing every pair."""

    def __init__(self, questions: Iterable[Question] = ()):
        self.words: list[frozenset[str]] = []
        self.questions: list[Question] = []
        self.index: dict[str, list[int]] = {}
        self.answers: dict[tuple[str, str], Question] = {}  # (fact id, answer) of hand-written questions
        for q in questions:
            self.add(q)

    def add(self, q: Question) -> None:
        if q.origin == "hand":  # a hand-written question that tests a fact already asks for its answer
            for fact_id in q.facts:
                for answer in q.answers:
                    self.answers.setdefault((fact_id, text_key(answer)), q)
        words = question_words(q)
        for w in words:
            self.index.setdefault(w, []).append(len(self.questions))
        self.words.append(words)
        self.questions.append(q)

    def near(self, q: Question) -> Question | None:
        """The first question whose content words overlap ``q``'s by NEAR_DUPLICATE or more.

        Only the postings of ``q``'s rarest words are read (prefix filtering): an overlap
        of 60% must share at least one of the rarest 40% + 1 of its words. At most
        NEAR_DUPLICATE_LOOKS questions are compared, so a huge bank whose questions share
        most of their words costs a bounded time per question.
        """
        if q.origin == "template" and q.fact and q.type != "true_false":
            for answer in q.answers:
                twin = self.answers.get((q.fact, text_key(answer)))
                if twin is not None:
                    return twin  # the same fact, the same answer: asked already
        words = question_words(q)
        if not words:
            return None
        probes = sorted(words, key=lambda w: (len(self.index.get(w, ())), w))
        probes = probes[: int(len(words) * (1 - NEAR_DUPLICATE)) + 1]
        low, high = len(words) * NEAR_DUPLICATE, len(words) / NEAR_DUPLICATE
        seen: set[int] = set()
        for w in probes:
            for i in self.index.get(w, ()):
                if i in seen:
                    continue
                if len(seen) >= NEAR_DUPLICATE_LOOKS:
                    return None  # a huge bank of repetitive wording: compared with enough of it
                seen.add(i)
                other = self.questions[i]
                if other.id == q.id or (other.origin == "template" and other.fact == q.fact):
                    continue  # the same fact's other generated question tests it the other way
                theirs = self.words[i]
                if not low <= len(theirs) <= high:
                    continue  # sizes too different for the overlap to reach NEAR_DUPLICATE
                shared = len(words & theirs)
                if shared / (len(words) + len(theirs) - shared) >= NEAR_DUPLICATE:
                    return other
        return None


def tidy(text: str) -> str:
    """One line, single spaces, no space before punctuation, a capital first letter."""
    text = " ".join(text.split())
    text = re.sub(r"\s+([?.!,;:])", r"\1", text)
    text = re.sub(r"([\u201c(\[])\s+", r"\1", text)
    return capfirst(text)


def _contains_words(folded: str, key: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(key) + r"(?!\w)", folded) is not None


def _most_common(values: list[str]) -> str:
    counts: dict[str, int] = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return max(counts, key=lambda v: (counts[v], -values.index(v)))


def generate_questions(bank: Bank, templates: TemplateSet) -> tuple[list[Question], list[str]]:
    """Every question the templates make from the bank's facts, and why any were skipped."""
    result = Generator(bank, templates).run()
    return result.questions, result.warnings


def generate_with_notes(bank: Bank, templates: TemplateSet, choose: bool = True) -> _Rendered:
    """The generated questions, the warnings, and the notes on candidates not generated.
    ``choose=False`` returns every candidate (each template's question), unchosen."""
    return Generator(bank, templates, choose).run()


def dedupe_key(q: Question) -> tuple[str, str]:
    return normalize(q.prompt), normalize(q.answer_text)


def expand_bank(bank: Bank, include_generated: bool = True, templates_dir: Path | None = None, *,
                builtin: bool = True) -> Expansion:
    """Hand-written questions, then generated ones.

    Generated questions whose id the bank disables, or that a hand-written question
    overrides, are left out; so is any question with the same prompt and answer as
    an earlier one (with a warning). ``templates_dir`` overrides the built-in
    templates by file name (default: ``./templates`` when it exists).
    """
    hand = list(bank.questions)
    warnings: list[str] = []
    notes: list[str] = []
    generated: list[Question] = []
    templates = load_templates(templates_dir, builtin, bank.language) if include_generated and bank.facts else None
    if include_generated and bank.facts and templates is None:
        warnings.append(no_templates_warning(bank))
    if templates is not None:
        rendered = generate_with_notes(bank, templates)
        generated, warnings, notes = rendered.questions, rendered.warnings, rendered.notes
        made = {q.id for q in generated}
        for item in bank.disable:
            if item not in made:
                warnings.append(f"{bank.ref or bank.path}: warning: bank {bank.id}: disable {item!r} matches no "
                                "generated question; expected an id that `quizgen generate` lists")
        for q in hand:
            if "." in q.id and q.id not in made:
                warnings.append(f"{q.ref}: warning: question {q.id}: it overrides {q.id!r}, which matches no "
                                "generated question; expected an id that `quizgen generate` lists")
    hand_ids = {q.id for q in hand}
    disabled = set(bank.disable)
    candidates = hand + [g for g in generated if g.id not in disabled and g.id not in hand_ids]
    kept, dropped = drop_duplicates(candidates)
    warnings.extend(f"{q.ref}: warning: question {q.id}: dropped: same prompt and answer as question "
                    f"{first.id!r} ({first.ref}); expected each question once" for q, first in dropped)
    return Expansion(questions=tuple(kept), warnings=tuple(warnings), notes=tuple(notes))


def drop_duplicates(questions: Sequence[Question]) -> tuple[list[Question], list[tuple[Question, Question]]]:
    """The questions without any whose ``dedupe_key`` an earlier one has, and each dropped
    question with that earlier one. Prompts are compared first; answers are normalized only
    for questions whose prompts are the same (most prompts differ)."""
    kept: list[Question] = []
    dropped: list[tuple[Question, Question]] = []
    # normalized prompt -> its first question, or (once another shares the prompt) answer -> first question
    seen: dict[str, Question | dict[str, Question]] = {}
    for q in questions:
        prompt = normalize(q.prompt)
        first = seen.get(prompt)
        if first is None:
            seen[prompt] = q
            kept.append(q)
            continue
        if isinstance(first, Question):
            first = seen[prompt] = {normalize(first.answer_text): first}
        answer = normalize(q.answer_text)
        if answer in first:
            dropped.append((q, first[answer]))
            continue
        first[answer] = q
        kept.append(q)
    return kept, dropped


# -- preview (quizgen generate) -------------------------------------------------------

@dataclass(frozen=True)
class Preview:
    """Generated questions for ``quizgen generate``, with their fate in the build."""

    questions: tuple[Question, ...]
    status: dict  # question id -> "" (kept), "disabled", "overridden" or "duplicate"
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # why candidate questions were not generated


def preview(banks: Iterable[Bank], fact: str | None = None, template: str | None = None,
            templates_dir: Path | None = None) -> Preview:
    """The questions the templates make from the banks' facts, optionally for one fact or template."""
    templates = load_templates(templates_dir)
    assert templates is not None  # English templates always exist (the built-in ones)
    wanted_template = template.replace("_", "-") if template else None
    questions: list[Question] = []
    status: dict[str, str] = {}
    warnings: list[str] = []
    notes: list[str] = []
    facts_seen: set[str] = set()
    for bank in banks:
        own = templates if bank.language == TEMPLATE_LANGUAGE else load_templates(templates_dir, language=bank.language)
        if own is None:
            warnings.append(no_templates_warning(bank))
            facts_seen.update(f.id for f in bank.facts)
            continue
        rendered = generate_with_notes(bank, own)
        made, bank_warnings = rendered.questions, rendered.warnings
        notes.extend(n for n in rendered.notes
                     if (not fact or f"fact {fact!r}" in n)
                     and (not wanted_template or f"template {wanted_template!r}" in n))
        kept = {q.id for q in expand_bank(bank).questions if q.origin == "template"}
        hand_ids = {q.id for q in bank.questions}
        facts_seen.update(f.id for f in bank.facts)
        for q in made:
            if fact and q.fact != fact:
                continue
            if wanted_template and q.template != wanted_template:
                continue
            questions.append(q)
            status[q.id] = ("" if q.id in kept else "disabled" if q.id in bank.disable
                            else "overridden" if q.id in hand_ids else "duplicate")
        warnings.extend(w for w in bank_warnings
                        if (not fact or f"fact {fact}:" in w)
                        and (not wanted_template or f"template {wanted_template!r}" in w))
    if fact and fact not in facts_seen:
        raise SelectionError(f"--fact {fact!r} is not a fact of these banks; expected one of: "
                             f"{', '.join(sorted(facts_seen)) or 'none (the banks have no facts)'}")
    known = {s.id for s in templates.specs}
    if wanted_template and wanted_template not in known:
        raise SelectionError(f"--template {template!r} is not a template; expected one of: "
                             f"{', '.join(sorted(known))}")
    return Preview(tuple(questions), status, tuple(warnings), tuple(notes))


TYPE_NAMES = {"multiple_choice": "multiple choice", "true_false": "true or false", "short_answer": "short answer",
              "cloze": "fill in the blanks", "numeric": "number", "matching": "matching", "ordering": "ordering"}


def format_question(q: Question, status: str = "") -> str:
    """A generated question as readable text, answer marked (the ``generate`` preview)."""
    note = f" [{status}]" if status else ""
    lines = [f"{q.id}  ({TYPE_NAMES.get(q.type, q.type)}, source {q.source}){note}", f"  {q.prompt}"]
    if q.type == "multiple_choice":
        lines += [f"    * {a}" for a in q.answers] + [f"    - {d}" for d in q.distractors]
    elif q.type == "true_false":
        lines.append(f"    answer: {'True' if q.truth else 'False'}")
    elif q.type == "short_answer":
        also = f" (also accepted: {', '.join(q.accept)})" if q.accept else ""
        lines.append(f"    answer: {q.answers[0]}{also}")
    elif q.type == "cloze":
        lines.append(f"    answer: {q.answer_text}")
    elif q.type == "matching":
        lines += [f"    {left} \u2192 {right}" for left, right in q.pairs]
    elif q.type == "ordering":
        lines += [f"    {i}. {item}" for i, item in enumerate(q.items, 1)]
    if q.explanation:
        lines.append(f"    explanation: {q.explanation}")
    return "\n".join(lines)


def format_preview(result: Preview) -> str:
    """Every question of a preview, then a count by template."""
    blocks = [format_question(q, result.status.get(q.id, "")) for q in result.questions]
    counts: dict[str, int] = {}
    for q in result.questions:
        counts[q.template or "?"] = counts.get(q.template or "?", 0) + 1
    summary = ", ".join(f"{t} {n}" for t, n in sorted(counts.items()))
    if result.notes:
        blocks.append("Not generated:\n" + "\n".join(f"  {n}" for n in result.notes))
    blocks.append(f"{len(result.questions)} generated questions" + (f" ({summary})" if summary else "")
                  + (f"; {len(result.notes)} candidates not generated (see above)" if result.notes else ""))
    return "\n\n".join(blocks) + "\n"


def _y(value: object) -> str:
    """A YAML scalar: JSON strings are valid YAML double-quoted strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(str(value), ensure_ascii=False)


YAML_INDENT = "  "  # list items under `questions:`, as in the starter bank (quizgen init)


def question_yaml(q: Question) -> str:
    """A generated question as a hand-written one that overrides it, ready to paste
    under ``questions:`` and edit (indented as the starter bank's questions are)."""
    return "\n".join(YAML_INDENT + line for line in _question_yaml(q).split("\n"))


def _question_yaml(q: Question) -> str:
    hand_id = q.id.replace(".", "-").replace("_", "-")
    lines = [f"- id: {hand_id}", f"  override: {q.id}", f"  type: {q.type}"]
    if q.type == "multiple_choice":
        lines.append(f"  prompt: {_y(q.prompt)}")
        if q.select_all:
            lines.append(f"  answers: [{', '.join(_y(a) for a in q.answers)}]")
        else:
            lines.append(f"  answer: {_y(q.answers[0])}")
        lines.append(f"  distractors: [{', '.join(_y(d) for d in q.distractors)}]")
    elif q.type == "true_false":
        lines += [f"  statement: {_y(q.prompt)}", f"  answer: {_y(bool(q.truth))}"]
    elif q.type == "short_answer":
        lines += [f"  prompt: {_y(q.prompt)}", f"  answer: {_y(q.answers[0])}"]
        if q.accept:
            lines.append(f"  accept: [{', '.join(_y(a) for a in q.accept)}]")
    elif q.type == "cloze":
        lines.append(f"  text: {_y(q.prompt)}")
    elif q.type == "matching":
        lines.append(f"  prompt: {_y(q.prompt)}")
        lines.append("  pairs:")
        lines += [f"    - [{_y(left)}, {_y(right)}]" for left, right in q.pairs]
    elif q.type == "ordering":
        lines.append(f"  prompt: {_y(q.prompt)}")
        lines.append("  items:")
        lines += [f"    - {_y(item)}" for item in q.items]
    if q.explanation:
        lines.append(f"  explanation: {_y(q.explanation)}")
    lines.append(f"  source: {q.source}")
    if q.evidence:
        lines.append(f"  evidence: {_y(q.evidence)}")
    if q.tags:
        lines.append(f"  tags: [{', '.join(_y(t) for t in q.tags)}]")
    return "\n".join(lines)


def preview_yaml(result: Preview) -> str:
    """The preview as YAML list items for a bank's ``questions:``."""
    if not result.questions:
        return "# no generated questions\n"
    return "\n".join(question_yaml(q) for q in result.questions) + "\n"
