"""The archive on disk: sharded, atomic, never overwritten, every problem named with file and line."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT, make_record

import generator.archive as archive_module
from generator.archive import Archive, dump_record, shard
from generator.errors import ProblemsError
from generator.records import FIELDS, MAX_RECORD_BYTES, Source
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


# --- what YAML could do to a hand-edited record -----------------------------------------

VALID_TEXT = "id: {id}\ntitle: A Title\nabstract: An abstract.\nadded: 2025-03-12\n"


def _problems_of(archive: Archive, record_id: str, extra: str) -> list[tuple[int | None, str]]:
    _write(archive, record_id, VALID_TEXT.format(id=record_id) + extra)
    _, problems = archive.scan()
    return [(p.line, p.message) for p in problems if Path(p.file).stem == record_id]


#: Nine anchored lists of nine aliases of the one before: a billion strings once built.
_NEXT = zip("abcdefgh", "bcdefghi", strict=True)
ALIAS_BOMB = "tags_add: [&a [lol, lol, lol, lol, lol, lol, lol, lol, lol], " + ", ".join(f"&{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in _NEXT) + "]\n"

_BOUNDED_SCAN = """
import os, resource, sys, time
from pathlib import Path
from generator.archive import Archive
archive = Archive(Path(sys.argv[1]))
with open("/proc/self/statm") as statm:
    size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
resource.setrlimit(resource.RLIMIT_AS, (size + 100 * 2**20, resource.RLIM_INFINITY))
start = time.process_time()
_, problems = archive.scan()
print(time.process_time() - start)
print("\\n".join(map(str, problems)))
"""


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="measures memory through /proc")
def test_an_alias_bomb_is_refused_within_a_second_and_100_mb(archive: Archive) -> None:
    _write(archive, "bomb", VALID_TEXT.format(id="bomb") + ALIAS_BOMB)
    result = subprocess.run([sys.executable, "-c", _BOUNDED_SCAN, str(archive.root)], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    seconds, problem = result.stdout.splitlines()
    assert float(seconds) < 1.0  # CPU time: a loaded machine does not stretch it
    assert problem.endswith("bomb.yaml:5: tags_add: *a repeats the value marked &a (a YAML alias), which a record may not use; write the value out in full")


def test_an_alias_of_a_list_is_refused_at_its_line_and_asterisks_in_text_are_not(archive: Archive) -> None:
    assert _problems_of(archive, "alias", "tags_add: &tags [nlp]\ntags_remove:\n  *tags\n") == [
        (7, "tags_remove: *tags repeats the value marked &tags (a YAML alias), which a record may not use; write the value out in full")
    ]
    assert _problems_of(archive, "itself", "tags_add: &t [nlp, *t]\n") == [
        (5, "tags_add: *t repeats the value marked &t (a YAML alias), which a record may not use; write the value out in full")
    ]
    prose = "links: []\nnote: |\n  Uses *emphasis*, A* search, R&D and a & b,\n  *not an alias* nor &this.\n"
    assert _problems_of(archive, "prose", prose) == []
    [record] = archive.scan()[0]
    assert record.note == "Uses *emphasis*, A* search, R&D and a & b,\n*not an alias* nor &this.\n"


@pytest.mark.parametrize(
    ("extra", "line", "message"),
    [
        ("published: 2026-13-01\n", 5, "published: 2026-13-01 is not a real date (month must be in 1..12); write a date that exists, as YYYY-MM-DD"),
        ("sources:\n- {file: l.txt, date: 2026-02-30}\n", 6, "sources: 2026-02-30 is not a real date (day is out of range for month); write a date"),
        ("published: 2020-01-01T10:00:00+99:00\n", 5, "published: 2020-01-01T10:00:00+99:00 is not a real date (offset must be a timedelta"),
        ("featured: " + "1" * 5000 + "\n", 5, "featured: " + "1" * 40 + "… (5,000 characters) cannot be read as a number (Exceeds the limit"),
        ("featured: !!bool maybe\n", 5, "featured: maybe cannot be read as true or false (KeyError); put it in quotes if it is text"),
        ("published: !!timestamp soon\n", 5, "published: soon is not a real date (AttributeError); write a date that exists, as YYYY-MM-DD"),
    ],
    ids=["month-13", "february-30", "offset", "5000-digits", "bool-tag", "timestamp-tag"],
)
def test_a_value_yaml_cannot_build_is_a_problem_with_its_line(archive: Archive, extra: str, line: int, message: str) -> None:
    [(found_line, found)] = _problems_of(archive, "odd", extra)
    assert found_line == line and found.startswith(message)


def test_the_added_date_of_a_30_february_is_a_problem_with_its_line(archive: Archive) -> None:
    _write(archive, "feb", VALID_TEXT.format(id="feb").replace("2025-03-12", "2026-02-30"))
    with pytest.raises(ProblemsError) as caught:
        archive.load()
    assert [str(p).split("/")[-1] for p in caught.value.problems] == [
        "feb.yaml:4: added: 2026-02-30 is not a real date (day is out of range for month); write a date that exists, as YYYY-MM-DD"
    ]


def test_a_key_written_twice_is_a_problem_at_the_second(archive: Archive) -> None:
    assert _problems_of(archive, "twice", "featured: false\ntitle: An appended title\n") == [
        (6, "title: written twice (first on line 2); keep the one you mean, delete the other")
    ]
    assert _problems_of(archive, "nested", "sources:\n- {file: a.txt, date: 2025-03-12,\n   file: b.txt}\n") == [
        (7, "file: written twice (first on line 6); keep the one you mean, delete the other")
    ]


def test_a_record_file_larger_than_the_limit_is_refused_before_it_is_parsed(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    # 5,000 authors of 250 characters: every field within its own limit, the file over a megabyte.
    authors = "authors: [" + ", ".join(f"{n:04d}" + "x" * 246 for n in range(5000)) + "]\n"
    path = _write(archive, "large", VALID_TEXT.format(id="large") + authors)
    parsed = []
    monkeypatch.setattr(archive_module.yaml, "load", lambda *args, **kwargs: parsed.append(args))
    _, problems = archive.scan()
    assert [(p.line, p.message) for p in problems] == [
        (None, f"is {path.stat().st_size:,} bytes, more than the {MAX_RECORD_BYTES:,} a record may be; shorten its longest field")
    ]
    assert parsed == []
