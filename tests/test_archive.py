"""The archive on disk: sharded, atomic, never overwritten, every problem named with file and line."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest
from conftest import make_record

import generator.archive as archive_module
from generator.archive import Archive, dump_record, shard
from generator.errors import ProblemsError
from generator.records import FIELDS, Source
from generator.text import Link


def test_records_round_trip_exactly(archive: Archive) -> None:
    record = make_record(
        "tricky",
        title="GAN: A Study — \"quotes\", 'single', {{ x }}, #hash, E[Y|X], 256*256",
        abstract="T\\\"ULU 3 improves by 20\\% with ``conditions'' and: colons, - dashes, > quotes, emoji 🚀",
        sources=[Source("listing.txt", date(2025, 3, 12))],
        links=[Link("https://github.com/x/y", "code")],
        tags_add=["nlp"],
        note="A *note*\nover two lines.\n",
        featured=True,
    )
    archive.add([record])
    assert archive.load() == [record]


def test_records_are_sharded_into_small_folders(archive: Archive) -> None:
    archive.add([make_record("a-paper")])
    assert archive.path_for("a-paper") == archive.root / shard("a-paper") / "a-paper.yaml"
    assert len(shard("a-paper")) == 2


def test_record_file_is_readable_yaml_in_field_order() -> None:
    text = dump_record(make_record("a-paper", title="A Paper", note="line one\nline two"))
    assert text.startswith("# Papers Archive record.")
    keys = [line.split(":")[0] for line in text.splitlines() if line and not line.startswith(("#", " ", "-"))]
    assert keys == list(FIELDS)
    assert "note: |-\n  line one\n  line two" in text


def test_add_never_overwrites_and_writes_nothing_on_a_clash(archive: Archive) -> None:
    archive.add([make_record("one")])
    before = archive.path_for("one").read_bytes()
    with pytest.raises(ProblemsError, match="never overwrites"):
        archive.add([make_record("two"), make_record("one", title="Changed")])
    assert archive.path_for("one").read_bytes() == before
    assert not archive.path_for("two").exists()


def test_add_leaves_no_temporary_files_only_the_lock(archive: Archive) -> None:
    archive.add([make_record(f"p{i}") for i in range(20)])
    assert [p.name for p in archive.root.rglob("*") if p.is_file() and p.suffix != ".yaml"] == [".lock"]


def _write(archive: Archive, record_id: str, text: str) -> Path:
    path = archive.path_for(record_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_load_lists_every_problem_with_file_and_line(archive: Archive) -> None:
    archive.add([make_record("good")])
    _write(archive, "broken-yaml", "id: broken-yaml\ntitle: [unclosed\n")
    _write(archive, "bad-fields", "id: bad-fields\ntitle: A title\nabstract: Text.\nadded: soon\nfeatured: maybe\n")
    _write(archive, "renamed", "id: other-id\ntitle: T\nabstract: A.\nadded: 2025-01-01\n")
    with pytest.raises(ProblemsError) as caught:
        archive.load()
    found = {(Path(p.file).name, p.line, p.message.split(" ")[0]) for p in caught.value.problems}
    assert found == {
        ("bad-fields.yaml", 4, "added:"),
        ("bad-fields.yaml", 5, "featured:"),
        ("broken-yaml.yaml", 2, "is"),  # the unclosed bracket, not the end of the file
        ("renamed.yaml", 1, "id:"),
    }
    assert "is not valid YAML" in str(caught.value) and "fix the syntax" in str(caught.value)


# Earlier versions took this address from an abstract; a browser goes to ".../b/", and as a
# Markdown link it ended early and stopped strict builds.
OLD_LINK = "https://github.com/a/b\\"
LINKED = f"""id: linked
title: T
abstract: A.
added: 2025-01-01
links:
- {{url: 'https://github.com/a/c', kind: code}}
- {{url: '{OLD_LINK}', kind: code}}
"""


def test_a_link_that_is_not_one_web_address_is_left_out_and_checked_never_stopping_a_build(archive: Archive, caplog: pytest.LogCaptureFixture) -> None:
    path = _write(archive, "linked", LINKED)
    with caplog.at_level(logging.INFO, logger="papers"):
        [record] = archive.load()
    assert record.links == [Link("https://github.com/a/c", "code")]
    records, problems = archive.scan()  # what papers check reports
    assert records == [record] and [(p.file, p.line) for p in problems] == [(archive.display(path), 7)]
    assert problems[0].message.startswith(f"links: {OLD_LINK!r} is not one web address") and "fix it or delete the entry" in problems[0].message
    assert [r.getMessage() for r in caplog.records] == [f"{problems[0]} (papers check lists it)"]


def test_a_large_archive_is_read_on_every_core_with_the_same_records_and_problems(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    archive.add([make_record(f"paper-{n}") for n in range(7)])
    _write(archive, "broken-yaml", "id: broken-yaml\ntitle: [unclosed\n")
    _write(archive, "renamed", "id: other-id\ntitle: T\nabstract: A.\nadded: 2025-01-01\n")
    _write(archive, "linked", LINKED)
    alone = archive.scan()
    monkeypatch.setattr(archive_module, "PARALLEL_READ_MIN", 1)
    monkeypatch.setattr(archive_module, "READ_CHUNK", 2)
    monkeypatch.setattr(archive_module, "workers", lambda: 2)
    assert archive.scan() == alone and len(alone[0]) == 8 and len(alone[1]) == 3


def test_missing_archive_folder_is_a_problem_not_an_empty_site(tmp_path: Path) -> None:
    with pytest.raises(ProblemsError, match="the archive folder does not exist"):
        Archive(tmp_path / "nowhere").load()


def test_misplaced_and_unreadable_records_are_problems(archive: Archive) -> None:
    archive.add([make_record("good")])
    (archive.root / "loose.yaml").write_text("id: loose\n", encoding="utf-8")
    (archive.path_for("a-folder")).mkdir(parents=True)
    with pytest.raises(ProblemsError) as caught:
        archive.load()
    messages = {Path(p.file).name: p.message for p in caught.value.problems}
    assert messages["loose.yaml"].startswith("records live at archive/<shard>/<id>.yaml: move it to")
    assert messages["a-folder.yaml"].startswith("cannot be read")
