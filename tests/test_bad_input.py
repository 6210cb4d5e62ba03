"""Every family of bad input, through the CLI: exit 1, a located message, no traceback,
and the output folder of the previous build left byte for byte as it was."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quizgen.cli import app

from conftest import DATA, SAMPLE_BANK

runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with the sample bank and a finished build in output/."""
    (tmp_path / "question_banks").mkdir()
    shutil.copy(SAMPLE_BANK, tmp_path / "question_banks" / "sample.yaml")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["build", "--timestamp", "1700000000"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return tmp_path


def outputs(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (project / "output").iterdir()}


def fails_cleanly(project: Path, args: list[str], first_line: str) -> str:
    before = outputs(project)
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0].startswith(first_line), result.stderr
    assert outputs(project) == before
    return result.stderr


def write_bank(project: Path, name: str, data: bytes) -> Path:
    path = project / "question_banks" / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name", ["yaml-syntax", "tabs", "duplicate-key", "latin1", "unknown-field",
                                  "wrong-type", "unknown-source", "cloze-unbalanced", "empty"])
def test_bad_bank_files(project: Path, name: str) -> None:
    source = DATA / "banks" / "invalid" / f"{name}.yaml"
    write_bank(project, f"{name}.yaml", source.read_bytes())
    fails_cleanly(project, ["build"], f"question_banks/{name}.yaml:")


def test_utf16_and_bom(project: Path) -> None:
    write_bank(project, "utf16.yaml", SAMPLE_BANK.read_text().encode("utf-16"))
    fails_cleanly(project, ["build"], "question_banks/utf16.yaml:1: the file is UTF-16 text; expected UTF-8")


def test_absurdly_large_file(project: Path) -> None:
    with open(project / "question_banks" / "huge.yaml", "wb") as handle:
        handle.write(b"bank: huge\ntitle: '")
        handle.truncate(257 * 1024 * 1024)  # sparse: refused on its size, never read
    fails_cleanly(project, ["build"], "question_banks/huge.yaml:1: the file is 257.0 MB; expected a bank file "
                                      "of at most 256 MB")


def test_large_file_not_in_slices(project: Path) -> None:
    """Over 20 MB a bank is read a slice at a time, which needs its questions as a block list."""
    with open(project / "question_banks" / "huge.yaml", "wb") as handle:
        handle.write(b"bank: huge\ntitle: '")
        handle.write(b"x" * (50 * 1024 * 1024))
        handle.write(b"'\n")
    fails_cleanly(project, ["build"], "question_banks/huge.yaml:1: the file is 50.0 MB, and a bank over 20 MB "
                                      "is read a slice at a time")


def test_alias_referring_to_itself(project: Path) -> None:
    write_bank(project, "loop.yaml", b"bank: loop\ntitle: Loop\nsources: &s\n  a: *s\n")
    fails_cleanly(project, ["build"], "question_banks/loop.yaml:")


def test_folder_with_no_banks(project: Path) -> None:
    (project / "empty").mkdir()
    fails_cleanly(project, ["build", "empty"], "empty: no bank files (*.yaml, *.yml) in this folder")


def test_output_not_writable(project: Path) -> None:
    (project / "blocked").write_text("a file where the output folder should be")
    before = outputs(project)
    result = runner.invoke(app, ["build", "--out", "blocked"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: blocked: cannot write (File exists); expected a writable output folder")
    assert outputs(project) == before


def test_disk_full(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    def no_space(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_space)
    fails_cleanly(project, ["build", "--seed", "5"], "Error: output: cannot write (No space left on device)")


def with_quote_template(project: Path, body: str) -> None:
    """Give the bank a quote fact and the project a templates/quote.j2 whose one template says ``body``."""
    (project / "question_banks" / "sample.yaml").write_text(
        SAMPLE_BANK.read_text() + "facts:\n  - id: peskov-said\n    kind: quote\n    who: peskov\n"
        "    said: the decree was a mere formality\n    source: alpha\n")
    (project / "templates").mkdir()
    (project / "templates" / "quote.j2").write_text(
        f'{{% macro quote_who(fact, type="multiple_choice", answer="who") -%}}\n  {body}\n{{%- endmacro %}}\n')


def test_misspelled_template_field(project: Path) -> None:
    with_quote_template(project, "Who said {{ fact.sayd }}?")
    stderr = fails_cleanly(project, ["build"], "Error: templates/quote.j2:2:")
    assert "fact.sayd" in stderr and "peskov-said" in stderr


def test_template_cannot_reach_python_internals(project: Path) -> None:
    with_quote_template(project, "{{ ''.__class__.__mro__[1].__subclasses__() }}")
    fails_cleanly(project, ["build"], "Error: templates/quote.j2:2:")


def test_bad_settings_file(project: Path) -> None:
    (project / "quizgen.toml").write_text("[build]\nversions = 'two'\n")
    fails_cleanly(project, ["build"], "Error: quizgen.toml:2: [build]: versions = 'two'; expected a whole number")


def test_hostile_ids_cannot_escape_the_output_folder(project: Path) -> None:
    text = SAMPLE_BANK.read_text().replace("bank: sample-bank", "bank: ../../evil")
    write_bank(project, "sample.yaml", text.encode())
    fails_cleanly(project, ["build"], "question_banks/sample.yaml:")
    assert not (project.parent / "evil.apkg").exists()


# -- issue 14: control characters and extreme values, refused at their line --------------
def sample_with(old: str, new: str) -> bytes:
    text = SAMPLE_BANK.read_text()
    assert old in text
    return text.replace(old, new, 1).encode()


@pytest.mark.parametrize("prompt, message", [
    ("Who signed\x1f the decree?", "question_banks/sample.yaml:26: control character U+001F at column 23; "
                                   "expected printable text"),
    ("Who signed\x85 the decree?", "question_banks/sample.yaml:26: control character U+0085 at column 23; "
                                   "expected printable text"),
    ('"Who signed\\x1f the decree?"', "question_banks/sample.yaml:26: control character U+001F in the text "
                                      "'Who signed\\x1f the decree?'; expected printable text"),
    ('"Who \\0 signed"', "question_banks/sample.yaml:26: control character U+0000 in the text "
                         "'Who \\x00 signed'; expected printable text"),
])
def test_control_characters_are_errors_at_their_line(project: Path, prompt: str, message: str) -> None:
    """Family 2: one \\x1f once added a field to an Anki note and Anki refused the deck."""
    write_bank(project, "sample.yaml", sample_with("prompt: Who signed the decree?", f"prompt: {prompt}"))
    fails_cleanly(project, ["build"], message)


@pytest.mark.parametrize("old, new, message", [
    ("    tolerance: 0", "    tolerance: " + "9" * 400,
     "question_banks/sample.yaml:70: question 'verdicts': 'tolerance' is a number of about 401 digits; "
     "expected 0 or a number between 1e-09 and 1e+15 in size"),
    ("    answer: 4\n", "    answer: 5.0e-324\n",
     "question_banks/sample.yaml:69: question 'verdicts': 'answer' is the number 5e-324; "
     "expected 0 or a number between 1e-09 and 1e+15 in size"),
    ("    points: 2", "    points: 1.7e+308",
     "question_banks/sample.yaml:42: question 'select-critics': 'points' is the number 1.7e+308; expected 0 or"),
    ("    points: 2", "    points: 5000",
     "question_banks/sample.yaml:42: question 'select-critics': points 5000 is out of range; "
     "expected a number above 0 and at most 1000"),
    ("    date: 2016-11-21", "    date: 9999-12-31",
     "question_banks/sample.yaml:9: source 'alpha': date '9999-12-31' is out of range; "
     "expected a year from 0001 to 9000"),
])
def test_extreme_values_are_errors_at_their_line(project: Path, old: str, new: str, message: str) -> None:
    """Family 9: these were internal errors (or "inf points") with no line."""
    write_bank(project, "sample.yaml", sample_with(old, new))
    fails_cleanly(project, ["build"], message)


def test_a_fact_whose_who_is_left_empty_is_an_error_not_a_lost_fact(project: Path) -> None:
    text = (Path(__file__).parent / "data" / "banks" / "valid" / "chile-miners-2010.yaml").read_text()
    assert "    who: avalos\n    did: filmed" in text
    write_bank(project, "sample.yaml", text.replace("    who: avalos\n    did: filmed", "    who:\n    did: filmed", 1).encode())
    line = text[:text.index("    who: avalos\n    did: filmed")].count("\n") + 1
    fails_cleanly(project, ["build"], f"question_banks/sample.yaml:{line}: fact 'avalos-filmed': 'who' is empty; "
                                      "expected an entity id (or a list of ids)")


@pytest.mark.parametrize("old, new, message", [
    ("    explanation: The decree was signed by the president.\n    source: alpha\n",
     "    explanation: The decree was signed by the president.\n    source:\n",
     "question_banks/sample.yaml:30: question 'who-signed': 'source' is empty; expected one of: alpha"),
    ("    pairs:\n      - [Vladimir Putin, President of Russia]\n      - [Dmitry Peskov, Kremlin spokesman]\n"
     "      - [Fatou Bensouda, ICC prosecutor]\n", "    pairs:\n",
     "question_banks/sample.yaml:78: question 'roles': 'pairs' is empty; expected a list of [left, right] pairs"),
])
def test_a_key_left_empty_is_an_error_not_a_lost_question(project: Path, old: str, new: str, message: str) -> None:
    """An empty ``source:`` or ``pairs:`` once dropped its question from every output without a word
    (the project fixture has just built the bank as it is)."""
    write_bank(project, "sample.yaml", sample_with(old, new))
    fails_cleanly(project, ["build"], message)


def test_a_question_too_tall_for_a_page_is_named(project: Path) -> None:
    """Family 9: a question that validates but cannot be laid out names itself."""
    long_prompt = " ".join(["Unbreakablewordxx" * 3] * 150)
    write_bank(project, "sample.yaml", sample_with("prompt: Who signed the decree?", f"prompt: {long_prompt}"))
    fails_cleanly(project, ["build"], "Error: question 'who-signed' is too long to fit on one page (letter)")


# -- issue 14: the Anki state is never silently discarded or shared -----------------------
def damage_truncated(text: str) -> bytes:
    return text[: len(text) // 2].encode()


def damage_conflict(text: str) -> bytes:
    lines = text.splitlines(keepends=True)
    return "".join(lines[:3] + ["<<<<<<< HEAD\n"] + lines[3:5] + ["=======\n"] + lines[3:5]
                   + [">>>>>>> other\n"] + lines[5:]).encode()


def damage_value(old: str, new: str):
    def damage(text: str) -> bytes:
        assert old in text, old
        return text.replace(old, new, 1).encode()
    return damage


@pytest.mark.parametrize("damage, message", [
    (damage_truncated, "question_banks/sample.anki-state.json:"),
    (damage_conflict, "question_banks/sample.anki-state.json:4: the saved Anki state holds a merge conflict "
                      "marker ('<<<<<<<')"),
    (lambda text: text.encode("utf-16"), "question_banks/sample.anki-state.json:1: the saved Anki state is "
                                         "damaged (byte 0xff is not UTF-8)"),
    (lambda text: b"[" + text.encode() + b"]", "question_banks/sample.anki-state.json:1: the saved Anki state is "
                                               "damaged (it holds a list, not an object)"),
    (lambda text: b"[" * 100_000, "question_banks/sample.anki-state.json:1: the saved Anki state is damaged"),
    (damage_value(' 1700000000 ', ' 99999999999999999999 '),
     "question_banks/sample.yaml: the saved Anki state of bank 'sample-bank' is damaged (entry "),
    (damage_value(' 1700000000 ', ' \u0661\u0667\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660 '),
     "question_banks/sample.yaml: the saved Anki state of bank 'sample-bank' is damaged (entry "),
    (damage_value(' 1700000000 ', ' 4102444800 '),
     "question_banks/sample.yaml: the saved Anki state of bank 'sample-bank' is damaged (entry "),
    (damage_value('"mod": ', '"mod": "soon", "x": '),
     "question_banks/sample.yaml: the saved Anki state of bank 'sample-bank' is damaged (note type "),
])
def test_damaged_state_stops_the_build(project: Path, damage, message: str) -> None:
    """Family 5: a damaged state was silently discarded (exit 0, every note restamped, students'
    edits overwritten on their next import). Now: exit 1 at the file, and the file is kept."""
    state = project / "question_banks" / "sample.anki-state.json"
    state.write_bytes(damage(state.read_text(encoding="utf-8")))
    damaged = state.read_bytes()
    stderr = fails_cleanly(project, ["build", "--timestamp", "1700086400"], f"Error: {message}")
    assert "Restore" in stderr or "Keep one side whole" in stderr  # the way out
    assert state.read_bytes() == damaged


@pytest.mark.parametrize("other", ["sample.yml", "Sample.yaml"])
def test_two_banks_never_share_one_state_file(project: Path, other: str) -> None:
    """Family 4: sample.yaml and sample.yml (or Sample.yaml, one file on a case-insensitive
    disk) would share sample.anki-state.json and restamp each other's notes on every build."""
    text = SAMPLE_BANK.read_text().replace("bank: sample-bank", "bank: other-bank")
    write_bank(project, other, text.encode())
    stderr = fails_cleanly(project, ["build"], "Error: question_banks/")
    assert "state" in stderr and "rename one" in stderr


# -- issue 14: the set of outputs changes all together or not at all ----------------------
def failing_replace(monkeypatch: pytest.MonkeyPatch, succeed: int, then_succeed: bool = False) -> list:
    """os.replace that works ``succeed`` times, then fails (and keeps failing unless
    ``then_succeed``: the rollback's own renames then work)."""
    import os

    real, calls = os.replace, []

    def replace(src, dst, *args, **kwargs):
        calls.append((str(src), str(dst)))
        if len(calls) == succeed + 1 or (len(calls) > succeed and not then_succeed):
            raise OSError(5, "Input/output error", str(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    return calls


def hidden_files(project: Path) -> list[str]:
    return sorted(p.name for p in (project / "output").iterdir() if p.name.startswith("."))


def test_a_failed_rename_puts_every_output_back(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Family 6: the third rename fails; the two files already replaced get their old selves
    back, so the message "the previous outputs are unchanged" is true."""
    state = (project / "question_banks" / "sample.anki-state.json").read_bytes()
    hidden = hidden_files(project)
    calls = failing_replace(monkeypatch, succeed=2, then_succeed=True)
    fails_cleanly(project, ["build", "--seed", "5", "--timestamp", "1700086400"],
                  "Error: output/sample-bank-answer-key.pdf: cannot write (Input/output error); expected a "
                  "writable output folder with free space (the previous outputs are unchanged)")
    assert len(calls) == 5  # two renames, the failing third, two put back
    assert (project / "question_banks" / "sample.anki-state.json").read_bytes() == state
    assert hidden_files(project) == hidden  # no temporary file or backup left behind


def test_outputs_that_cannot_be_put_back_are_named_and_the_manifest_goes(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Family 6: when putting the old files back fails too, the message says which files are
    new, and the old manifest (whose keys no longer match) is removed."""
    before = outputs(project)
    failing_replace(monkeypatch, succeed=2)
    result = runner.invoke(app, ["build", "--seed", "5", "--timestamp", "1700086400"])
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "putting the previous outputs back failed too: these files are from this build, the others " \
           "from the previous one: output/sample-bank.apkg, output/sample-bank-worksheet.pdf; " \
           "output/manifest.json was removed." in result.stderr.replace("\n", " ")
    after = outputs(project)
    assert "manifest.json" not in after
    assert after["sample-bank-answer-key.pdf"] == before["sample-bank-answer-key.pdf"]
    assert after["sample-bank-worksheet.pdf"] != before["sample-bank-worksheet.pdf"]


def test_stale_temporary_files_of_interrupted_builds_are_removed(project: Path) -> None:
    """Family 6: a build killed between writing and renaming left .NAME.PID.XXXXXXXX.tmp files
    (and .bak backups); the next build removes those of processes that no longer run, and
    nothing else."""
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    pid = int(dead.stdout)
    out = project / "output"
    stale = [out / f".sample-bank.apkg.{pid}.abcd_123.tmp", out / f".manifest.json.{pid}.zz99yy88.bak",
             out / ".sample-bank-worksheet.pdf.k2j3h4g5.tmp"]
    alive = out / f".sample-bank.apkg.1.abcdefgh.tmp"  # pid 1 runs: its writer may still be at work
    others = [out / ".notes.txt.abcdefgh.tmp", out / "mine.tmp", out / ".sample-bank.apkg.x.tmp"]
    for path in stale + [alive] + others:
        path.write_bytes(b"partial")
    result = runner.invoke(app, ["build", "--timestamp", "1700000000"])
    assert result.exit_code == 0, result.output
    assert not any(p.exists() for p in stale)
    assert alive.exists() and all(p.exists() for p in others)


# -- issue 14: templates have time and size limits and read only their own folder ---------
LOOPS = "{% for a in fact.said %}{% for b in fact.said %}{% for c in fact.said %}{% for d in fact.said %}" \
        "{{ a }}{% endfor %}{% endfor %}{% endfor %}{% endfor %}"
TOO_MUCH_WORK = "Error: templates/quote.j2:2: the template took more than 100,000 steps"
TOO_BIG = "Error: templates/quote.j2:2: the template would make a value of"


@pytest.mark.parametrize("body, message", [
    (LOOPS, TOO_MUCH_WORK),
    ("{% macro f(n) %}{% for i in 'ab' %}{{ f(n) }}{% endfor %}{% endmacro %}{{ f(1) }}", "Error: templates/quote.j2:"),
    ("{{ 'x' * 10**9 }}", TOO_BIG + " 1,000,000,000 characters"),
    ("{% set n = 1000 %}{{ [fact.said] * (n * n) }}", TOO_BIG + " 1,000,000 characters or items"),
    ("{{ 10 ** 100000 }}", "Error: templates/quote.j2:2: the template raises 10 to the power 100000"),
    ("{{ fact.said|center(1000000000) }}", TOO_BIG + " 1,000,000,000"),
    ("{{ fact.said.ljust(1000000000) }}", TOO_BIG + " 1,000,000,000"),
    ("{{ fact.said.replace('', fact.said).replace('', fact.said).replace('', fact.said) }}", TOO_BIG),
    ("{{ fact.said|replace('', fact.said)|replace('', fact.said)|replace('', fact.said) }}", TOO_BIG),
    ("{{ fact.said|join(fact.said)|join(fact.said)|join(fact.said) }}", TOO_BIG),
    ("{{ '%0999999999d' % 1 }}", TOO_BIG + " 999,999,999"),
    ("{{ '{:>999999999}'.format(1) }}", TOO_BIG + " 999,999,999"),
    ("{{ [1, 2]|random }}", "Error: templates/quote.j2:2: No filter named 'random'"),
])
def test_templates_have_time_and_size_limits(project: Path, body: str, message: str) -> None:
    """Family 7: a nested loop hung validate and "x" * 10**9 took a GB; now each stops at
    the template's line (the "random" filter is gone too: it drew from global random state)."""
    with_quote_template(project, body)
    fails_cleanly(project, ["validate"], message)
    fails_cleanly(project, ["build"], message)


def test_templates_read_only_files_inside_their_folder(project: Path, tmp_path_factory) -> None:
    """Family 7: a symbolic link in templates/ let {% include %} copy any readable file into
    the published deck; a template that is itself a link out of the folder is refused too."""
    secret = tmp_path_factory.mktemp("elsewhere") / "secret.txt"
    secret.write_text("TOP SECRET")
    with_quote_template(project, "{% include 'leak.txt' %}")
    (project / "templates" / "leak.txt").symlink_to(secret)
    stderr = fails_cleanly(project, ["build"], "Error: templates/quote.j2:2: 'leak.txt' leads outside the "
                                               "templates folder; expected a file inside it")
    assert "TOP SECRET" not in stderr
    (project / "templates" / "quote.j2").unlink()
    (project / "templates" / "quote.j2").symlink_to(secret)
    stderr = fails_cleanly(project, ["build"], "Error: ")
    assert "a link to a file outside templates" in stderr and "TOP SECRET" not in stderr


# -- issue 14, medium and low ---------------------------------------------------------------
def test_control_characters_never_reach_the_terminal(project: Path) -> None:
    """Terminal escape sequences in a file name, in text a template makes (list, generate) and
    in error messages are shown written out, never sent to the terminal raw."""
    write_bank(project, "\x1b]0;pwned\x07evil.yaml", b"bank: [unclosed\n")
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "question_banks/\\u001b]0;pwned\\u0007evil.yaml:" in result.stderr
    (project / "question_banks" / "\x1b]0;pwned\x07evil.yaml").unlink()
    with_quote_template(project, 'Who said \\x1b[2J{{ "\\x1b[8m\\x9b2J\\u202e" }} that {{ fact.said }}?')
    bank = project / "question_banks" / "sample.yaml"  # a fourth person: the template applies
    bank.write_text(bank.read_text().replace("entities:\n", "entities:\n  lavrov: {name: Sergei Lavrov, "
                                                            "kind: person}\n", 1))
    for command in (["list"], ["generate"], ["list", "--json"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 0, result.output
        shown = result.output
        assert not any(c in shown for c in "\x1b\x9b\u202e"), (command, shown)
        assert "\\u001b[8m" in shown, command
    assert json.loads(runner.invoke(app, ["list", "--json"]).output)  # still valid JSON


@pytest.mark.parametrize("value", ["abc", "-5", "1.5", "\u0661\u0667\u0660\u0660", "9" * 30, " "])
def test_source_date_epoch_must_be_plain_seconds(project: Path, monkeypatch: pytest.MonkeyPatch,
                                                 value: str) -> None:
    """SOURCE_DATE_EPOCH values that are not plain non-negative integers crashed or were
    silently ignored (the clock was used instead)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    fails_cleanly(project, ["build"], f"Error: SOURCE_DATE_EPOCH={value!r} is not a whole number of seconds")


def test_a_format_listed_twice(project: Path) -> None:
    fails_cleanly(project, ["build", "--format", "anki,anki"],
                  "Error: format 'anki' is listed twice; expected each format once")


def test_settings_nested_too_deeply(project: Path) -> None:
    (project / "quizgen.toml").write_text("[build]\ntags = " + "[" * 5000 + "]" * 5000 + "\n")
    fails_cleanly(project, ["build"], "Error: quizgen.toml:1: TOML nested too deeply")


@pytest.mark.parametrize("title", ["Unit 1: The ICC and Russia", "# 3 sources", "yes", "1998",
                                   "Unit 1 \u2014 \u00dcberblick", 'a "quoted" #tag', "C'est {fini} [ok]", "null"])
def test_init_keeps_any_title(tmp_path: Path, title: str) -> None:
    """init --title "Unit 1: …" (or with #) wrote a starter bank that did not validate or lost text."""
    from quizgen.banks import load_bank

    result = runner.invoke(app, ["init", str(tmp_path), "--name", "unit-1", "--title", title])
    assert result.exit_code == 0, result.output
    assert load_bank(tmp_path / "question_banks" / "unit-1.yaml").title == title


def test_init_refuses_a_title_that_cannot_validate(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path), "--title", "bell\x07"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: --title 'bell\\x07': the starter bank would not validate "
                                    "(control character U+0007")
    assert not (tmp_path / "question_banks").exists()


@pytest.mark.parametrize("bank_id", ["con", "nul", "com1", "lpt9", "a" * 65])
def test_bank_ids_that_cannot_name_files(project: Path, bank_id: str) -> None:
    write_bank(project, "sample.yaml", sample_with("bank: sample-bank", f"bank: {bank_id}"))
    fails_cleanly(project, ["build"], f"question_banks/sample.yaml:2: bank: id {bank_id!r} cannot name files "
                                      "on every computer")


def test_deck_names_that_differ_only_by_case(project: Path) -> None:
    """Anki matches decks ignoring case: "Unit::Crimea" and "unit::crimea" would become one
    deck under a renamed name."""
    text = SAMPLE_BANK.read_text().replace("    difficulty: easy\n", "    difficulty: easy\n    deck: Unit::Crimea\n", 1)
    text = text.replace("    points: 2\n", "    points: 2\n    deck: \"unit :: CRIMEA\"\n", 1)
    write_bank(project, "sample.yaml", text.encode())
    fails_cleanly(project, ["build"], "question_banks/sample.yaml:44: question 'select-critics': deck "
                                      "'unit :: CRIMEA' differs from 'Unit::Crimea' (line 34) only by case")


def test_full_temporary_folder_during_the_anki_export(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The collection is built in a scratch file: a full temporary folder was an internal error."""
    import sqlite3
    import tempfile

    from quizgen.exporters import anki_apkg

    def disk_full(rows, path):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(anki_apkg, "write_collection", disk_full)
    fails_cleanly(project, ["build", "--format", "anki", "--timestamp", "1700086400"],
                  f"Error: {tempfile.gettempdir()}: cannot write the Anki collection (database or disk is full); "
                  "expected free space in the temporary folder")


def test_rapidyaml_prints_nothing_of_its_own(capfd: pytest.CaptureFixture) -> None:
    """A very deep bank: rapidyaml's C++ error text ("emit.def.hpp: ERROR: [visit] max depth
    exceeded") leaked onto stderr beside quizgen's own message."""
    from quizgen.banks import load_bank_text
    from quizgen.errors import BankErrors

    text = "bank: x\ntitle: y\nsources:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 1500)) \
        + "# padding, so that the fast parser is tried\n" * 6000
    with pytest.raises(BankErrors, match="deep.yaml:1002: YAML syntax error"):
        load_bank_text(text, "deep.yaml")
    assert capfd.readouterr().err == ""


def test_unquoted_timestamps_in_text_are_kept_as_written() -> None:
    """YAML reads 2001-09-11 08:46:00 as a timestamp; it was rewritten 2001-09-11T08:46:00."""
    from quizgen.banks import load_bank_text

    text = SAMPLE_BANK.read_text().replace("answer: Dmitry Peskov\n", "answer: 2001-09-11 08:46:00\n", 1)
    bank = load_bank_text(text, "sample.yaml")
    assert [q.answers for q in bank.questions if q.id == "spokesman-name"] == [("2001-09-11 08:46:00",)]


@pytest.mark.parametrize("timestamp", ["-1", "99999999999999999999"])
def test_build_time_out_of_range(project: Path, timestamp: str) -> None:
    """A negative or absurd build time was stamped into the deck and the state (the next build
    then found the state damaged)."""
    fails_cleanly(project, ["build", "--timestamp", timestamp],
                  f"Error: the build's time {timestamp} is out of range; expected whole seconds since 1970")


def test_full_temporary_folder_while_a_large_deck_spools_its_records(project: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A large deck's content records go to a temporary file (exporters/anki_records): a full
    temporary folder there is the same located error, and nothing is written."""
    import tempfile

    from quizgen.exporters import anki_records

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    bank = project / "question_banks" / "sample.yaml"
    bank.write_text(bank.read_text().replace("Who signed the decree?", "Who signed the 2016 decree?"))
    monkeypatch.setattr(anki_records, "SPOOL_IN_MEMORY", 0)
    monkeypatch.setattr(anki_records.tempfile, "TemporaryFile", disk_full)
    fails_cleanly(project, ["build", "--format", "anki", "--timestamp", "1700086400"],
                  f"Error: {tempfile.gettempdir()}: cannot write the Anki collection (No space left on device); "
                  "expected free space in the temporary folder")
