"""The Anki note types quizgen's decks use: ids, fields, card templates and CSS.

These are a contract with every student who has imported a quizgen deck. Anki keeps
a note type by its id; if the fields or card templates under an id are added, removed,
renamed or reordered, Anki treats the incoming note type as a different one and
reports every existing note of it as "conflicting" (it no longer updates them). So:

- never change ``id``, ``fields`` or the template names of a note type below;
- the HTML of the templates and the CSS may change: bump ``REVISION`` (a time in
  seconds, later than the one before) in the same commit, so that students' Anki
  picks up the new look on the next import (``tests/test_exporter_anki.py`` pins the
  templates' hash to ``REVISION`` and fails when one changes without the other);
- to restructure a note type, add a new one with a new id and a new name (and keep
  the old one for existing notes, or accept that students get new notes).

The exporter records every note type it wrote in the bank's state file and refuses
to build (``ExportError``) when a definition here no longer matches that record.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

# Seconds since the epoch; the "mod" time of every note type. Bump it whenever a
# template or the CSS changes (only then), to a time later than the previous value.
REVISION = 1_796_140_800  # 2026-12-01 16:00 UTC

COMMON_FIELDS = ("Explanation", "Evidence", "Source", "Ref")


@dataclass(frozen=True)
class NoteType:
    """One Anki note type: a stable id, its fields, its card templates and its CSS."""

    id: int
    name: str
    fields: tuple[str, ...]
    templates: tuple[tuple[str, str, str], ...]  # (name, front HTML, back HTML)
    cloze: bool = False

    @property
    def template_names(self) -> tuple[str, ...]:
        return tuple(name for name, _, _ in self.templates)

    def schema(self) -> dict:
        """What Anki compares to decide whether a note type is still "the same"."""
        return {"fields": list(self.fields), "templates": list(self.template_names),
                "kind": "cloze" if self.cloze else "standard"}

    def look_hash(self) -> str:
        """A short hash of everything a student sees of the note type (name, HTML, CSS)."""
        text = json.dumps([self.name, self.templates, CSS, self.schema()], ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


FOOTER = """
{{#Explanation}}<div class="qg-explanation">{{Explanation}}</div>{{/Explanation}}
{{#Evidence}}<blockquote class="qg-evidence">{{Evidence}}</blockquote>{{/Evidence}}
<div class="qg-source"><span class="qg-label">Source</span> {{Source}}</div>
<div class="qg-ref">{{Ref}}</div>"""


def _card(kind: str, front: str, answer: str, *, back_top: str | None = None, script: str = "",
          back_class: str = "") -> tuple[str, str]:
    """Front and back HTML. The back repeats the front (or ``back_top``), then the answer
    and the footer; ``qg-back`` on the back lets the CSS mark the right options. ``script``
    runs on both sides; ``back_class`` adds classes to the back (field values allowed)."""
    qfmt = f'<div class="qg qg-{kind}">\n{front}\n</div>{script}'
    top = front if back_top is None else back_top
    afmt = (f'<div class="qg qg-{kind} qg-back{back_class}">\n{top}\n<hr id="answer">\n{answer}'
            f'{FOOTER}\n</div>{script}')
    return qfmt, afmt


# Multiple choice: the options are shuffled each time the card is shown, so that nobody learns
# "it's C". The front picks an order (never the one shown last time) and keeps it for the back in
# the page (and in sessionStorage, for apps that load each side afresh); both sides re-letter the
# options and the back rebuilds the answer line from the right options' new letters. Without
# JavaScript the card shows the order and letters built into the note, which agree as well.
SHUFFLE_SCRIPT = """
<script>
(function () {
  var cards = document.querySelectorAll(".qg-mc"), card = cards[cards.length - 1];
  var list = card && card.querySelector("ol.qg-options");
  if (!list) { return; }
  var items = Array.prototype.slice.call(list.children), n = items.length;
  if (n < 2) { return; }
  var key = "qg-order:" + items.map(function (li) { return li.textContent; }).join("|");
  var memory = window.qgOrders = window.qgOrders || {};
  function load() {
    var text = memory[key];
    try { text = text || window.sessionStorage.getItem(key); } catch (e) {}
    var order = text ? text.split(",").map(Number) : null;
    return order && order.length === n ? order : null;
  }
  function save(order) {
    memory[key] = order.join(",");
    try { window.sessionStorage.setItem(key, memory[key]); } catch (e) {}
  }
  var last = load(), order = last;
  if (!card.classList.contains("qg-back") || !order) {
    do {
      order = items.map(function (_, i) { return i; });
      for (var i = n - 1; i > 0; i--) {
        var j = Math.floor(Math.random() * (i + 1)), t = order[i];
        order[i] = order[j]; order[j] = t;
      }
    } while (last && order.join() === last.join());
    save(order);
  }
  var right = [];
  order.forEach(function (index, position) {
    var li = items[index], mark = li.querySelector(".qg-letter");
    if (mark) { mark.textContent = position < 26 ? String.fromCharCode(65 + position) : String(position + 1); }
    list.appendChild(li);
    if (li.classList.contains("qg-right")) { right.push(li.innerHTML); }
  });
  var answer = card.querySelector(".qg-answer");
  if (answer && right.length) { answer.innerHTML = right.join("<br>"); }
})();
</script>"""


BASIC = NoteType(
    id=1_209_800_382,
    name="quizgen Basic",
    fields=("Question", "Answer") + COMMON_FIELDS,
    templates=(("Recall", *_card(
        "basic",
        '<div class="qg-prompt">{{Question}}</div>',
        '<div class="qg-answer">{{Answer}}</div>')),),
)

MULTIPLE_CHOICE = NoteType(
    id=1_215_738_274,
    name="quizgen Multiple choice",
    fields=("Question", "Options", "Answer") + COMMON_FIELDS,
    templates=(("Choose", *_card(
        "mc",
        '<div class="qg-prompt">{{Question}}</div>\n{{Options}}',
        '<div class="qg-answer">{{Answer}}</div>', script=SHUFFLE_SCRIPT)),),
)

TRUE_FALSE = NoteType(
    id=1_811_030_950,
    name="quizgen True/false",
    fields=("Statement", "Answer") + COMMON_FIELDS,
    templates=(("True or false", *_card(
        "tf",
        '<div class="qg-kicker">True or false?</div>\n<div class="qg-prompt">{{Statement}}</div>',
        '<div class="qg-answer qg-verdict">{{Answer}}</div>', back_class=" qg-tf-{{Answer}}")),),
)

TYPE_IN = NoteType(
    id=1_349_217_674,
    name="quizgen Type-in",
    fields=("Question", "Answer", "Accepted") + COMMON_FIELDS,
    templates=(("Type the answer",
                '<div class="qg qg-typein">\n<div class="qg-prompt">{{Question}}</div>\n'
                '{{type:Answer}}\n</div>',
                '<div class="qg qg-typein qg-back">\n<div class="qg-prompt">{{Question}}</div>\n'
                '<hr id="answer">\n{{type:Answer}}\n'
                '{{#Accepted}}<div class="qg-accepted"><span class="qg-label">Also accepted</span> '
                '{{Accepted}}</div>{{/Accepted}}' + FOOTER + '\n</div>'),),
)

CLOZE = NoteType(
    id=1_086_525_269,
    name="quizgen Cloze",
    fields=("Text",) + COMMON_FIELDS,
    templates=(("Cloze",
                '<div class="qg qg-cloze">\n<div class="qg-prompt">{{cloze:Text}}</div>\n</div>',
                '<div class="qg qg-cloze qg-back">\n<div class="qg-prompt">{{cloze:Text}}</div>'
                + FOOTER + '\n</div>'),),
    cloze=True,
)

NUMERIC = NoteType(
    id=1_978_650_040,
    name="quizgen Numeric",
    fields=("Question", "Value", "Tolerance", "Unit") + COMMON_FIELDS,
    templates=(("Number", *_card(
        "numeric",
        '<div class="qg-prompt">{{Question}}</div>\n{{^Tolerance}}{{type:Value}}{{/Tolerance}}',
        '<div class="qg-answer">{{Value}}{{#Unit}} {{Unit}}{{/Unit}}'
        '{{#Tolerance}} <span class="qg-tolerance">(\u00b1 {{Tolerance}})</span>{{/Tolerance}}</div>',
        back_top='<div class="qg-prompt">{{Question}}</div>\n{{^Tolerance}}{{type:Value}}{{/Tolerance}}')),),
)

MATCHING = NoteType(
    id=1_369_462_696,
    name="quizgen Matching",
    fields=("Question", "Items", "Pairs") + COMMON_FIELDS,
    templates=(("Match", *_card(
        "matching",
        '<div class="qg-prompt">{{Question}}</div>\n{{Items}}',
        '<div class="qg-solution"><div class="qg-label">Solution: the matching pairs</div>{{Pairs}}</div>',
        back_top='<div class="qg-prompt">{{Question}}</div>')),),
)

ORDERING = NoteType(
    id=1_880_897_544,
    name="quizgen Ordering",
    fields=("Question", "Items", "Order") + COMMON_FIELDS,
    templates=(("Order", *_card(
        "ordering",
        '<div class="qg-prompt">{{Question}}</div>\n{{Items}}',
        '<div class="qg-solution"><div class="qg-label">Solution: the right order</div>{{Order}}</div>',
        back_top='<div class="qg-prompt">{{Question}}</div>')),),
)

def look_of_all() -> str:
    """One hash of every note type's look; ``tests/test_exporter_anki.py`` pins it to REVISION."""
    return hashlib.sha256("".join(nt.look_hash() for nt in NOTE_TYPES).encode()).hexdigest()[:16]


NOTE_TYPES: tuple[NoteType, ...] = (BASIC, MULTIPLE_CHOICE, TRUE_FALSE, TYPE_IN, CLOZE, NUMERIC,
                                    MATCHING, ORDERING)

# question type -> note type; a type missing here (a future one) falls back to Basic
NOTE_TYPE_FOR = {
    "multiple_choice": MULTIPLE_CHOICE,
    "true_false": TRUE_FALSE,
    "short_answer": TYPE_IN,
    "cloze": CLOZE,
    "numeric": NUMERIC,
    "matching": MATCHING,
    "ordering": ORDERING,
}

CSS = """\
.card {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif;
  font-size: 20px;
  line-height: 1.45;
  text-align: left;
  color: #1f2328;
  background-color: #ffffff;
}
.qg { max-width: 38em; margin: 0 auto; padding: 0.4em 0.6em 1em; }
.qg-prompt { font-size: 1.1em; font-weight: 600; margin: 0.2em 0 0.8em; }
.qg-kicker, .qg-label { font-size: 0.72em; font-weight: 700; letter-spacing: 0.06em;
  text-transform: uppercase; color: #59636e; }
.qg-label { margin-right: 0.4em; }
.qg-instruction { font-size: 0.85em; font-style: italic; color: #59636e; margin: -0.4em 0 0.6em; }
hr#answer { border: 0; border-top: 1px solid #d1d9e0; margin: 1em 0; }
.qg-answer { font-size: 1.1em; font-weight: 600; color: #1a7f37; margin: 0.4em 0; }
.qg-solution { margin: 0.4em 0; }
.qg-verdict { font-size: 1.4em; }
.qg-tolerance { font-weight: 400; color: #59636e; }
.qg-options { list-style: none; padding: 0; margin: 0.4em 0; }
.qg-options li { border: 1px solid #d1d9e0; border-radius: 0.5em; margin: 0.35em 0;
  padding: 0.45em 0.7em 0.45em 2.4em; text-indent: -1.7em; }
.qg-letter { display: inline-block; min-width: 1.45em; text-indent: 0; font-weight: 700; color: #0969da; }
.qg-back .qg-right { border-color: #1a7f37; background-color: #dafbe1; }
.qg-back .qg-right::after { content: " \\2713"; font-weight: 700; color: #1a7f37; }
.qg-back .qg-wrong { color: #59636e; }
.qg-table { border-collapse: collapse; margin: 0.4em 0; width: 100%; }
.qg-table td { border-bottom: 1px solid #d1d9e0; padding: 0.35em 0.5em 0.35em 2.15em;
  text-indent: -1.7em; vertical-align: top; }
.qg-table td.qg-arrow { color: #59636e; width: 1.2em; padding: 0.35em 0.2em; text-indent: 0; text-align: center; }
.qg-items { padding-left: 1.2em; margin: 0.4em 0; }
.qg-items li, .qg-order li { margin: 0.25em 0; }
.qg-order { padding-left: 1.6em; margin: 0.4em 0; }
.qg-order li::marker { font-weight: 700; color: #1a7f37; }
.qg-accepted { font-size: 0.9em; margin: 0.6em 0; }
.qg-explanation { margin: 0.8em 0; }
.qg-evidence { margin: 0.8em 0; padding: 0.2em 0.8em; border-left: 4px solid #d1d9e0;
  color: #424a53; font-style: italic; }
.qg-evidence::before { content: "\\201C"; }
.qg-evidence::after { content: "\\201D"; }
.qg-source { font-size: 0.8em; color: #59636e; margin-top: 1em; }
.qg-source a { color: inherit; }
.qg-ref { font-size: 0.65em; color: #59636e; margin-top: 0.3em; }
.cloze { font-weight: 700; color: #0969da; }
.qg input#typeans { width: 100%; box-sizing: border-box; font-size: 1em; padding: 0.3em; }
.qg-solution .qg-label { display: block; margin-bottom: 0.3em; }
.qg-withdrawn { font-size: 0.85em; font-weight: 400; border: 2px solid #bf8700; border-radius: 0.5em;
  background-color: #fff8c5; color: #3b2300; padding: 0.45em 0.7em; margin: 0 0 0.8em;
  display: inline-block; width: 100%; box-sizing: border-box; }
/* an inline block: the line through a false statement (.qg-tf-False .qg-prompt) does not reach the banner */
.qg-withdrawn .qg-label { color: #7d4e00; }
.qg-tf-False .qg-prompt { text-decoration: line-through; text-decoration-color: #cf222e; color: #59636e; }
.qg-tf-False .qg-verdict { color: #cf222e; }
.qg-tf-False .qg-explanation { font-size: 1.05em; font-weight: 600; border-left: 4px solid #1a7f37;
  background-color: #dafbe1; border-radius: 0.3em; padding: 0.5em 0.8em; }
.qg-tf-False .qg-explanation::before { content: "What is true"; display: block; font-size: 0.68em;
  font-weight: 700; letter-spacing: 0.06em; text-transform: uppercase; color: #1a7f37; margin-bottom: 0.2em; }
@media (max-width: 480px) {
  .card { font-size: 18px; }
  .qg { padding: 0.2em 0.2em 0.8em; }
}
.card.nightMode, .card.night_mode, .nightMode .card, .night_mode .card { color: #e6edf3; background-color: #1e1e1e; }
.nightMode .qg-kicker, .nightMode .qg-label, .nightMode .qg-instruction, .nightMode .qg-tolerance,
.night_mode .qg-kicker, .night_mode .qg-label, .night_mode .qg-instruction, .night_mode .qg-tolerance { color: #9198a1; }
.nightMode hr#answer, .night_mode hr#answer { border-top-color: #3d444d; }
.nightMode .qg-answer, .night_mode .qg-answer, .nightMode .qg-order li::marker,
.night_mode .qg-order li::marker { color: #57d364; }
.nightMode .qg-options li, .night_mode .qg-options li,
.nightMode .qg-table td, .night_mode .qg-table td { border-color: #3d444d; }
.nightMode .qg-letter, .night_mode .qg-letter, .nightMode .cloze, .night_mode .cloze { color: #4cb0ff; }
.nightMode .qg-back .qg-right, .night_mode .qg-back .qg-right { border-color: #57d364; background-color: #12361c; }
.nightMode .qg-back .qg-right::after, .night_mode .qg-back .qg-right::after { color: #57d364; }
.nightMode .qg-back .qg-wrong, .night_mode .qg-back .qg-wrong { color: #9198a1; }
.nightMode .qg-evidence, .night_mode .qg-evidence { color: #c9d1d9; border-left-color: #3d444d; }
.nightMode .qg-source, .night_mode .qg-source, .nightMode .qg-ref, .night_mode .qg-ref { color: #9198a1; }
.nightMode .qg-withdrawn, .night_mode .qg-withdrawn { background-color: #3b2e00; border-color: #d29922; color: #f0e3b5; }
.nightMode .qg-withdrawn .qg-label, .night_mode .qg-withdrawn .qg-label { color: #e3b341; }
.nightMode .qg-tf-False .qg-prompt, .night_mode .qg-tf-False .qg-prompt { color: #9198a1; text-decoration-color: #ff7b72; }
.nightMode .qg-tf-False .qg-verdict, .night_mode .qg-tf-False .qg-verdict { color: #ff7b72; }
.nightMode .qg-tf-False .qg-explanation, .night_mode .qg-tf-False .qg-explanation { background-color: #12361c; border-left-color: #57d364; }
.nightMode .qg-tf-False .qg-explanation::before, .night_mode .qg-tf-False .qg-explanation::before { color: #57d364; }
.nightMode .qg input#typeans, .night_mode .qg input#typeans { background-color: #0d1117; color: #e6edf3; border: 1px solid #3d444d; }
"""
