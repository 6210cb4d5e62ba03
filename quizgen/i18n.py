"""The words printed around the questions, in the class's language: one table to extend.

A bank's ``language:`` picks the column. Every entry of ``LANGUAGES["en"]`` is a word or
phrase the worksheets, keys, answer sheets (and, later, Anki cards: the ``card_*``
entries) print; a language may leave any entry out, and English is used for it.

To add a language, copy the ``"en"`` block under its code (ISO 639-1, as in the bank's
``language:``), translate the values and keep the ``{n}``/``{m}``/``{version}`` fields;
``PLURALS`` says how its nouns count (a tuple of forms, chosen by ``PLURAL_RULES``).
``tests/test_exporter_pdf.py`` checks that every language has the same fields as English.

Right-to-left scripts (Hebrew, Arabic) are refused by name (``right_to_left``): a
worksheet needs shaped letters in the visual order, which the PDF code does not do.
"""
from __future__ import annotations

import unicodedata

TYPES = ("multiple_choice", "true_false", "short_answer", "cloze", "numeric", "matching", "ordering")

LANGUAGES: dict[str, dict[str, object]] = {
    "en": {
        "worksheet": "Worksheet",
        "answer_key": "Answer key",
        "key_summary": "Key summary",
        "name": "Name",
        "class": "Class",
        "date": "Date",
        "instructions": "Instructions: Answer every question in the space provided. Each section says how to "
                        "mark your answers.",
        "instructions_ungrouped": "Instructions: Answer every question in the space provided, as each question "
                                  "says.",
        "points_note": " Points are shown beside each question.",
        "section_titles": {
            "multiple_choice": "Multiple choice",
            "true_false": "True or false",
            "short_answer": "Short answer",
            "cloze": "Fill in the blanks",
            "numeric": "Numeric answers",
            "matching": "Matching",
            "ordering": "Ordering",
        },
        "section_instructions": {
            "multiple_choice": "Fill in the bubble next to the best answer.",
            "true_false": "Circle True or False.",
            "short_answer": "Answer in a few words on the lines below each question.",
            "cloze": "Write the missing word or words on each line.",
            "numeric": "Write the number on the line; the unit is printed after it.",
            "matching": "Write the letter of the matching item on the line before each numbered item.",
            "ordering": "Number the boxes 1, 2, 3, \u2026 to put the items in order.",
        },
        "question_notes": {
            "true_false": "Circle True or False.",
            "short_answer": "Answer on the lines.",
            "cloze": "Fill in the blanks.",
            "matching": "Write the letter of the matching item on the line before each numbered item.",
            "ordering": "Number the boxes to put the items in order.",
        },
        "select_all_instruction": " Where a question says \u201cSelect all that apply\u201d, tick every box "
                                  "that is right.",
        "select_all_note": "Select all that apply.",
        "word_bank_instruction": " Choose from the word bank.",
        "word_bank": "WORD BANK",
        "true": "True",
        "false": "False",
        "answer_line": "Answer:",
        "time_allowed": "Time allowed: {time}",
        "page": "Page {n} of {m}",
        "version": "Version",
        "version_box": "VERSION",
        "point_short": ("pt", "pts"),
        # the answer key
        "key_intro": "Teacher\u2019s copy. The quick key comes first; every answer follows with its explanation "
                     "and its source.",
        "key_version_only": "for worksheet version {version} only",
        "quick_key": "Quick key",
        "quick_key_continued": "Quick key (continued)",
        "key_answers_heading": "Answers, explanations and sources",
        "answer": "Answer:",
        "answers": "Answers:",
        "also_accept": "also accept:",
        "explanation": "Explanation:",
        "source": "Source:",
        "sources": "Sources:",
        "boxes": "Numbers in the boxes:",
        "summary_title": "Answer key summary",
        "summary_note": "Each cell gives the question’s number in that version and its answer code (the letter of a multiple-choice answer, T or F, the written answer, matching pairs, the numbers in an ordering question’s boxes from the top). An answer that is the same in every version is printed once, under “Every version”.",
        "summary_question": "Question",
        "summary_question_version": "Question / version",
        "summary_every_version": "Every version",
        # the answer sheet
        "sheet": "Answer sheet",
        "overlay": "Marking overlay",
        "student_number": "Student number",
        "sheet_instructions": "Fill each bubble completely with a dark pen or pencil. Write the other answers in "
                              "their boxes: a letter for each numbered matching item, a number in each ordering box.",
        "overlay_note": "The key at the positions of the answer sheet: lay it over a student\u2019s sheet.",
        # Anki card labels (for the Anki exporter; not wired in yet)
        "card_question": "Question",
        "card_answer": "Answer",
        "card_explanation": "Explanation",
        "card_source": "Source",
    },
    "ru": {
        "worksheet": "Рабочий лист",
        "answer_key": "Ответы",
        "key_summary": "Сводка ответов",
        "name": "Имя",
        "class": "Класс",
        "date": "Дата",
        "instructions": "Инструкция: ответьте на все вопросы в отведённом месте. В каждом разделе сказано, как "
                        "отмечать ответы.",
        "instructions_ungrouped": "Инструкция: ответьте на все вопросы в отведённом месте, как указано в каждом "
                                  "вопросе.",
        "points_note": " Баллы указаны рядом с каждым вопросом.",
        "section_titles": {
            "multiple_choice": "Выбор ответа",
            "true_false": "Верно или неверно",
            "short_answer": "Краткий ответ",
            "cloze": "Заполните пропуски",
            "numeric": "Числовые ответы",
            "matching": "Соответствие",
            "ordering": "Порядок",
        },
        "section_instructions": {
            "multiple_choice": "Закрасьте кружок рядом с лучшим ответом.",
            "true_false": "Обведите «Верно» или «Неверно».",
            "short_answer": "Ответьте в нескольких словах на строках под каждым вопросом.",
            "cloze": "Впишите пропущенное слово или слова на каждой строке.",
            "numeric": "Впишите число на строке; единица измерения напечатана после неё.",
            "matching": "Впишите букву подходящего варианта на строке перед каждым пронумерованным пунктом.",
            "ordering": "Пронумеруйте клетки 1, 2, 3, \u2026, чтобы расположить пункты по порядку.",
        },
        "question_notes": {
            "true_false": "Обведите «Верно» или «Неверно».",
            "short_answer": "Ответьте на строках.",
            "cloze": "Заполните пропуски.",
            "matching": "Впишите букву подходящего варианта на строке перед каждым пронумерованным пунктом.",
            "ordering": "Пронумеруйте клетки, чтобы расположить пункты по порядку.",
        },
        "select_all_instruction": " Если в вопросе сказано «Выберите все подходящие варианты», отметьте все "
                                  "верные.",
        "select_all_note": "Выберите все подходящие варианты.",
        "word_bank_instruction": " Выбирайте слова из банка слов.",
        "word_bank": "БАНК СЛОВ",
        "true": "Верно",
        "false": "Неверно",
        "answer_line": "Ответ:",
        "time_allowed": "Время на работу: {time}",
        "page": "Страница {n} из {m}",
        "version": "Вариант",
        "version_box": "ВАРИАНТ",
        "point_short": ("б.", "б.", "б."),
        "key_intro": "Экземпляр учителя. Сначала краткий ключ, затем каждый ответ с пояснением и источником.",
        "key_version_only": "только для варианта {version}",
        "quick_key": "Краткий ключ",
        "quick_key_continued": "Краткий ключ (продолжение)",
        "key_answers_heading": "Ответы, пояснения и источники",
        "answer": "Ответ:",
        "answers": "Ответы:",
        "also_accept": "засчитывать также:",
        "explanation": "Пояснение:",
        "source": "Источник:",
        "sources": "Источники:",
        "boxes": "Числа в клетках:",
        "summary_title": "Сводка ответов",
        "summary_note": "В каждой клетке — номер вопроса в этом варианте и код ответа (буква ответа, В или Н, письменный ответ, пары соответствия, числа в клетках вопроса на порядок сверху вниз). Ответ, одинаковый во всех вариантах, напечатан один раз, в столбце «Во всех вариантах».",
        "summary_question": "Вопрос",
        "summary_question_version": "Вопрос / вариант",
        "summary_every_version": "Во всех вариантах",
        "sheet": "Бланк ответов",
        "overlay": "Маска для проверки",
        "student_number": "Номер ученика",
        "sheet_instructions": "Полностью закрасьте кружок тёмной ручкой или карандашом. Остальные ответы впишите "
                              "в клетки: букву для каждого пункта соответствия, число в каждую клетку порядка.",
        "overlay_note": "Ключ на местах бланка ответов: наложите его на бланк ученика.",
        "card_question": "Вопрос",
        "card_answer": "Ответ",
        "card_explanation": "Пояснение",
        "card_source": "Источник",
    },
    "de": {
        "worksheet": "Arbeitsblatt",
        "answer_key": "Lösungen",
        "key_summary": "Lösungsübersicht",
        "name": "Name",
        "class": "Klasse",
        "date": "Datum",
        "instructions": "Anleitung: Beantworte jede Frage im vorgesehenen Platz. Jeder Abschnitt sagt, wie du "
                        "deine Antworten markierst.",
        "instructions_ungrouped": "Anleitung: Beantworte jede Frage im vorgesehenen Platz, wie es bei der Frage "
                                  "steht.",
        "points_note": " Die Punkte stehen neben jeder Frage.",
        "section_titles": {
            "multiple_choice": "Multiple Choice",
            "true_false": "Richtig oder falsch",
            "short_answer": "Kurzantwort",
            "cloze": "Lückentext",
            "numeric": "Zahlenantworten",
            "matching": "Zuordnung",
            "ordering": "Reihenfolge",
        },
        "section_instructions": {
            "multiple_choice": "Male den Kreis neben der besten Antwort aus.",
            "true_false": "Kreise Richtig oder Falsch ein.",
            "short_answer": "Antworte in wenigen Worten auf den Linien unter jeder Frage.",
            "cloze": "Schreibe das fehlende Wort oder die fehlenden Wörter auf jede Linie.",
            "numeric": "Schreibe die Zahl auf die Linie; die Einheit steht dahinter.",
            "matching": "Schreibe den Buchstaben des passenden Eintrags auf die Linie vor jedem nummerierten "
                        "Eintrag.",
            "ordering": "Nummeriere die Kästchen 1, 2, 3, \u2026, um die Einträge zu ordnen.",
        },
        "question_notes": {
            "true_false": "Kreise Richtig oder Falsch ein.",
            "short_answer": "Antworte auf den Linien.",
            "cloze": "Fülle die Lücken aus.",
            "matching": "Schreibe den Buchstaben des passenden Eintrags auf die Linie vor jedem nummerierten "
                        "Eintrag.",
            "ordering": "Nummeriere die Kästchen, um die Einträge zu ordnen.",
        },
        "select_all_instruction": " Wo eine Frage „Alle zutreffenden ankreuzen“ sagt, kreuze jedes richtige "
                                  "Kästchen an.",
        "select_all_note": "Alle zutreffenden ankreuzen.",
        "word_bank_instruction": " Wähle aus dem Wortspeicher.",
        "word_bank": "WORTSPEICHER",
        "true": "Richtig",
        "false": "Falsch",
        "answer_line": "Antwort:",
        "time_allowed": "Bearbeitungszeit: {time}",
        "page": "Seite {n} von {m}",
        "version": "Version",
        "version_box": "VERSION",
        "point_short": ("P.", "P."),
        "key_intro": "Exemplar für die Lehrkraft. Zuerst der Schnellschlüssel, dann jede Antwort mit Erklärung "
                     "und Quelle.",
        "key_version_only": "nur für Version {version} des Arbeitsblatts",
        "quick_key": "Schnellschlüssel",
        "quick_key_continued": "Schnellschlüssel (Fortsetzung)",
        "key_answers_heading": "Antworten, Erklärungen und Quellen",
        "answer": "Antwort:",
        "answers": "Antworten:",
        "also_accept": "auch richtig:",
        "explanation": "Erklärung:",
        "source": "Quelle:",
        "sources": "Quellen:",
        "boxes": "Zahlen in den Kästchen:",
        "summary_title": "Lösungsübersicht",
        "summary_note": "Jede Zelle nennt die Nummer der Frage in dieser Version und ihre Lösung (den Buchstaben, R oder F, die geschriebene Antwort, die Zuordnungen, die Zahlen in den Kästchen von oben). Eine Lösung, die in allen Versionen gleich ist, steht einmal unter „Alle Versionen“.",
        "summary_question": "Frage",
        "summary_question_version": "Frage / Version",
        "summary_every_version": "Alle Versionen",
        "sheet": "Antwortbogen",
        "overlay": "Korrekturschablone",
        "student_number": "Schülernummer",
        "sheet_instructions": "Male jeden Kreis mit dunklem Stift ganz aus. Schreibe die anderen Antworten in "
                              "ihre Kästchen: einen Buchstaben je Zuordnung, eine Zahl je Reihenfolge-Kästchen.",
        "overlay_note": "Die Lösungen an den Stellen des Antwortbogens: auf den Bogen legen.",
        "card_question": "Frage",
        "card_answer": "Antwort",
        "card_explanation": "Erklärung",
        "card_source": "Quelle",
    },
    "fr": {
        "worksheet": "Fiche d’exercices",
        "answer_key": "Corrigé",
        "key_summary": "Corrigé récapitulatif",
        "name": "Nom",
        "class": "Classe",
        "date": "Date",
        "instructions": "Consignes : répondez à chaque question dans l’espace prévu. Chaque partie indique comment "
                        "noter vos réponses.",
        "instructions_ungrouped": "Consignes : répondez à chaque question dans l’espace prévu, comme l’indique "
                                  "chaque question.",
        "points_note": " Les points figurent à côté de chaque question.",
        "section_titles": {
            "multiple_choice": "Questions à choix multiple",
            "true_false": "Vrai ou faux",
            "short_answer": "Réponse courte",
            "cloze": "Texte à trous",
            "numeric": "Réponses numériques",
            "matching": "Association",
            "ordering": "Remise en ordre",
        },
        "section_instructions": {
            "multiple_choice": "Noircissez la bulle à côté de la meilleure réponse.",
            "true_false": "Entourez Vrai ou Faux.",
            "short_answer": "Répondez en quelques mots sur les lignes sous chaque question.",
            "cloze": "Écrivez le ou les mots manquants sur chaque ligne.",
            "numeric": "Écrivez le nombre sur la ligne ; l’unité est imprimée après.",
            "matching": "Écrivez la lettre de l’élément correspondant sur la ligne devant chaque élément numéroté.",
            "ordering": "Numérotez les cases 1, 2, 3, \u2026 pour remettre les éléments dans l’ordre.",
        },
        "question_notes": {
            "true_false": "Entourez Vrai ou Faux.",
            "short_answer": "Répondez sur les lignes.",
            "cloze": "Complétez les trous.",
            "matching": "Écrivez la lettre de l’élément correspondant sur la ligne devant chaque élément numéroté.",
            "ordering": "Numérotez les cases pour remettre les éléments dans l’ordre.",
        },
        "select_all_instruction": " Quand une question dit « Cochez toutes les bonnes réponses », cochez chaque "
                                  "case juste.",
        "select_all_note": "Cochez toutes les bonnes réponses.",
        "word_bank_instruction": " Choisissez dans la banque de mots.",
        "word_bank": "BANQUE DE MOTS",
        "true": "Vrai",
        "false": "Faux",
        "answer_line": "Réponse :",
        "time_allowed": "Durée : {time}",
        "page": "Page {n} sur {m}",
        "version": "Version",
        "version_box": "VERSION",
        "point_short": ("pt", "pts"),
        "key_intro": "Exemplaire de l’enseignant. Le corrigé rapide d’abord, puis chaque réponse avec son "
                     "explication et sa source.",
        "key_version_only": "uniquement pour la version {version}",
        "quick_key": "Corrigé rapide",
        "quick_key_continued": "Corrigé rapide (suite)",
        "key_answers_heading": "Réponses, explications et sources",
        "answer": "Réponse :",
        "answers": "Réponses :",
        "also_accept": "accepter aussi :",
        "explanation": "Explication :",
        "source": "Source :",
        "sources": "Sources :",
        "boxes": "Nombres dans les cases :",
        "summary_title": "Corrigé récapitulatif",
        "summary_note": "Chaque case donne le numéro de la question dans cette version et sa réponse (la lettre, V ou F, la réponse écrite, les associations, les nombres des cases d’une remise en ordre, de haut en bas). Une réponse identique dans toutes les versions est imprimée une fois, sous « Toutes les versions ».",
        "summary_question": "Question",
        "summary_question_version": "Question / version",
        "summary_every_version": "Toutes les versions",
        "sheet": "Feuille de réponses",
        "overlay": "Grille de correction",
        "student_number": "Numéro d’élève",
        "sheet_instructions": "Noircissez entièrement chaque bulle au stylo ou au crayon foncé. Écrivez les autres "
                              "réponses dans leurs cases : une lettre par élément à associer, un nombre par case "
                              "à ordonner.",
        "overlay_note": "Le corrigé aux emplacements de la feuille de réponses : posez-le sur celle de l’élève.",
        "card_question": "Question",
        "card_answer": "Réponse",
        "card_explanation": "Explication",
        "card_source": "Source",
    },
    "es": {
        "worksheet": "Hoja de trabajo",
        "answer_key": "Solucionario",
        "key_summary": "Resumen de soluciones",
        "name": "Nombre",
        "class": "Clase",
        "date": "Fecha",
        "instructions": "Instrucciones: responde cada pregunta en el espacio indicado. Cada sección explica cómo "
                        "marcar las respuestas.",
        "instructions_ungrouped": "Instrucciones: responde cada pregunta en el espacio indicado, como dice cada "
                                  "pregunta.",
        "points_note": " Los puntos aparecen junto a cada pregunta.",
        "section_titles": {
            "multiple_choice": "Opción múltiple",
            "true_false": "Verdadero o falso",
            "short_answer": "Respuesta corta",
            "cloze": "Completa los espacios",
            "numeric": "Respuestas numéricas",
            "matching": "Relacionar",
            "ordering": "Ordenar",
        },
        "section_instructions": {
            "multiple_choice": "Rellena el círculo junto a la mejor respuesta.",
            "true_false": "Rodea Verdadero o Falso.",
            "short_answer": "Responde en pocas palabras en las líneas bajo cada pregunta.",
            "cloze": "Escribe la palabra o palabras que faltan en cada línea.",
            "numeric": "Escribe el número en la línea; la unidad aparece después.",
            "matching": "Escribe la letra del elemento correspondiente en la línea antes de cada elemento "
                        "numerado.",
            "ordering": "Numera las casillas 1, 2, 3, \u2026 para ordenar los elementos.",
        },
        "question_notes": {
            "true_false": "Rodea Verdadero o Falso.",
            "short_answer": "Responde en las líneas.",
            "cloze": "Completa los espacios.",
            "matching": "Escribe la letra del elemento correspondiente en la línea antes de cada elemento "
                        "numerado.",
            "ordering": "Numera las casillas para ordenar los elementos.",
        },
        "select_all_instruction": " Cuando una pregunta diga «Marca todas las correctas», marca cada casilla "
                                  "correcta.",
        "select_all_note": "Marca todas las correctas.",
        "word_bank_instruction": " Elige del banco de palabras.",
        "word_bank": "BANCO DE PALABRAS",
        "true": "Verdadero",
        "false": "Falso",
        "answer_line": "Respuesta:",
        "time_allowed": "Tiempo: {time}",
        "page": "Página {n} de {m}",
        "version": "Versión",
        "version_box": "VERSIÓN",
        "point_short": ("pto.", "ptos."),
        "key_intro": "Copia del profesor. Primero la clave rápida; después, cada respuesta con su explicación y "
                     "su fuente.",
        "key_version_only": "solo para la versión {version} de la hoja",
        "quick_key": "Clave rápida",
        "quick_key_continued": "Clave rápida (continuación)",
        "key_answers_heading": "Respuestas, explicaciones y fuentes",
        "answer": "Respuesta:",
        "answers": "Respuestas:",
        "also_accept": "aceptar también:",
        "explanation": "Explicación:",
        "source": "Fuente:",
        "sources": "Fuentes:",
        "boxes": "Números en las casillas:",
        "summary_title": "Resumen de soluciones",
        "summary_note": "Cada celda da el número de la pregunta en esa versión y su respuesta (la letra, V o F, la respuesta escrita, las parejas, los números de las casillas de ordenar, de arriba abajo). Una respuesta igual en todas las versiones se imprime una vez, bajo «Todas las versiones».",
        "summary_question": "Pregunta",
        "summary_question_version": "Pregunta / versión",
        "summary_every_version": "Todas las versiones",
        "sheet": "Hoja de respuestas",
        "overlay": "Plantilla de corrección",
        "student_number": "Número de estudiante",
        "sheet_instructions": "Rellena cada círculo por completo con bolígrafo o lápiz oscuro. Escribe las demás "
                              "respuestas en sus casillas: una letra por elemento a relacionar, un número por "
                              "casilla a ordenar.",
        "overlay_note": "La clave en las posiciones de la hoja de respuestas: colócala sobre la del estudiante.",
        "card_question": "Pregunta",
        "card_answer": "Respuesta",
        "card_explanation": "Explicación",
        "card_source": "Fuente",
    },
}

# How nouns count: a function from n to the index of the form in a ``point_short``-style tuple.
PLURAL_RULES = {
    "en": lambda n: 0 if n == 1 else 1,
    "de": lambda n: 0 if n == 1 else 1,
    "es": lambda n: 0 if n == 1 else 1,
    "fr": lambda n: 0 if n < 2 else 1,
    # Russian: 1, 21, 31 ...; 2-4, 22-24 ...; the rest
    "ru": lambda n: 0 if n % 10 == 1 and n % 100 != 11 else (1 if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else 2),
}
# Counted nouns of the headers ("8 questions · 9 points"), by language: singular, plural (Russian: three forms).
PLURALS = {
    "en": {"question": ("question", "questions"), "point": ("point", "points"), "version": ("version", "versions")},
    "ru": {"question": ("вопрос", "вопроса", "вопросов"), "point": ("балл", "балла", "баллов"),
           "version": ("вариант", "варианта", "вариантов")},
    "de": {"question": ("Frage", "Fragen"), "point": ("Punkt", "Punkte"), "version": ("Version", "Versionen")},
    "fr": {"question": ("question", "questions"), "point": ("point", "points"), "version": ("version", "versions")},
    "es": {"question": ("pregunta", "preguntas"), "point": ("punto", "puntos"), "version": ("versión", "versiones")},
}


def language_of(code: str | None) -> str:
    """The table's language for a bank's ``language:`` ("de-AT" -> "de"); English when it has none."""
    base = (code or "en").lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else "en"


def words(code: str | None) -> dict[str, object]:
    """Every entry for ``code``, English where the language leaves one out (nested tables too)."""
    lang = language_of(code)
    out = dict(LANGUAGES["en"])
    for key, value in LANGUAGES[lang].items():
        out[key] = {**LANGUAGES["en"][key], **value} if isinstance(value, dict) else value
    out["_language"] = lang
    return out


def form(code: str | None, n: float, forms: tuple[str, ...]) -> str:
    """The form of a counted noun for ``n`` (a tuple of forms, as in PLURALS or ``point_short``)."""
    lang = language_of(code)
    index = PLURAL_RULES[lang](int(n)) if float(n).is_integer() else len(forms) - 1
    return forms[min(index, len(forms) - 1)]


def count(code: str | None, n: float, noun: str) -> str:
    """"8 questions", "8 вопросов", "1 Punkt": a number and its noun in the language."""
    from .model import format_number

    forms = PLURALS[language_of(code)][noun]
    return f"{format_number(n)} {form(code, n, forms)}"


def furniture(code: str | None, part: str) -> dict[str, str]:
    """The plain-string entries one exporter uses (``part``: "answer_sheet")."""
    w = words(code)
    if part == "answer_sheet":
        return {"sheet": w["sheet"], "overlay": w["overlay"], "version": w["version"], "name": w["name"],
                "class": w["class"], "date": w["date"], "student_number": w["student_number"],
                "instructions": w["sheet_instructions"], "overlay_note": w["overlay_note"], "page": w["page"]}
    raise KeyError(part)


def card_labels(code: str | None) -> dict[str, str]:
    """The Anki card labels in the language (question, answer, explanation, source)."""
    w = words(code)
    return {k.removeprefix("card_"): str(v) for k, v in w.items() if k.startswith("card_")}


def right_to_left(text: str) -> bool:
    """True when ``text`` holds right-to-left letters (Hebrew, Arabic, ...), which quizgen cannot print yet."""
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)
