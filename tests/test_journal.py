"""Writes to the archive: one writer at a time, readers never see half a change, interrupted writes recovered."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest
from conftest import make_record

import generator.journal as journal
from generator.archive import Archive, dump_record, shard
from generator.journal import JOURNAL, STAGING, ArchiveBusy, ArchiveLock
from generator.records import Record


def files(archive: Archive) -> list[str]:
    return sorted(str(p.relative_to(archive.root)) for p in archive.root.rglob("*") if p.is_file())


def test_a_second_writer_waits_then_fails_naming_the_holder(archive: Archive) -> None:
    with archive.writing("papers import big.txt"):
        with pytest.raises(ArchiveBusy) as caught:
            with Archive(archive.root).writing("papers import other.txt", timeout=0.2):
                pass
    message = str(caught.value)
    assert f"PID {os.getpid()} is writing it (papers import big.txt)" in message
    assert "waited 0.2 s" in message and "Try again" in message


def test_a_reader_waits_for_a_writer_and_a_writer_for_readers(archive: Archive) -> None:
    archive.add([make_record("one")])
    lock = ArchiveLock(archive.root)
    with lock.exclusive("papers import x.txt", timeout=1):
        with pytest.raises(ArchiveBusy, match="cannot read the archive: PID"):
            with ArchiveLock(archive.root).shared(timeout=0.1):
                pass
    with lock.shared(timeout=1):
        with pytest.raises(ArchiveBusy, match="cannot write the archive: it is being read"):
            with Archive(archive.root).writing("papers import y.txt", timeout=0.1):
                pass


def test_an_import_that_writes_nothing_leaves_no_folder_behind(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "new")
    with archive.writing("papers import"):
        pass
    assert not archive.root.exists()


def test_record_files_get_the_umask_mode(archive: Archive) -> None:
    previous = os.umask(0o022)
    try:
        archive.add([make_record("shared")])
        os.umask(0o002)
        archive.add([make_record("group-writable")])
    finally:
        os.umask(previous)
    assert stat.S_IMODE(archive.path_for("shared").stat().st_mode) == 0o644
    assert stat.S_IMODE(archive.path_for("group-writable").stat().st_mode) == 0o664


def _interrupted_transaction(archive: Archive, records: list[Record], *, renamed: int) -> None:
    """What a process leaves when it dies after journalling ``records`` and making ``renamed`` of the renames."""
    moves = [(f"{n}.yaml", f"{shard(r.id)}/{r.id}.yaml") for n, r in enumerate(records)]
    (archive.root / STAGING).mkdir(parents=True)
    for (name, _), record in zip(moves, records, strict=True):
        (archive.root / STAGING / name).write_text(dump_record(record), encoding="utf-8")
    (archive.root / JOURNAL).write_text(json.dumps({"holder": "papers import dead.txt", "moves": moves}), encoding="utf-8")
    for name, relative in moves[:renamed]:
        (archive.root / relative).parent.mkdir(parents=True, exist_ok=True)
        os.replace(archive.root / STAGING / name, archive.root / relative)


def test_a_reader_completes_a_journalled_write_and_says_so(archive: Archive, caplog: pytest.LogCaptureFixture) -> None:
    archive.add([make_record("before")])
    _interrupted_transaction(archive, [make_record(f"p{i}") for i in range(5)], renamed=2)
    with caplog.at_level(logging.INFO, logger="papers"):
        loaded = Archive(archive.root).load()
    assert [r.id for r in loaded] == ["before", "p0", "p1", "p2", "p3", "p4"]
    assert "completed an interrupted write of 5 record file(s)" in caplog.text
    assert not (archive.root / JOURNAL).exists() and not (archive.root / STAGING).exists()


def test_staged_files_without_a_journal_are_rolled_back(archive: Archive, caplog: pytest.LogCaptureFixture) -> None:
    archive.add([make_record("before")])
    (archive.root / STAGING).mkdir()
    (archive.root / STAGING / "0.yaml").write_text("id: half\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="papers"):
        assert [r.id for r in archive.load()] == ["before"]
    assert "rolled back an interrupted write: 1 staged file(s) discarded" in caplog.text
    assert files(archive) == [".lock", str(archive.path_for("before").relative_to(archive.root))]


def test_stray_temp_files_are_removed_under_the_lock_and_reported(archive: Archive, caplog: pytest.LogCaptureFixture) -> None:
    archive.add([make_record("before")])
    stray = archive.path_for("before").parent / ".tmpab12.tmp"
    stray.write_text("half a record", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="papers"):
        archive.load()
    assert not stray.exists()
    assert "removed 1 temporary file(s) left by an interrupted write" in caplog.text


def test_ctrl_c_during_the_renames_completes_the_write_before_it_ends(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace, calls = os.replace, []

    def replace_then_interrupt(source: str | Path, target: str | Path) -> None:
        calls.append(target)
        real_replace(source, target)
        if len(calls) == 3 + 1:  # the journal's own rename, then three records
            raise KeyboardInterrupt

    monkeypatch.setattr(journal.os, "replace", replace_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        archive.add([make_record(f"p{i}") for i in range(10)])
    monkeypatch.undo()
    assert len(archive.load()) == 10
    assert not (archive.root / JOURNAL).exists()


def test_ctrl_c_while_staging_changes_nothing(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    archive.add([make_record("before")])
    real_write, calls = journal.write_new, []

    def write_then_interrupt(path: Path, data: bytes, **options: bool) -> None:
        calls.append(path)
        if len(calls) == 5:
            raise KeyboardInterrupt
        real_write(path, data, **options)

    monkeypatch.setattr(journal, "write_new", write_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        archive.add([make_record(f"p{i}") for i in range(10)])
    assert files(archive) == [".lock", str(archive.path_for("before").relative_to(archive.root))]


def test_a_damaged_journal_is_a_clear_error_not_a_guess(archive: Archive) -> None:
    archive.add([make_record("before")])
    (archive.root / JOURNAL).write_text("{not json", encoding="utf-8")
    with pytest.raises(journal.JournalDamaged, match="cannot be read"):
        archive.load()
    (archive.root / JOURNAL).write_text(json.dumps({"moves": [["0.yaml", "../../etc/passwd"]]}), encoding="utf-8")
    with pytest.raises(journal.JournalDamaged, match="outside the archive"):
        archive.load()
