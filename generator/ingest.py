"""Importing listings into the archive: de-duplicated, idempotent, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .archive import WRITE_WAIT_SECONDS, Archive
from .errors import Problem, ProblemsError
from .records import Record, Source, base_id, fingerprint, unique_id
from .sources.listing import parse_listing
from .text import extract_links


@dataclass
class ImportResult:
    """What an import did: the records added, the papers already present (title, id), and problems."""

    added: list[Record] = field(default_factory=list)
    present: list[tuple[str, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)


def plan_import(
    listings: list[Path],
    existing: list[Record],
    *,
    today: date,
    on_date: date | None = None,
    year: int | None = None,
) -> ImportResult:
    """Work out what importing ``listings`` into an archive holding ``existing`` would add.

    A paper is already present when its abstract has the same words as a
    record's (case, punctuation and spacing ignored), whatever its title: a
    curator may have fixed the title since. Existing records are never changed.
    """
    result = ImportResult()
    known = {fingerprint(r.abstract): r.id for r in existing}
    taken = {r.id for r in existing}
    for path in listings:
        listing = parse_listing(path, today=today, on_date=on_date, year=year)
        result.problems.extend(listing.problems)
        result.file_problems.extend(listing.file_problems)
        for entry in listing.entries:
            key = fingerprint(entry.abstract)
            if key in known:
                result.present.append((entry.title, known[key]))
                continue
            record_id = unique_id(base_id(entry.title, entry.abstract), taken)
            taken.add(record_id)
            known[key] = record_id
            result.added.append(
                Record(
                    id=record_id,
                    title=entry.title,
                    abstract=entry.abstract,
                    added=entry.date,
                    sources=[Source(listing.file, entry.date)],
                    links=extract_links(entry.abstract),
                )
            )
    return result


def import_listings(
    archive: Archive,
    listings: list[Path],
    *,
    today: date,
    on_date: date | None = None,
    year: int | None = None,
    skip_invalid: bool = False,
    holder: str = "papers import",
    wait: float = WRITE_WAIT_SECONDS,
) -> ImportResult:
    """Import listings into ``archive``, as its only writer and as one transaction.

    With any problem, nothing is written and ``ProblemsError`` lists them all,
    unless ``skip_invalid``: then the valid entries are written and the
    problems are returned as the skipped ones. A problem with a whole file
    (not UTF-8 text, no papers) is never skipped. ``holder`` names the command
    to anyone who has to wait for it; ``wait`` is how long we wait for another writer.
    """
    missing = [Problem(str(p), None, "is not a file" if p.exists() else "no such file; check the path") for p in listings if not p.is_file()]
    if missing:
        raise ProblemsError(missing, "nothing imported")
    with archive.writing(holder, wait):  # the archive is read, planned against and written under one lock
        existing = archive.load()
        result = plan_import(listings, existing, today=today, on_date=on_date, year=year)
        if result.file_problems:
            raise ProblemsError(
                result.file_problems + result.problems,
                f"nothing imported: {len(result.file_problems)} file(s) cannot be read as listings; --skip-invalid skips entries, not whole files",
            )
        if result.problems and not skip_invalid:
            raise ProblemsError(
                result.problems,
                f"nothing imported: {len(result.problems)} problem(s); fix them, or pass --skip-invalid to import the valid entries",
            )
        archive.add(result.added)
    return result
