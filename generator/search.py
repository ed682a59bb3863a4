"""The search index: one Pagefind record per paper, indexed by Pagefind's CLI, in shards.

Why the CLI over a folder of small HTML files: Pagefind's Python API
(``add_custom_record``) costs about 100 ms per record, while the CLI indexes
10,000 small files in about 10 s.

Why shards: the indexer's memory grows by about 125 KB per record (1.3 GB at
10,000, 3.7 GB at 30,000). In a large archive the newest ``NEWEST_PAPERS``
papers are a shard of their own, and the older papers, oldest first, fill shards
of ``SHARD_PAPERS`` in turn, so a new paper changes at most two shards and the
others keep their cached index. The browser searches the newest shard first and
shows its results (a small shard answers fast), then merges the older ones
(Pagefind's multi-index search) and refines them. Each shard costs every word
of a query a chunk of about 25 KB, so older shards are as large as the memory
budget allows.

Why the output is rewritten (``generator.canonical``): Pagefind numbers pages
in the file system's order and writes filters in hash-map order, so the same
archive would not give the same bytes on another machine.

Each shard's index is cached by the digest of its records, so a build after a
daily import re-indexes only the newest shard; and the papers are indexed in the
background while MkDocs renders the pages (``Indexer``). A cached index is sealed
with its files' digests and checked as it is copied into the site: a damaged one
is indexed again, never published.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .cache import copy_sealed, discard, sealed
from .catalog import Catalog, Paper
from .errors import PapersError
from .text import html_text, readable

#: Most papers in one shard: bounds the indexer's memory (about 3.8 GB) while MkDocs renders (up to 4 GB at 100,000 papers);
#: at 100,000 papers the older 90,000 fill three shards exactly.
SHARD_PAPERS = 30_000
#: Papers in the newest shard, the one that answers first, once the archive holds more than twice as many.
NEWEST_PAPERS = 10_000
#: The newest shard's name (older shards are numbered from the oldest).
NEWEST_SHARD = "new"
#: Where the index is published, under the site's root.
FOLDER = "search"
#: The shard of hand-written pages (About…), searched right after the newest papers.
PAGES_SHARD = "pages"
#: A staging folder in the cache this old was left by a killed build: removed.
STALE_SECONDS = 3600
#: What a browser needs of Pagefind's output; the rest is its own UIs, which we do not use.
_KEEP = ("pagefind.js", "pagefind-worker.js", "pagefind-entry.json", "wasm.en.pagefind", "wasm.unknown.pagefind")
_KEEP_DIRS = ("index", "fragment", "filter")
#: The file a browser reads first: it names the shard's other files.
_ENTRY = Path("pagefind-entry.json")
#: Weights Pagefind gives a word by where it is (1 is body text, 10 the most): a title match ranks first.
WEIGHT_TITLE, WEIGHT_AUTHORS, WEIGHT_TAGS = 10, 4, 2
#: Part of the cache key: a new layout of the records, or of a cached index (3: sealed, ``generator.cache``), re-indexes everything.
RECORD_VERSION = "4"


class SearchIndexError(PapersError):
    """Pagefind could not index the site."""


@dataclass(frozen=True)
class HandPage:
    """A hand-written page (About…), indexed as a page: its path from the site's root, title and HTML."""

    url: str
    title: str
    html: str


@dataclass(frozen=True)
class Shard:
    """Papers indexed together, published under ``search/<name>/``; ``records`` maps a page path to its record."""

    name: str
    records: dict[str, str]

    def digest(self, version: str) -> str:
        sha = hashlib.sha256(f"{RECORD_VERSION}\0{version}\0{self.name}\0".encode())  # the name is in the fragments' names
        for path in sorted(self.records):
            sha.update(f"{path}\0{self.records[path]}\0".encode())
        return sha.hexdigest()[:24]


@dataclass(frozen=True)
class IndexStats:
    records: int
    shards: int
    bytes: int
    #: Time spent indexing (Pagefind and our records), most of it while MkDocs rendered pages.
    seconds: float
    reindexed: int
    #: Time the build waited for the index at its end: what the index added to the build.
    waited: float = 0.0


# --- Records ---------------------------------------------------------------


def _record(body: str, *, title: str, meta: dict[str, str], filters: Sequence[tuple[str, str]] = (), sort: str = "") -> str:
    """A page Pagefind indexes: ``body``, then the title, weighted; attributes carry filters, sorts and meta.

    Every value is escaped: Pagefind reads HTML, so a title such as ``</h1><h1>``
    stays one title. Values go in elements, not in ``data-pagefind-meta="k:v"``
    attributes, where a comma would end them.
    """
    sort_attr = f' data-pagefind-sort="date:{sort}"' if sort else ""
    metas = "".join(f'<span data-pagefind-meta="{key}" data-pagefind-ignore>{html_text(value)}</span>' for key, value in meta.items())
    chips = "".join(f'<span data-pagefind-filter="{key}">{html_text(value)}</span> ' for key, value in filters)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html_text(title)}</title></head>'
        f"<body><main data-pagefind-body{sort_attr}>{body}"
        f'<h1 data-pagefind-meta="title" data-pagefind-weight="{WEIGHT_TITLE}">{html_text(title)}</h1>'
        f'{metas}<div data-pagefind-weight="{WEIGHT_TAGS}">{chips}</div></main></body></html>\n'
    )


def paper_record(paper: Paper, catalog: Catalog) -> str:
    """The search record of a paper: abstract and note as text, title, authors, tags; tag and year filters; date sort.

    The abstract comes first so that an excerpt reads as prose; ``body_words``
    tells the search box where the abstract and note end. The date shown and the
    year filtered by are the paper's publication date. The sort is unique (``_rank``):
    it puts the pages in a canonical order, oldest published first. The authors
    are also meta as a JSON list, so that the search box can show the ones a query matched.
    """
    record = paper.record
    prose = " ".join(readable(record.abstract).split())
    note = " ".join(record.note.split())
    names = [readable(name) for name in record.authors]
    authors = ", ".join(names)
    body_words = len((prose + " " + note).split())
    body = f"<p>{html_text(prose)}</p>" + (f"<p>{html_text(note)}</p>" if note else "")
    if authors:
        body += f'<p data-pagefind-weight="{WEIGHT_AUTHORS}">{html_text(authors)}</p>'
    filters = [("tag", catalog.tags[slug].name) for slug in paper.tags]
    if paper.published:
        filters.append(("year", str(paper.published.year)))
    meta = {"authors": json.dumps(names, ensure_ascii=False), "date": paper.published.text if paper.published else "", "body_words": str(body_words)}
    return _record(body, title=paper.title, meta=meta, filters=filters, sort=_rank(paper))


def page_record(page: HandPage) -> str:
    """The search record of a hand-written page: its rendered HTML, trusted as the site's own."""
    return _record(page.html, title=page.title, meta={})


def _path(url: str) -> str:
    """The file a page path is indexed from: ``papers/x/`` -> ``papers/x/index.html``."""
    url = url.lstrip("/")
    return url + "index.html" if url == "" or url.endswith("/") else url


# --- Shards ----------------------------------------------------------------


#: Makes a paper's search record: ``paper_record``, or a host's reuse of it.
RecordOf = Callable[[Paper, Catalog], str]


def plan_shards(catalog: Catalog, limit: int = SHARD_PAPERS, newest: int = NEWEST_PAPERS, record_of: RecordOf | None = None) -> list[Shard]:
    """The shards, newest first: the newest ``newest`` papers (once there are more than twice as many), then the
    older papers in shards of ``limit`` filled oldest first, named ``1``, ``2``… from the oldest.

    Filling from the oldest keeps every older shard but the last unchanged when
    new papers arrive, so their cached index stays valid. ``record_of`` makes
    (or reuses) a paper's record; by default ``paper_record``.
    """
    papers = sorted(catalog.papers, key=_age)
    older, recent = (papers[:-newest], papers[-newest:]) if len(papers) > 2 * newest else (papers, [])
    record_of = record_of or paper_record
    shards = [Shard(str(n), _records(older[i : i + limit], catalog, record_of)) for n, i in enumerate(range(0, len(older), limit), 1)]
    if recent:
        shards.append(Shard(NEWEST_SHARD, _records(recent, catalog, record_of)))
    return shards[::-1]


def _records(papers: list[Paper], catalog: Catalog, record_of: RecordOf) -> dict[str, str]:
    return {_path(p.url): record_of(p, catalog) for p in papers}


def _age(paper: Paper) -> tuple[str, str]:
    """Oldest added first: the order papers fill shards in, so that new papers change only the newest shards."""
    return (paper.record.added.isoformat(), _path(paper.url))


def _rank(paper: Paper) -> str:
    """Oldest published first (unknown dates before all), then by when added, then path: a paper's rank by this
    within its shard is its page number in the index (``generator.canonical``), which "Newest" sorts by."""
    when = paper.published
    published = f"{when.year:04d}-{when.month:02d}-{when.day:02d}" if when else "0000-00-00"
    return f"{published} {' '.join(_age(paper))}"


def _months(shard: Shard, catalog: Catalog) -> list[list[int]]:
    """The shard's pages in rank order as runs of one publication month: ``[[YYYYMM, pages]…]`` (0: unknown).

    With it the search box sorts results of several shards newest first by month, without
    loading each result: at most one run per month, whatever the shard's size.
    """
    runs: list[list[int]] = []
    for paper in sorted((catalog.by_id[_paper_id(path)] for path in shard.records), key=_rank):
        month = paper.published.year * 100 + paper.published.month if paper.published else 0
        if runs and runs[-1][0] == month:
            runs[-1][1] += 1
        else:
            runs.append([month, 1])
    return runs


def _paper_id(path: str) -> str:
    """``papers/<id>/index.html`` -> ``<id>``."""
    return path.split("/")[1]


def manifest(catalog: Catalog, shards: Sequence[Shard]) -> str:
    """``search/index.json``: the shards, newest first, the tags and years a reader may filter by, and each shard's months."""
    tags = sorted({catalog.tags[slug].name for paper in catalog.papers for slug in paper.tags})
    years = sorted({paper.published.year for paper in catalog.papers if paper.published}, reverse=True)
    months = {s.name: _months(s, catalog) for s in shards if s.name != PAGES_SHARD}
    data = {"shards": [s.name for s in shards], "tags": tags, "years": [str(y) for y in years], "months": months}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


# --- Indexing --------------------------------------------------------------


def pagefind_version() -> str:
    from importlib.metadata import version

    return version("pagefind_bin")


def _executable() -> str:
    try:
        from pagefind_bin import get_executable
    except ImportError as exc:  # the binary comes with the pinned `pagefind[bin]`
        raise SearchIndexError("Pagefind's binary is not installed; run `make install` (it installs pagefind[bin])") from exc
    return str(get_executable())


def write_records(shard: Shard) -> Path:
    """The shard's records as small HTML files in a new temporary folder, which Pagefind's CLI indexes."""
    source = Path(tempfile.mkdtemp(prefix="papers-search-"))
    for path, html in shard.records.items():
        target = source / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    return source


class Processes:
    """The processes indexing for one build, which ``stop`` kills: none starts after it (a check and a start under one lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started: list[subprocess.Popen[str]] = []
        self.stopped = False

    def start(self, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        with self._lock:
            if self.stopped:
                raise IndexingStopped
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
            self._started.append(process)
            return process

    def stop(self) -> None:
        with self._lock:
            self.stopped = True
            for process in self._started:
                if process.poll() is None:
                    process.kill()


@dataclass
class Source:
    """A shard's records as files, kept by a host that builds again and again (``mkdocs serve``): an edit rewrites its own record only."""

    folder: Path
    records: dict[str, str]

    def update(self, shard: Shard) -> None:
        for path, html in shard.records.items():
            if self.records.get(path) != html:
                target = self.folder / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(html, encoding="utf-8")
        for path in self.records.keys() - shard.records.keys():
            (self.folder / path).unlink(missing_ok=True)
        self.records = dict(shard.records)


def run_pagefind(name: str, source: Path, output: Path, running: Processes | None = None, *, background: bool = False) -> None:
    """Index the records in ``source`` into ``output`` with Pagefind's CLI.

    ``output`` appears whole and sealed or not at all (a rename), so an
    interrupted build never leaves half an index in the cache. ``running``
    receives the Pagefind process, for a caller that may have to stop it.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".staging-", dir=output.parent) as staging:
        staged = Path(staging) / "index"
        command = [_executable(), "--site", str(source), "--output-path", str(staged), "--exclude-selectors", ".headerlink", "--quiet"]
        # In the background of a build, one thread at a lower priority: MkDocs renders on
        # one core and must never wait for the indexer, which has until MkDocs ends.
        env = {**os.environ, "RAYON_NUM_THREADS": "1"} if background else None
        if background:
            command = _nice(command)
        process = (running or Processes()).start(command, env)
        said, _ = process.communicate()
        if process.returncode != 0:
            raise SearchIndexError(f"Pagefind failed to index the search shard {name!r} (exit {process.returncode}): {said.strip()[-2000:]}")
        _keep_used(staged)
        _canonical(name, staged, running, background=background)
        try:
            staged.rename(output)
        except OSError:
            if sealed(output):  # another build's copy of the same shard
                return
            if not os.path.lexists(output):
                raise
            discard(output, "an unfinished index")
            staged.rename(output)


def _nice(command: list[str]) -> list[str]:
    """``command`` at a lower priority, where ``nice`` exists (a priority, not a thread-unsafe ``preexec_fn``)."""
    nice = shutil.which("nice")
    return [nice, "-n", "10", *command] if nice else command


def _canonical(name: str, staged: Path, running: Processes | None, *, background: bool = False) -> None:
    """Put the shard's index in canonical order and seal it, in another process: it runs on another core while MkDocs renders."""
    command = [sys.executable, "-m", "generator.canonical", f"{name}_", str(staged)]
    if background:
        command = _nice(command)
    process = (running or Processes()).start(command)
    said, _ = process.communicate()
    if process.returncode != 0:
        raise SearchIndexError(f"the search shard {name!r}: {said.strip()[-2000:]}")


def index_shard(shard: Shard, output: Path, running: Processes | None = None) -> None:
    """Index one shard into ``output``: its records written, then Pagefind run over them."""
    source = write_records(shard)
    try:
        run_pagefind(shard.name, source, output, running)
    finally:
        shutil.rmtree(source, ignore_errors=True)


def _keep_used(folder: Path) -> None:
    for entry in folder.iterdir():
        if entry.name in _KEEP_DIRS or entry.name in _KEEP or entry.name.endswith(".pf_meta"):
            continue
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


class Indexer:
    """Indexes the papers in a background thread while the host renders pages; ``publish`` finishes the job.

    Pagefind is a separate process, so on a machine with two cores it indexes
    while MkDocs renders, and the search index adds little to a build's time.
    Shards are indexed one after another: Pagefind already uses every core, and
    one at a time bounds its memory. Each shard's index is kept in the cache
    folder under the digest of its records (a temporary folder without a cache).
    """

    def __init__(
        self,
        catalog: Catalog,
        cache_dir: Path | None,
        *,
        limit: int = SHARD_PAPERS,
        record_of: RecordOf | None = None,
        defer: bool = False,
        sources: dict[str, Source] | None = None,
    ) -> None:
        self.catalog = catalog
        self.shards = plan_shards(catalog, limit=limit, record_of=record_of)
        self.version = pagefind_version()
        self.temporary = cache_dir is None or not _writable(cache_dir / "search")
        self.store = Path(tempfile.mkdtemp(prefix="papers-search-")) if self.temporary else cache_dir / "search"  # type: ignore[operator]
        self._error: BaseException | None = None
        self._running = Processes()
        self._stopped = False
        # The records are written (and in publish() removed) here, in the host's thread: a
        # thread doing many small file operations while MkDocs renders waits for the
        # interpreter lock at each (up to 5 ms): removing 10,000 files took 200 s instead of
        # 1. The background thread only waits for Pagefind, a separate process. ``defer``:
        # the thread writes them, for a host that renders little meanwhile (an edit under serve).
        start = time.perf_counter()
        # Each shard's cache entry, named by the digest of its records: hashed once per build.
        self._outputs = {shard.name: self.store / shard.digest(self.version) for shard in self.shards}
        todo = [(shard, output) for shard in self.shards if not _cached(output := self._outputs[shard.name])]
        self._sources: list[Path] = []
        #: A host's record folders, kept from build to build and brought up to date (see ``Source``); None: each build writes its own.
        self._kept = sources
        written = {} if defer else {shard.name: self._write(shard) for shard, _ in todo}
        self.busy = time.perf_counter() - start
        self.reindexed = len(todo)
        self._thread = threading.Thread(target=self._index_papers, args=(todo, written), name="papers-search", daemon=True)
        self._thread.start()

    def _write(self, shard: Shard) -> Path:
        kept = self._kept.get(shard.name) if self._kept is not None else None
        if kept is not None and kept.folder.is_dir():
            try:
                kept.update(shard)
            except BaseException:  # the folder no longer matches what it is said to hold: written anew next time
                del self._kept[shard.name]
                shutil.rmtree(kept.folder, ignore_errors=True)
                raise
            return kept.folder
        source = write_records(shard)
        if self._kept is not None:
            self._kept[shard.name] = Source(source, dict(shard.records))
        else:
            self._sources.append(source)
        return source

    def _output(self, shard: Shard) -> Path:
        known = self._outputs.get(shard.name)
        return known if known is not None else self.store / shard.digest(self.version)

    def _index_papers(self, todo: list[tuple[Shard, Path]], written: dict[str, Path]) -> None:
        """Index each shard of ``todo`` into its output, from its records ``written`` already (or written here)."""
        start = time.perf_counter()
        try:
            for shard, output in todo:
                if self._stopped:
                    break
                source = written.get(shard.name) or self._write(shard)
                run_pagefind(shard.name, source, output, self._running, background=True)
        except BaseException as exc:  # handed to publish(), in the host's thread
            self._error = exc
        self.busy += time.perf_counter() - start

    def _ensure(self, shard: Shard) -> Path:
        output = self._output(shard)
        if not _cached(output):
            start = time.perf_counter()
            self.reindexed += 1
            index_shard(shard, output, self._running)
            self.busy += time.perf_counter() - start
        return output

    def _publish(self, shard: Shard, target: Path, published: dict[str, str] | None) -> str:
        """Copy the shard's cached index to ``target``, checked on the way; a damaged one is indexed again. Its cache entry's name.

        ``published`` (shard name -> cache entry) says what ``target`` already holds: not copied again.
        """
        output = self._ensure(shard)
        if published is not None:
            if published.get(shard.name) == output.name and target.is_dir():
                return output.name
            published.pop(shard.name, None)
        staged = target.with_name(f".{target.name}.new") if target.exists() else target
        shutil.rmtree(staged, ignore_errors=True)
        damage = copy_sealed(output, staged)
        if damage is not None:
            discard(output, damage)
            output = self._ensure(shard)
            damage = copy_sealed(output, staged)
            if damage is not None:
                raise SearchIndexError(f"the search shard {shard.name!r}, indexed again into {output}, is still unusable: {damage}; is the disk failing?")
        if staged != target:
            _replace_index(staged, target)
        if published is not None:
            published[shard.name] = output.name
        return output.name

    def stop(self) -> None:
        """Stop indexing (the build failed): nothing half-done stays behind."""
        self._stopped = True
        self._running.stop()
        self._thread.join()
        self._remove_sources()
        if self.temporary:
            shutil.rmtree(self.store, ignore_errors=True)

    def _remove_sources(self) -> None:
        for source in self._sources:
            shutil.rmtree(source, ignore_errors=True)

    def publish(self, site_dir: Path, pages: Iterable[HandPage] = (), published: dict[str, str] | None = None) -> IndexStats:
        """Wait for the papers' shards, index the hand-written pages, and put every shard in ``site_dir/search/``.

        ``published`` (shard name -> cache entry), kept up to date here, says what
        ``site_dir/search/`` already holds; None: it is emptied and every shard copied.
        Raises ``IndexingStopped`` when ``stop`` was called.
        """
        start = time.perf_counter()
        self._thread.join()
        self._remove_sources()
        if self._stopped:  # whatever a killed Pagefind said
            raise IndexingStopped
        if self._error is not None:
            raise self._error
        records = {_path(page.url): page_record(page) for page in pages}
        shards = list(self.shards)
        if records:  # searched right after the newest papers
            shards.insert(1, Shard(PAGES_SHARD, records))
        target = site_dir / FOLDER
        if published is None:
            shutil.rmtree(target, ignore_errors=True)
        elif target.is_dir():
            names = {s.name for s in shards}
            for old in target.iterdir():
                if old.name not in names and old.is_dir():
                    shutil.rmtree(old)
                    published.pop(old.name, None)
        target.mkdir(parents=True, exist_ok=True)
        used = set()
        for shard in shards:
            if self._stopped:
                raise IndexingStopped
            used.add(self._publish(shard, target / shard.name, published))
        if self.temporary:
            shutil.rmtree(self.store, ignore_errors=True)
        else:
            for old in self.store.iterdir():
                # Hidden: another build's work in progress, unless a killed build left it long ago.
                if old.name not in used and (not old.name.startswith(".") or time.time() - old.stat().st_mtime > STALE_SECONDS):
                    shutil.rmtree(old, ignore_errors=True)
        (target / "index.json").write_text(manifest(self.catalog, shards), encoding="utf-8")
        size = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
        count = sum(len(s.records) for s in shards)
        return IndexStats(count, len(shards), size, self.busy, self.reindexed, time.perf_counter() - start)


class IndexingStopped(Exception):
    """``Indexer.stop`` was called while the index was being published: a newer build publishes its own."""


def _replace_index(staged: Path, target: Path) -> None:
    """Put the index in ``staged`` in the place of the one in ``target``, so that a reader meanwhile finds one or the other whole.

    The new files go in over and beside the old ones, the entry file (which says
    which files to read) last, by an atomic rename; only then are the files that
    only the old index had removed. Most of Pagefind's files are named by their
    content; the fragments are named by page (``generator.canonical``), so for the
    moment of the swap an old entry can meet a new fragment.
    """
    new = sorted(path.relative_to(staged) for path in staged.rglob("*") if path.is_file())
    for name in sorted(new, key=lambda name: name == _ENTRY):  # the entry last
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged / name, target / name)
    keep = set(new)
    for path in sorted(target.rglob("*"), reverse=True):  # files before their folders
        if path.is_file() and path.relative_to(target) not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    shutil.rmtree(staged, ignore_errors=True)


def _cached(output: Path) -> bool:
    """Whether ``output`` holds a finished index; an unfinished one (a damaged seal) is said, and removed."""
    if sealed(output):
        return True
    if os.path.lexists(output):
        discard(output, f"no seal: {output.name} is unfinished or damaged")
    return False


def _writable(folder: Path) -> bool:
    """Whether the cache can hold the index (a read-only checkout cannot: a temporary folder does then)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK)


def build_index(site_dir: Path, catalog: Catalog, pages: Iterable[HandPage] = (), cache_dir: Path | None = None, *, limit: int = SHARD_PAPERS) -> IndexStats:
    """Index the catalog and hand-written pages into ``site_dir/search/`` in one go, reusing cached shards."""
    return Indexer(catalog, cache_dir, limit=limit).publish(site_dir, pages)
