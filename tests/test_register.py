"""The register: an import reads only the records it cannot vouch for, and imports exactly as if it had read them all."""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path

import pytest
from conftest import SEED

import generator.archive
from generator.archive import Archive
from generator.errors import ProblemsError
from generator.ingest import import_sources
from generator.register import RACY_NS, REGISTER, Register

TODAY = date(2026, 11, 26)
ABSTRACT = "We study adversarial networks for images in depth, with many experiments and a careful analysis of results."


def listing(folder: Path, name: str, *papers: tuple[str, str]) -> Path:
    path = folder / name
    path.write_text("Mar 12\n\n" + "\n\n".join(f"{t}\n\n{a}" for t, a in papers) + "\n", encoding="utf-8")
    return path


def hf_item(arxiv: str, title: str, abstract: str) -> dict:
    return {"paper": {"id": arxiv, "title": title, "summary": abstract, "authors": [{"name": "A. Author"}]}, "publishedAt": "2026-03-12T00:00:00.000Z"}


def hf_response(folder: Path, name: str, *items: dict) -> Path:
    path = folder / name
    path.write_text(json.dumps(list(items)), encoding="utf-8")
    return path


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the record files parsed (in this process: small archives are read without workers)."""
    names: list[str] = []
    real = generator.archive._record_of

    def counting(text: str, name: str, *args, **kwargs):
        names.append(name)
        return real(text, name, *args, **kwargs)

    monkeypatch.setattr(generator.archive, "_record_of", counting)
    return names


def test_a_second_import_parses_no_record_it_registered(archive: Archive, tmp_path: Path, parsed: list[str]) -> None:
    import_sources(archive, [SEED], today=TODAY)
    assert (archive.root / REGISTER).is_file()
    parsed.clear()
    result = import_sources(archive, [listing(tmp_path, "new.txt", ("A New Study of GANs", ABSTRACT))], today=TODAY)
    assert [r.id for r in result.added] == ["a-new-study-of-gans"]
    assert parsed == []  # not one of the 87 records was read; the new one was registered as it was written
    assert len(archive.load()) == 88


def test_a_record_edited_by_hand_is_read_again_even_with_its_size_and_modification_time_kept(archive: Archive, tmp_path: Path) -> None:
    response = hf_response(tmp_path, "a.json", hf_item("2401.00001", "A Study of GANs", ABSTRACT))
    import_sources(archive, [response], today=TODAY)
    path = archive.path_for("a-study-of-gans")
    info = path.stat()
    # The curator corrects the arXiv id (same length), and a tool restores the old modification time.
    path.write_text(path.read_text(encoding="utf-8").replace("2401.00001", "2401.00002"), encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns
    other = "A different abstract, about graph networks on molecules, with a new benchmark and strong baselines to compare."
    result = import_sources(archive, [hf_response(tmp_path, "b.json", hf_item("2401.00002", "Another Title", other))], today=TODAY)
    # The paper is the record's (by its corrected id): it is not added a second time.
    assert result.added == [] and result.present == [("Another Title", "a-study-of-gans")]


def test_a_record_broken_by_hand_stops_the_import_at_its_line(archive: Archive, tmp_path: Path) -> None:
    import_sources(archive, [SEED], today=TODAY)
    path = next(p for p in archive.root.glob("*/*.yaml"))
    path.write_text(path.read_text(encoding="utf-8").replace("title:", "title: [unclosed", 1), encoding="utf-8")
    with pytest.raises(ProblemsError) as caught:
        import_sources(archive, [listing(tmp_path, "new.txt", ("A New Study of GANs", ABSTRACT))], today=TODAY)
    assert any(p.file.endswith(path.name) and p.line is not None and "YAML" in p.message for p in caught.value.problems)
    assert not archive.path_for("a-new-study-of-gans").exists()


@pytest.mark.parametrize("damage", ["not json at all", '{"version": "other code", "entries": {}}', '{"version": 1}', "[]"])
def test_a_damaged_or_foreign_register_is_read_around_and_made_again(archive: Archive, tmp_path: Path, damage: str, parsed: list[str]) -> None:
    import_sources(archive, [SEED], today=TODAY)
    (archive.root / REGISTER).write_text(damage, encoding="utf-8")
    parsed.clear()
    result = import_sources(archive, [listing(tmp_path, "new.txt", ("A New Study of GANs", ABSTRACT))], today=TODAY)
    assert len(result.added) == 1
    assert len(parsed) == 87  # every record read, as without a register
    parsed.clear()
    import_sources(archive, [listing(tmp_path, "newer.txt", ("GAN: A Study", ABSTRACT + " Again."))], today=TODAY)
    assert parsed == []  # and registered again


def test_a_file_written_within_a_tick_of_being_registered_is_vouched_for_only_by_its_bytes(archive: Archive, tmp_path: Path) -> None:
    import_sources(archive, [SEED], today=TODAY)
    register = Register(archive.root)
    record_id, entry = next(iter(sorted(register.entries.items())))
    path = str(archive.path_for(record_id))
    # Same size and times as registered, other bytes: what a same-tick edit looks like (times cannot be forged).
    forged = entry._replace(digest="0" * 32)
    assert register.vouched({record_id: path})[1] == []
    for checked, trusted in ((entry.mtime + RACY_NS + 1, True), (entry.mtime + RACY_NS - 1, False)):
        register.entries[record_id] = forged._replace(checked=checked)
        kept, unsure = register.vouched({record_id: path})
        assert (record_id in kept, unsure == [path]) == (trusted, not trusted)


def test_the_register_is_hidden_from_the_archive_and_from_git(archive: Archive) -> None:
    import_sources(archive, [SEED], today=TODAY)
    records, problems = archive.scan()
    assert len(records) == 87 and problems == []
    ignored = (Path(__file__).parent.parent / ".gitignore").read_text(encoding="utf-8")
    assert re.search(rf"^archive/{re.escape(REGISTER)}$", ignored, re.MULTILINE)


def test_imports_with_a_register_write_what_imports_without_one_write(tmp_path: Path) -> None:
    """The same imports, one archive keeping its register, the other losing it before each: the same files."""
    steps = [
        [SEED],
        [listing(tmp_path, "b.txt", ("A New Study of GANs", ABSTRACT), ("GAN: A Study", ABSTRACT + " Again."))],
        [hf_response(tmp_path, "c.json", hf_item("2401.00001", "A New Study of GANs", ABSTRACT), hf_item("2401.00003", "Third", ABSTRACT + " Third."))],
        [listing(tmp_path, "d.txt", ("a new study of GANs!", ABSTRACT), ("GAN: A Study", "Yet another abstract, about something else, long enough to count."))],
    ]
    kept, lost = Archive(tmp_path / "kept"), Archive(tmp_path / "lost")
    for sources in steps:
        import_sources(kept, sources, today=TODAY)
        (lost.root / REGISTER).unlink(missing_ok=True)
        import_sources(lost, sources, today=TODAY)

    def files(archive: Archive) -> dict[str, bytes]:
        return {str(p.relative_to(archive.root)): p.read_bytes() for p in sorted(archive.root.glob("*/*.yaml"))}

    assert files(kept) == files(lost) and len(files(kept)) == 91


def test_files_an_import_wrote_are_vouched_for_by_their_times_once_a_second_has_passed(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import generator.register

    import_sources(archive, [SEED], today=TODAY)  # registered as they were written: within a tick, so racy
    real_now = generator.register.time.time_ns
    monkeypatch.setattr(generator.register.time, "time_ns", lambda: real_now() + 2 * RACY_NS)  # two seconds later
    import_sources(archive, [listing(tmp_path, "a.txt", ("A New Study of GANs", ABSTRACT))], today=TODAY)
    monkeypatch.setattr(generator.register.time, "time_ns", real_now)
    hashed: list[bytes] = []
    real_digest = generator.register.digest
    monkeypatch.setattr(generator.register, "digest", lambda data: (hashed.append(data), real_digest(data))[1])
    import_sources(archive, [listing(tmp_path, "b.txt", ("GAN: A Study", ABSTRACT + " Again."))], today=TODAY)
    # The 87 were hashed once, two seconds on, and are vouched for by their times since: only the two
    # papers the last imports wrote are hashed (the one just registered, and the one written before it).
    assert len(hashed) <= 2
