"""Wrong options for generated questions, drawn from the bank by slot type.

A *slot* is the fact field a template asks about: the ``who`` of a quote, the
``when`` of an event, the ``value`` of a quantity. Its wrong options come from the
bank itself, by the slot's value kind (see ``banks.FACT_FIELDS``):

- entity: other entities of the same kind (people for a person, countries for a country);
- text: the same field of other facts of the same kind (other roles, other meanings);
- date: other dates of the bank near the answer and nearby dates at the same precision;
- number: round numbers near the value, on both sides, and other values with the same unit.

A candidate is never a true answer: it must differ from the answer after
normalising case, spaces, curly quotes, a leading article and entity aliases, and
no fact of the bank may state it for the same slot (see ``SlotTruth``). Candidates
whose length or form would give the answer away are left out. Randomness comes
only from the ``random.Random`` the caller passes in.

No jinja2 and no I/O here: this module is plain data work, tested on its own.
"""
from __future__ import annotations

import datetime as dt
import math
import random
import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from .banks import FACT_FIELDS, normalize
from .model import Bank, Entity, Fact

# The fields that say what a fact states. Two facts of a kind that agree on all
# core fields but one state the same thing about that one field: so a value another
# fact gives for the slot, with the other core fields equal, is true, never a wrong
# option. Slots outside the core (an action's ``when``) need all core fields equal.
CORE_FIELDS: dict[str, tuple[str, ...]] = {
    "action": ("who", "did"),
    "quote": ("who", "said"),
    "quantity": ("what", "value"),
    "event": ("what", "when"),
    "claim": ("who", "claim"),
    "role": ("who", "role"),
    "definition": ("term", "means"),
}

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
ARTICLES = ("the", "a", "an")
KIND_NOUNS = {
    "person": ("person", "people"),
    "organization": ("organization", "organizations"),
    "country": ("country", "countries"),
    "place": ("place", "places"),
    "document": ("document", "documents"),
    "event": ("event", "events"),
    "other": ("entity of kind 'other'", "entities of kind 'other'"),
}


# -- values ---------------------------------------------------------------------

@dataclass(frozen=True, order=True)
class DateValue:
    """A bank date (YYYY, YYYY-MM or YYYY-MM-DD) with its precision and its span."""

    start: dt.date
    end: dt.date
    text: str  # as written in the bank
    precision: str  # "year", "month" or "day"

    @classmethod
    def parse(cls, text: str) -> "DateValue":
        parts = [int(p) for p in str(text).split("-")]
        if len(parts) == 1:
            return cls(dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31), str(text), "year")
        if len(parts) == 2:
            start = dt.date(parts[0], parts[1], 1)
            return cls(start, _month_end(start), str(text), "month")
        day = dt.date(parts[0], parts[1], parts[2])
        return cls(day, day, str(text), "day")

    @classmethod
    def of(cls, day: dt.date, precision: str) -> "DateValue":
        if precision == "year":
            return cls.parse(f"{day.year:04d}")
        if precision == "month":
            return cls.parse(f"{day.year:04d}-{day.month:02d}")
        return cls.parse(day.isoformat())

    def display(self) -> str:
        """"2016", "November 2016" or "16 November 2016"."""
        if self.precision == "year":
            return str(self.start.year)
        if self.precision == "month":
            return f"{MONTHS[self.start.month - 1]} {self.start.year}"
        return f"{self.start.day} {MONTHS[self.start.month - 1]} {self.start.year}"

    def phrase(self) -> str:
        """The date after a verb: "on 16 November 2016", "in November 2016", "in 2016"."""
        return ("on " if self.precision == "day" else "in ") + self.display()

    def before(self, other: "DateValue") -> bool:
        """Certainly earlier: the whole span ends before the other one starts."""
        return self.end < other.start


def join_names(names: Sequence[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _month_end(start: dt.date) -> dt.date:
    following = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def comparable(dates: Sequence[DateValue]) -> bool:
    """True when every two dates can be told apart in time (no overlapping spans)."""
    ordered = sorted(dates)
    return all(a.before(b) for a, b in zip(ordered, ordered[1:]))


def format_number(value: float) -> str:
    """4 -> "4", 2500 -> "2,500", 1e9 -> "1 billion", 1.5e9 -> "1.5 billion", 0.25 -> "0.25"."""
    for size, word in ((10**12, "trillion"), (10**9, "billion"), (10**6, "million")):
        if abs(value) >= size:
            scaled = value / size
            if abs(scaled * 100 - round(scaled * 100)) < 1e-6:
                text = f"{round(scaled, 2):g}"
                return f"{text} {word}"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.6g}" if abs(value) >= 1 else f"{value:.6g}"


def format_amount(value: float, unit: str | None) -> str:
    """A number with its unit: "4", "14 years", "1 billion US dollars"."""
    text = format_number(value)
    return f"{text} {unit}" if unit else text


def strip_article(text: str) -> str:
    words = text.split(None, 1)
    if len(words) == 2 and words[0].casefold() in ARTICLES:
        return words[1]
    return text


def text_key(text: str) -> str:
    """Compare texts as a student would: no case, spacing, curly quotes, leading article
    or final full stop."""
    return normalize(strip_article(text.strip())).rstrip(" .!?;:")


def text_form(text: str) -> str:
    """The grammatical form of an option: "to ..." (a verb) or anything else (a noun
    phrase or a clause). Options of one question share it, so "to ratify a treaty"
    never stands alone among noun phrases."""
    first = text.split(None, 1)[0].casefold() if text.split() else ""
    return "to" if first == "to" else "other"


def contains_words(text: str, key: str) -> bool:
    """Whether normalised ``key`` occurs in normalised ``text`` as whole words."""
    return bool(key) and re.search(r"(?<!\w)" + re.escape(key) + r"(?!\w)", text) is not None


def similar_length(a: str, b: str, ratio: float = 2.0, slack: int = 16) -> bool:
    short, long = sorted((len(a), len(b)))
    return long <= max(short * ratio, short + slack)


def entity_names(entity: Entity) -> frozenset[str]:
    """Every way the bank names an entity, normalised (id, name, aliases)."""
    names = {text_key(entity.name), text_key(entity.id.replace("-", " "))}
    names.update(text_key(a) for a in entity.aliases)
    return frozenset(n for n in names if n)


# -- options ----------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    """One value for a slot: the raw value (entity id, text, DateValue or number) and
    how it prints."""

    value: object
    text: str


@dataclass(frozen=True)
class Shortage:
    """Not enough wrong options of good quality: the question is skipped with this reason."""

    reason: str


class SlotTruth:
    """What the bank states, slot by slot; answers "is this value true here?".

    Built once per bank: facts are indexed by their core fields, so checking a
    candidate costs the same in a bank of ten facts or of ten thousand.
    """

    def __init__(self, bank: Bank):
        self.bank = bank
        self.names = {eid: entity_names(e) for eid, e in bank.entities.items()}
        self.canon = _canonical_entities(self.names)
        self.by_kind: dict[str, list[Fact]] = {}
        for fact in bank.facts:
            self.by_kind.setdefault(fact.kind, []).append(fact)
        # the articles' publishers report every quote and claim of the bank
        self.publishers = frozenset(text_key(src.publisher) for src in bank.sources.values())
        self._index: dict[tuple[str, str], dict[tuple, list[object]]] = {}
        self._pools: dict[tuple, list] = {}
        # roles written on entities: role text -> entities, entity -> its role
        self.entity_role_holders: dict[str, list[str]] = {}
        self.entity_roles: dict[str, list[str]] = {}
        for eid, entity in bank.entities.items():
            if entity.role:
                self.entity_role_holders.setdefault(text_key(entity.role), []).append(eid)
                self.entity_roles.setdefault(self.canon[eid], []).append(entity.role)

    # value identity ---------------------------------------------------------
    def value_kind(self, fact_kind: str, slot: str) -> str:
        return FACT_FIELDS[fact_kind][slot][1]

    def key(self, value_kind: str, value: object) -> object:
        """A value reduced to what makes it the same answer: one key per answer."""
        if value is None:
            return None
        if value_kind == "entity":
            if isinstance(value, (tuple, list)):  # a joint statement: the same people, in any order
                return frozenset(self.canon.get(v, v) for v in value)
            return self.canon.get(value, value)  # type: ignore[arg-type]
        if value_kind == "number":
            return float(value)  # type: ignore[arg-type]
        if value_kind == "date":
            return getattr(value, "text", value)
        return text_key(str(value))

    def same(self, value_kind: str, a: object, b: object) -> bool:
        """Whether two values of a slot are the same answer (entities sharing a name or
        an alias are the same entity)."""
        return self.key(value_kind, a) == self.key(value_kind, b)

    def _context(self, kind: str, slot: str, data) -> tuple:
        return tuple(self.key(self.value_kind(kind, c), data.get(c))
                     for c in CORE_FIELDS.get(kind, ()) if c != slot)

    def true_values(self, fact: Fact, slot: str) -> list[object]:
        """Every value the bank states for ``slot`` in the context of ``fact``.

        The fact's own value, the value of every fact of the same kind that agrees
        with it on the other core fields, and for roles the roles written on the
        entities themselves.
        """
        kind = fact.kind
        index = self._index.get((kind, slot))
        if index is None:
            index = self._index[(kind, slot)] = {}
            for other in self.by_kind.get(kind, ()):
                if slot in other.data:
                    index.setdefault(self._context(kind, slot, other.data), []).append(other.data[slot])
        out: list[object] = [fact.data[slot]] if slot in fact.data else []
        if isinstance(fact.data.get(slot), (tuple, list)):  # each speaker of a joint statement said it
            out.extend(fact.data[slot])  # type: ignore[arg-type]
        for value in index.get(self._context(kind, slot, fact.data), ()):
            out.append(value)
            if isinstance(value, (tuple, list)):  # another joint statement of the same: each speaker said it
                out.extend(value)
        also = fact.data.get("also_true")
        if isinstance(also, Mapping):  # true in the world, says the bank: never a wrong option
            out.extend(also.get(slot, ()))
        if kind == "role" and slot == "who" and "role" in fact.data:
            out.extend(self.entity_role_holders.get(text_key(str(fact.data["role"])), ()))
        if kind == "role" and slot == "role" and "who" in fact.data:
            out.extend(self.entity_roles.get(self.canon.get(fact.data["who"]), ()))  # type: ignore[arg-type]
        return out

    def is_true(self, fact: Fact, slot: str, value: object, truths: Sequence[object] | None = None) -> bool:
        value_kind = self.value_kind(fact.kind, slot)
        truths = self.true_values(fact, slot) if truths is None else truths
        return self.key(value_kind, value) in {self.key(value_kind, t) for t in truths}

    # display ----------------------------------------------------------------
    def display(self, fact_kind: str, slot: str, value: object, unit: str | None = None) -> str:
        """A slot value as it prints in an option or a list."""
        value_kind = self.value_kind(fact_kind, slot)
        if value_kind == "entity":
            if isinstance(value, (tuple, list)):
                return join_names([self.bank.entities[v].name for v in value])
            return self.bank.entities[value].name  # type: ignore[index]
        if value_kind == "date":
            return (value if isinstance(value, DateValue) else DateValue.parse(str(value))).display()
        if value_kind == "number":
            return format_amount(float(value), unit)  # type: ignore[arg-type]
        return str(value)

    # distractors --------------------------------------------------------------
    def distractors(self, fact: Fact, slot: str, count: int, rng: random.Random, avoid: str = "",
                    statement: bool = False) -> list[Option] | Shortage:
        """``count`` wrong options for ``slot`` of ``fact``, or why there are not enough.

        Entities named in ``avoid`` (the prompt) are left out: "Which country led the
        sanctions on Russia?" does not offer Russia. ``statement`` asks for values to
        swap into a false statement: dates from the bank come first there ("adopted
        on 1 July 2002" teaches more than "adopted on 14 July 1998").
        """
        value_kind = self.value_kind(fact.kind, slot)
        answer = fact.data[slot]
        truth_keys = {self.key(value_kind, t) for t in self.true_values(fact, slot)}
        unit = fact.data.get("unit") if fact.kind == "quantity" else None
        answer_text = self.display(fact.kind, slot, answer, unit)  # type: ignore[arg-type]
        taken = {text_key(answer_text)}

        def fresh(value: object) -> Option | None:
            """The value as an option, or None when it is true or already offered."""
            if self.key(value_kind, value) in truth_keys:
                return None
            text = self.display(fact.kind, slot, value, unit)  # type: ignore[arg-type]
            key = text_key(text)
            if key in taken or not key:
                return None
            taken.add(key)
            return Option(value, text)

        def all_fresh(values: Iterable[object]) -> list[Option]:
            return [o for o in map(fresh, values) if o is not None]

        if value_kind == "entity":
            return self._entities(fact, answer, count, rng, fresh, normalize(avoid))  # type: ignore[arg-type]
        if value_kind == "date":
            return self._dates(DateValue.parse(str(answer)), count, rng, all_fresh, statement)
        if value_kind == "number":
            tolerance = float(fact.data.get("tolerance") or 0)  # type: ignore[arg-type]

            def outside(values: Iterable[object]) -> list[Option]:
                return all_fresh(v for v in values if abs(float(v) - float(answer)) > tolerance)  # type: ignore[arg-type]
            return self._numbers(float(answer), unit, count, rng, outside)  # type: ignore[arg-type]
        if value_kind == "text":
            return self._texts(fact, slot, str(answer), count, rng, fresh)
        return Shortage(f"slot {slot!r} holds {value_kind} values, which have no wrong options; "
                        "expected an entity, text, date or number field")

    def _entities(self, fact, answer, count, rng, fresh, avoid: str) -> list[Option] | Shortage:
        members = tuple(answer) if isinstance(answer, (tuple, list)) else (answer,)
        entity = self.bank.entities[members[0]]
        answer_names = frozenset().union(*(self.names[m] for m in members))
        group = entity.group
        pool = self._pools.get(("entity", entity.kind, group))
        if pool is None:  # same kind, and the same group when the answer has one
            pool = self._pools[("entity", entity.kind, group)] = sorted(
                eid for eid, e in self.bank.entities.items()
                if e.kind == entity.kind and (group is None or e.group == group))

        def option(eid: str) -> Option | None:
            if eid in members:
                return None
            names = self.names[eid]
            if fact.kind in ("quote", "claim", "quantity") and names & self.publishers:
                return None  # a source reports what everyone said: never a wrong "who said it"
            if any(n in avoid and contains_words(avoid, n) for n in names):
                return None  # named in the question: a weak option ("led sanctions on Russia": Russia?)
            if any((a in n or n in a) and (contains_words(a, n) or contains_words(n, a))
                   for a in answer_names for n in names):
                return None  # a part or a whole of the answer: "UN General Assembly" for its Third Committee
            if not similar_length(self.bank.entities[eid].name, entity.name, ratio=3.0):
                return None
            return fresh(eid)

        options = _pick(pool, count, rng, option)
        if len(options) < count:
            singular, plural = KIND_NOUNS[entity.kind]
            noun = singular if len(options) == 1 else plural
            of_group = f" of group {group!r}" if group else ""
            return Shortage(f"only {len(options)} other {noun}{of_group} in the bank for distractors "
                            f"that are not true; expected at least {count}")
        return options

    def _texts(self, fact, slot, answer: str, count, rng, fresh) -> list[Option] | Shortage:
        same_kind_who = fact.kind == "role" and slot == "role"
        who_kind = self.bank.entities[fact.data["who"]].kind if same_kind_who else None  # type: ignore[index]
        who_group = self.bank.entities[fact.data["who"]].group if same_kind_who else None  # type: ignore[index]
        verbatim = bool(fact.data.get("verbatim")) if fact.kind == "quote" else None
        pool_key = ("text", fact.kind, slot, who_kind, who_group, verbatim)

        def comparable_holder(eid: str) -> bool:
            """Roles of people in the same group: officials for officials."""
            holder = self.bank.entities[eid]
            return holder.kind == who_kind and (who_group is None or holder.group == who_group)
        pool = self._pools.get(pool_key)
        if pool is None:
            values: set[str] = set()
            with_role_fact = set()
            for other in self.by_kind.get(fact.kind, ()):
                if slot not in other.data:
                    continue
                if same_kind_who:  # a person's role is not offered as the role of a country
                    with_role_fact.add(other.data["who"])
                    if not comparable_holder(other.data["who"]):  # type: ignore[arg-type]
                        continue
                if verbatim is not None and bool(other.data.get("verbatim")) != verbatim:
                    continue  # an exact quotation among reported speech gives itself away
                values.add(str(other.data[slot]))
            if same_kind_who:  # roles written on entities, for those without a role fact
                values.update(e.role for eid, e in self.bank.entities.items()
                              if e.role and comparable_holder(eid) and eid not in with_role_fact)
            pool = self._pools[pool_key] = sorted(values)
        form = text_form(answer)
        proper = fact.kind == "definition" and slot == "term"  # a name among common nouns stands out

        def option(value: str) -> Option | None:
            if text_form(value) != form or not similar_length(value, answer):
                return None
            if proper and value[:1].isupper() != answer[:1].isupper():
                return None  # "Rome Statute" is not offered among "annexation", "referendum", ...
            return fresh(value)

        options = _pick(pool, count, rng, option)
        if len(options) < count:
            return Shortage(f"only {len(options)} other {fact.kind} {slot!r} value"
                            f"{'' if len(options) == 1 else 's'} of similar length and form in the bank "
                            f"for distractors; expected at least {count}")
        return options

    def _dates(self, answer: DateValue, count, rng, fresh, statement: bool) -> list[Option] | Shortage:
        near = {"year": 12 * 366, "month": 3 * 366, "day": 6 * 366}[answer.precision]
        apart = {"year": 366, "month": 183, "day": 60}[answer.precision]  # clearly not the answer
        same_precision = self._pools.get(("dates", answer.precision))
        if same_precision is None:
            bank_dates: set[str] = set()
            for other in self.bank.facts:
                for field, (_, value_kind) in FACT_FIELDS[other.kind].items():
                    if value_kind == "date" and field in other.data:
                        bank_dates.add(str(other.data[field]))
            parsed = [DateValue.parse(t) for t in sorted(bank_dates)]
            same_precision = self._pools[("dates", answer.precision)] = [
                d for d in parsed if d.precision == answer.precision]
        shifted = _date_shifts(answer, rng)
        if statement:
            # A false statement needs a date clearly apart from the true one: another
            # date of the bank within a few years first ("adopted on 1 July 2002"),
            # else a shifted one; never a neighbouring day ("on 15 November" for the 14th).
            window = 6 * 366

            def far_enough(d: DateValue) -> bool:
                return abs((d.start - answer.start).days) >= apart
            near_bank = sorted((d for d in same_precision if far_enough(d)
                                and abs((d.start - answer.start).days) <= window),
                               key=lambda d: (abs((d.start - answer.start).days), d.start))
            options = fresh(near_bank[:count + 8] + [d for d in shifted if far_enough(d)])
            if len(options) < count:
                return Shortage(f"too few dates apart from {answer.display()} to swap in; "
                                f"expected at least {count}")
            return options[:count]
        from_bank = [d for d in same_precision if apart <= abs((d.start - answer.start).days) <= near]
        from_bank = rng.sample(from_bank, min(len(from_bank), 3))
        # at most one date from the bank: the rest are nearby dates of the same precision
        options = fresh(from_bank[:1] + shifted)
        return _balanced(options, answer, count, rng, lambda o: o.value.start,  # type: ignore[union-attr]
                         f"too few dates near {answer.display()} for distractors; expected at least {count}")

    def _numbers(self, answer: float, unit, count, rng, fresh) -> list[Option] | Shortage:
        same_unit = self._pools.get(("numbers", unit))
        if same_unit is None:
            same_unit = self._pools[("numbers", unit)] = sorted({
                float(other.data["value"]) for other in self.by_kind.get("quantity", ())  # type: ignore[arg-type]
                if other.data.get("unit") == unit and "value" in other.data})
        near = [v for v in same_unit if v > 0 and answer > 0 and 0.2 <= v / answer <= 5]
        near = rng.sample(near, min(len(near), 3))
        options = fresh(near[:1] + nearby_numbers(answer, rng))
        return _balanced(options, answer, count, rng, lambda o: float(o.value),  # type: ignore[arg-type]
                         f"too few plausible numbers near {format_number(answer)} for distractors; "
                         f"expected at least {count}")


def _canonical_entities(names: Mapping[str, frozenset[str]]) -> dict[str, str]:
    """Entity id -> one representative id, merging entities that share a name or alias
    (a bank that lists "Putin" under two entities means one person)."""
    parent = {eid: eid for eid in names}

    def find(eid: str) -> str:
        while parent[eid] != eid:
            parent[eid] = parent[parent[eid]]
            eid = parent[eid]
        return eid

    owner: dict[str, str] = {}
    for eid in sorted(names):
        for name in names[eid]:
            if name in owner:
                a, b = find(owner[name]), find(eid)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[name] = eid
    return {eid: find(eid) for eid in names}


def _pick(pool: Sequence, count: int, rng: random.Random, option) -> list[Option]:
    """``count`` good options from ``pool`` in a random (seeded) order, looking at as few
    candidates as it takes: a large bank costs no more than a small one."""
    chosen: list[Option] = []
    if not pool or count <= 0:
        return chosen
    first = rng.sample(range(len(pool)), min(len(pool), 4 * count + 8))
    seen = set(first)
    for index in first:
        found = option(pool[index])
        if found is not None:
            chosen.append(found)
            if len(chosen) == count:
                return chosen
    if len(seen) < len(pool):  # few good ones: look at all the rest, still in a random order
        rest = [i for i in range(len(pool)) if i not in seen]
        rng.shuffle(rest)
        for index in rest:
            found = option(pool[index])
            if found is not None:
                chosen.append(found)
                if len(chosen) == count:
                    break
    return chosen


def _balanced(options: list[Option], answer, count: int, rng: random.Random, position,
              shortage: str) -> list[Option] | Shortage:
    """Pick ``count`` options with some below and some above the answer when both exist,
    so the answer is neither always the largest nor always the smallest."""
    if len(options) < count:
        return Shortage(shortage)
    below = [o for o in options if position(o) < _pos(answer)]
    above = [o for o in options if position(o) > _pos(answer)]
    if below and above and count >= 2:
        n_below = rng.randint(max(1, count - len(above)), min(count - 1, len(below)))
        chosen = rng.sample(below, n_below) + rng.sample(above, count - n_below)
    else:
        chosen = rng.sample(options, count)
    chosen.sort(key=position)
    return chosen


def _pos(answer) -> object:
    return answer.start if isinstance(answer, DateValue) else answer


def _date_shifts(answer: DateValue, rng: random.Random) -> list[DateValue]:
    """Nearby dates at the answer's precision, in a random (seeded) order."""
    out: list[DateValue] = []
    start = answer.start
    if answer.precision == "year":
        for delta in (-6, -5, -4, -3, -2, 2, 3, 4, 5, 6):
            if 1 <= start.year + delta <= 9999:
                out.append(DateValue.of(start.replace(year=start.year + delta, month=1, day=1), "year"))
    elif answer.precision == "month":  # whole years apart: a month or two off may be true too
        for delta in (-36, -24, -12, 12, 24, 36):
            index = start.year * 12 + start.month - 1 + delta
            if 12 <= index < 12 * 10000:
                out.append(DateValue.of(dt.date(index // 12, index % 12 + 1, 1), "month"))
    else:  # the same day in other years: a day or a week off is no clear mistake
        for delta in (-4, -3, -2, -1, 1, 2, 3, 4):
            try:
                out.append(DateValue.of(start.replace(year=start.year + delta), "day"))
            except ValueError:  # 29 February, or out of range
                pass
    rng.shuffle(out)
    return out


def nice_step(value: float) -> float:
    """The grid round numbers near ``value`` sit on: 1 for 4, 2 for 14, 200 million for 1 billion."""
    size = abs(value)
    if size == 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(size))
    if size.is_integer() and size <= 10:
        return 1.0
    lead = size / magnitude
    return magnitude * (0.5 if lead >= 5 else 0.2)


def significant_digits(value: float) -> int:
    """4 -> 1, 950000000006 -> 12, 0.25 -> 2 (from the shortest repr, so no exponent trouble)."""
    import decimal  # here, not with the module: only numeric wrong options need it (0.7 ms to import)

    digits = decimal.Decimal(repr(abs(float(value)))).normalize().as_tuple().digits
    return max(1, len(digits))


def nearby_numbers(value: float, rng: random.Random) -> list[float]:
    """Plausible wrong numbers near ``value``: round, of the same sign, never equal to it,
    on both sides of it, in a random (seeded) order."""
    step = nice_step(value)
    whole = float(value).is_integer()
    candidates: set[float] = set()
    for k in (-3, -2, -1, 1, 2, 3):
        candidates.add(value + k * step)
    for factor in (0.5, 2):
        candidates.add(value * factor)
    digits = significant_digits(value) + 1
    out = []
    for c in sorted(candidates):
        c = float(f"{c:.{digits}g}")  # round away float noise ("0.30000000000000004")
        if whole and not c.is_integer():
            continue
        if (value > 0 and c <= 0) or (value < 0 and c >= 0) or (value == 0 and c <= 0):
            continue
        if math.isclose(c, value, rel_tol=1e-9, abs_tol=1e-12) or significant_digits(c) > digits:
            continue
        if c not in out:
            out.append(c)
    rng.shuffle(out)
    return out


def value_kinds(kind: str) -> Mapping[str, str]:
    """Field name -> value kind for a fact kind."""
    return {name: spec[1] for name, spec in FACT_FIELDS[kind].items()}

