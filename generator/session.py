"""What a long-running host keeps from one build to the next (``mkdocs serve``): each stage's results, reused while their inputs are the same.

A curator's edit changes one record, yet a build reads, tags, relates and
renders them all. Within one process, ``Session`` remembers:

- the records, re-read only from files whose size, time or bytes changed
  (``generator.archive.RecordMemory``);
- the automatic tags and related papers, while every input of those stages is
  the same (a note edit changes neither);
- each paper's page, ``<head>`` additions and search record, under a key made
  of everything the page shows: its record, its tags, and the records, tags and
  related lists of the papers it shows (its related papers and theirs, the papers
  its note links and those linking to it).

Reuse never changes the output: a result is reused only under the key of all
it was made from, so a session's build is byte for byte a fresh one's (tested on
random edits). What a build does not ask for is forgotten when it ends, so memory
follows the archive, not the number of edits.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from .archive import RecordMemory
from .catalog import Catalog, Paper
from .incremental import digest
from .records import note_references
from .search import Source

T = TypeVar("T")


_MISSING = object()
#: What a session says (a host shows it: the MkDocs plugin forwards it to MkDocs' log).
log = logging.getLogger("papers.session")


class Memo:
    """Results by key, kept from one build to the next; what a finished build did not ask for is dropped."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, Hashable], object] = {}
        self._now: dict[tuple[str, Hashable], object] = {}
        self.hits = 0
        self.misses = 0

    def get(self, kind: str, key: Hashable, compute: Callable[[], T]) -> T:
        slot = (kind, key)
        if slot in self._now:
            self.hits += 1
            return self._now[slot]  # type: ignore[return-value]
        if slot in self._last:
            self.hits += 1
            value = self._now[slot] = self._last.pop(slot)
            return value  # type: ignore[return-value]
        self.misses += 1
        value = self._now[slot] = compute()
        return value

    def has(self, kind: str, key: Hashable) -> bool:
        return (kind, key) in self._now or (kind, key) in self._last

    def begin(self) -> None:
        """A build starts: what the last one used (or, if it failed, everything known) is what may be reused."""
        self._last.update(self._now)
        self._now = {}
        self.hits = self.misses = 0

    def finish(self) -> None:
        """A build finished: only what it used is kept."""
        self._last, self._now = self._now, {}


class Session:
    """What one host process keeps between its builds."""

    def __init__(self) -> None:
        self.records = RecordMemory()
        self.memo = Memo()
        #: Whether a build may show provisional tags and related papers while the exact ones are computed on a thread
        #: (serve, after its first build); ``on_ready`` is called when they are, to build again.
        self.provisional = False
        self.on_ready: Callable[[], None] | None = None
        #: Whether the current build shows provisional tags or related papers.
        self.provisional_build = False
        #: Whether the last thread's job failed: the next build computes in its own thread, where a problem shows.
        self.failed = False
        #: Each paper's final tags and related papers as the last build showed them.
        self.last_tags: dict[str, list[str]] = {}
        self.last_related: dict[str, list] = {}
        self._ready: dict[tuple[str, Hashable], object] = {}
        self._wanted: Callable[[], dict[tuple[str, Hashable], object]] | None = None
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        #: Each paper's facts at the last build, and their digest: a paper whose facts are the same keeps its digest (the very string).
        self.facts: dict[str, tuple[tuple, str]] = {}
        #: Each search shard's records as files, for Pagefind: an edit rewrites one file, not the shard's thousands.
        self.search_sources: dict[str, Source] = {}

    def exact(self, kind: str, key: Hashable, compute: Callable[[], T]) -> T | None:
        """The result under ``key``: the last build's, the thread's, or computed now; None when provisional and not known."""
        with self._lock:
            ready = self._ready.pop((kind, key), _MISSING)
        if ready is not _MISSING:
            return self.memo.get(kind, key, lambda: ready)  # type: ignore[return-value]
        if self.memo.has(kind, key) or not self.provisional or self.failed:
            self.failed = False
            return self.memo.get(kind, key, compute)
        return None

    def follow_up(self, job: Callable[[], dict[tuple[str, Hashable], object]]) -> None:
        """Run ``job`` (the exact results, by memo slot) on a thread once this build is done (``finish``), then ``on_ready``.

        Only the latest job wanted runs. It waits for the build to end: the two would share one interpreter lock.
        """
        self.provisional_build = True
        with self._lock:
            self._wanted = job

    def finish(self) -> None:
        """A build is published: keep what it used, and start computing what it showed provisionally."""
        self.memo.finish()
        with self._lock:
            if self._wanted is not None and self._worker is None:
                self._worker = threading.Thread(target=self._work, name="papers-exact", daemon=True)
                self._worker.start()

    def _work(self) -> None:
        try:
            while True:
                with self._lock:
                    job, self._wanted = self._wanted, None
                    if job is None:
                        return
                try:
                    results = job()
                except Exception as exc:  # the next build computes them itself, and so says what is wrong where it shows
                    log.warning("papers: tags and related papers could not be computed on a thread: %s", exc)
                    self.failed = True
                    results = {}
                with self._lock:
                    self._ready = results
                    latest = self._wanted is None
                if latest and self.on_ready is not None:
                    self.on_ready()
        finally:
            with self._lock:
                self._worker = None

    def close(self) -> None:
        """Remove what the session keeps on disk (the search records' folders)."""
        for source in self.search_sources.values():
            shutil.rmtree(source.folder, ignore_errors=True)
        self.search_sources = {}

    def fact_digest(self, paper_id: str, facts: tuple) -> str:
        known = self.facts.get(paper_id)
        if known is not None and known[0] == facts:
            return known[1]
        value = digest(repr(facts))
        self.facts[paper_id] = (facts, value)
        return value

    def record_key(self, paper: Paper) -> str:
        """The digest of the paper's record: its file's, or (a record not read from the archive) its fields'."""
        known = self.records.digests.get(paper.id)
        return known if known is not None else digest(repr(paper.record))


class Keys:
    """For one catalog, the key of each paper's own facts, and of everything its page shows.

    A paper's own facts are digested only when they differ from the last build's
    (``Session.fact_digest``): otherwise its digest is the very same string, whose
    hash Python keeps, so a key of thirty of them costs little to look up.
    """

    def __init__(self, catalog: Catalog, session: Session, context: str) -> None:
        self.catalog = catalog
        self.context = context
        self.own = {p.id: session.fact_digest(p.id, _own(p, session.record_key(p))) for p in catalog.papers}
        session.facts = {paper_id: session.facts[paper_id] for paper_id in self.own}  # a deleted paper's are forgotten
        self._shown: dict[str, Hashable] = {}

    def shown(self, paper: Paper) -> Hashable:
        """The key of a paper's page: its own facts, and those of every paper it shows (related, their related, linked, linking).

        In the order the page shows them: that order is itself in the facts of the paper
        and of its related papers, so no set or sort is needed.
        """
        known = self._shown.get(paper.id)
        if known is None:
            own, by_id = self.own, self.catalog.by_id
            parts = [own[r.id] for r in paper.related]
            for related in paper.related:
                parts += [own[r.id] for r in by_id[related.id].related]
            parts += [own[target] for target in note_references(paper.record.note) if target in own]
            parts += [own[other] for other in paper.referenced_by]
            known = self._shown[paper.id] = (self.context, own[paper.id], tuple(parts))
        return known

    def of(self, paper: Paper) -> Hashable:
        """The key of what shows a paper alone (its ``<head>``, its search record, its list rows)."""
        return (self.context, self.own[paper.id])


def _own(paper: Paper, record_key: str) -> tuple:
    """A paper's record, tags, related papers (with scores and reasons) and referencing papers."""
    related = tuple((r.id, r.score, r.reasons) for r in paper.related)
    return (paper.id, record_key, tuple(paper.tags), related, tuple(paper.referenced_by))
