"""The commented starter bank that ``quizgen init`` writes."""
from __future__ import annotations

import json
import re

STARTER_BANK = """\
# A quizgen question bank. Check it with:  quizgen validate
# Build it with:  quizgen build   (Anki deck, worksheet and answer key in output/)
# Every field is described in docs/bank-format.md of the quizgen repository.

# The bank's id: lowercase letters, digits and hyphens. Keep it stable: Anki uses it
# to update your students' cards in place when you fix a question.
bank: {bank_id}
title: {title}
description: What this bank is about, for teachers (it becomes the Anki deck's description).

# The articles the questions come from. Every question and fact names one by its id.
sources:
  article-1:
    title: Headline of the article
    publisher: Name of the newspaper or site
    date: "2016-11-21"          # YYYY, YYYY-MM or YYYY-MM-DD

# People, organisations, countries... Generated questions draw wrong options from here,
# so list several of each kind. `group` keeps wrong options comparable: a question about
# an official offers only other officials.
entities:
  putin:
    name: Vladimir Putin
    kind: person                # person, organization, country, place, document, event, other
    role: President of Russia
    group: officials
  peskov:
    name: Dmitry Peskov
    kind: person
    role: Kremlin spokesman
    group: officials
  bensouda:
    name: Fatou Bensouda
    kind: person
    role: Prosecutor of the International Criminal Court
    group: officials
  lavrov:
    name: Sergei Lavrov
    kind: person
    role: Foreign Minister of Russia
    group: officials

# Facts: one statement each, in your own words. Templates turn them into questions
# (see them with: quizgen generate).
facts:
  - id: putin-signed-decree
    kind: action
    who: putin
    did: signed a decree withdrawing Russia's signature from the Rome Statute
    when: "2016-11-16"
    source: article-1
  - id: peskov-formality
    kind: quote
    who: peskov
    said: the decree was a mere formality, since Russia had not ratified the statute
    key: mere formality         # the words a fill-in-the-blank question leaves out
    source: article-1

# Hand-written questions. The id must be unique and stable; the type is one of
# multiple_choice, true_false, short_answer, cloze, numeric, matching, ordering.
questions:
  - id: who-signed
    type: multiple_choice
    prompt: Who signed the decree withdrawing Russia's signature from the Rome Statute?
    answer: Vladimir Putin
    distractors: [Dmitry Peskov, Fatou Bensouda, Sergei Lavrov]
    explanation: Kremlin spokesman Dmitry Peskov commented on the decree; he did not sign it.
    source: article-1
    evidence: exact words from the article that support the answer
    tags: [decree]

  - id: ratified
    type: true_false
    statement: Russia had ratified the Rome Statute before it withdrew its signature.
    answer: false
    source: article-1

  - id: never-ratified
    type: cloze
    text: Russia had signed the [[Rome Statute::treaty]] but never [[ratified]] it.
    source: article-1
"""


def starter_bank(bank_id: str, title: str) -> str:
    """The starter bank's text for a bank called ``bank_id``, titled ``title`` exactly
    (quoted where YAML would read it otherwise: "Unit 1: …", "# 3", "yes", "1998")."""
    return STARTER_BANK.format(bank_id=bank_id, title=yaml_text(title))


def yaml_text(text: str) -> str:
    """``text`` as a YAML scalar that reads back as exactly this text: plain when it is
    ordinary words, else double-quoted (a JSON string is a valid YAML one)."""
    plain = re.fullmatch(r"[^\W\d_][\w ,.'()?!/&+-]*[\w.)?!]", text) is not None
    if plain and text.lower() not in ("yes", "no", "on", "off", "true", "false", "null", "y", "n"):
        return text
    return json.dumps(text, ensure_ascii=False)
