"""Writes to the archive: one writer at a time, readers never see half a change, interrupted writes recovered."""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import signal
import stat
import threading
import time
from pathlib import Path

import pytest
from conftest import link_shard, make_record

import generator.journal as journal
from generator.archive import Archive, Edit, dump_record, shard
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


def test_a_reader_waits_for_a_writer_and_a_writer_for_readers(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    archive.add([make_record("one")])
    lock = ArchiveLock(archive.root)
    with lock.exclusive("papers import x.txt", timeout=1):
        with pytest.raises(ArchiveBusy, match="cannot read the archive: PID"):
            with ArchiveLock(archive.root).shared(timeout=0.1):
                pass
    # Readers finish soon: a writer waits for them longer than for another writer, but not for ever.
    monkeypatch.setattr(journal, "READERS_WAIT_SECONDS", 0.5)
    with lock.shared(timeout=1):
        started = time.monotonic()
        with pytest.raises(ArchiveBusy, match="cannot write the archive: it is being read"):
            with Archive(archive.root).writing("papers import y.txt", timeout=0.1):
                pass
        assert 0.5 <= time.monotonic() - started < 2


def test_the_lock_file_outlives_every_writer_for_whoever_waits_on_it(tmp_path: Path) -> None:
    archive = Archive(tmp_path / "new")
    with archive.writing("papers import"):
        pass
    assert (archive.root / ".lock").is_file()


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
    texts = [dump_record(r).encode() for r in records]
    moves = [[f"{n}.yaml", f"{shard(r.id)}/{r.id}.yaml", None, hashlib.sha256(t).hexdigest()] for n, (r, t) in enumerate(zip(records, texts, strict=True))]
    (archive.root / STAGING).mkdir(parents=True)
    for (name, *_), text in zip(moves, texts, strict=True):
        (archive.root / STAGING / name).write_bytes(text)
    (archive.root / JOURNAL).write_text(json.dumps({"holder": "papers import dead.txt", "moves": moves}), encoding="utf-8")
    for name, relative, *_ in moves[:renamed]:
        (archive.root / relative).parent.mkdir(parents=True, exist_ok=True)
        os.replace(archive.root / STAGING / name, archive.root / relative)


def test_a_reader_completes_a_journalled_write_and_says_so(archive: Archive, caplog: pytest.LogCaptureFixture) -> None:
    archive.add([make_record("before")])
    _interrupted_transaction(archive, [make_record(f"p{i}") for i in range(5)], renamed=2)
    with caplog.at_level(logging.INFO, logger="papers"):
        loaded = Archive(archive.root).load()
    assert [r.id for r in loaded] == ["before", "p0", "p1", "p2", "p3", "p4"]
    assert "completed an interrupted write of 5 record file(s) from its journal (3 renamed now, 2 already in place)" in caplog.text
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
    for staged, target in [("0.yaml", "../../etc/passwd"), ("/tmp/precious.txt", "ab/foo.yaml")]:
        (archive.root / JOURNAL).write_text(json.dumps({"moves": [[staged, target, None, "0" * 64]]}), encoding="utf-8")
        with pytest.raises(journal.JournalDamaged, match="not a move inside the archive"):
            archive.load()


def test_recovery_never_overwrites_a_record_changed_since_the_write_began(archive: Archive) -> None:
    record = make_record("curated")
    archive.add([record])
    path = archive.path_for("curated")
    stale = path.read_bytes()
    path.write_text(path.read_text().replace("note: ''", "note: My careful note."), encoding="utf-8")
    (archive.root / STAGING).mkdir()
    (archive.root / STAGING / "0.yaml").write_bytes(stale)
    base = hashlib.sha256(stale.replace(b"x", b"y")).hexdigest()  # the journal of some other archive, or an old backup
    move = [["0.yaml", str(path.relative_to(archive.root)), base, hashlib.sha256(stale).hexdigest()]]
    (archive.root / JOURNAL).write_text(json.dumps({"moves": move}), encoding="utf-8")
    with pytest.raises(journal.JournalDamaged, match=r"has changed since the write began\. Nothing was changed"):
        archive.load()
    assert "My careful note." in path.read_text()


def test_a_journal_whose_staged_copies_are_gone_claims_nothing(archive: Archive) -> None:
    archive.add([make_record("before")])
    moves = [["0.yaml", f"{shard('never-written')}/never-written.yaml", None, "0" * 64]]
    (archive.root / JOURNAL).write_text(json.dumps({"moves": moves}), encoding="utf-8")
    with pytest.raises(journal.JournalDamaged, match=r"the staged copy of .* is gone"):
        archive.load()


@pytest.mark.parametrize("odd", ["staging-is-a-file", "journal-is-a-folder"])
def test_odd_journal_files_are_named_with_the_fix(archive: Archive, odd: str) -> None:
    archive.add([make_record("before")])
    if odd == "staging-is-a-file":
        (archive.root / STAGING).write_text("?", encoding="utf-8")
    else:
        (archive.root / JOURNAL).mkdir()
    with pytest.raises(journal.JournalDamaged, match="delete the journal and the staging folder"):
        archive.load()


def test_ctrl_c_right_after_the_journal_is_written_still_completes_the_write(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    real = journal._write_journal

    def journal_then_ctrl_c(*args: object) -> None:
        real(*args)
        # To this thread, as Ctrl-C reaches the single-threaded `papers` command: a signal sent to the
        # process could land on another thread a test left behind, which does not hold it.
        signal.pthread_kill(threading.get_ident(), signal.SIGINT)  # held until the renames are done, then delivered

    monkeypatch.setattr(journal, "_write_journal", journal_then_ctrl_c)
    # Ctrl-C raises KeyboardInterrupt, as in a terminal, even when the tests run in the background
    # (a background job starts with SIGINT ignored, and Python keeps that).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            archive.add([make_record(f"p{i}") for i in range(10)])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert len(Archive(archive.root).load()) == 10 and not (archive.root / JOURNAL).exists()


# --- a shard folder linked to another file system ----------------------------------------------


def ids_in(shard_name: str, count: int) -> list[str]:
    """``count`` ids whose records live in the shard folder ``shard_name``."""
    return [i for i in (f"paper-{n}" for n in range(20_000)) if shard(i) == shard_name][:count]


def leftovers(root: Path) -> list[str]:
    """What a write leaves behind if it is not whole: journal, staging folders, temporary files (links followed)."""
    found = [p for p in root.iterdir() if p.name in (JOURNAL, STAGING) or p.name.endswith(".tmp")]
    found += [p for folder in root.iterdir() if folder.is_dir() for p in folder.iterdir() if p.name == STAGING or p.name.endswith(".tmp")]
    return sorted(str(p.relative_to(root)) for p in found)


def test_a_shard_linked_to_another_file_system_takes_new_records_and_edits_whole(archive: Archive, elsewhere: Path) -> None:
    first, *more = ids_in("3f", 4)
    archive.add([make_record(first)])
    link_shard(archive.root, "3f", elsewhere)
    link_shard(archive.root, "a0", elsewhere)  # a shard with no record yet, linked ahead
    new = [make_record(i) for i in [*more, *ids_in("a0", 2), *ids_in("00", 2)]]
    with archive.writing("papers import mixed.txt"):
        archive.write(new, {first: Edit(fill={"arxiv": "1506.03134"})})
    loaded = {r.id: r for r in Archive(archive.root).load()}
    assert sorted(loaded) == sorted([first, *(r.id for r in new)]) and loaded[first].arxiv == "1506.03134"
    assert (archive.root / "3f").is_symlink() and (elsewhere / "3f" / f"{more[0]}.yaml").is_file()
    assert leftovers(archive.root) == []


def test_a_journal_an_earlier_version_could_not_complete_across_file_systems_is_completed(
    archive: Archive, elsewhere: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Earlier versions staged in archive/.staging/ and renamed into the shard: across file systems,
    # that fails, and every later command failed the same way (issue 19, finding 6).
    records = [make_record(i) for i in ids_in("3f", 3)]
    link_shard(archive.root, "3f", elsewhere)
    _interrupted_transaction(archive, records, renamed=0)
    with caplog.at_level(logging.INFO, logger="papers"):
        assert [r.id for r in Archive(archive.root).load()] == sorted(r.id for r in records)
    assert "completed an interrupted write of 3 record file(s) from its journal (3 renamed now, 0 already in place)" in caplog.text
    assert leftovers(archive.root) == []


def test_a_copy_across_file_systems_cut_short_is_made_again(archive: Archive, elsewhere: Path) -> None:
    records = [make_record(i) for i in ids_in("3f", 2)]
    link_shard(archive.root, "3f", elsewhere)
    _interrupted_transaction(archive, records, renamed=0)
    half = archive.path_for(records[0].id).with_name(f".{records[0].id}.yaml.tmp")  # died while copying it
    half.write_bytes(dump_record(records[0]).encode()[:40])
    assert [r.id for r in Archive(archive.root).load()] == sorted(r.id for r in records)
    assert archive.path_for(records[0].id).read_bytes() == dump_record(records[0]).encode()
    assert leftovers(archive.root) == []


def test_a_kill_while_staging_in_a_shard_folder_is_rolled_back(archive: Archive, elsewhere: Path, caplog: pytest.LogCaptureFixture) -> None:
    first = ids_in("3f", 1)[0]
    archive.add([make_record(first)])
    link_shard(archive.root, "3f", elsewhere)
    (archive.root / "3f" / STAGING).mkdir()
    (archive.root / "3f" / STAGING / "0.yaml").write_text("id: half", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="papers"):
        assert [r.id for r in Archive(archive.root).load()] == [first]
    assert "rolled back an interrupted write: 1 staged file(s) discarded" in caplog.text
    assert leftovers(archive.root) == []


def test_a_committed_write_the_file_system_refuses_says_exactly_what_to_do(archive: Archive, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [make_record(f"p{i}") for i in range(3)]
    _interrupted_transaction(archive, records, renamed=1)

    def refused(source: str | Path, target: str | Path) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(source))

    monkeypatch.setattr(journal.os, "replace", refused)
    with pytest.raises(journal.JournalStuck) as caught:
        Archive(archive.root).load()
    message = str(caught.value)
    assert message.startswith(f"{archive.root / JOURNAL}: a committed write cannot be completed: moving {archive.root / STAGING}")
    assert "(Permission denied). Nothing is lost: run it as a user who may write" in message
    assert "then run `papers check`, which completes it" in message
    monkeypatch.undo()
    assert len(Archive(archive.root).load()) == 3 and leftovers(archive.root) == []
