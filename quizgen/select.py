"""Choose, order and shuffle questions into ``QuestionSet`` objects.

Everything random here flows from one explicit seed: the same questions, seed and
options always give the same sets. The worksheet and the answer key of a version
are rendered from the same set, so they can never disagree.

Which questions a printed quiz holds is decided by the rules of ``quizrules``: one
question per fact, no near-duplicates, no giveaways, a spread of types, sources and
tags, hand-written before generated questions on the same fact. ``choose_quiz``
composes them.
"""
from __future__ import annotations

import difflib
import math
import random
from dataclasses import dataclass
from typing import Iterable, Sequence

from .errors import SelectionError
# what a build asks for lives in quizgen.spec (imported by an unchanged rebuild without this module)
from .spec import DEFAULT_SEED, MAX_VERSIONS, SelectionSpec, check_spec, filter_questions, parse_mix  # noqa: F401
from .model import QUESTION_TYPES, Bank, PlacedQuestion, Question, QuestionSet, letter
from .quizrules import (AnswerForm, LetterBalancer, Profile, TextAnalyzer, attribution_tokens, balance_score,
                        common_tokens, conflict, default_targets, distinctive_name, gives_away, next_type, pile,
                        profile_question, repetition, tier, type_cap, NEAR_DUPLICATE)

ATTEMPTS = 12  # seeded restarts when a --mix or --count is not filled at the first try
PLAIN_ATTEMPTS = 4  # seeded tries of a plain build's sheet (every fact once); the fullest is kept
LARGE_POOL = 500  # from this many candidates a plain build makes one try (each costs about n^2/2 checks at worst)
SPREAD_SWAPS = 12  # at most this many swaps spread a sheet's tags and templates after it is filled
LOOKAHEAD = 6  # how many of a type's next candidates are weighed for source and tag spread


@dataclass(frozen=True)
class Quiz:
    """The questions chosen for a printed quiz (bank order), and what the choice could not honour."""

    questions: tuple[Question, ...]
    warnings: tuple[str, ...] = ()


def choose_questions(bank: Bank, questions: Sequence[Question], spec: SelectionSpec,
                     rules: "RuleBook | None" = None) -> list[Question]:
    """The questions of the printed quiz, in bank order (see ``choose_quiz``)."""
    return list(choose_quiz(bank, questions, spec, rules).questions)


def select_questions(bank: Bank, questions: Sequence[Question], spec: SelectionSpec) -> list[QuestionSet]:
    """One QuestionSet per version, each with its own question and option order."""
    return arrange_versions(bank, choose_questions(bank, questions, spec), spec)


class RuleBook:
    """The rule profiles of one bank's questions, made once and reused for many quizzes."""

    def __init__(self, bank: Bank, questions: Sequence[Question]) -> None:
        analyzer = TextAnalyzer(bank)
        self.bank = bank
        self.profiles: dict[str, Profile] = {q.id: profile_question(q, analyzer) for q in questions}
        self.common = common_tokens(list(self.profiles.values()), bank, analyzer)
        self.attribution = attribution_tokens(bank, analyzer)
        frequency: dict[str, int] = {}
        for p in self.profiles.values():
            for token in p.prompt | _passage_tokens(p) | _answer_tokens(p):
                frequency[token] = frequency.get(token, 0) + 1
        self.rarity = frequency  # fewer is rarer

    def profile(self, q: Question) -> Profile:
        known = self.profiles.get(q.id)
        if known is None or known.question is not q:
            known = self.profiles[q.id] = profile_question(q, TextAnalyzer(self.bank))
        return known

    def conflict(self, a: Question, b: Question) -> str | None:
        """Why ``a`` and ``b`` cannot share a sheet, or None."""
        return conflict(self.profile(a), self.profile(b), self.common, self.attribution)


def _passage_tokens(p: Profile) -> frozenset[str]:
    return p.shown


def _answer_tokens(p: Profile) -> frozenset[str]:
    return frozenset(t for forms in p.answers for f in forms for t in f.required | f.words)


# a profile's answers, each as its forms' (required tokens, words, how many words)
AnswerForms = tuple[tuple[tuple[frozenset[str], frozenset[str], int], ...], ...]


class Sheet:
    """The questions chosen so far, indexed so that a candidate is checked against them quickly."""

    def __init__(self, rules: RuleBook) -> None:
        self.rules = rules
        self.chosen: list[Question] = []
        self.facts: dict[str, Question] = {}
        # token -> bit mask of chosen questions (bit i: the i-th added): near-duplicate candidates
        # by prompt prefix, questions whose answer a passage with the token may state (their
        # keys), questions whose telling tokens hold it, questions whose passages hold it
        self.by_prefix: dict[str, int] = {}
        self.by_key: dict[str, int] = {}
        self.by_telling: dict[str, int] = {}
        self.by_passage: dict[str, int] = {}
        self.by_prompt: dict[str, int] = {}  # questions whose prompts hold the token
        self.by_size: dict[int, int] = {}  # prompt size -> mask
        self.any_passage = 0  # mask of questions with telling None: any passage may give them away
        self._profiles: list[Profile] = []  # the chosen questions' profiles, in the order they were added
        self._answers: list[AnswerForms] = []  # and their answer_forms
        self.fits_until: dict[str, int] = {}  # question id -> sheet size when it last fitted
        self._telling: dict[int, frozenset[str] | None] = {}
        self._forms: dict[int, tuple[Profile, AnswerForms]] = {}

    def telling(self, p: Profile) -> frozenset[str] | None:
        """Tokens one of which a passage must share to give an answer of ``p`` away (None: any passage)."""
        key = id(p)
        if key not in self._telling:
            found: set[str] = set()
            for forms in p.answers:
                form = forms[0]
                context = form.context - self.rules.common or form.context
                if distinctive_name(form, self.rules.common):  # see quizrules.names_the_answer
                    context = form.context - self.rules.attribution or form.context
                if not form.needs_context or not context:
                    found = set()
                    break
                found |= context
            self._telling[key] = frozenset(found) or None
        return self._telling[key]

    def answer_forms(self, p: Profile) -> AnswerForms:
        """``p``'s answers as (required, words, how many words a passage must hold) for ``_may_state``."""
        known = self._forms.get(id(p))
        if known is None or known[0] is not p:
            known = self._forms[id(p)] = (p, tuple(_answer_needs(answer) for answer in p.answers))
        return known[1]

    def _order(self, tokens: Iterable[str]) -> list[str]:
        rarity = self.rules.rarity
        return sorted(tokens, key=lambda t: (rarity.get(t, 0), t))

    def _prefix(self, p: Profile) -> list[str]:
        ordered = self._order(p.prompt)
        keep = len(ordered) - int(NEAR_DUPLICATE * len(ordered) + 0.999999) + 1
        return ordered[:max(keep, 0)]

    def _keys(self, p: Profile) -> set[str]:
        """Tokens one of which every passage that states an answer of ``p`` must hold."""
        keys: set[str] = set()
        for forms in p.answers:
            form = forms[0]
            if form.required:
                keys.add(self._order(form.required)[0])
            elif len(form.words) <= 2:
                keys.add(self._order(form.words)[0])
            else:
                need = -(-2 * len(form.words) // 3)
                keys.update(self._order(form.words)[:len(form.words) - need + 1])
        return keys

    def blocker(self, q: Question) -> tuple[Question, str] | None:
        """A chosen question ``q`` conflicts with, and why; None when ``q`` fits.

        ``q`` is checked only against the chosen questions the indexes name (those that share
        a token of its near-duplicate prefix, answer keys or passages) and were added since it
        last fitted, in the order they were added. The indexes are bit masks (bit i: the i-th
        question added), so a whole sheet is narrowed down with a few integer operations;
        tests that each rule implies (prompt sizes, telling tokens, whether an answer's tokens
        are shown at all) narrow it further before the rules' own functions run.
        """
        p = self.rules.profile(q)
        for fact in sorted(p.facts):
            if fact in self.facts:
                return self.facts[fact], f"they test the same fact {fact!r}"
        since = self.fits_until.get(q.id, 0)  # only questions added since the last check can block
        common, attribution = self.rules.common, self.rules.attribution
        prompt, shown = p.prompt, p.shown
        size = len(prompt)
        newer = ((1 << len(self.chosen)) - 1) >> since << since
        profiles, answers = self._profiles, self._answers
        if size and newer:
            # Jaccard similarity is at most smaller / larger: other sizes cannot be near-duplicates
            low, high = NEAR_DUPLICATE * size - 1e-9, (size + 1e-9) / NEAR_DUPLICATE
            sized = 0
            for other_size, mask in self.by_size.items():
                if other_size and low <= other_size <= high:
                    sized |= mask
            found = _any_of(self.by_prefix, self._prefix(p)) & sized & newer
            if found:  # a near-duplicate shares at least NEAR_DUPLICATE of the prompt's tokens
                found = _lacking_at_most(self.by_prompt, prompt, size - math.ceil(NEAR_DUPLICATE * size - 1e-9),
                                         found)
            for added in _bits(found):
                other = profiles[added]
                shared = len(prompt & other.prompt)  # as quizrules.near_duplicate computes it
                if shared / (size + len(other.prompt) - shared) >= NEAR_DUPLICATE:
                    return other.question, "their prompts are nearly the same"
        found = _any_of(self.by_key, shown) & newer
        if found:
            found &= self.any_passage | _any_of(self.by_telling, shown)
        for added in _bits(found):
            other = profiles[added]
            if _may_state(shown, answers[added]) and gives_away(p, other, common, attribution):
                return other.question, f"{q.id!r} gives away the answer of {other.question.id!r}"
        forms = self.answer_forms(p)
        found = _any_of(self.by_passage, self._keys(p)) & newer if forms else 0
        if found:
            found &= self._may_state_mask(forms, found)
            telling = self.telling(p)
            if telling is not None:
                found &= _any_of(self.by_passage, telling)
        for added in _bits(found):
            other = profiles[added]
            if gives_away(other, p, common, attribution):
                return other.question, f"{other.question.id!r} gives away the answer of {q.id!r}"
        return self._fits(q)

    def _may_state_mask(self, forms: AnswerForms, within: int) -> int:
        """The questions of ``within`` whose passages, all together, may state one of the answers
        ``forms`` (``_may_state`` for many questions at once, on bit masks)."""
        index = self.by_passage
        out = 0
        for answer in forms:
            mask = within
            for required, words, need in answer:
                for token in required:
                    mask &= index.get(token, 0)
                if mask and need:  # at least `need` of the words: at most the rest of them absent
                    mask = _lacking_at_most(index, words, len(words) - need, mask)
                if not mask:
                    break
            out |= mask
        return out

    def _fits(self, q: Question) -> None:
        self.fits_until[q.id] = len(self.chosen)
        return None

    def add(self, q: Question) -> None:
        p = self.rules.profile(q)
        added = len(self.chosen)
        self.chosen.append(q)
        for fact in p.facts:
            self.facts[fact] = q
        bit = 1 << added
        self._profiles.append(p)
        self._answers.append(self.answer_forms(p))
        for token in self._prefix(p):
            self.by_prefix[token] = self.by_prefix.get(token, 0) | bit
        for token in p.prompt:
            self.by_prompt[token] = self.by_prompt.get(token, 0) | bit
        size = len(p.prompt)
        self.by_size[size] = self.by_size.get(size, 0) | bit
        if p.answers:
            for token in self._keys(p):
                self.by_key[token] = self.by_key.get(token, 0) | bit
            telling = self.telling(p)
            if telling is None:
                self.any_passage |= bit
            else:
                for token in telling:
                    self.by_telling[token] = self.by_telling.get(token, 0) | bit
        for token in p.shown:
            self.by_passage[token] = self.by_passage.get(token, 0) | bit


def _any_of(index: dict[str, int], tokens: Iterable[str]) -> int:
    """The mask of questions that ``index`` files under any of ``tokens``."""
    mask = 0
    for token in tokens:
        mask |= index.get(token, 0)
    return mask


def _lacking_at_most(index: dict[str, int], tokens: Iterable[str], missing: int, within: int) -> int:
    """The questions of ``within`` that ``index`` files under all of ``tokens`` but at most ``missing``."""
    if missing < 0:
        return 0
    lacking = [within] * (missing + 1)  # [j]: the questions that lack at most j of the tokens so far
    for token in tokens:
        has = index.get(token, 0)
        for j in range(missing, 0, -1):
            lacking[j] = (lacking[j] & has) | (lacking[j - 1] & ~has)
        lacking[0] &= has
    return lacking[missing]


def _bits(mask: int) -> Iterable[int]:
    """The positions of the set bits of ``mask``, lowest first."""
    if not mask:
        return
    digits = bin(mask)[:1:-1]  # lowest bit first
    at = digits.find("1")
    while at >= 0:
        yield at
        at = digits.find("1", at + 1)


def _answer_needs(answer: tuple[AnswerForm, ...]) -> tuple[tuple[frozenset[str], frozenset[str], int], ...]:
    """How many of each form's words a passage must hold to state this answer (``quizrules.mentions``:
    all of one or two, else two thirds; a true statement, one form needing no context, is stated
    only by a passage that holds three quarters of its three or more words: ``_claim_covered``)."""
    out = []
    for form in answer:
        n = len(form.words)
        need = n if n <= 2 else -(-2 * n // 3)
        if len(answer) == 1 and not form.needs_context:
            need = max(need, -(-3 * n // 4)) if n >= 3 else n + 1  # n + 1: never
        out.append((form.required, form.words, need))
    return tuple(out)


def _may_state(shown: frozenset[str], forms: AnswerForms) -> bool:
    """False when no passage whose tokens all lie in ``shown`` can state any of the answers
    ``forms`` (see ``Sheet.answer_forms``): what ``quizrules.gives_away`` requires first, without
    its calls, as a quick refusal for most pairs."""
    for answer in forms:
        for required, words, need in answer:
            if not required <= shown or (need and len(words & shown) < need):
                break
        else:
            return True
    return False


def choose_quiz(bank: Bank, questions: Sequence[Question], spec: SelectionSpec,
                rules: RuleBook | None = None) -> Quiz:
    """The printed quiz: the questions chosen under the rules of ``quizrules``, in bank order.

    ``--include`` ids are always chosen, ``--exclude`` ids never; ``--mix`` asks for an
    exact number of each type, ``--count`` for a number of questions spread over types
    (no type more than about a third), and no count for the best question of each fact.
    Impossible requests raise SelectionError naming what is available; a count the rules
    cannot fill gives a warning naming how many questions could be placed.
    """
    check_spec(spec)
    pool = filter_questions(questions, spec.tags, spec.types)
    if not pool:
        raise SelectionError(f"{bank.path}: no question of bank {bank.id!r} matches "
                             f"{_describe_filters(spec)}; expected at least one")
    wanted = sum(n for _, n in spec.mix) if spec.mix else spec.count
    if wanted is not None and wanted > len(pool):
        asked = f"--mix {_mix_text(spec.mix)}" if spec.mix else f"--count {wanted}"
        raise SelectionError(f"{bank.path}: {asked} asks for more questions than bank "
                             f"{bank.id!r} has ({len(pool)} match {_describe_filters(spec)}); "
                             f"expected at most {len(pool)}")
    rules = rules or RuleBook(bank, questions)
    by_id = {q.id: q for q in questions}
    in_pool = {q.id for q in pool}
    for flag, ids in (("--include", spec.include), ("--exclude", spec.exclude)):
        for qid in ids:
            if qid not in by_id:
                close = difflib.get_close_matches(qid, list(by_id), n=3)
                hint = f"did you mean {', '.join(close)}? " if close else ""
                raise SelectionError(f"{bank.path}: {flag}: bank {bank.id!r} has no question {qid!r}; {hint}"
                                     "expected an id that `quizgen list` shows")
            if flag == "--include" and qid not in in_pool:
                raise SelectionError(f"{bank.path}: --include: question {qid!r} is not among the questions that "
                                     f"match {_describe_filters(spec)}; expected an id of one of them")
    included = [by_id[qid] for qid in dict.fromkeys(spec.include)]
    for i, a in enumerate(included):
        for b in included[:i]:
            why = rules.conflict(a, b)
            if why:
                raise SelectionError(f"{bank.path}: --include {b.id} and {a.id} cannot be on one sheet: {why}; "
                                     "expected questions that test different facts and do not give each other away")
    quotas = dict(spec.mix)
    for q in included:
        if spec.mix and q.type not in quotas:
            raise SelectionError(f"{bank.path}: --include {q.id} is a {q.type} question, which --mix does not ask "
                                 f"for; expected --mix to name {q.type}")
    if spec.mix:
        for name, number in spec.mix:
            have = sum(1 for q in included if q.type == name)
            if have > number:
                raise SelectionError(f"{bank.path}: --include names {have} {name} questions but --mix asks for "
                                     f"{number}; expected at most {number}")
    excluded = set(spec.exclude)
    left_out = excluded | set(spec.include)
    candidates = [q for q in pool if q.id not in left_out]
    best: list[Question] | None = None
    tries = ATTEMPTS if wanted is not None else PLAIN_ATTEMPTS if len(candidates) <= LARGE_POOL else 1
    for attempt in range(tries):
        rng = random.Random(f"quizgen:{spec.seed}:{bank.id}:choose:{attempt}")
        sheet = _fill(rules, included, candidates, spec, wanted, rng)
        if best is None or len(sheet) > len(best):
            best = sheet
        if wanted is not None and len(sheet) >= wanted:
            break
    assert best is not None
    if wanted is not None:
        best = _spread_topics(rules, included, candidates, best,
                              random.Random(f"quizgen:{spec.seed}:{bank.id}:spread"))
    warnings: list[str] = []
    if spec.mix and _mix_counts(best) != {n: c for n, c in spec.mix}:
        raise SelectionError(f"{bank.path}: --mix {_mix_text(spec.mix)} cannot be filled from bank {bank.id!r} "
                             "under the rules (one question per fact, no giveaways, no near-duplicates); "
                             f"available: {_available(rules, candidates, included, spec)}")
    if wanted is not None and len(best) < wanted:
        line = bank.ref.line if bank.ref else 1
        warnings.append(f"{bank.path}:{line}: warning: bank {bank.id}: --count {wanted} cannot be filled under "
                        f"the rules (one question per fact, no giveaways, no near-duplicates): the quiz has "
                        f"{len(best)} questions; ask for {len(best)} or fewer, or add questions on other facts")
    order = {q.id: i for i, q in enumerate(questions)}
    return Quiz(tuple(sorted(best, key=lambda q: order[q.id])), tuple(warnings))


def _fill(rules: RuleBook, included: Sequence[Question], candidates: Sequence[Question],
          spec: SelectionSpec, wanted: int | None, rng: random.Random) -> list[Question]:
    """One seeded greedy pass: the type the sheet is shortest of, then its best next candidate."""
    sheet = Sheet(rules)
    for q in included:
        sheet.add(q)
    hand_facts = frozenset(f for q in candidates if q.origin == "hand" for f in rules.profile(q).facts)
    shuffled = list(candidates)
    rng.shuffle(shuffled)
    queues: dict[str, list[Question]] = {}
    for q in sorted(shuffled, key=lambda q: tier(q, hand_facts)):
        queues.setdefault(q.type, []).append(q)
    quotas = dict(spec.mix)
    soft = not quotas  # without --mix the targets are a default spread, not a rule
    if soft and wanted is not None:  # aim at a teacher's spread; types with few candidates are placed first
        quotas = default_targets(wanted, list(queues))
    elif soft:  # every fact once: one matching and one ordering question, then as many facts as fit
        quotas = {t: 1 for t in ("matching", "ordering") if t in queues}
    types_count = {t: 0 for t in QUESTION_TYPES}
    sources: dict[str, int] = {}
    tags: dict[str, int] = {}
    templates: dict[str, int] = {}
    for q in included:
        if q.template:
            templates[q.template] = templates.get(q.template, 0) + 1
        types_count[q.type] += 1
        sources[q.source] = sources.get(q.source, 0) + 1
        for t in q.tags:
            tags[t] = tags.get(t, 0) + 1
    cap = None if spec.mix else type_cap(wanted, len(queues))
    capped = cap is not None
    while wanted is None or len(sheet.chosen) < wanted:
        open_types = [t for t, queue in queues.items() if queue and (not quotas or types_count[t] < quotas.get(t, 0))]
        for t in open_types:  # a blocked question at the head must not decide which tier comes next
            while queues[t] and sheet.blocker(queues[t][0]) is not None:
                queues[t].pop(0)
        open_types = [t for t in open_types if queues[t]]
        if not open_types and soft and quotas:
            quotas = {}  # the default spread is reached (or cannot be): fill up by the weights
            continue
        if not open_types:
            break
        if quotas:  # the scarcest type first: its quota is the hardest to fill
            kind = min(open_types, key=lambda t: (len(queues[t]) - (quotas[t] - types_count[t]), rng.random()))
        else:
            lowest = min(tier(queues[t][0], hand_facts) for t in open_types)
            kind = next_type(types_count, [t for t in open_types if tier(queues[t][0], hand_facts) == lowest],
                             rng, cap if capped else None)
            if kind is None:  # every open type is at its cap: the cap is a preference, not a rule
                capped = False
                continue
        queue = queues[kind]
        looked: list[Question] = []
        while queue and len(looked) < LOOKAHEAD:
            q = queue.pop(0)
            if sheet.blocker(q) is None:
                looked.append(q)
        if not looked:
            continue
        first_tier = tier(looked[0], hand_facts)
        looked_same = [q for q in looked if tier(q, hand_facts) == first_tier]
        pick = max(looked_same, key=lambda q: balance_score(q, sources, tags) - repetition(q, templates, tags))
        for q in reversed(looked):
            if q is not pick:
                queue.insert(0, q)
        sheet.add(pick)
        types_count[kind] += 1
        sources[pick.source] = sources.get(pick.source, 0) + 1
        for t in pick.tags:
            tags[t] = tags.get(t, 0) + 1
        if pick.template:
            templates[pick.template] = templates.get(pick.template, 0) + 1
    return sheet.chosen


def _spread_topics(rules: RuleBook, included: Sequence[Question], candidates: Sequence[Question],
                   chosen: Sequence[Question], rng: random.Random | None = None) -> list[Question]:
    """Swap questions for unused ones of the same type while the swap keeps every rule and the
    spread of sources and lowers the sheet's ``pile``: fewer questions on its most-asked tag,
    never two from one template. Candidates of no later tier are tried first; a generated
    question on a fact that a hand-written one tests (a later tier) only on a sheet that asks
    about one topic in more than ``PILED_UP`` of its questions and when no other swap is left
    (the hand-written question cannot be on the sheet: it would give another away, say).
    Candidates are tried in ``rng``'s order. A preference: a sheet that cannot be spread further
    is left as it is."""
    hand_facts = frozenset(f for q in candidates if q.origin == "hand" for f in rules.profile(q).facts)
    keep = {q.id for q in included}
    sheet = list(chosen)
    sources = {q.source for q in chosen}
    candidates = list(candidates)
    if rng is not None:  # in the seed's order: in bank order, the bank's first questions would always win
        rng.shuffle(candidates)
    for _ in range(SPREAD_SWAPS):
        now = pile(sheet)
        worst = _most_asked(sheet, now)
        swapped = False
        on_sheet = {q.id for q in sheet}
        tiers = (False, True) if _piled_up(sheet, now) else (False,)
        for i, out, later_tier in [(i, out, later) for later in tiers for i, out in enumerate(sheet)]:
            if swapped:
                break
            if out.id in keep or not (worst & set(out.tags) or _template_repeated(sheet, out)):
                continue
            rest = sheet[:i] + sheet[i + 1:]
            trial: Sheet | None = None  # the rest of the sheet, indexed when a candidate first needs it
            # the pile and the source spread of rest + [into] depend only on into's template, tags and
            # source: computed once for each of those, not once per candidate
            lowers_pile: dict[tuple[str | None, tuple[str, ...]], bool] = {}
            keeps_spread: dict[str, bool] = {}
            spread_now = _source_spread(sheet, sources)
            out_tier = tier(out, hand_facts)
            for into in candidates:
                if into.id in on_sheet or into.type != out.type or (tier(into, hand_facts) > out_tier) != later_tier:
                    continue
                shape = (into.template, tuple(into.tags))
                if shape not in lowers_pile:
                    lowers_pile[shape] = pile(rest + [into]) < now
                if into.source not in keeps_spread:
                    keeps_spread[into.source] = _source_spread(rest + [into], sources) <= spread_now + later_tier
                if not (lowers_pile[shape] and keeps_spread[into.source]):
                    continue
                if later_tier and _same_answer(rules, into, rest):
                    continue  # a last resort asks nothing twice ("Who said ...?" beside "Name the spokesman")
                if trial is None:
                    trial = Sheet(rules)
                    for q in rest:
                        trial.add(q)
                if trial.blocker(into) is None:
                    sheet = rest[:i] + [into] + rest[i:]
                    swapped = True
                    break
        if not swapped:
            break
    return sheet


def _source_spread(sheet: Sequence[Question], sources: Iterable[str]) -> int:
    """How many more questions the most-used of ``sources`` has on the sheet than the least-used."""
    counts = {name: 0 for name in sources}
    for q in sheet:
        if q.source in counts:
            counts[q.source] += 1
    return max(counts.values()) - min(counts.values()) if counts else 0


PILED_UP = 0.2  # of a sheet's questions on one tag: more is worth a generated question in a hand-written one's place


def _same_answer(rules: RuleBook, q: Question, sheet: Sequence[Question]) -> bool:
    """Whether a question on the sheet has an answer of ``q``: the same name, number, date or
    words, as the rules read them ("Peskov" is "Dmitry Peskov")."""
    def answers(question: Question) -> set[frozenset[str]]:
        return {form.required for forms in rules.profile(question).answers for form in forms if form.required}

    mine = answers(q)
    return bool(mine) and any(not mine.isdisjoint(answers(other)) for other in sheet)


def _piled_up(sheet: Sequence[Question], now: tuple[int, tuple[int, ...]]) -> bool:
    """Whether the sheet's most-asked tag is on more than ``PILED_UP`` of its questions (5 of 20)."""
    return bool(now[1]) and now[1][0] > PILED_UP * len(sheet)


def _most_asked(sheet: Sequence[Question], now: tuple[int, tuple[int, ...]]) -> set[str]:
    counts: dict[str, int] = {}
    for q in sheet:
        for t in q.tags:
            counts[t] = counts.get(t, 0) + 1
    top = now[1][0] if now[1] else 0
    return {t for t, n in counts.items() if n == top}


def _template_repeated(sheet: Sequence[Question], q: Question) -> bool:
    return bool(q.template) and sum(1 for other in sheet if other.template == q.template) > 1


def _mix_counts(chosen: Sequence[Question]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for q in chosen:
        counts[q.type] = counts.get(q.type, 0) + 1
    return counts


def _mix_text(mix: Sequence[tuple[str, int]]) -> str:
    return ",".join(f"{name}={number}" for name, number in mix)


def _available(rules: RuleBook, candidates: Sequence[Question], included: Sequence[Question],
               spec: SelectionSpec) -> str:
    """How many questions of each type fit on one sheet under the rules (each type on its own)."""
    parts = []
    for name in QUESTION_TYPES:
        of_type = [q for q in candidates if q.type == name]
        if not of_type and not any(q.type == name for q in included):
            continue
        alone = SelectionSpec(seed=spec.seed, mix=((name, len(of_type) + len(included)),))
        placed = _fill(rules, [q for q in included if q.type == name], of_type, alone, None,
                       random.Random(f"quizgen:{spec.seed}:available:{name}"))
        parts.append(f"{name}={len(placed)}")
    return ", ".join(parts) or "no questions"


def arrange_versions(bank: Bank, chosen: Sequence[Question], spec: SelectionSpec) -> list[QuestionSet]:
    """Lay out already chosen questions as ``spec.versions`` shuffled versions."""
    sets = []
    for v in range(spec.versions):
        version = letter(v) if spec.versions > 1 else None
        rng = random.Random(f"quizgen:{spec.seed}:{bank.id}:version:{v}")
        ordered = list(chosen)
        rng.shuffle(ordered)
        if spec.group_by == "type":
            rank = {t: i for i, t in enumerate(QUESTION_TYPES)}
            ordered.sort(key=lambda q: rank[q.type])  # stable: shuffled order kept inside a section
        letters = LetterBalancer(random.Random(f"quizgen:{spec.seed}:{bank.id}:letters:{v}"))
        items = tuple(place_question(n, q, rng, letters) for n, q in enumerate(ordered, start=1))
        sets.append(QuestionSet(bank=bank, version=version, items=items, seed=spec.seed))
    return sets


def place_question(number: int, question: Question, rng: random.Random,
                   letters: LetterBalancer | None = None) -> PlacedQuestion:
    """Fix the printed order of a question's options, and where the right answers went.

    With ``letters``, a single-answer multiple-choice question's answer goes where the
    version's answer letters stay balanced (see ``quizrules.LetterBalancer``).
    """
    if question.type == "multiple_choice":
        options = list(question.answers) + list(question.distractors)
        order = list(range(len(options)))
        rng.shuffle(order)
        if letters is not None and len(question.answers) == 1:
            order.remove(0)
            order.insert(letters.position(len(options)), 0)
        printed = tuple(options[i] for i in order)
        key = tuple(pos for pos, i in enumerate(order) if i < len(question.answers))
        return PlacedQuestion(number, question, printed, key)
    if question.type == "matching":
        rights = [right for _, right in question.pairs]
        order = _derangement_like(len(rights), rng)
        printed = tuple(rights[i] for i in order)
        key = tuple(order.index(i) for i in range(len(rights)))
        return PlacedQuestion(number, question, printed, key)
    if question.type == "ordering":
        order = _derangement_like(len(question.items), rng)
        printed = tuple(question.items[i] for i in order)
        return PlacedQuestion(number, question, printed, tuple(order))
    return PlacedQuestion(number, question)


def _derangement_like(n: int, rng: random.Random) -> list[int]:
    """A shuffled order of range(n) that is never the identity (n >= 2)."""
    order = list(range(n))
    for _ in range(20):
        rng.shuffle(order)
        if order != sorted(order):
            return order
    return order[1:] + order[:1]


def _describe_filters(spec: SelectionSpec) -> str:
    parts = []
    if spec.tags:
        parts.append(f"tags {', '.join(spec.tags)}")
    if spec.types:
        parts.append(f"types {', '.join(spec.types)}")
    return " and ".join(parts) if parts else "no filter"
