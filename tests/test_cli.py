"""The papers command: clean summaries and errors, never a traceback."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from conftest import SEED, make_record, papers

from generator.archive import Archive
from generator.cli import _parser, main


def seed_with_edit(project: Path, record_id: str, old: str, new: str) -> tuple[Path, str]:
    """The seed imported, then one record edited by hand (``old`` replaced by ``new``): its path and its new text."""
    papers(project, "import", str(SEED))
    record = next((project / "archive").rglob(f"{record_id}.yaml"))
    text = record.read_text().replace(old, new)
    record.write_text(text)
    return record, text


def test_import_prints_added_present_and_problems(project: Path) -> None:
    first = papers(project, "import", str(SEED), "--today", "2026-11-26")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith("added 87: nitrofusion-high-fidelity") and lines[1] == "already present 0" and lines[2] == "problems 0"
    second = papers(project, "import", str(SEED))
    assert second.stdout.splitlines()[:1] == ["added 0"] and second.stdout.splitlines()[1].startswith("already present 87: ")


def test_bad_listing_exits_non_zero_with_file_and_line(project: Path) -> None:
    bad = project / "bad.txt"
    bad.write_text("Mar 12\n\nA Title Without Abstract\n", encoding="utf-8")
    result = papers(project, "import", str(bad))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{bad}:3: the title 'A Title Without Abstract' has no abstract" in result.stderr
    assert not (project / "archive").exists()


def test_check_lists_every_problem(project: Path) -> None:
    _, text = seed_with_edit(project, "pointer-networks", "featured: false", "featured: sometimes")
    result = papers(project, "check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == "papers check: 1 problem in archive/"
    line = text.splitlines().index("featured: sometimes") + 1
    assert f"pointer-networks.yaml:{line}: featured: expected true or false, got 'sometimes'" in result.stderr


def test_check_lists_problems_of_every_kind_at_once(project: Path) -> None:
    papers(project, "import", str(SEED))
    broken = next((project / "archive").rglob("pointer-networks.yaml"))
    broken.write_text(broken.read_text().replace("featured: false", "featured: sometimes"))
    tagged = next((project / "archive").rglob("cyclical-curriculum-learning.yaml"))
    tagged.write_text(tagged.read_text().replace("tags_add: []", "tags_add: [robotics]").replace("note: ''", "note: 'See [[No Such Paper]].'"))
    result = papers(project, "check")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == "papers check: 3 problems in archive/"
    assert "featured: expected true or false" in result.stderr
    assert "tags_add: unknown tag 'robotics'" in result.stderr
    assert "note: [[No Such Paper]] is not the id of any paper" in result.stderr


def test_values_yaml_cannot_build_are_file_line_problems_in_check_and_in_the_build(project: Path) -> None:
    archive = Archive(project / "archive")
    archive.add([make_record("fine")])
    odd = {"february": "added: 2026-02-30\n", "month": "published: 2026-13-01\n", "digits": f"featured: {'9' * 5000}\n", "twice": "title: Again\n"}
    for record_id, line in odd.items():
        path = archive.path_for(record_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"id: {record_id}\ntitle: A Title\nabstract: An abstract.\n" + ("" if "added" in line else "added: 2025-03-12\n") + line)
    expected = [
        "february.yaml:4: added: 2026-02-30 is not a real date (day is out of range for month); write a date that exists, as YYYY-MM-DD",
        "month.yaml:5: published: 2026-13-01 is not a real date (month must be in 1..12); write a date that exists, as YYYY-MM-DD",
        "digits.yaml:5: featured: 9999999999999999999999999999999999999999… (5,000 characters) cannot be read as a number",
        "twice.yaml:5: title: written twice (first on line 2); keep the one you mean, delete the other",
    ]
    check = papers(project, "check")
    mkdocs = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(project / "mkdocs.yml")]
    build = subprocess.run(mkdocs, capture_output=True, text=True, cwd=project)
    for result in (check, build):
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr[-3000:]
        assert all(problem in result.stderr for problem in expected), result.stderr[-3000:]
        assert "4 problems in archive/" in result.stderr


def test_check_names_a_link_the_site_leaves_out_with_its_file_and_line(project: Path) -> None:
    _, text = seed_with_edit(project, "pointer-networks", "links: []", "links:\n- {url: 'https://github.com/a/b\\', kind: code}")
    result = papers(project, "check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    line = text.splitlines().index("- {url: 'https://github.com/a/b\\', kind: code}") + 1
    assert f"pointer-networks.yaml:{line}: links: 'https://github.com/a/b\\\\' is not one web address" in result.stderr


def test_export_json_has_the_documented_keys(project: Path, capsys) -> None:
    papers(project, "import", str(SEED))
    assert main(["-f", str(project / "mkdocs.yml"), "export", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 87
    assert {"id", "title", "abstract", "added", "tags", "related", "links", "url"} <= set(rows[0])
    row = next(r for r in rows if r["id"] == "pointer-networks")
    assert row["url"] == "papers/pointer-networks/" and row["added"] == "2026-03-12"
    assert row["permalink"] == "https://papers-archive.github.io/papers-archive/papers/pointer-networks/"


def test_generate_writes_markdown_without_mkdocs(project: Path) -> None:
    papers(project, "import", str(SEED))
    result = papers(project, "generate", "--out", str(project / "out"))
    assert result.returncode == 0, result.stderr
    assert (project / "out" / "papers" / "pointer-networks.md").read_text().count("# Pointer Networks") == 1


def test_missing_config_is_a_clear_error(tmp_path: Path) -> None:
    result = papers(tmp_path, "check")
    assert result.returncode == 1 and "mkdocs.yml: not found" in result.stderr


def test_a_broken_archive_is_named_once_with_its_count_in_words(project: Path) -> None:
    record, _ = seed_with_edit(project, "pointer-networks", "featured: false", "featured: sometimes")
    result = papers(project, "export", "--json")
    assert result.returncode == 1 and result.stderr.splitlines()[0] == "papers export: 1 problem in archive/"
    record.write_text(record.read_text().replace("featured: sometimes", "featured: false"))
    assert papers(project, "check").stdout == "ok: 87 records in archive/, no problems\n"


def test_a_mistyped_tag_or_paper_id_is_answered_with_what_it_may_mean(project: Path) -> None:
    papers(project, "import", str(SEED))
    tag = papers(project, "tags", "suggest", "difusion")
    assert tag.returncode == 1 and tag.stderr == "papers tags: unknown tag 'difusion'; did you mean diffusion-models?\n"
    paper = papers(project, "tags", "explain", "pointer-netwroks")
    assert paper.returncode == 1 and paper.stderr == "papers tags: no paper with id 'pointer-netwroks'; did you mean pointer-networks?\n"
    nothing_alike = papers(project, "tags", "suggest", "zzz")
    assert nothing_alike.stderr.startswith("papers tags: unknown tag 'zzz'; the tags are: computer-vision, nlp, ")


def test_every_argument_of_every_command_says_what_it_is() -> None:
    def commands(parser: argparse.ArgumentParser, name: str):
        yield name, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub, subparser in action.choices.items():
                    yield from commands(subparser, f"{name} {sub}")

    silent = [
        f"{name} {action.metavar or action.dest}"
        for name, parser in commands(_parser(), "papers")
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction) and not action.help
    ]
    assert silent == []
