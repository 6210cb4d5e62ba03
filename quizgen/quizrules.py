"""The rules a printed quiz keeps, each a small named function a teacher can read.

A quiz never holds two questions that test the same fact (``shares_fact``), two
near-identical prompts (``near_duplicate``), or a question whose printed text states
another chosen question's answer (``gives_away``). Within those rules a default quiz
spreads its questions over types (``next_type``), templates and tags (``repetition``, then
``pile`` when a swap can lower it), sources and tags (``balance_score``)
and prefers a hand-written question to a generated one on the same fact (``tier``).
Multiple-choice answer letters are balanced within each version (``LetterBalancer``).

The text rules compare *profiles* (``profile_question``): what each question prints
as true, what its answer is, and what its prompt is about, as sets of normalised
tokens. Normalising is where the giveaway test earns its keep:

- names: an entity's name, its aliases and a person's surname become one token
  (``ent:putin``), so "the decree signed by Putin" mentions "Vladimir Putin";
- numbers in any spelling: "4", "four", "$1 billion", "1,000,000,000" (``num:4``);
- dates in any format: "16 November 2016", "Nov. 16, 2016", "2016-11-16"; a date
  also states its month and year (``date:2016-11``, ``date:2016``);
- words are lower-cased, lightly stemmed ("signed", "signs" -> ``sign``) and
  function words dropped.

A true/false statement that is false states nothing (its swapped-in value is not a
fact); a true one states what it says. The answer of a multiple-choice, short-answer,
numeric or cloze question is given away when another question's printed passage
mentions it *and* shares the words of its prompt ("Who signed the decree?" is given
away by "Putin signs the decree", not by "Vladimir Putin: President of Russia").
A matching question is given away when one passage mentions both sides of a pair; a
matching question's passages are its pairs, each read as one claim (left and right together).
A distinctive name ("Rome Statute", where "Russia" is in every prompt) stated verbatim needs
less: one shared prompt word, or two of the bank's frequent ones (``names_the_answer``).
"""
from __future__ import annotations

import math
import random
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from .model import Bank, Question

# --- text normalisation -------------------------------------------------------------

STOP_WORDS = frozenset("""
a an the of to in on at by for with from and or but nor as into onto than then so such
is are was were be been being am has have had do does did doing it its it's this that these
those there here their theirs they them he him his she her hers we us our you your i me my
which who whom whose what when where why how many much whether if while also only just
yes very more most less least own same other another each every all any some
would could should may might can will shall must
about after before according said say says saying told tell name named following
select apply true false statement question questions answer answers one's
monday tuesday wednesday thursday friday saturday sunday
""".split())

MONTHS = {name: i for i, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec")), start=1) for name in names}
_MONTH = r"(?P<{}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<{}>[0-3]?\d)(?:st|nd|rd|th)?"
DATE_PATTERNS = [
    re.compile(r"(?<!\d)(?P<y>\d{4})-(?P<m>[01]\d)(?:-(?P<d>[0-3]\d))?(?!\d)"),
    re.compile(rf"(?<!\w){_DAY.format('d')}\s+(?:of\s+)?{_MONTH.format('m')}(?:,?\s+(?P<y>\d{{4}}))?(?!\w)", re.I),
    re.compile(rf"(?<!\w){_MONTH.format('m')}\s+{_DAY.format('d')}(?:,?\s+(?P<y>\d{{4}}))?(?!\w)", re.I),
    re.compile(rf"(?<!\w){_MONTH.format('m')}\s+(?:of\s+)?(?P<y>\d{{4}})(?!\w)", re.I),
]
SMALL_NUMBERS = {word: i for i, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
TENS = {word: 10 * i for i, word in enumerate(
    "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()) if word != "_"}
SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
          "trillion": 1_000_000_000_000}
WORD = re.compile(r"\$?\d[\d,]*(?:\.\d+)?%?|\w+(?:['-]\w+)*", re.U)
SUFFIXES = ("ications", "ication", "ational", "ations", "ation", "ments", "ment", "ings", "ing",
            "ies", "ied", "ers", "er", "ed", "es", "ly", "s")


# Forms a suffix-stripping stemmer cannot join: irregular pasts and nouns of an act.
WORD_FORMS = {"signature": "sign", "signatures": "sign", "signatory": "sign", "signatories": "sign",
              "withdrew": "withdraw", "withdrawn": "withdraw", "withdrawal": "withdraw",
              "withdrawals": "withdraw"}


def stem(word: str) -> str:
    """A light stemmer: "ratified", "ratifying", "ratification" -> "ratif"; "signature" -> "sign"."""
    word = word.casefold()
    if word in WORD_FORMS:
        return WORD_FORMS[word]
    for suffix in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] in "ye":
        word = word[:-1]
    return word


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return (text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"')
            .replace("\u201d", '"').replace("\u2013", "-").replace("\u2014", " - "))


def date_tokens(year: str | None, month: int, day: str | None) -> set[str]:
    """What a date states: "16 November 2016" states the day, the month and the year (also as a number)."""
    out = set()
    if year:
        out.add(f"num:{int(year)}")  # "In what year ...?" is answered by any date in that year
        out.add(f"date:{year}")
        out.add(f"date:{year}-{month:02d}")
        if day:
            out.add(f"date:{year}-{month:02d}-{int(day):02d}")
    if day:
        out.add(f"date:--{month:02d}-{int(day):02d}")
    return out


def number_token(value: float) -> str:
    return f"num:{int(value)}" if float(value).is_integer() else f"num:{value:g}"


@dataclass(frozen=True)
class Mention:
    """A text as tokens: the most specific date tokens (for answers) and all tokens."""

    tokens: frozenset[str]
    answer_tokens: frozenset[str]  # what the text *is*, when it is an answer ("date:2016-11-16" only)


class TextAnalyzer:
    """Turns a bank's texts into token sets, with the bank's entities as single tokens."""

    def __init__(self, bank: Bank | None = None) -> None:
        exact: dict[str, str] = {}  # case-sensitive spellings (acronyms, surnames)
        folded: dict[str, str] = {}
        for entity in (bank.entities.values() if bank is not None else ()):
            for name in (entity.name, *entity.aliases):
                name = _fold(name).strip()
                if not name:
                    continue
                if name.isupper() and len(name) <= 5:
                    exact[name] = entity.id
                else:
                    folded.setdefault(name.casefold(), entity.id)
            if entity.kind == "person":
                surname = _fold(entity.name).split()[-1]
                if len(surname) >= 3 and surname[:1].isupper():
                    exact.setdefault(surname, entity.id)
        self._exact, self._folded = exact, folded
        parts = [re.escape(n) for n in sorted(exact, key=len, reverse=True)]
        parts += [f"(?i:{re.escape(n)})" for n in sorted(folded, key=len, reverse=True)]
        self._entities = re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)") if parts else None
        self._cache: dict[str, Mention] = {}

    def mention(self, text: str) -> Mention:
        """The tokens of ``text`` (cached: banks repeat their texts a lot)."""
        hit = self._cache.get(text)
        if hit is None:
            hit = self._cache[text] = self._analyse(text)
        return hit

    def tokens(self, text: str) -> frozenset[str]:
        return self.mention(text).tokens

    def _analyse(self, text: str) -> Mention:
        text = _fold(text)
        tokens: set[str] = set()
        exact_dates: set[str] = set()
        for pattern in DATE_PATTERNS:
            def take(match: re.Match) -> str:
                month = match.group("m")
                month_no = int(month) if month.isdigit() else MONTHS[month.casefold().rstrip(".")]
                if not 1 <= month_no <= 12:
                    return match.group(0)
                year, day = match.groupdict().get("y"), match.groupdict().get("d")
                found = date_tokens(year, month_no, day)
                tokens.update(found)
                exact_dates.add(max(found, key=len))
                return " "
            text = pattern.sub(take, text)
        if self._entities is not None:
            def entity(match: re.Match) -> str:
                name = match.group(0)
                tokens.add("ent:" + (self._exact.get(name) or self._folded[name.casefold()]))
                return " "
            text = self._entities.sub(entity, text)
        words = WORD.findall(text)
        numbers, rest = _read_numbers(words)
        for value in numbers:
            tokens.add(number_token(value))
            if float(value).is_integer() and 1000 <= value <= 2100:
                tokens.add(f"date:{int(value)}")  # a year
        for word in rest:
            word = re.sub(r"'s?$", "", word)
            if len(word) > 1 and word.casefold() not in STOP_WORDS and not word.isdigit():
                tokens.add(stem(word))
        tokens.discard("")
        plain = {t for t in tokens if not t.startswith("date:")}
        return Mention(frozenset(tokens), frozenset(plain | exact_dates))


def _number_word(word: str) -> int | None:
    low = word.casefold()
    if low in SMALL_NUMBERS:
        return SMALL_NUMBERS[low]
    if low in TENS:
        return TENS[low]
    parts = low.split("-")
    if len(parts) == 2 and parts[0] in TENS and parts[1] in SMALL_NUMBERS and SMALL_NUMBERS[parts[1]] < 10:
        return TENS[parts[0]] + SMALL_NUMBERS[parts[1]]
    return None


def _read_numbers(words: Sequence[str]) -> tuple[list[float], list[str]]:
    """Numbers in any spelling ("4", "four", "forty-two", "three hundred and five", "$1 billion",
    "a thousand", "5.3 million"), and the other words."""
    numbers: list[float] = []
    rest: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        low = word.casefold()
        following = words[i + 1].casefold() if i + 1 < len(words) else ""
        if re.match(r"\$?\d", word):
            try:
                value = float(word.strip("$%").replace(",", ""))
            except ValueError:
                rest.append(word)
                i += 1
                continue
            i += 1
            while i < len(words) and words[i].casefold() in SCALES:
                value *= SCALES[words[i].casefold()]
                i += 1
            numbers.append(value)
            continue
        if _number_word(word) is None and not (low == "a" and following in SCALES):
            rest.append(word)
            i += 1
            continue
        total, current = 0.0, 0.0
        while i < len(words):
            low = words[i].casefold()
            small = _number_word(words[i])
            if small is not None:
                current += small
            elif low == "a" and current == 0 and i + 1 < len(words) and words[i + 1].casefold() in SCALES:
                current = 1
            elif low == "hundred":
                current = (current or 1) * 100
            elif low in SCALES:
                total += (current or 1) * SCALES[low]
                current = 0
            elif (low == "and" and (total or current >= 100) and i + 1 < len(words)
                  and _number_word(words[i + 1]) is not None):
                pass  # "three hundred and five"
            else:
                break
            i += 1
        numbers.append(total + current)
    return numbers, rest


# --- question profiles ----------------------------------------------------------------

@dataclass(frozen=True)
class AnswerForm:
    """One way a question's answer could be stated: all ``required`` tokens, and enough ``words``."""

    required: frozenset[str]  # names, numbers, dates: each must be mentioned
    words: frozenset[str]  # stems: all of them if two or fewer, else two thirds
    context: frozenset[str]  # what the prompt is about; a giveaway shares it (None: no need)
    needs_context: bool = True


@dataclass(frozen=True)
class Profile:
    """What the rules need to know about one question."""

    question: Question
    facts: frozenset[str]
    prompt: frozenset[str]  # tokens of the prompt or statement (cloze: the text, blanks filled in)
    passages: tuple[frozenset[str], ...]  # what the printed question states or shows, passage by passage
    answers: tuple[tuple[AnswerForm, ...], ...]  # each entry: forms that must all be mentioned in one passage
    shown: frozenset[str] = frozenset()  # every token of every passage (a quick first test)


def _cloze_text(q: Question, fill: bool) -> str:
    def blank(match: re.Match) -> str:
        answer, _, hint = match.group(1).partition("::")
        return answer.split("|")[0] if fill else f" {hint} "  # the answer, not its alternatives
    return re.sub(r"\[\[(.*?)\]\]", blank, q.prompt)


BLANK_WINDOW = 6  # words each side of a blank that say what the blank is about


def _blank_surroundings(q: Question) -> list[str]:
    """For each blank of a cloze text, the words printed just before and after it."""
    parts = re.split(r"\[\[.*?\]\]", q.prompt)
    out = []
    for i in range(len(parts) - 1):
        before = parts[i].split()[-BLANK_WINDOW:]
        after = parts[i + 1].split()[:BLANK_WINDOW]
        out.append(" ".join(before + after))
    return out


def _form(analyzer: TextAnalyzer, text: str, context: frozenset[str], needs_context: bool = True) -> AnswerForm:
    tokens = analyzer.mention(text).answer_tokens
    required = frozenset(t for t in tokens if ":" in t)
    return AnswerForm(required, frozenset(tokens - required), context - tokens, needs_context)


def profile_question(q: Question, analyzer: TextAnalyzer) -> Profile:
    """What ``q`` prints as true, what would give it away, and what it is about."""
    tok = analyzer.tokens
    prompt_text = _cloze_text(q, fill=True) if q.type == "cloze" else q.prompt
    prompt = tok(prompt_text)
    passages: list[frozenset[str]] = []
    answers: list[tuple[AnswerForm, ...]] = []
    if q.type == "true_false":
        # A false statement is false in one part only and true in the rest, and a student reads
        # all of it: it is printed text that may give another answer away, like a true one.
        passages.append(prompt)
        if q.truth:
            answers.append((AnswerForm(frozenset(), prompt, frozenset(), needs_context=False),))
    elif q.type == "cloze":
        shown = tok(_cloze_text(q, fill=False))
        passages.append(shown)
        for around, blank in zip(_blank_surroundings(q), q.blanks):  # about the words around it, or the text
            answers.append((_form(analyzer, blank.answer, shown),))
            if tok(around):
                answers.append((_form(analyzer, blank.answer, tok(around)),))
    elif q.type == "matching":
        passages.append(prompt)
        # a pair is printed as one line of the key and read as one claim: "Vladimir Putin" is the
        # "Russian president who signed the directive", which answers "Who signed the decree?"
        passages.extend(tok(left) | tok(right) for left, right in q.pairs)
        answers.extend((_form(analyzer, left, frozenset(), False), _form(analyzer, right, frozenset(), False))
                       for left, right in q.pairs)
    elif q.type == "ordering":
        passages.append(prompt)
        passages.extend(tok(item) for item in q.items)
    else:
        passages.append(prompt)
        if q.type == "multiple_choice":
            passages.extend(prompt | tok(option) for option in q.answers + q.distractors)
        if q.type == "numeric" and q.number is not None:
            value = number_token(q.number)
            answers.append((AnswerForm(frozenset({value}), frozenset(), prompt - {value}),))
        else:
            answers.extend((_form(analyzer, text, prompt),) for text in q.answers + q.accept)
    facts = frozenset(q.facts) | ({q.fact} if q.fact else set())
    kept = tuple(p for p in passages if p)
    return Profile(q, facts, prompt, kept, tuple(a for a in answers if _usable(a)),
                   frozenset().union(*kept) if kept else frozenset())


def _usable(forms: tuple[AnswerForm, ...]) -> bool:
    return all(f.required or f.words for f in forms)


# --- the rules -------------------------------------------------------------------------

NEAR_DUPLICATE = 0.7  # Jaccard similarity of two prompts' tokens from which they are the same question
CONTEXT_SHARE = 0.5  # a giveaway passage shares at least this much of the prompt (or 2 tokens)
COMMON_SHARE = 0.25  # tokens in more than this share of a bank's questions say little about a prompt


def shares_fact(a: Profile, b: Profile) -> bool:
    """Two questions that test any same fact: only one may be on a sheet."""
    return not a.facts.isdisjoint(b.facts)


def near_duplicate(a: Profile, b: Profile) -> bool:
    """Two prompts that say nearly the same thing (Jaccard similarity of their tokens)."""
    if not a.prompt or not b.prompt:
        return False
    shared = len(a.prompt & b.prompt)
    return shared / (len(a.prompt) + len(b.prompt) - shared) >= NEAR_DUPLICATE


def mentions(passage: frozenset[str], form: AnswerForm) -> bool:
    """Does the passage state this answer? Every name/number/date, and the words (two thirds of 3+)."""
    if not form.required <= passage:
        return False
    if not form.words:
        return True
    found = len(form.words & passage)
    return found == len(form.words) if len(form.words) <= 2 else found * 3 >= 2 * len(form.words)


def about_the_same(passage: frozenset[str], context: frozenset[str], common: frozenset[str] = frozenset(),
                   enough: int = 2) -> bool:
    """Does the passage share what a prompt is about (half of its telling tokens, or ``enough`` of them)?"""
    telling = context - common or context
    if not telling:
        return True
    shared = _concepts(telling & passage)
    return shared >= enough or shared >= math.ceil(CONTEXT_SHARE * _concepts(telling))


def _concepts(tokens: Iterable[str]) -> int:
    """How many things the tokens name: a date's day, month and year (and the year as a number) are one."""
    when = False
    n = 0
    for t in tokens:
        if t.startswith("date:") or (t.startswith("num:") and t[4:].isdigit() and 1000 <= int(t[4:]) <= 2100):
            when = True
        else:
            n += 1
    return n + when


def context_needed(form: AnswerForm, common: frozenset[str] = frozenset()) -> int:
    """How many telling prompt tokens a passage must share to give this answer away: an answer of
    two or more telling tokens found in a passage is strong evidence, so one shared token will do;
    a single name or number (or an answer that names a source) needs two."""
    return 1 if len((form.required | form.words) - common) >= 2 else 2


def distinctive_name(form: AnswerForm, common: frozenset[str] = frozenset()) -> bool:
    """Is this answer a name few of the bank's questions use ("Rome Statute", "Vladimir Putin"
    where Russia is everywhere), whose mere mention on the right topic tells a student the answer?"""
    return any(t.startswith("ent:") for t in form.required - common)


def names_the_answer(passage: frozenset[str], form: AnswerForm, common: frozenset[str] = frozenset(),
                     attribution: frozenset[str] = frozenset()) -> bool:
    """A passage that states a distinctive name verbatim gives away the question whose answer it is
    when it is about the same act or topic: one telling word of the prompt ("Putin withdrew ..."
    beside "Who signed the decree withdrawing ...?"), or two of its words that are frequent in the
    bank but not attributions ("Russia ... the ICC ... the Rome Statute" beside "Russia signed the
    treaty that established the ICC ... What is that treaty called?")."""
    if not distinctive_name(form, common) or not mentions(passage, form):
        return False
    if about_the_same(passage, form.context, common, enough=1):
        return True
    return _concepts((form.context - attribution) & passage) >= 2


def gives_away(giver: Profile, receiver: Profile, common: frozenset[str] = frozenset(),
               attribution: frozenset[str] = frozenset()) -> bool:
    """Does ``giver``'s printed text state ``receiver``'s answer?"""
    if giver.question is receiver.question:
        return False
    def states(passage: frozenset[str], f: AnswerForm) -> bool:
        if not mentions(passage, f):
            return False
        return (not f.needs_context or about_the_same(passage, f.context, common, context_needed(f, common))
                or names_the_answer(passage, f, common, attribution))

    for forms in receiver.answers:
        if not all(states(giver.shown, f) for f in forms):
            continue  # no passage can state it if all of them together do not
        for passage in giver.passages:
            if all(states(passage, f) for f in forms):
                if forms[0].needs_context or len(forms) > 1 or _claim_covered(passage, forms[0]):
                    return True
    return False


def _claim_covered(passage: frozenset[str], form: AnswerForm) -> bool:
    """A true statement is stated by a passage that holds three quarters of its tokens."""
    words = form.words
    return len(words) >= 3 and len(words & passage) * 4 >= 3 * len(words)


def conflict(a: Profile, b: Profile, common: frozenset[str] = frozenset(),
             attribution: frozenset[str] = frozenset()) -> str | None:
    """Why ``a`` and ``b`` cannot be on one sheet, or None when they can."""
    if shares_fact(a, b):
        return f"they test the same fact {sorted(a.facts & b.facts)[0]!r}"
    if near_duplicate(a, b):
        return "their prompts are nearly the same"
    if gives_away(a, b, common, attribution):
        return f"{a.question.id!r} gives away the answer of {b.question.id!r}"
    if gives_away(b, a, common, attribution):
        return f"{b.question.id!r} gives away the answer of {a.question.id!r}"
    return None


ATTRIBUTION_WORDS = ("article", "report", "reported", "quoted", "writer", "wrote", "source", "version")


def common_tokens(profiles: Sequence[Profile], bank: Bank | None = None,
                  analyzer: TextAnalyzer | None = None) -> frozenset[str]:
    """Tokens that say little about what a question asks: those in so many of a bank's prompts
    (its main actors, say) that sharing them means little, and attributions ("according to the
    Anti-Media article", "as reported by AnonHQ"): the sources' names and words like "article"."""
    counts: dict[str, int] = {}
    for p in profiles:
        for t in p.prompt:
            counts[t] = counts.get(t, 0) + 1
    limit = max(3, COMMON_SHARE * len(profiles))
    common = {t for t, n in counts.items() if n > limit}
    common.update(attribution_tokens(bank, analyzer))
    return frozenset(common)


def attribution_tokens(bank: Bank | None = None, analyzer: TextAnalyzer | None = None) -> frozenset[str]:
    """Tokens that only say where something was read: "article", "quoted", the sources' names."""
    out = {stem(w) for w in ATTRIBUTION_WORDS}
    if bank is not None and analyzer is not None:
        for source in bank.sources.values():
            out.update(analyzer.tokens(source.publisher))
            if source.author:
                out.update(analyzer.tokens(source.author))
    return frozenset(out)


# --- preferences ------------------------------------------------------------------------

# A teacher's default mix, as weights: mostly multiple choice and true/false, some written
# answers, a matching and an ordering question now and then.
DEFAULT_TYPE_WEIGHTS: Mapping[str, float] = {
    "multiple_choice": 3, "true_false": 2, "short_answer": 1.5, "cloze": 1.5, "numeric": 1,
    "matching": 0.5, "ordering": 0.5,
}
TYPE_SHARE_CAP = 1 / 3  # by default no type takes more than about a third of the sheet


def type_cap(count: int | None, types_available: int) -> int | None:
    """The most questions of one type a default quiz of ``count`` holds (None: no cap)."""
    if count is None or types_available <= 0:
        return None
    return max(math.ceil(count * TYPE_SHARE_CAP), math.ceil(count / types_available))


def next_type(chosen: Mapping[str, int], open_types: Iterable[str], rng: random.Random,
              cap: int | None = None) -> str | None:
    """The type the sheet is shortest of, against the default weights (ties broken by ``rng``)."""
    candidates = [t for t in open_types if cap is None or chosen.get(t, 0) < cap]
    if not candidates:
        return None
    order = {t: rng.random() for t in candidates}
    return min(candidates, key=lambda t: ((chosen.get(t, 0) + 1) / DEFAULT_TYPE_WEIGHTS.get(t, 1), order[t]))


def default_targets(count: int, types_available: Sequence[str]) -> dict[str, int]:
    """How many questions of each type a default quiz of ``count`` aims at (largest remainders)."""
    weights = {t: DEFAULT_TYPE_WEIGHTS.get(t, 1) for t in types_available}
    total = sum(weights.values())
    if not total or count <= 0:
        return {}
    exact = {t: count * w / total for t, w in weights.items()}
    targets = {t: int(v) for t, v in exact.items()}
    for t in sorted(exact, key=lambda t: (targets[t] - exact[t], t))[:count - sum(targets.values())]:
        targets[t] += 1
    cap = type_cap(count, len(weights)) or count
    while any(n > cap for n in targets.values()):  # hand the excess to the types furthest below their share
        over = next(t for t, n in targets.items() if n > cap)
        targets[over] -= 1
        under = [t for t in targets if targets[t] < cap]
        targets[max(under, key=lambda t: (exact[t] - targets[t], t))] += 1
    return {t: n for t, n in targets.items() if n}


def tier(q: Question, facts_with_hand_written: frozenset[str]) -> int:
    """0 for a hand-written question or a generated one on a fact no hand-written question tests; else 1."""
    if q.origin == "hand":
        return 0
    return 1 if not facts_with_hand_written.isdisjoint(q.facts or ((q.fact,) if q.fact else ())) else 0


TAG_PILE = 2  # from this many questions on one tag, a sheet prefers questions on other topics


def repetition(q: Question, templates: Mapping[str, int], tags: Mapping[str, int]) -> int:
    """How much choosing ``q`` would repeat what the sheet already asks: one for each chosen
    question of its generated template ("The term ___ means" twice), and for each of its tags
    one for each chosen question on it from ``TAG_PILE`` on (a third question on ratification).
    A preference, like the type spread: the least repetitive candidate wins, none is refused."""
    same_template = templates.get(q.template, 0) if q.template else 0
    return same_template + sum(max(0, tags.get(t, 0) - TAG_PILE + 1) for t in q.tags)


def pile(questions: Iterable[Question]) -> tuple[int, tuple[int, ...]]:
    """How much a sheet repeats itself: the most questions from one generated template, then how
    many questions each tag has, largest first. Smaller (compared as tuples) is more varied."""
    templates: dict[str, int] = {}
    tags: dict[str, int] = {}
    for q in questions:
        if q.template:
            templates[q.template] = templates.get(q.template, 0) + 1
        for t in q.tags:
            tags[t] = tags.get(t, 0) + 1
    return max(templates.values(), default=0), tuple(sorted(tags.values(), reverse=True))


def balance_score(q: Question, sources: Mapping[str, int], tags: Mapping[str, int]) -> float:
    """Higher for a question whose source and tags the sheet has fewer of."""
    tag_use = sum(tags.get(t, 0) for t in q.tags) / len(q.tags) if q.tags else 0.0
    return -sources.get(q.source, 0) - 0.5 * tag_use


# --- answer letters ---------------------------------------------------------------------

MAX_RUN = 2  # never the same answer letter three times in a row


class LetterBalancer:
    """Where the right answer of each single-answer multiple-choice question goes, in one version.

    Each question's answer takes one of the least-used letters among those it has (ties
    broken by the version's seeded ``rng``), never making a run longer than ``MAX_RUN``.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: dict[int, int] = {}
        self.recent: list[int] = []

    def position(self, n_options: int) -> int:
        positions = list(range(n_options))
        run = self.recent[-MAX_RUN:]
        if len(run) == MAX_RUN and len(set(run)) == 1 and run[0] < n_options and n_options > 1:
            positions.remove(self.recent[-1])
        least = min(self.used.get(p, 0) for p in positions)
        best = [p for p in positions if self.used.get(p, 0) == least]
        chosen = self.rng.choice(best)
        self.used[chosen] = self.used.get(chosen, 0) + 1
        self.recent.append(chosen)
        return chosen
