"""An unchanged rebuild does nothing (quizgen.rebuild, issue 15), and any changed input builds for real."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from quizgen import rebuild
from quizgen.banks import BANK_SUFFIXES
from quizgen.exporters import ExportOptions
from quizgen.exporters.anki import CHANGELOG_OPTION
from quizgen.pipeline import BuildConfig, build
from quizgen.select import SelectionSpec

NOW = 1_700_000_000


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def settled(sample_bank_dir: Path, out: Path, **kwargs) -> BuildConfig:
    """A config whose outputs in ``out`` are a fixed point: the second build saves the state it read."""
    config = BuildConfig(paths=(str(sample_bank_dir),), out=out, state_dir=out,
                         options=kwargs.pop("options", ExportOptions(now=NOW)), **kwargs)
    assert not build(config).unchanged  # no state yet: a real build
    second = build(config)  # the state went in as it came out: recorded
    assert not second.unchanged and second.written
    return config


def test_the_copies_of_other_modules_names_agree() -> None:
    from quizgen.cli import DECK_OPTION_NAMES
    from quizgen.exporters.anki import GENERATED_TRUE_FALSE_OPTION

    assert DECK_OPTION_NAMES == (CHANGELOG_OPTION, GENERATED_TRUE_FALSE_OPTION)
    assert rebuild.CHANGELOG_OPTION == CHANGELOG_OPTION
    assert rebuild.BANK_SUFFIXES == tuple(BANK_SUFFIXES)


def test_an_unchanged_rebuild_writes_nothing_and_its_outputs_are_a_cold_builds(sample_bank_dir: Path,
                                                                               tmp_path: Path) -> None:
    config = settled(sample_bank_dir, tmp_path / "warm")
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (tmp_path / "warm").iterdir()}
    report = build(config)
    assert report.unchanged and report.written == [] and report.removed == []
    assert sorted(report.up_to_date) == sorted(p.resolve() for p in before)
    assert report.manifest and report.manifest[0]["bank"] == "sample-bank"
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in (tmp_path / "warm").iterdir()} == before
    # a cold build of the same inputs (no record: the cache is elsewhere) writes the same bytes
    cold = dataclasses.replace(config, out=tmp_path / "cold", state_dir=tmp_path / "cold")
    build(cold)
    build(cold)
    assert files_of(tmp_path / "cold") == files_of(tmp_path / "warm")


def test_the_clock_is_left_out_because_a_settled_build_does_not_print_it(sample_bank_dir: Path,
                                                                         tmp_path: Path) -> None:
    config = settled(sample_bank_dir, tmp_path / "out")
    later = dataclasses.replace(config, options=ExportOptions(now=NOW + 86_400))
    assert build(later).unchanged
    before = files_of(tmp_path / "out")
    rebuild.record_path(config.out).unlink()  # forget: build for real at the later time
    assert not build(later).unchanged
    assert files_of(tmp_path / "out") == before


def edit_bank(config: BuildConfig, tmp: Path) -> BuildConfig:
    bank = next(Path(config.paths[0]).glob("*.yaml"))
    bank.write_text(bank.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    return config


def add_bank(config: BuildConfig, tmp: Path) -> BuildConfig:
    (Path(config.paths[0]) / "notes.txt").write_text("not a bank, but the folder changed\n")
    return config


def edit_state(config: BuildConfig, tmp: Path) -> BuildConfig:
    state = next(config.out.glob("*.anki-state.json"))
    state.write_bytes(state.read_bytes().replace(b"\n", b"\n ", 1))
    return config


def edit_output(config: BuildConfig, tmp: Path) -> BuildConfig:
    pdf = next(config.out.glob("*-worksheet.pdf"))
    pdf.write_bytes(pdf.read_bytes() + b"\n")
    return config


def delete_output(config: BuildConfig, tmp: Path) -> BuildConfig:
    next(config.out.glob("*.apkg")).unlink()
    return config


def edit_manifest(config: BuildConfig, tmp: Path) -> BuildConfig:
    (config.out / "manifest.json").write_text("[]\n")
    return config


def local_templates(config: BuildConfig, tmp: Path) -> BuildConfig:
    (tmp / "templates").mkdir()
    (tmp / "templates" / "extra.j2").write_text("{# a new template #}\n")
    return config


def change_seed(config: BuildConfig, tmp: Path) -> BuildConfig:
    return dataclasses.replace(config, selection=SelectionSpec(seed=7))


def change_versions(config: BuildConfig, tmp: Path) -> BuildConfig:
    return dataclasses.replace(config, selection=SelectionSpec(versions=2))


def change_formats(config: BuildConfig, tmp: Path) -> BuildConfig:
    return dataclasses.replace(config, formats=("anki", "worksheet"))


def change_paper(config: BuildConfig, tmp: Path) -> BuildConfig:
    return dataclasses.replace(config, options=dataclasses.replace(config.options, paper="a4"))


def no_generated(config: BuildConfig, tmp: Path) -> BuildConfig:
    return dataclasses.replace(config, include_generated=False)


def strict(config: BuildConfig, tmp: Path) -> BuildConfig:
    return dataclasses.replace(config, strict=True)


def changelog_later(config: BuildConfig, tmp: Path) -> BuildConfig:
    return dataclasses.replace(config, options=dataclasses.replace(config.options, now=NOW + 86_400))


def cache_off(config: BuildConfig, tmp: Path) -> BuildConfig:
    import os

    os.environ["QUIZGEN_CACHE_DIR"] = "off"
    return config


CHANGES = [edit_bank, add_bank, edit_state, edit_output, delete_output, edit_manifest, local_templates,
           change_seed, change_versions, change_formats, change_paper, no_generated, strict, cache_off]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
def test_any_change_of_any_input_builds_for_real(change, sample_bank_dir: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path / "cache"))
    config = settled(sample_bank_dir, tmp_path / "out")
    assert build(config).unchanged
    changed = change(config, tmp_path)
    try:
        report = build(changed)
    except Exception as exc:  # --strict with warnings: a real build that refused to write
        assert change is strict, exc
        return
    assert not report.unchanged and report.written


def test_with_a_changelog_the_clock_is_an_input(sample_bank_dir: Path, tmp_path: Path) -> None:
    options = ExportOptions(now=NOW, extra={CHANGELOG_OPTION: True})
    config = settled(sample_bank_dir, tmp_path / "out", options=options)
    assert build(config).unchanged
    assert not build(changelog_later(config, tmp_path)).unchanged


def test_a_change_of_quizgens_code_builds_for_real(sample_bank_dir: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "package"
    shutil.copytree(Path(rebuild.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__", "fonts"))
    monkeypatch.setattr(rebuild, "_PACKAGE", package)
    config = settled(sample_bank_dir, tmp_path / "out")
    assert build(config).unchanged
    (package / "model.py").write_text((package / "model.py").read_text() + "\n# changed\n")
    assert not build(config).unchanged


def test_a_damaged_record_is_a_real_build(sample_bank_dir: Path, tmp_path: Path) -> None:
    config = settled(sample_bank_dir, tmp_path / "out")
    rebuild.record_path(config.out).write_text("{not json")
    assert not build(config).unchanged


def test_the_cli_says_nothing_to_do_as_the_readme_shows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from typer.testing import CliRunner

    from quizgen.cli import app

    root = Path(__file__).resolve().parent.parent
    [line] = [l for l in (root / "README.md").read_text(encoding="utf-8").splitlines()
              if l.startswith("nothing to do:")]
    shutil.copytree(root / "question_banks", tmp_path / "question_banks",
                    ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(NOW))
    runner = CliRunner()
    outputs = [runner.invoke(app, ["build"], catch_exceptions=False).output for _ in range(3)]
    assert "wrote output/manifest.json" in outputs[0]
    assert line in outputs[2].splitlines() and "wrote" not in outputs[2]
    assert re.search(r"icc-withdrawal-2016\.apkg: 0 new, 0 updated, 0 retired", outputs[2])


def test_a_build_with_nothing_to_do_imports_no_heavy_library(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    script = ("import sys\nsys.argv = ['quizgen', 'build', '--out', 'out']\ntry:\n    from quizgen.cli import app\n"
              "    app()\nfinally:\n    print('heavy:', *sorted(m for m in sys.modules if m.split('.')[0] in "
              "('yaml', 'ryml', 'jinja2', 'reportlab', 'genanki', 'sqlite3') or m in ('quizgen.banks', "
              "'quizgen.generate', 'quizgen.flaws', 'quizgen.exporters.anki', 'quizgen.exporters.pdf', 'quizgen.select', "
              "'quizgen.quizrules', 'quizgen.model', 'quizgen.bankcache', 'importlib.resources')))\n")
    env = {**os.environ, "QUIZGEN_CACHE_DIR": str(tmp_path / "cache"), "SOURCE_DATE_EPOCH": str(NOW)}
    runs = [subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
            for _ in range(3)]
    assert all(r.returncode == 0 for r in runs), runs[-1].stderr
    assert "jinja2" in runs[0].stdout and "reportlab" in runs[0].stdout  # a real build needs them
    assert runs[2].stdout.startswith("nothing to do:")
    assert runs[2].stdout.strip().splitlines()[-1] == "heavy:"


def test_the_garbage_collector_is_paused_during_a_build_and_restored(sample_bank_dir: Path, tmp_path: Path) -> None:
    import gc

    seen = []
    config = BuildConfig(paths=(str(sample_bank_dir),), out=tmp_path / "out", state_dir=tmp_path / "out",
                         options=ExportOptions(now=NOW))
    build(config, progress=lambda done, total, label: seen.append(gc.isenabled()))
    assert seen and not any(seen) and gc.isenabled()
    gc.disable()
    try:
        build(config)
        assert not gc.isenabled()  # a caller's choice is left as it was
    finally:
        gc.enable()


def test_a_changed_article_text_builds_for_real(sample_bank_dir: Path, tmp_path: Path) -> None:
    import yaml

    bank_file = next(sample_bank_dir.glob("*.yaml"))
    data = yaml.safe_load(bank_file.read_text(encoding="utf-8"))
    evidence = [q["evidence"] for q in data["questions"] if q.get("evidence") and q.get("source") == "alpha"]
    article = sample_bank_dir / "alpha.txt"
    article.write_text("The article. " + " ".join(evidence) + "\n", encoding="utf-8")
    text = bank_file.read_text(encoding="utf-8").replace("    publisher: Alpha News\n",
                                                         "    publisher: Alpha News\n    text_file: alpha.txt\n", 1)
    bank_file.write_text(text, encoding="utf-8")
    config = settled(sample_bank_dir, tmp_path / "out")
    assert build(config).unchanged
    article.write_text(article.read_text(encoding="utf-8") + "A new paragraph.\n", encoding="utf-8")
    assert not build(config).unchanged
    assert build(config).unchanged  # the new text recorded
    assert evidence  # evidence no longer in the article: the real build says so
    article.write_text("Another article.\n", encoding="utf-8")
    with pytest.raises(Exception, match="evidence|text_file"):
        build(config)



def _json_values():
    from hypothesis import strategies as st

    leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
    return st.recursive(leaves, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=6), inner, max_size=70), max_leaves=300)


def test_state_bytes_are_json_dumps_bytes() -> None:
    import json

    from hypothesis import given, settings

    from quizgen.pipeline import state_bytes

    @settings(max_examples=150, deadline=None)
    @given(_json_values())
    def check(value) -> None:
        assert state_bytes(value) == (json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()

    check()
    big = {f"q{i:03d}": {"mod": i, "text": "\u201cquoted\u201d\nline", "list": [i, {"a": [1, {}]}]} for i in range(200)}
    state = {"notes": big, "content": {"x": big}, "retired": [], "empty": {}}
    assert state_bytes(state) == (json.dumps(state, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()


def test_a_state_file_is_written_piece_by_piece_with_the_same_bytes(tmp_path: Path) -> None:
    import hashlib
    import json

    from quizgen.pipeline import StateFile, write_all_atomically

    notes = {f"q{i:05d}": ["h" * 16, i, i, "short_answer"] for i in range(3000)}
    state = {"bank": "b", "notes": notes, "content": {k: f"text \u201c{k}\u201d\x1f" for k in notes}}
    chunks = list(StateFile(state).chunks())
    assert max(map(len, chunks)) < sum(map(len, chunks)) / 10  # made a few entries at a time, never whole
    target = tmp_path / "b.anki-state.json"
    write_all_atomically({target: StateFile(state), tmp_path / "other.txt": b"other"})
    assert target.read_bytes() == (json.dumps(state, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()
    written = StateFile(state)
    write_all_atomically({target: written})
    assert written.sha256 == hashlib.sha256(target.read_bytes()).hexdigest()  # worked out as it was written
    assert (tmp_path / "other.txt").read_bytes() == b"other"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.anki-state.json", "other.txt"]  # no temporaries
