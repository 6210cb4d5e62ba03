"""Exporters turn question sets into file contents; the pipeline writes them.

An exporter is a class with a ``name`` (what ``--format`` calls it), a one-line
``description`` and a ``render(job) -> list[Artifact]`` method. It is registered
with ``@register`` and looked up by name, so adding a format never touches the CLI
or the pipeline. Exporter modules are imported lazily (``load_exporter``) so that
``quizgen --help`` does not pay for reportlab or genanki.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping, Protocol

from ..errors import ExportError

if TYPE_CHECKING:  # annotations only: an unchanged rebuild (quizgen.rebuild) never loads the model
    from ..model import Bank, Question, QuestionSet


@dataclass(frozen=True)
class ExportOptions:
    """Settings every exporter may read. ``now`` is the only clock the library sees."""

    paper: str | None = None  # "letter" | "a4"; None: the bank's own, else letter
    now: int = 0  # seconds since the epoch, stamped on notes whose content changed
    word_bank: bool = False
    group_by: str = "type"  # "type" | "none"
    show_points: bool = True
    combined: bool = False
    key_summary: bool = False
    extra: Mapping[str, object] = field(default_factory=dict)
    # printed sheets: title, subtitle, instructions, time_allowed, school (over the bank's ``sheet:``)
    sheet: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportJob:
    """What one exporter renders for one bank.

    ``questions`` is the whole bank after ``--tags``, ``--types`` and the bank's
    ``disable``, in bank order: what a deck (and an LMS question bank) carries,
    whatever the quiz flags. ``quiz`` is the printed quiz chosen from it (bank order);
    ``sets`` lays it out, one ``QuestionSet`` per printed version (a single one,
    version None, when one version is built), and is empty when no exporter of the
    build needs versions. ``quiz_requested`` is true when the user asked for a quiz
    (``--count``, ``--mix``, ``--include`` or ``--exclude``), so that formats that are
    a question bank by default carry the quiz instead. ``previous_state`` is what
    the exporter saved on the last build of this bank (see ``Artifact.state``), or None.
    """

    bank: Bank
    sets: tuple[QuestionSet, ...]
    questions: tuple[Question, ...]
    options: ExportOptions = ExportOptions()
    previous_state: Mapping[str, object] | None = None
    quiz: tuple[Question, ...] = ()
    quiz_requested: bool = False


@dataclass(frozen=True)
class Artifact:
    """One output file, as bytes, plus its manifest entry.

    ``kind`` is the manifest's kind ("anki", "worksheet", "answer_key"); None keeps the
    file out of the manifest. ``questions`` and ``key`` are the manifest's aligned lists.
    ``state`` is not a file in the output folder: the pipeline saves it as the
    exporter's state for this bank and hands it back next time as ``previous_state``.
    ``warnings`` are shown to the user (a glyph the font lacks, say) but do not fail
    the build.
    """

    name: str
    data: bytes
    kind: str | None
    bank: str
    version: str | None = None
    questions: tuple[str, ...] = ()
    key: tuple[str | None, ...] | None = None
    state: Mapping[str, object] | None = None
    warnings: tuple[str, ...] = ()
    marking: tuple[Mapping[str, object], ...] | None = None  # what `quizgen mark` needs, aligned with questions


class Exporter(Protocol):
    name: str
    description: str
    needs_versions: bool  # False: render() reads job.questions (or job.quiz) only, so no versions are laid out

    def render(self, job: ExportJob) -> list[Artifact]: ...


# name -> "module:Class"; the module is imported on first use.
EXPORTERS: dict[str, str] = {
    "anki": "quizgen.exporters.anki:AnkiExporter",
    "worksheet": "quizgen.exporters.pdf:WorksheetExporter",
    "key": "quizgen.exporters.pdf:AnswerKeyExporter",
    "moodle": "quizgen.exporters.moodle:MoodleExporter",
    "gift": "quizgen.exporters.gift:GiftExporter",
    "qti": "quizgen.exporters.qti:QtiExporter",
    "html": "quizgen.exporters.html:PracticePageExporter",
    "answer_sheet": "quizgen.exporters.pdf_answer_sheet:AnswerSheetExporter",
}
_LOADED: dict[str, Exporter] = {}


def register(name: str) -> Callable[[type], type]:
    """Class decorator: make an exporter available to ``--format NAME``."""

    def decorate(cls: type) -> type:
        cls.name = name
        EXPORTERS[name] = f"{cls.__module__}:{cls.__qualname__}"
        _LOADED[name] = cls()
        return cls

    return decorate


def load_exporter(name: str) -> Exporter:
    """The exporter registered as ``name``; raises ExportError for an unknown name."""
    if name in _LOADED:
        return _LOADED[name]
    if name not in EXPORTERS:
        known = ", ".join(sorted(EXPORTERS))
        raise ExportError(f"unknown format {name!r}; expected one of: {known}")
    module_name, _, class_name = EXPORTERS[name].partition(":")
    module = importlib.import_module(module_name)
    if name not in _LOADED:  # the module registers itself on import
        _LOADED[name] = getattr(module, class_name)()
    return _LOADED[name]
