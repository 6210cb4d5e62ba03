"""Item-writing flaws: checks for hand-written and generated questions alike.

Each rule is a small named function ``rule(question, context) -> str | None``: the
problem and how to fix it ("what is wrong; how to fix it"), or None when the
question passes. A rule is registered with the question types it checks
(``@rule(types=...)``), and ``find_flaws`` runs a question through its type's rules only;
a cheap test (a substring of the casefolded prompt) comes before any costly search.

The rules follow the guidelines reviewed by Haladyna, Downing and Rodriguez (2002), "A
review of multiple-choice item-writing guidelines for classroom assessment", Applied
Measurement in Education 15(3), 309-333; docs/item-writing.md says which guideline each
rule comes from.

Hand-written questions that trip a rule get a warning (DESIGN §11.4); generated
questions that trip one are not generated (``quizgen generate`` says why). No I/O
and no randomness here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from .banks import FACT_FIELDS, normalize
from .model import Bank, Question

if TYPE_CHECKING:
    from .distractors import SlotTruth

# quizgen.distractors (the bank's truths, option keys) is imported where it is first needed:
# checking the hand-written questions of a bank without facts does not need it.

STOPWORDS = frozenset("""
    a an the and or but of to in on at by for with from as into about over after before under than that
    this these those which who whom whose what when where why how is are was were be been being has have
    had do does did not no its it their them they his her he she we you your our said says say would
    could should will can may might must also only such other than then there here what's very more most
    some any each which according article report
""".split())
ABSOLUTE_WORDS = ("always", "never", "all", "none", "every", "only", "entirely", "completely", "absolutely",
                  "totally", "nobody", "everyone", "everything", "nothing", "invariably")
NEGATIVE_WORDS = ("not", "except")
VOWEL_SOUND = re.compile(r"^(?:[aeio]|u(?![nrs]i|se|ni|kr|ro|ti)|hour|honest|honou?r|heir)", re.IGNORECASE)
ACRONYM_VOWEL_SOUND = re.compile(r"^[AEFHILMNORSX][A-Z0-9]*\b")  # "an FBI agent", "an MP"
QUOTED = re.compile(r"\u201c[^\u201d]*\u201d|\"[^\"]*\"|\u2018[^\u2019]*\u2019(?!\w)")
NUMBER_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
AMOUNT = re.compile(r"^\s*(?:about |over |nearly |some )?[$€£]?\s*(\d[\d,]*(?:\.\d+)?)\s*"
                    r"(thousand|million|billion|trillion)?\b", re.IGNORECASE)
DEFAULT_RELATIVE_TOLERANCE = 0.05
MONTH = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|"
                   r"December)\b", re.IGNORECASE)
WORD = re.compile(r"[a-z0-9]+(?:['\u2019][a-z]+)?")
CATCH_ALL = re.compile(r"(all|none|both|neither) of the (above|options)( answers)?")
# one search for every absolute word; the group that matched says which word it was
ABSOLUTE = re.compile(r"(?<!\w)(?:" + "|".join(f"({word})" for word in ABSOLUTE_WORDS) + r")(?!\w)", re.IGNORECASE)
NEGATIVE = {word: re.compile(rf"(?<![\w*_]){word}(?![\w*_])", re.IGNORECASE) for word in NEGATIVE_WORDS}
SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
REPORTED_CLAUSE = re.compile(r"\bthat\b|:")


@dataclass
class FlawContext:
    """What the rules may know besides the question: the bank (its facts' values,
    ``also_true`` and ``tolerance``), indexed once."""

    bank: Bank | None = None
    truth: SlotTruth | None = None
    facts: Mapping[str, object] = field(default_factory=dict)
    # the question whose option keys were last worked out, and those keys (see option_keys)
    _keyed: Question | None = field(default=None, repr=False, compare=False)
    _keys: list[str] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def of(cls, bank: Bank | None, truth: SlotTruth | None = None) -> "FlawContext":
        if bank is None:
            return cls()
        if truth is None and bank.facts:  # without facts no question tests one: nothing to look up
            from .distractors import SlotTruth

            truth = SlotTruth(bank)
        return cls(bank, truth, {f.id: f for f in bank.facts})

    def option_keys(self, q: Question) -> list[str]:
        """The options of a multiple-choice question (answers, then wrong options) as
        ``distractors.text_key`` compares them; worked out once for all the rules."""
        if self._keyed is not q:
            from .distractors import text_key

            self._keyed, self._keys = q, [text_key(o) for o in _options(q)]
        return self._keys

    def tested(self, q: Question):
        ids = q.facts or ((q.fact,) if q.fact else ())
        return [self.facts[i] for i in ids if i in self.facts]

    def true_texts(self, q: Question) -> set[str]:
        """Every value the bank states as true for the slot the question asks about:
        the slot of a tested fact whose value is the question's answer."""
        out: set[str] = set()
        tested = self.tested(q) if self.truth is not None else ()
        if not tested:
            return out
        from .distractors import text_key

        answers = {text_key(a) for a in q.answers}
        for fact in tested:
            unit = fact.data.get("unit") if fact.kind == "quantity" else None
            for slot, (_, value_kind) in FACT_FIELDS[fact.kind].items():
                if value_kind not in ("entity", "text", "date", "number") or slot not in fact.data:
                    continue
                if text_key(self.truth.display(fact.kind, slot, fact.data[slot], unit)) not in answers:
                    continue
                for value in self.truth.true_values(fact, slot):
                    values = value if isinstance(value, (tuple, list)) else (value,)
                    for v in values:
                        out.add(text_key(self.truth.display(fact.kind, slot, v, unit)))
                        if value_kind == "entity" and v in self.truth.bank.entities:
                            out.update(text_key(a) for a in self.truth.bank.entities[v].aliases)
        return out

    def tolerance(self, q: Question, answer: float) -> float:
        for fact in self.tested(q):
            if fact.kind == "quantity" and fact.data.get("tolerance") is not None:
                return float(fact.data["tolerance"])  # type: ignore[arg-type]
        return abs(answer) * DEFAULT_RELATIVE_TOLERANCE


Rule = Callable[[Question, FlawContext], "str | None"]
RULES: dict[str, Rule] = {}
RULE_TYPES: dict[str, "tuple[str, ...] | None"] = {}  # rule name -> the question types it checks (None: all)
_RULES_BY_TYPE: dict[str, tuple[tuple[str, Rule], ...]] = {}


def rule(function: Rule | None = None, *, types: Iterable[str] | None = None):
    """Register a rule under its function name, hyphenated (answer_length_cue -> answer-length-cue).
    ``@rule(types=(...))`` says which question types the rule can find a flaw in; the checker
    runs it on those only (the rule still answers None for any other type)."""
    def register(checker: Rule) -> Rule:
        name = checker.__name__.replace("_", "-")
        RULES[name] = checker
        RULE_TYPES[name] = tuple(types) if types is not None else None
        _RULES_BY_TYPE.clear()
        return checker
    return register(function) if function is not None else register


def rules_for(question_type: str) -> tuple[tuple[str, Rule], ...]:
    """(name, rule) of every rule that checks questions of this type, in registration order."""
    found = _RULES_BY_TYPE.get(question_type)
    if found is None:
        found = _RULES_BY_TYPE[question_type] = tuple(
            (name, function) for name, function in RULES.items()
            if RULE_TYPES.get(name) is None or question_type in RULE_TYPES[name])  # type: ignore[operator]
    return found


def _options(q: Question) -> list[str]:
    return list(q.answers) + list(q.distractors) if q.type == "multiple_choice" else []


def _unquoted(text: str) -> str:
    return QUOTED.sub(" ", text)


def _words(text: str) -> list[str]:
    return WORD.findall(normalize(text))


def _last_word(text: str) -> str:
    """``_words(text)[-1]`` ("" for none), reading only the text after its last space when
    a word is there (no word spans a space)."""
    tail = text.rsplit(None, 1)[-1:]
    words = _words(tail[0]) if tail else []
    if not words:
        words = _words(text)
    return words[-1] if words else ""


def _content(text: str) -> set[str]:
    return {w.rstrip("s") if len(w) > 4 else w for w in _words(text) if w not in STOPWORDS and len(w) >= 4}


# -- the rules -----------------------------------------------------------------------

@rule(types=("multiple_choice",))
def answer_length_cue(q: Question, ctx: FlawContext) -> str | None:
    """The key is much longer than every wrong option (guideline: keep options about
    the same length; test-wise students pick the longest)."""
    if q.type != "multiple_choice" or q.select_all or len(q.distractors) < 2:
        return None
    key = len(q.answers[0])
    longest = max(len(d) for d in q.distractors)
    if key >= 1.5 * longest and key - longest >= 12:
        return (f"the answer ({key} characters) is much longer than every wrong option (at most {longest}); "
                "make the options about the same length")
    return None


@rule(types=("multiple_choice",))
def all_or_none_of_the_above(q: Question, ctx: FlawContext) -> str | None:
    """"All of the above" / "None of the above" (guideline: avoid them)."""
    for option, key in zip(_options(q), ctx.option_keys(q)):
        if " of the " in key and CATCH_ALL.fullmatch(key):
            return f"option {option!r} is a catch-all; replace it with a plausible wrong answer"
    return None


@rule(types=("multiple_choice",))
def article_agreement(q: Question, ctx: FlawContext) -> str | None:
    """The stem's last word "a"/"an" fits only some options, or the key alone starts
    with a different article (guideline: options grammatically consistent with the stem)."""
    options = _options(q)
    if len(options) < 3:
        return None
    last = [_last_word(q.prompt.rstrip(" ?:.\u2026_"))]
    if last[0] in ("a", "an"):
        fits = [o for o in options if _vowel_sound(o.strip()) == (last[0] == "an")]
        if len(fits) != len(options):
            misfit = next(o for o in options if o not in fits)
            return (f"the stem ends in {last[0]!r}, which does not fit option {misfit!r}; end the stem "
                    "before the article and give each option its own")
    if q.select_all:
        return None

    def lead(text: str) -> str:
        """The option's leading article, unless it belongs to a name ("the US")."""
        words = text.split()
        first = words[0].casefold() if words else ""
        if first == "the" and len(words) > 1 and words[1][:1].isupper():
            return ""
        return first if first in ("a", "an", "the", "to") else ""
    key, others = lead(q.answers[0]), {lead(d) for d in q.distractors}
    if len(others) == 1 and key != next(iter(others)):
        shown = f"starts with {key!r}" if key else "has no leading article"
        return (f"the answer alone {shown}, unlike the wrong options; word all options the same way")
    return None


def _vowel_sound(text: str) -> bool:
    """Whether a word takes "an": "an observer", "an FBI agent", "a union", "a signatory"."""
    first = text.split(None, 1)[0] if text.split() else ""
    if first.isupper() and len(first) > 1:
        return bool(ACRONYM_VOWEL_SOUND.match(first))
    return bool(VOWEL_SOUND.match(text))


def _plural(text: str) -> bool:
    words = _words(text)
    if not words:
        return False
    last = words[-1]
    return " and " in f" {text.casefold()} " or (last.endswith("s") and not last.endswith(("ss", "us", "is")))


@rule(types=("multiple_choice",))
def number_agreement(q: Question, ctx: FlawContext) -> str | None:
    """The key alone is plural (or singular) among common-noun options (guideline:
    options grammatically consistent with the stem and each other)."""
    options = _options(q)
    if (len(options) < 3 or q.select_all or any(o[:1].isupper() for o in options)
            or any(o.split()[0].casefold() == "to" for o in options if o.split())):
        return None  # names and verb phrases have no number to agree in
    key = _plural(q.answers[0])
    if all(_plural(d) != key for d in q.distractors):
        number = "plural" if key else "singular"
        return f"the answer alone is {number}; make the wrong options the same grammatical number"
    return None


@rule(types=("multiple_choice", "short_answer"))
def negative_stem(q: Question, ctx: FlawContext) -> str | None:
    """A negative stem ("Which is not ...") whose negative word is not emphasised
    (guideline: word stems positively; if a negative is needed, emphasise it: NOT)."""
    if q.type not in ("multiple_choice", "short_answer"):
        return None
    folded = q.prompt.casefold()  # no letter but n, o, t (e, x, c, p) matches them ignoring case
    if not any(word in folded for word in NEGATIVE_WORDS):
        return None
    # the question itself, not a clause it reports ("Who said that X could not ...?")
    question = SENTENCE_BREAK.split(_unquoted(q.prompt).strip())[-1]
    text = REPORTED_CLAUSE.split(question, maxsplit=1)[0]
    for word in NEGATIVE_WORDS:
        for match in NEGATIVE[word].finditer(text):
            if match.group(0) != word.upper():
                return (f"the stem is negative ({match.group(0)!r}) and the word is not emphasised; ask "
                        f"the question positively, or write it in capitals ({word.upper()})")
    return None


@rule(types=("multiple_choice",))
def key_word_in_stem(q: Question, ctx: FlawContext) -> str | None:
    """A distinctive word of the stem reappears in the key only (a "clang"
    association; guideline: avoid clues to the right answer)."""
    if q.type != "multiple_choice" or q.select_all or len(q.distractors) < 2:
        return None
    key = _content(q.answers[0])
    folded = q.prompt.casefold()  # a stem word is in it, unless a "\u2019" in the word became "'"
    if not any(word in folded or "'" in word for word in key):
        return None
    in_both = _content(_unquoted(q.prompt)) & key  # the wrong options are read only if needed
    if not in_both:
        return None
    others = set().union(*(_content(d) for d in q.distractors))
    shared = sorted(in_both - others)
    if shared:
        return (f"the word {shared[0]!r} is in the stem and in the answer but in no wrong option, a clue; "
                "reword the answer or use the word in some wrong options too")
    return None


@rule(types=("true_false",))
def absolute_words(q: Question, ctx: FlawContext) -> str | None:
    """A true/false statement with an absolute word (always, never, all, only ...), which
    test-wise students read as a sign of "false" (guideline: avoid specific determiners)."""
    if q.type != "true_false":
        return None
    # a cheap test first: ignoring case, only "\u0130" and "\u0131" match a letter of the words
    # (an "i") and fold to something else
    folded = q.prompt.casefold()
    if not any(word in folded for word in ABSOLUTE_WORDS) and "\u0130" not in q.prompt and "\u0131" not in q.prompt:
        return None
    found = [match.lastindex for match in ABSOLUTE.finditer(_unquoted(q.prompt))]
    if found:  # the first word of ABSOLUTE_WORDS that the statement uses
        word = ABSOLUTE_WORDS[min(found) - 1]  # type: ignore[type-var]
        return (f"the statement uses the absolute word {word!r}; state the point without it, "
                "or quote it if it is the source's word")
    return None


@rule(types=("multiple_choice",))
def duplicate_options(q: Question, ctx: FlawContext) -> str | None:
    """Two options that are the same, or one inside the other (guideline: options
    mutually exclusive)."""
    options = _options(q)
    keys = ctx.option_keys(q)
    for i, a in enumerate(keys):
        for j in range(i + 1, len(keys)):
            b = keys[j]
            if a == b:
                return f"options {options[i]!r} and {options[j]!r} are the same; make every option different"
            short, long = (a, b) if len(a) <= len(b) else (b, a)
            if len(short) >= 3 and short in long and re.search(r"(?<!\w)" + re.escape(short) + r"(?!\w)", long):
                return (f"option {options[i]!r} overlaps option {options[j]!r}; make the options "
                        "mutually exclusive")
    return None


@rule(types=("multiple_choice",))
def distractor_stated_true(q: Question, ctx: FlawContext) -> str | None:
    """A wrong option that the bank states as true for the same slot (a fact, or the
    fact's ``also_true``): a question that teaches an error."""
    if q.type != "multiple_choice" or not q.distractors:
        return None
    truths = ctx.true_texts(q)
    if not truths:
        return None
    for d, key in zip(q.distractors, ctx.option_keys(q)[len(q.answers):]):
        if key in truths:
            return (f"wrong option {d!r} is true according to the bank (a fact or its also_true); "
                    "replace it with an option that is false")
    return None


def amount(text: str) -> float | None:
    """"1 billion US dollars" -> 1e9, "14 years" -> 14, "$1,000" -> 1000; None for other text."""
    match = AMOUNT.match(text)
    if not match or MONTH.search(text):
        return None
    value = float(match.group(1).replace(",", ""))
    return value * NUMBER_WORDS[match.group(2).casefold()] if match.group(2) else value


@rule(types=("multiple_choice",))
def numeric_distractor_within_tolerance(q: Question, ctx: FlawContext) -> str | None:
    """A numeric wrong option within the answer's tolerance: arguably right (the fact's
    ``tolerance``, else 5% of the answer)."""
    if q.type != "multiple_choice" or q.select_all:
        return None
    answer = amount(q.answers[0])
    if answer is None:
        return None
    tolerance = ctx.tolerance(q, answer)
    for d in q.distractors:
        value = amount(d)
        if value is not None and abs(value - answer) <= tolerance:
            return (f"wrong option {d!r} is within the answer's tolerance (\u00b1{tolerance:g}), so it is "
                    "arguably right; choose a number further away")
    return None


# -- running them ----------------------------------------------------------------------------

def find_flaws(q: Question, ctx: FlawContext | None = None,
               rules: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """(rule name, message) for every rule the question breaks."""
    ctx = ctx or FlawContext()
    found = []
    chosen = [(name, RULES[name]) for name in rules] if rules else rules_for(q.type)
    for name, function in chosen:
        message = function(q, ctx)
        if message:
            found.append((name, message))
    return found


def flaw_warning(q: Question, name: str, message: str) -> str:
    """A §11.4 warning: ``path:line: warning: question ID: what is wrong; how to fix it``."""
    where = f"{q.ref}: " if q.ref else ""
    return f"{where}warning: question {q.id}: {message} [{name}]"


def check_questions(bank: Bank, questions: Iterable[Question]) -> list[str]:
    """Warnings for every flaw of the given (hand-written) questions of a bank."""
    ctx = FlawContext.of(bank)
    return [flaw_warning(q, name, message) for q in questions for name, message in find_flaws(q, ctx)]


def count_flaws(bank: Bank, questions: Iterable[Question]) -> dict[str, int]:
    """How many questions break each rule (for reports)."""
    ctx = FlawContext.of(bank)
    counts = {name: 0 for name in RULES}
    for q in questions:
        for name, _ in find_flaws(q, ctx):
            counts[name] += 1
    return counts
