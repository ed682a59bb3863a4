"""Importing sources into the archive: identities merged, de-duplicated, idempotent, all or nothing.

A paper is the same paper as a record when both have the same arXiv id, or,
for a record without one, when their abstracts have the same words (case,
punctuation and spacing ignored), whatever the titles say: a curator may have
fixed the title since. A paper already in the archive is never stored twice:
the import fills the record's empty identity fields (arXiv id, authors,
publication date, categories), adds links it lacks and names the new source.
It never changes a value that is set, the title, the abstract or the id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .archive import WRITE_WAIT_SECONDS, Archive, Edit, record_size_problem
from .errors import Problem, ProblemsError
from .identity import shared_words, title_key
from .records import IDENTITY_FIELDS, Record, RecordInvalid, Source, base_id, record_from_mapping, size_problems, unique_id
from .register import Known, words_key
from .resolve import MIN_SHARED_WORDS
from .sources import Found, SourceFile, read_source
from .text import Link, extract_links, plural, readable

#: Looks papers up by arXiv id (through the network): the papers found and the ids it could not find.
Lookup = Callable[[list[str]], tuple[list[Found], list[str]]]


@dataclass
class ImportResult:
    """What an import did: records added, records given missing identity, papers already present (title, id), problems,
    and what papers were imported without (``left_out``: a link that is not a web address)."""

    added: list[Record] = field(default_factory=list)
    updated: dict[str, Edit] = field(default_factory=dict)
    present: list[tuple[str, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)
    left_out: list[Problem] = field(default_factory=list)


def read_sources(
    paths: list[Path],
    *,
    today: date,
    fmt: str | None = None,
    on_date: date | None = None,
    year: int | None = None,
    lookup: Lookup | None = None,
) -> list[SourceFile]:
    """Read every source; papers named only by id are looked up (before the archive is locked: it may take a while).

    A paper with a text longer than a record may hold is a problem of its source, like any other.
    """
    sources = [read_source(path, fmt, today=today, on_date=on_date, year=year) for path in paths]
    _look_up(paths, sources, lookup)
    for path, source in zip(paths, sources, strict=True):
        _refuse_oversized(str(path), source)
    return sources


def _refuse_oversized(file: str, source: SourceFile) -> None:
    """Papers too large for a record become problems at their line, before anything reads their words (a pasted 5 MB abstract)."""
    kept = []
    for found in source.entries:
        oversized = size_problems(found.title, found.abstract, found.authors)
        source.problems += [Problem(file, found.line, f"{key}: {message}; fix the source") for key, message in oversized]
        if not oversized:
            kept.append(found)
    source.entries = kept


def _look_up(paths: list[Path], sources: list[SourceFile], lookup: Lookup | None) -> None:
    """The papers each source names only by id, looked up, as entries of that source (or problems)."""
    wanted = [arxiv for source in sources for arxiv, _ in source.wanted]
    if not wanted:
        return
    if lookup is None:
        found, missing = [], set(wanted)
    else:  # one lookup for every file: each id asked for once, in as few requests as arXiv allows
        papers, unknown = lookup(list(dict.fromkeys(wanted)))
        found, missing = papers, set(unknown)
    by_id = {f.arxiv: f for f in found}
    why = "arXiv has no such paper; check the id" if lookup else "looking it up needs the arXiv API, which this command does not use"
    for path, source in zip(paths, sources, strict=True):
        for arxiv, line in source.wanted:
            if arxiv in by_id:
                source.entries.append(dataclasses.replace(by_id[arxiv], line=line))
            elif arxiv in missing:
                source.problems.append(Problem(str(path), line, f"{arxiv}: {why}"))


def _links(current: list[Link], found: Found) -> list[Link]:
    """Links of ``found`` (and of its abstract) that ``current`` lacks, in order.

    The abstract's links are read as the page shows it (``readable``): the ``\\_`` of a
    LaTeX-escaped address is the ``_`` its reader sees, where a backslash ends a URL.
    """
    known = {link.url for link in current}
    new = [link for link in (*found.links, *extract_links(readable(found.abstract))) if link.url not in known]
    return list(dict.fromkeys(new))


class _Plan:
    """The import being planned: the archive as it will be, and what changes to get there.

    It knows every record by its identity (``register.Known``) and reads a
    record in full only when a paper merges into it, or may be it.
    """

    def __init__(self, known: Known) -> None:
        self.result = ImportResult()
        self.known = known
        self.records: dict[str, Record] = {}  # records read in full, and working copies, edited as papers merge into them
        self.ids = set(known.identities)
        self.by_arxiv = {i.arxiv: record_id for record_id, i in known.identities.items() if i.arxiv}
        self.by_words = {i.words: record_id for record_id, i in known.identities.items()}
        self.new_ids: dict[str, int] = {}  # a record this import adds -> its place in ``result.added``
        self._titles: dict[str, list[str]] | None = None
        self._suffixes: dict[str, int] = {}  # an id asked for again -> the lowest suffix that may be free

    def record(self, record_id: str) -> Record:
        if record_id not in self.records:
            self.records[record_id] = self.known.record(record_id)
        return self.records[record_id]

    def arxiv_of(self, record_id: str) -> str:
        """A record's arXiv id, without reading a record the import has not touched."""
        record = self.records.get(record_id)
        return record.arxiv if record is not None else self.known.identities[record_id].arxiv

    def match(self, found: Found, file: str) -> str | None:
        """The id of the record ``found`` is, if any (``CONFLICT`` when the two disagree: a problem, and no edit).

        By arXiv id; else by the same abstract words; else, for a paper with an
        id, by the same title and an abstract sharing most of its words with a
        record that has no id yet (a later arXiv version's abstract differs a little).
        """
        if found.arxiv and found.arxiv in self.by_arxiv:
            return self.by_arxiv[found.arxiv]
        record_id = self.by_words.get(words_key(found.abstract))
        if record_id is None and found.arxiv:
            record_id = self._same_paper_without_id(found)
        if record_id is None:
            return None
        other = self.arxiv_of(record_id)
        if found.arxiv and other and other != found.arxiv:
            message = f"{found.arxiv}: it is the paper of {record_id!r}, whose arXiv id is {other}; check which id is right"
            self.result.problems.append(Problem(file, found.line, message))
            return CONFLICT
        return record_id

    def _same_paper_without_id(self, found: Found) -> str | None:
        if self._titles is None:  # built once, and only when a paper with an id matches nothing else
            self._titles = {}
            for record_id, identity in self.known.identities.items():
                if identity.title is not None and not self.arxiv_of(record_id):  # not one this import gave an id already
                    self._titles.setdefault(identity.title, []).append(record_id)
            for record in self.result.added:
                if not record.arxiv:
                    self._titles.setdefault(title_key(record.title), []).append(record.id)
        candidates = [i for i in self._titles.get(title_key(found.title), []) if shared_words(self.record(i).abstract, found.abstract) >= MIN_SHARED_WORDS]
        return candidates[0] if len(candidates) == 1 else None

    def add(self, found: Found, source: Source) -> None:
        """A new record for ``found``, unless it would not be a valid record (then a problem)."""
        record_id = self._new_id(base_id(found.title, found.abstract))
        record = Record(
            id=record_id,
            title=found.title,
            abstract=found.abstract,
            added=source.date,
            sources=[source],
            links=_links([], found),
            arxiv=found.arxiv,
            authors=list(found.authors),
            published=found.published,
            categories=list(found.categories),
        )
        if not self._valid(record, source.file, found.line):
            return
        self.records[record_id] = record
        self.ids.add(record_id)
        self.new_ids[record_id] = len(self.result.added)
        self.result.added.append(record)
        self.remember(record)

    def _new_id(self, wanted: str) -> str:
        """A free id for a new record, without copying the archive's ids nor trying every ``wanted-N`` again."""
        record_id = unique_id(wanted, self.ids, start=self._suffixes.get(wanted, 2))
        if record_id != wanted:  # the lower numbers are all taken, and ids are never freed while planning
            self._suffixes[wanted] = int(record_id.rsplit("-", 1)[1])
        return record_id

    def remember(self, record: Record) -> None:
        if record.arxiv:
            self.by_arxiv[record.arxiv] = record.id
        self.by_words.setdefault(words_key(record.abstract), record.id)

    def merge(self, record_id: str, found: Found, source: Source) -> None:
        """Fill what the record lacks from ``found`` and name the source; a record added by this import is simply completed."""
        record = self.record(record_id)
        fill = {key: getattr(found, key) for key in IDENTITY_FIELDS if getattr(found, key) and not getattr(record, key)}
        links = _links(record.links, found)
        if not (fill or links):  # nothing new: a source that only repeats the record is not worth an edit
            self.result.present.append((found.title, record_id))
            return
        sources = [] if any(s.file == source.file for s in record.sources) else [source]
        values = {key: list(value) if isinstance(value, tuple) else value for key, value in fill.items()}
        updated = dataclasses.replace(record, **values, links=record.links + links, sources=record.sources + sources)
        if not self._valid(updated, source.file, found.line):
            return
        self.records[record_id] = updated
        self.remember(updated)
        if record_id in self.new_ids:
            self.result.added[self.new_ids[record_id]] = updated
            return
        edit = self.result.updated.setdefault(record_id, Edit())
        edit.fill.update(values)
        edit.append.setdefault("links", []).extend({"url": link.url, "kind": link.kind} for link in links)
        edit.append.setdefault("sources", []).extend(s.to_mapping() for s in sources)

    def _valid(self, record: Record, file: str, line: int | None) -> bool:
        """Whether ``record`` would load back: a source's odd value is its problem, never a broken archive."""
        try:
            record_from_mapping(record.to_mapping())
        except RecordInvalid as exc:
            self.result.problems += [Problem(file, line, f"{record.id}: {key}: {message}; fix the source") for key, message in exc.problems]
            return False
        too_large = record_size_problem(record)
        if too_large:
            self.result.problems.append(Problem(file, line, f"{record.id}: the record {too_large}; fix the source"))
            return False
        return True


#: What ``_Plan.match`` says when a paper and the record it matches disagree on the arXiv id.
CONFLICT = "\0conflict"


def plan_import(sources: list[SourceFile], existing: Known | list[Record], *, today: date, on_date: date | None = None) -> ImportResult:
    """Work out what importing ``sources`` into an archive holding ``existing`` adds and changes."""
    plan = _Plan(existing if isinstance(existing, Known) else Known.of(existing))
    for source in sources:
        plan.result.problems.extend(source.problems)
        plan.result.file_problems.extend(source.file_problems)
        plan.result.left_out.extend(source.left_out)
        for found in source.entries:
            origin = Source(source.file, found.date or on_date or today, found.line)
            record_id = plan.match(found, source.file)
            if record_id is None:
                plan.add(found, origin)
            elif record_id != CONFLICT:
                plan.merge(record_id, found, dataclasses.replace(origin, line=found.line))
    return plan.result


def plan_merges(existing: list[Record], merges: list[tuple[str, Found]], origin: Source) -> ImportResult:
    """Fill the named records from papers found for them (``papers resolve``); an id another record has is a problem."""
    plan = _Plan(Known.of(existing))
    for record_id, found in merges:
        owner, current = plan.by_arxiv.get(found.arxiv), plan.arxiv_of(record_id)
        if owner is not None and owner != record_id:
            message = f"{record_id}: arXiv {found.arxiv} is already the id of {owner!r}; are they the same paper? merge them by hand"
            plan.result.problems.append(Problem(origin.file, found.line, message))
        elif current and current != found.arxiv:
            message = f"{record_id}: its arXiv id is {current}, not {found.arxiv}; fix the one that is wrong"
            plan.result.problems.append(Problem(origin.file, found.line, message))
        else:
            plan.merge(record_id, found, dataclasses.replace(origin, line=found.line))
    return plan.result


def refuse(result: ImportResult, *, skip_invalid: bool = False) -> None:
    """Raise ``ProblemsError`` if ``result`` may not be written (see ``import_sources``)."""
    if result.file_problems:
        raise ProblemsError(
            result.file_problems + result.problems,
            f"nothing imported: {plural(len(result.file_problems), 'file')} cannot be read as sources of papers; --skip-invalid skips entries, not whole files",
        )
    if result.problems and not skip_invalid:
        them = "it" if len(result.problems) == 1 else "them"
        raise ProblemsError(
            result.problems,
            f"nothing imported: {plural(len(result.problems), 'problem')}; fix {them}, or pass --skip-invalid to import the valid entries",
        )


def write_plan(archive: Archive, result: ImportResult, *, skip_invalid: bool = False) -> None:
    """Write a planned import, or raise ``ProblemsError`` listing why not."""
    refuse(result, skip_invalid=skip_invalid)
    archive.write(result.added, result.updated)


def import_sources(
    archive: Archive,
    paths: list[Path],
    *,
    today: date,
    fmt: str | None = None,
    on_date: date | None = None,
    year: int | None = None,
    skip_invalid: bool = False,
    lookup: Lookup | None = None,
    holder: str = "papers import",
    wait: float = WRITE_WAIT_SECONDS,
) -> ImportResult:
    """Import source files into ``archive``, as its only writer and as one transaction.

    With any problem, nothing is written and ``ProblemsError`` lists them all,
    unless ``skip_invalid``: then the valid entries are written and the
    problems are returned as the skipped ones. A problem with a whole file
    (not UTF-8 text, not its format, no papers) is never skipped. ``holder``
    names the command to anyone who has to wait for it; ``wait`` is how long
    we wait for another writer.
    """
    missing = [Problem(str(p), None, "is not a file" if p.exists() else "no such file; check the path") for p in paths if not p.is_file()]
    if missing:
        raise ProblemsError(missing, "nothing imported")
    sources = read_sources(paths, today=today, fmt=fmt, on_date=on_date, year=year, lookup=lookup)
    return import_read(archive, sources, today=today, on_date=on_date, skip_invalid=skip_invalid, holder=holder, wait=wait)


def import_read(
    archive: Archive,
    sources: list[SourceFile],
    *,
    today: date,
    on_date: date | None = None,
    skip_invalid: bool = False,
    holder: str = "papers import",
    wait: float = WRITE_WAIT_SECONDS,
) -> ImportResult:
    """Plan and write sources already read (``import_sources``, or ``papers fetch``), under the writer's lock."""
    # Problems in the sources themselves fail the import before it locks (or creates) the archive.
    refuse(
        ImportResult(problems=[p for s in sources for p in s.problems], file_problems=[p for s in sources for p in s.file_problems]), skip_invalid=skip_invalid
    )
    with archive.writing(holder, wait):  # the archive is read, planned against and written under one lock
        result = plan_import(sources, archive.identities(), today=today, on_date=on_date)
        write_plan(archive, result, skip_invalid=skip_invalid)
    return result
