"""Marking a printed quiz: RESPONSES.csv + the build's manifest -> scores, item analysis, class report.

``mark_class`` is the one call behind ``quizgen mark``. It reads what each version printed
(the manifest's ``marking`` lists, written by the worksheet exporter), reads the class's
answers, marks every cell, and writes ``scores.csv``, ``items.csv`` and ``report.pdf``.

Marking rules, per type (a cell is what the student wrote, as DESIGN §11.6 spells it):

- multiple choice: full points for exactly the right letters ("B"; select-all "A;C"), else 0;
- true/false: T/F (or True/False), full points or 0;
- short answer: the answer or any ``accept`` after normalisation (case, accents, punctuation,
  spacing, a leading "the/a/an"): full points; anything else written is ``review``;
- numeric: a number within the tolerance (the unit may be written after it): full points;
  a number outside: 0; something that is not a number: ``review``;
- cloze: each blank matched after normalisation (its answer or one of its alternatives,
  ``[[answer|alternative]]``) earns its share; a blank that matches none makes the question
  ``review`` (a person decides);
- matching and ordering: each right letter (or box number) earns its share of the points.

Item analysis, per question id (across versions): difficulty is the mean share of the points
earned (the classical p-value: 0.9 is easy); discrimination is the corrected point-biserial
correlation, that is the Pearson correlation between the share earned on the item and the score
on the rest of the quiz. It uses every student, which matters in a class of 25 (the upper-lower
27% index throws away half the class), and leaving the item out of the total keeps it from
correlating with itself, which otherwise flatters items on short quizzes. ``review`` answers are
left out of the statistics until a person marks them.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import statistics
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

from .errors import BankError, BankErrors, QuizgenError, SourceRef

MIN_STUDENTS_FOR_FLAGS = 5
CHECK_KEY_BELOW = -0.1  # a discrimination below this: the better students got it "wrong"
WEAK_BELOW = 0.15  # a discrimination below this (or a question almost nobody gets): review it
HARD_BELOW = 0.2
REVIEW = "review"
FIXED_COLUMNS = ("student", "version")
ARTICLES = ("the", "a", "an")


class MarkError(QuizgenError):
    """The responses or the manifest cannot be marked."""


class ResponseErrors(BankErrors):
    """Every bad row of a RESPONSES.csv, each as ``path:line: message``."""

    def __init__(self, errors: list[BankError], path: str):
        super().__init__(errors)
        n = len(self.errors)
        self.summary = f"Aborted: {n} error{'s' if n != 1 else ''} in {path}; nothing was written"
        self.args = ("\n".join([str(e) for e in self.errors] + [self.summary]),)


# ---- what was printed ----

@dataclass(frozen=True)
class Printed:
    """One question as printed in one version, with what marking needs (the manifest's record)."""

    number: int
    id: str
    type: str
    points: float
    answer: object  # per type: letters, bool, accepted texts, number, blanks, letters, box numbers
    options: tuple[str, ...] = ()
    tolerance: float = 0.0
    unit: str | None = None
    accept: tuple[tuple[str, ...], ...] = ()  # cloze: each blank's other right answers


@dataclass(frozen=True)
class Quiz:
    """A built quiz: its bank and, per version letter ("" for a single version), its printed questions."""

    bank: str
    title: str
    versions: Mapping[str, tuple[Printed, ...]]

    @property
    def size(self) -> int:
        return max((len(v) for v in self.versions.values()), default=0)

    @property
    def question_ids(self) -> list[str]:
        """Every question id, in the first version's printed order."""
        first = next(iter(self.versions.values()), ())
        return [p.id for p in first]


def load_quiz(manifest_path: Path, bank: str | None = None) -> Quiz:
    """The quiz a build printed, from its ``manifest.json`` (worksheet entries with ``marking``)."""
    try:
        entries = json.loads(manifest_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MarkError(f"{manifest_path}: cannot read the manifest ({exc.strerror}); expected the "
                        "manifest.json of a build (use --manifest OUT/manifest.json)") from None
    except ValueError as exc:
        raise MarkError(f"{manifest_path}: not JSON ({exc}); expected the manifest.json of a build") from None
    entries = entries if isinstance(entries, list) else []
    # the worksheets, or the answer sheets of a build that printed only those (same numbers, same answers)
    sheets = [e for e in entries if isinstance(e, dict) and e.get("kind") == "worksheet"] or \
        [e for e in entries if isinstance(e, dict) and e.get("kind") == "answer_sheet"]
    banks = sorted({e.get("bank") for e in sheets})
    if bank is not None:
        sheets = [e for e in sheets if e.get("bank") == bank]
    if not sheets:
        known = ", ".join(banks) or "none"
        raise MarkError(f"{manifest_path}: no worksheet{' of bank ' + repr(bank) if bank else ''} in this "
                        f"manifest (banks with worksheets: {known}); expected a build with --format worksheet "
                        "or answer_sheet")
    if len({e["bank"] for e in sheets}) > 1:
        raise MarkError(f"{manifest_path}: the build holds worksheets of several banks ({', '.join(banks)}); "
                        "expected --bank ID to say which one the responses are for")
    if any("marking" not in e for e in sheets):
        raise MarkError(f"{manifest_path}: this manifest has no marking data; expected a manifest written "
                        "by this quizgen version (build the quiz again with --format worksheet)")
    versions = {}
    for entry in sheets:
        versions[entry.get("version") or ""] = tuple(
            _printed(n, qid, record) for n, (qid, record) in enumerate(zip(entry["questions"], entry["marking"]),
                                                                      start=1))
    return Quiz(bank=sheets[0]["bank"], title=sheets[0].get("title") or sheets[0]["bank"], versions=versions)


def _printed(number: int, qid: str, record: Mapping) -> Printed:
    answer = record.get("answer")
    if isinstance(answer, list):
        answer = tuple(answer)
    return Printed(number=number, id=qid, type=record["type"], points=float(record.get("points", 1)),
                   answer=answer, options=tuple(record.get("options") or ()),
                   tolerance=float(record.get("tolerance") or 0), unit=record.get("unit"),
                   accept=tuple(tuple(a) for a in record.get("accept") or ()))


def template_csv(quiz: Quiz) -> bytes:
    """An empty RESPONSES.csv for ``quiz``: the header, nothing else."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(list(FIXED_COLUMNS) + [str(n) for n in range(1, quiz.size + 1)])
    return out.getvalue().encode()


# ---- the class's answers ----

@dataclass(frozen=True)
class Response:
    student: str
    version: str
    cells: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Mark:
    """One answer marked: points earned (None: a person must decide) and what was chosen."""

    earned: float | None
    points: float
    chosen: tuple[str, ...] = ()  # multiple choice: the option texts picked

    @property
    def share(self) -> float | None:
        return None if self.earned is None else (self.earned / self.points if self.points else 0.0)


class CellError(ValueError):
    """A cell that cannot be what the student wrote for this question (an unprinted letter, say)."""


def read_responses(path: Path, quiz: Quiz, label: str | None = None) -> list[Response]:
    """Every row of RESPONSES.csv, checked against the quiz; all bad rows reported at once."""
    where = label or str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise MarkError(f"{where}: cannot read ({exc.strerror}); expected a CSV file of answers") from None
    except UnicodeDecodeError:
        raise MarkError(f"{where}:1: not UTF-8 text; expected a CSV saved as UTF-8") from None
    first = text.split("\n", 1)[0]
    # a spreadsheet set to a comma-decimal language saves "student;version;1;2;..."
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    expected = list(FIXED_COLUMNS) + [str(n) for n in range(1, quiz.size + 1)]
    errors: list[BankError] = []
    if not rows:
        raise ResponseErrors([BankError(SourceRef(where, 1), f"the file is empty; expected the header "
                                        f"{','.join(expected)}")], where)
    header = [h.strip().lower() for h in rows[0]]
    if header != expected:
        raise ResponseErrors([BankError(SourceRef(where, 1), f"header {','.join(rows[0])!r} does not match the "
                                        f"quiz; expected {','.join(expected)} (quizgen mark --template writes it)")],
                             where)
    responses = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        ref = SourceRef(where, line)
        if len(row) != len(expected):
            errors.append(BankError(ref, f"{len(row)} columns; expected {len(expected)} "
                                         f"(student, version and one per question)"))
            continue
        student, version = row[0].strip(), row[1].strip().upper()
        if not student:
            errors.append(BankError(ref, "no student; expected a name or number in the first column"))
            continue
        if version not in quiz.versions:
            known = ", ".join(v for v in quiz.versions if v) or "empty (one version was built)"
            errors.append(BankError(ref, f"student {student!r}: unknown version {row[1].strip()!r}; "
                                         f"expected one of: {known}"))
            continue
        if student in seen:
            errors.append(BankError(ref, f"student {student!r} already has a row (line {seen[student]}); "
                                         "expected one row per student"))
            continue
        seen[student] = line
        cells = tuple(cell.strip() for cell in row[2:])
        for printed, cell in zip(quiz.versions[version], cells):
            try:
                mark_cell(printed, cell)
            except CellError as exc:
                errors.append(BankError(ref, f"student {student!r}, question {printed.number}: {exc}"))
        responses.append(Response(student, version, cells, line))
    if errors:
        raise ResponseErrors(errors, where)
    return responses


# ---- marking one cell ----

def normalise(text: str) -> str:
    """Text compared as a teacher would: case, accents, punctuation, spacing and a leading article ignored."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[\W_]+", " ", text).strip()
    words = text.split()
    while len(words) > 1 and words[0] in ARTICLES:
        words = words[1:]
    return " ".join(words)


def split_cell(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";")]


def split_marks(cell: str) -> list[str]:
    """Letters or numbers written in a row of boxes: "b;a;c", "b, a, c" or "b a c"; an empty place kept."""
    if ";" in cell:
        return split_cell(cell)
    if "," in cell:
        return [part.strip() for part in cell.split(",")]
    return cell.split()


def _letters(cell: str, count: int) -> list[int]:
    """Letters of a cell ("B", "A;C", "a, c") as option indexes; CellError for one not printed."""
    parts = [p for p in re.split(r"[;,\s]+", cell.strip().upper()) if p]
    if count <= 26:  # "AC" for a select-all: the letters A and C
        parts = [c for p in parts for c in (p if p.isalpha() else [p])]
    out = []
    for part in parts:
        index = _letter_index(part)
        if index is None or index >= count:
            raise CellError(f"{part!r} is not a printed option; expected a letter A to {_letter(count - 1)}")
        out.append(index)
    return out


def _letter_index(text: str) -> int | None:
    if not re.fullmatch(r"[A-Z]{1,2}", text):
        return None
    index = 0
    for c in text:
        index = index * 26 + (ord(c) - 64)
    return index - 1


def _letter(index: int) -> str:
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(65 + rest) + text
    return text


def parse_number(text: str, unit: str | None = None) -> float | None:
    """A number as a student writes it: "1,000", "1 000", "3.5", "3,5", "-2", "4 verdicts"; else None."""
    text = text.strip()
    if unit and text.casefold().endswith(unit.casefold()):
        text = text[: -len(unit)].strip()
    text = re.sub(r"(?<=\d)[\s\u00a0\u202f](?=\d{3}\b)", "", text)
    match = re.match(r"^[-+\u2212]?\d[\d,.]*", text)
    if not match or text[match.end():].strip(" .") and not re.fullmatch(r"[^\d]*", text[match.end():]):
        return None
    number = match.group().replace("\u2212", "-")
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", number):
        number = number.replace(",", "")
    elif re.fullmatch(r"[-+]?\d+,\d+", number):
        number = number.replace(",", ".")
    try:
        return float(number)
    except ValueError:
        return None


def _choice(p: Printed, cell: str) -> Mark:
    picked = sorted(set(_letters(cell, len(p.options))))
    key = sorted(_letter_index(k) for k in p.answer)
    chosen = tuple(p.options[i] for i in picked)
    return Mark(p.points if picked == key else 0.0, p.points, chosen)


def _true_false(p: Printed, cell: str) -> Mark:
    value = {"t": True, "true": True, "f": False, "false": False}.get(cell.casefold())
    if value is None:
        raise CellError(f"{cell!r} is not true or false; expected T or F")
    return Mark(p.points if value == p.answer else 0.0, p.points)


def _short(p: Printed, cell: str) -> Mark:
    accepted = {normalise(a) for a in p.answer}
    return Mark(p.points if normalise(cell) in accepted else None, p.points)


def _numeric(p: Printed, cell: str) -> Mark:
    value = parse_number(cell, p.unit)
    if value is None:
        return Mark(None, p.points)
    right = abs(value - float(p.answer)) <= p.tolerance + 1e-9 * max(1.0, abs(float(p.answer)))
    return Mark(p.points if right else 0.0, p.points)


def _cloze(p: Printed, cell: str) -> Mark:
    parts = split_cell(cell)
    blanks = list(p.answer)
    if len(parts) != len(blanks):
        return Mark(None, p.points)
    others = list(p.accept) + [()] * (len(blanks) - len(p.accept))
    right = [normalise(a) in {normalise(b), *map(normalise, more)} for a, b, more in zip(parts, blanks, others)]
    if not all(r or not a for r, a in zip(right, parts)):
        return Mark(None, p.points)  # a blank filled with something else: a person decides
    return Mark(p.points * sum(right) / len(blanks), p.points)


def _item_by_item(p: Printed, cell: str, unit: str, places: tuple[str, str], reads: Callable[[object], object]) -> Mark:
    """Matching and ordering: one mark (letter or box number) per item, each right one worth its share.
    ``reads`` turns a written mark (or the key's) into what is compared, or raises CellError for a
    mark that was not printed."""
    parts = split_marks(cell)
    key = list(p.answer)
    if len(parts) > len(key):
        raise CellError(f"{len(parts)} {unit}s for {len(key)} {places[1]}; expected one {unit} per {places[0]}, "
                        "separated by ;")
    right = sum(reads(part) == reads(want) for part, want in zip(parts, key) if part)
    return Mark(p.points * right / len(key), p.points)


def _matching(p: Printed, cell: str) -> Mark:
    def reads(mark: object) -> object:
        index = _letter_index(str(mark).upper())
        if index is None or index >= len(p.options):
            raise CellError(f"{mark!r} is not a printed letter; expected a to {_letter(len(p.options) - 1).lower()}")
        return index
    return _item_by_item(p, cell, "letter", ("item", "items"), reads)


def _ordering(p: Printed, cell: str) -> Mark:
    def reads(mark: object) -> object:
        if not str(mark).isdigit():
            raise CellError(f"{mark!r} is not a box number; expected 1 to {len(p.answer)}")
        return int(str(mark))
    return _item_by_item(p, cell, "number", ("box", "boxes"), reads)


MARKERS = {
    "multiple_choice": _choice,
    "true_false": _true_false,
    "short_answer": _short,
    "numeric": _numeric,
    "cloze": _cloze,
    "matching": _matching,
    "ordering": _ordering,
}


def mark_cell(p: Printed, cell: str) -> Mark:
    """One answer marked; an empty cell is no answer (0 points)."""
    if not cell.strip():
        return Mark(0.0, p.points)
    return MARKERS[p.type](p, cell.strip())


# ---- the class ----

@dataclass(frozen=True)
class StudentMarks:
    student: str
    version: str
    marks: Mapping[str, Mark]  # question id -> mark
    answered: Mapping[str, bool]

    @property
    def score(self) -> float:
        return sum(m.earned for m in self.marks.values() if m.earned is not None)

    @property
    def max(self) -> float:
        return sum(m.points for m in self.marks.values())

    @property
    def reviews(self) -> int:
        return sum(1 for m in self.marks.values() if m.earned is None)


@dataclass(frozen=True)
class ItemStats:
    id: str
    type: str
    answered: int
    correct: int
    review: int
    difficulty: float | None
    discrimination: float | None
    choices: tuple[tuple[str, int], ...]  # multiple choice: (option text, times chosen), key first
    flag: str
    reason: str


def mark_all(quiz: Quiz, responses: Sequence[Response]) -> list[StudentMarks]:
    out = []
    for r in responses:
        printed = quiz.versions[r.version]
        marks = {p.id: mark_cell(p, cell) for p, cell in zip(printed, r.cells)}
        answered = {p.id: bool(cell) for p, cell in zip(printed, r.cells)}
        out.append(StudentMarks(r.student, r.version, marks, answered))
    return out


def correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r; None when either side does not vary (or fewer than 3 pairs)."""
    if len(xs) < 3:
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / math.sqrt(sxx * syy)


def analyse_items(quiz: Quiz, students: Sequence[StudentMarks]) -> list[ItemStats]:
    """Difficulty, corrected point-biserial discrimination, option counts and flags, per question id."""
    by_id = {p.id: p for version in quiz.versions.values() for p in version}
    stats = []
    for qid in quiz.question_ids:
        p = by_id[qid]
        marked = [(s, s.marks[qid]) for s in students if qid in s.marks]
        scored = [(s, m) for s, m in marked if m.earned is not None]
        shares = [m.share for _, m in scored]
        rest = [s.score - m.earned for s, m in scored]
        difficulty = statistics.fmean(shares) if shares else None
        discrimination = correlation(shares, rest)
        choices: tuple[tuple[str, int], ...] = ()
        if p.type == "multiple_choice":
            key_texts = [p.options[_letter_index(k)] for k in p.answer]
            texts = key_texts + sorted(set(p.options) - set(key_texts))
            counts = {t: 0 for t in texts}
            for _, m in marked:
                for t in m.chosen:
                    counts[t] = counts.get(t, 0) + 1
            choices = tuple(counts.items())
        flag, reason = _flag(p, scored, difficulty, discrimination, len(students))
        stats.append(ItemStats(
            id=qid, type=p.type, answered=sum(1 for s in students if s.answered.get(qid)),
            correct=sum(1 for _, m in scored if m.earned >= m.points - 1e-9),
            review=len(marked) - len(scored), difficulty=difficulty, discrimination=discrimination,
            choices=choices, flag=flag, reason=reason))
    return stats


def _flag(p: Printed, scored, difficulty, discrimination, n_students: int) -> tuple[str, str]:
    if n_students < MIN_STUDENTS_FOR_FLAGS or difficulty is None:
        return "", ""
    if p.type == "multiple_choice":
        # a wrong option chosen at least as often as the key, by students who do better on the rest
        key = {p.options[_letter_index(k)] for k in p.answer}
        rest_of = {}
        for s, m in scored:
            for t in m.chosen:
                rest_of.setdefault(t, []).append(s.score - m.earned)
        key_rest = [r for t in key for r in rest_of.get(t, [])]
        for text, rests in sorted(rest_of.items()):
            if text in key or len(rests) < max(2, len(key_rest)):
                continue
            if not key_rest or statistics.fmean(rests) > statistics.fmean(key_rest):
                return "check key", (f"\u201c{text}\u201d was chosen by {len(rests)}, the key by {len(key_rest)}, "
                                     "and its choosers did better on the rest of the quiz")
    if discrimination is not None and discrimination < CHECK_KEY_BELOW:
        return "check key", f"discrimination {discrimination:.2f}: stronger students got it wrong more often"
    if difficulty < HARD_BELOW:
        return REVIEW, f"difficulty {difficulty:.2f}: almost nobody got it right"
    if discrimination is not None and discrimination < WEAK_BELOW:
        return REVIEW, f"discrimination {discrimination:.2f}: it hardly separates stronger from weaker students"
    return "", ""


# ---- outputs ----

def _num(value: float | None, digits: int = 2) -> str:
    if value is None:
        return ""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def scores_csv(quiz: Quiz, students: Sequence[StudentMarks]) -> bytes:
    ids = quiz.question_ids
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["student", "version", "score", "max", "percent"] + ids)
    for s in students:
        percent = 100 * s.score / s.max if s.max else 0.0
        w.writerow([s.student, s.version, _num(s.score), _num(s.max), _num(percent, 1)]
                   + [REVIEW if s.marks[q].earned is None else _num(s.marks[q].earned) for q in ids])
    return out.getvalue().encode()


def items_csv(stats: Sequence[ItemStats]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["id", "type", "answered", "correct", "difficulty", "discrimination", "choices", "flag",
                "needs_review", "why"])
    for i in stats:
        choices = "; ".join(f"{text}={n}" for text, n in i.choices)
        w.writerow([i.id, i.type, i.answered, i.correct, _num(i.difficulty), _num(i.discrimination), choices,
                    i.flag, i.review, i.reason])
    return out.getvalue().encode()


@dataclass(frozen=True)
class ClassSummary:
    """What the class report shows (the PDF exporter draws it)."""

    bank: str
    title: str
    students: int
    questions: int
    max_points: float
    percents: tuple[float, ...]
    mean: float
    median: float
    stdev: float
    reliability: float | None  # Cronbach's alpha (KR-20 for right/wrong items)
    reviews: int
    items: tuple[ItemStats, ...]


def cronbach_alpha(students: Sequence[StudentMarks], ids: Sequence[str]) -> float | None:
    """Internal consistency of the quiz (KR-20 when every item is right/wrong); None when undefined."""
    if len(students) < 3 or len(ids) < 2:
        return None
    item_vars = []
    for q in ids:
        earned = [s.marks[q].earned or 0.0 for s in students]
        item_vars.append(statistics.pvariance(earned))
    totals = [s.score for s in students]
    total_var = statistics.pvariance(totals)
    if total_var <= 1e-12:
        return None
    k = len(ids)
    return k / (k - 1) * (1 - sum(item_vars) / total_var)


def summarise(quiz: Quiz, students: Sequence[StudentMarks], stats: Sequence[ItemStats]) -> ClassSummary:
    percents = tuple(100 * s.score / s.max if s.max else 0.0 for s in students)
    return ClassSummary(
        bank=quiz.bank, title=quiz.title, students=len(students), questions=len(quiz.question_ids),
        max_points=students[0].max if students else 0.0, percents=percents,
        mean=statistics.fmean(percents) if percents else 0.0,
        median=statistics.median(percents) if percents else 0.0,
        stdev=statistics.pstdev(percents) if percents else 0.0,
        reliability=cronbach_alpha(students, quiz.question_ids), reviews=sum(s.reviews for s in students),
        items=tuple(stats))


@dataclass
class MarkReport:
    """What ``mark_class`` did: the class, its items, the files written."""

    quiz: Quiz
    students: list[StudentMarks] = field(default_factory=list)
    items: list[ItemStats] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    summary: ClassSummary | None = None

    @property
    def reviews(self) -> int:
        return sum(s.reviews for s in self.students)

    @property
    def flagged(self) -> list[ItemStats]:
        return [i for i in self.items if i.flag]


def default_manifest(responses: Path) -> Path:
    """manifest.json beside RESPONSES.csv if there is one, else ./output/manifest.json."""
    beside = responses.parent / "manifest.json"
    return beside if beside.exists() else Path("output") / "manifest.json"


def mark_class(responses: Path, manifest: Path | None = None, out: Path | None = None,
               bank: str | None = None) -> MarkReport:
    """Mark RESPONSES.csv against the build in ``manifest``; write scores.csv, items.csv, report.pdf to ``out``."""
    from .exporters.pdf_report import render_report
    from .pipeline import write_files

    quiz = load_quiz(manifest or default_manifest(responses), bank)
    rows = read_responses(responses, quiz)
    report = MarkReport(quiz, mark_all(quiz, rows))
    if not rows:  # a fresh template: nothing to mark yet, nothing written
        return report
    report.items = analyse_items(quiz, report.students)
    folder = out or responses.parent
    report.summary = summarise(quiz, report.students, report.items)
    files = {
        folder / "scores.csv": scores_csv(quiz, report.students),
        folder / "items.csv": items_csv(report.items),
        folder / "report.pdf": render_report(report.summary),
    }
    write_files(files)
    report.written = list(files)
    return report


def write_template(manifest: Path, target: Path, bank: str | None = None) -> Path:
    """Write an empty RESPONSES.csv (header only) for the quiz in ``manifest``; never overwrite a file."""
    from .pipeline import write_files

    quiz = load_quiz(manifest, bank)
    if target.exists():
        raise MarkError(f"{target}: already exists; expected a new file name, so that no answers are overwritten")
    write_files({target: template_csv(quiz)})
    return target
