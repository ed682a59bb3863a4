"""The build, start to end: archive -> catalog -> pages and feeds. No MkDocs in here."""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .archive import Archive, problems_in
from .catalog import Catalog, Paper, Tag, curated_tags, new_catalog
from .config import Settings
from .errors import Problem, ProblemsError
from .feeds import RenderFeed, discovery_links, midnight, render_feed, render_feeds
from .incremental import digest
from .metadata import paper_head
from .pages import Rendered, RowsOf, alias_redirects, paper_item, paper_list, paper_page, paper_row, render_pages
from .records import Record, note_references
from .related import Document, Related, cached_related, document
from .search import RecordOf, paper_record
from .session import Keys, Session
from .tagger import tag_records
from .tagging import Taxonomy, load_taxonomy


@dataclass
class Site:
    """Everything a host needs to publish: the catalog, Markdown pages and other files (feeds)."""

    catalog: Catalog
    #: Markdown by page path; a paper's page is made each time it is read (see ``pages.Rendered``).
    pages: Mapping[str, str]
    files: dict[str, bytes] = field(default_factory=dict)
    #: HTML for each page's ``<head>`` (Scholar, Open Graph, JSON-LD), by page path, made when read; empty without a site_url.
    heads: Mapping[str, str] = field(default_factory=dict)
    #: Seconds each stage took, in order: what a slow build spent its time on.
    timings: dict[str, float] = field(default_factory=dict)
    #: How a paper's search record is made: ``paper_record``, or under a session the last build's reused.
    search_record: RecordOf = paper_record


def page_head(site: Site, settings: Settings, src: str, tag_slug: object = None) -> str:
    """What every host adds to a page's ``<head>``: feed discovery (the archive's feed, and a tag page's
    own: ``tag_slug`` is its front matter's ``papers_tag``), and a paper page's Scholar, Open Graph and JSON-LD tags."""
    tag = site.catalog.tags.get(tag_slug) if isinstance(tag_slug, str) else None
    return (discovery_links(settings, tag) + "\n" + site.heads.get(src, "")).rstrip("\n")


def build_date(catalog: Catalog) -> str:
    """The build's date for engines that date their output (``SOURCE_DATE_EPOCH``): the newest paper's, so the same archive builds the same site."""
    newest = catalog.newest_date
    return str(int(midnight(newest).timestamp())) if newest else "0"


@contextmanager
def timed(timings: dict[str, float] | None, stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        if timings is not None:
            timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


#: Where a problem found in a record after loading is: (record id, key, item) -> (file, line).
Locate = Callable[[str, str, "str | None"], tuple[str, "int | None"]]


def _by_id(record_id: str, key: str, item: str | None = None) -> tuple[str, int | None]:
    return record_id, None


def resolve_curated(record: Record, taxonomy: Taxonomy, locate: Locate, problems: list[Problem]) -> tuple[list[str], list[str]]:
    """The record's tags_add and tags_remove with renamed tags resolved; unknown tags are problems."""
    if not record.tags_add and not record.tags_remove:  # most records
        return [], []
    resolved: list[list[str]] = []
    for key, slugs in (("tags_add", record.tags_add), ("tags_remove", record.tags_remove)):
        current = []
        for slug in slugs:
            target = taxonomy.resolve(slug)
            if target is None:
                problems.append(Problem(*locate(record.id, key, slug), f"{key}: unknown tag {slug!r}; use a tag of {taxonomy.path} or add it there"))
            else:
                current.append(target)
        resolved.append(current)
    return resolved[0], resolved[1]


def build_catalog(
    records: list[Record],
    settings: Settings,
    taxonomy: Taxonomy,
    locate: Locate = _by_id,
    cache_dir: Path | None = None,
    timings: dict[str, float] | None = None,
    session: Session | None = None,
) -> Catalog:
    """The whole in-memory model, computed once before anything is rendered.

    Raises ``ProblemsError`` naming each record (file and line, through
    ``locate``) with an unknown tag or note link. ``cache_dir`` None: no cache.
    A ``session`` reuses the last build's tags and related papers while their inputs are the same.
    """
    problems: list[Problem] = []
    ids = {r.id for r in records}
    papers = []
    curated = [resolve_curated(record, taxonomy, locate, problems) for record in records]
    # Read once: the key a build looks the tags up by, and files a thread's exact ones under (a later edit is another key).
    tags_key = _tagging_key(records, curated, settings) if session is not None else None
    with timed(timings, "tags"):
        automatic_tags = _automatic_tags(records, curated, settings, taxonomy, cache_dir, session, tags_key)
    provisional = automatic_tags is None
    if automatic_tags is None:  # under serve, while the exact ones are computed on a thread
        automatic_tags = _provisional_tags(records, session)
    for record, automatic, (add, remove) in zip(records, automatic_tags, curated, strict=True):
        papers.append(Paper(record, curated_tags(record, automatic, add=add, remove=remove)))
        for target in note_references(record.note):
            if target not in ids:
                problems.append(
                    Problem(*locate(record.id, "note", f"[[{target}"), f"note: [[{target}]] is not the id of any paper; fix the id or remove the link")
                )
    if problems:
        raise ProblemsError(problems, problems_in(len(problems), settings.archive))
    tags = {slug: Tag(rule.slug, rule.name, rule.description) for slug, rule in taxonomy.rules.items()}
    names = {slug: tag.name for slug, tag in tags.items()}
    with timed(timings, "related"):
        related = None if provisional else _related(papers, settings, names, cache_dir, session)
    if session is not None:
        if related is None:  # under serve, while the exact ones are computed on a thread: the last build's, for the papers still here
            related = {p.id: [r for r in session.last_related.get(p.id, []) if r.id in ids] for p in papers}
            session.follow_up(lambda: _exact(records, curated, settings, taxonomy, cache_dir, names, tags_key))
        session.last_tags = {p.id: p.tags for p in papers}
        session.last_related = related
    assert related is not None
    for paper in papers:
        paper.related = related.get(paper.id, [])
    catalog = new_catalog(papers, tags)
    for paper in sorted(papers, key=lambda p: p.id):
        for target in note_references(paper.record.note):
            if target != paper.id:
                catalog.by_id[target].referenced_by.append(paper.id)
    return catalog


def _automatic_tags(
    records: list[Record],
    curated: list[tuple[list[str], list[str]]],
    settings: Settings,
    taxonomy: Taxonomy,
    cache_dir: Path | None,
    session: Session | None,
    key: Hashable,
) -> list[list[str]] | None:
    """Each record's automatic tags; None under a provisional session (serve) when they must be computed anew (``key``: ``_tagging_key``)."""

    def tag() -> list[list[str]]:
        return tag_records(records, curated, settings, taxonomy, cache_dir).automatic()

    return tag() if session is None else session.exact("tags", key, tag)


def _provisional_tags(records: list[Record], session: Session | None) -> list[list[str]]:
    """While the exact tags are computed: each record's final tags of the last build (a new record's: none); its curated ones apply on top."""
    assert session is not None
    return [session.last_tags.get(r.id, []) for r in records]


def _related_key(settings: Settings, names: dict[str, str], docs: list[Document]) -> Hashable:
    return (settings.related_count, tuple(sorted(names.items())), tuple(docs))


def _related(
    papers: list[Paper], settings: Settings, names: dict[str, str], cache_dir: Path | None, session: Session | None
) -> dict[str, list[Related]] | None:
    """Each paper's related papers; None under a provisional session (serve) when they must be computed anew."""
    docs = [_document(p, session) for p in papers]

    def relate() -> dict[str, list[Related]]:
        return cached_related(docs, cache_dir, k=settings.related_count, tag_names=names)[0]

    return relate() if session is None else session.exact("related", _related_key(settings, names, docs), relate)


def _exact(
    records: list[Record],
    curated: list[tuple[list[str], list[str]]],
    settings: Settings,
    taxonomy: Taxonomy,
    cache_dir: Path | None,
    names: dict[str, str],
    tags_key: Hashable,
) -> dict[tuple[str, Hashable], object]:
    """The exact automatic tags and related papers of ``records``, under the keys a build looks them up by (``Session.follow_up``)."""
    automatic = tag_records(records, curated, settings, taxonomy, cache_dir).automatic()
    papers = [Paper(r, curated_tags(r, a, add=add, remove=remove)) for r, a, (add, remove) in zip(records, automatic, curated, strict=True)]
    docs = [_document(p, None) for p in papers]
    related = cached_related(docs, cache_dir, k=settings.related_count, tag_names=names)[0]
    return {("tags", tags_key): automatic, ("related", _related_key(settings, names, docs)): related}


def _tagging_key(records: list[Record], curated: list[tuple[list[str], list[str]]], settings: Settings) -> Hashable:
    """Everything the automatic tags depend on: the taxonomy, the training set, and each record's title, abstract and corrections."""
    rows = tuple((r.id, r.title, r.abstract, tuple(add), tuple(remove)) for r, (add, remove) in zip(records, curated, strict=True))
    return (settings.taxonomy.read_bytes(), settings.training.read_bytes(), rows)


def _document(paper: Paper, session: Session | None) -> Document:
    """What related papers are computed from; under a session, the last build's while the paper's record and tags are the same."""

    def make() -> Document:
        return document(paper.id, paper.record.title, paper.record.abstract, paper.tags, paper.record.authors)

    return make() if session is None else session.memo.get("document", (session.record_key(paper), tuple(paper.tags)), make)


def export_rows(catalog: Catalog, site_url: str) -> list[dict]:
    """The archive as JSON-ready rows, newest first: the machine-readable view other tools rely on.

    ``url`` is the page's path from the site's root (``papers/<id>/``), ``permalink`` its
    absolute address under ``site_url`` (which must end in ``/``).
    """
    return [
        {
            "id": p.id,
            "title": p.record.title,
            "authors": p.record.authors,
            "abstract": p.record.abstract,
            "arxiv": p.record.arxiv or None,
            "published": p.record.published.isoformat() if p.record.published else None,
            "categories": p.record.categories,
            "added": p.record.added.isoformat(),
            "tags": p.tags,
            "related": [r.id for r in p.related],
            "links": [{"url": link.url, "kind": link.kind} for link in p.record.links],
            "url": p.url,
            "permalink": site_url + p.url,
            "featured": p.record.featured,
            "note": p.record.note,
        }
        for p in catalog.papers
    ]


def usable_cache_dir(path: Path, log: logging.Logger) -> Path | None:
    """The cache folder, or None (with a warning) when something else is in its way: the cache is optional."""
    existing = next((p for p in (path, *path.parents) if os.path.lexists(p)), None)  # a dangling link is in the way too
    if existing is not None and not existing.is_dir():
        log.warning("the cache path %s is not a folder (%s is in the way); building without the cache (delete it, or set the cache_dir option)", path, existing)
        return None
    return path


def generate(
    settings: Settings,
    records: list[Record] | None = None,
    *,
    feeds: bool = True,
    log: logging.Logger | None = None,
    session: Session | None = None,
) -> Site:
    """Build the site model and render it: pages, then feeds last. ``records`` defaults to the archive's.

    Feeds need an absolute ``site_url``; ``feeds=False`` skips them (checks and exports).
    What is worth saying on the way (a recovered write, an unusable cache) goes to ``log``.
    A ``session`` (a host that builds again and again) reuses what the last build made
    where its inputs are the same; its host calls ``session.finish()`` once the build is published.
    """
    log = log or logging.getLogger("papers")
    timings: dict[str, float] = {}
    if session is not None:
        session.memo.begin()
        session.provisional_build = False
    archive = Archive(settings.archive, log=log, memory=session.records if session is not None else None)
    with timed(timings, "read"):
        if records is None:
            records = archive.load()
        taxonomy = _taxonomy(settings, session)
    catalog = build_catalog(records, settings, taxonomy, archive.locate, usable_cache_dir(settings.cache_dir, log), timings, session)
    keys = Keys(catalog, session, _context(settings, catalog)) if session is not None else None
    with timed(timings, "pages"):
        files = alias_redirects(taxonomy.aliases)
        pages = render_pages(catalog, settings, *_reused_renderers(session, keys)) if session and keys else render_pages(catalog, settings)
    heads: Mapping[str, str] = {}
    if feeds:
        with timed(timings, "feeds"):
            files.update(render_feeds(catalog, settings, taxonomy.aliases, _reused_feed(session, keys) if session and keys else None))
        with timed(timings, "metadata"):
            base = settings.require_site_url()
            head = (lambda p: paper_head(p, catalog, base)) if session is None or keys is None else _reused_head(session, keys, catalog, base)
            heads = Rendered({}, catalog.papers, head)
    search_record = _reused_search_record(session, keys) if session and keys else paper_record
    return Site(catalog, pages, files, heads, timings, search_record)


def _context(settings: Settings, catalog: Catalog) -> str:
    """What every page depends on beside its papers: the settings and the tags' names and descriptions."""
    tags = [part for tag in catalog.tags.values() for part in (tag.slug, tag.name, tag.description)]
    return digest(repr(settings), *tags)


def _reused_renderers(session: Session, keys: Keys) -> tuple[Callable[[Paper, Catalog], str], RowsOf]:
    """A paper's page, and a page's list of papers (or, when its papers moved, each paper's row), reused where nothing they show changed."""

    def page(paper: Paper, catalog: Catalog) -> str:
        return session.memo.get("page", keys.shown(paper), lambda: paper_page(paper, catalog))

    def row(paper: Paper, catalog: Catalog) -> str:
        return session.memo.get("row", keys.of(paper), lambda: paper_row(paper, catalog))

    def rows(src: str, papers: Sequence[Paper], catalog: Catalog) -> str:
        key = (src, tuple(keys.of(p) for p in papers))
        return session.memo.get("rows", key, lambda: paper_list([paper_item(src, p, catalog, row) for p in papers]))

    return page, rows


def _taxonomy(settings: Settings, session: Session | None) -> Taxonomy:
    """The taxonomy; under a session, the last build's while its file's bytes are the same (its rules compile hundreds of patterns)."""
    if session is None:
        return load_taxonomy(settings.taxonomy)
    return session.memo.get("taxonomy", (str(settings.taxonomy), settings.taxonomy.read_bytes()), lambda: load_taxonomy(settings.taxonomy))


def _reused_feed(session: Session, keys: Keys) -> RenderFeed:
    """A feed, reused while its settings, its papers and what their items show (linked papers' titles) are the same."""

    def feed(papers: Sequence[Paper], catalog: Catalog, settings: Settings, **named: str) -> bytes:
        shown = tuple(keys.shown(p) for p in papers[: settings.feeds_items])
        key = (keys.context, tuple(sorted(named.items())), shown, None if shown else catalog.newest_date)
        return session.memo.get("feed", key, lambda: render_feed(papers, catalog, settings, **named))

    return feed


def _reused_search_record(session: Session, keys: Keys) -> RecordOf:
    def record(paper: Paper, catalog: Catalog) -> str:
        return session.memo.get("search", keys.of(paper), lambda: paper_record(paper, catalog))

    return record


def _reused_head(session: Session, keys: Keys, catalog: Catalog, base: str) -> Callable[[Paper], str]:
    def head(paper: Paper) -> str:
        return session.memo.get("head", (base, keys.of(paper)), lambda: paper_head(paper, catalog, base))

    return head


class OutputLock:
    """One build at a time writes a site folder: a second build into the same folder waits for the first to end.

    Without it, MkDocs' emptying of the folder at the start of one build deletes
    what the other is writing. An ``flock`` on the folder itself: nothing is
    written into the site, and the kernel releases it when a build dies.
    """

    def __init__(self, folder: Path, log: logging.Logger) -> None:
        self.folder = folder
        self.log = log
        self._fd: int | None = None

    def acquire(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self.log.info("another build is writing %s: waiting for it to end", self.folder)
                fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # which releases the lock
            self._fd = None
