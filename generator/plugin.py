"""The MkDocs plugin ``papers``: a thin adapter that feeds the core's pages and files to MkDocs.

It only routes hooks: settings and the whole generated site in ``on_config``
(run again on every ``mkdocs serve`` rebuild), the site folder locked in
``on_pre_build`` until the build ends, pages and feeds handed over in
``on_files``, generated pages marked in ``on_page_markdown`` so that their own
HTML blocks skip Python-Markdown (``generator.rawhtml``), hand-written pages
collected for search in ``on_page_content``, those blocks put back and feed
links added in ``on_post_page``, the search index in ``on_post_build``, archive
watching in ``on_serve``.
Nothing is written into the watched ``docs/``: generated pages live in memory
as MkDocs ``File`` objects (a build keeps them compressed).

Builds are incremental under ``mkdocs serve`` and ``mkdocs build --dirty``: each
generated file says truthfully whether its output changed since the site
folder was last written whole (``generator.incremental``), so MkDocs renders
only those. Plain ``mkdocs serve`` rebuilds everything on each edit; the
plugin asks it for its dirty rebuilds instead, which are exact here.
"""

from __future__ import annotations

import functools
import importlib.metadata
import itertools
import json
import logging
import os
import threading
import zlib
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import TableOfContents
from mkdocs.theme import Theme
from mkdocs.utils import clean_directory

from .cache import log as cache_log
from .config import Settings
from .errors import PapersError
from .incremental import Manifest, digest, folder_state, load, manifest_path
from .rawhtml import GeneratedHTML, mark, restore
from .search import HandPage, Indexer, IndexingStopped, IndexStats
from .serve import STATUS_FILE, Watcher, problem_banner
from .session import Session
from .session import log as session_log
from .site import OutputLock, Site, build_date, generate, page_head, usable_cache_dir

log = logging.getLogger("mkdocs.plugins.papers")
# Read once, when MkDocs imports the plugin: later the variable may be the one we set.
_USER_SOURCE_DATE_EPOCH = os.environ.get("SOURCE_DATE_EPOCH")


class _ToMkDocs(logging.Handler):
    """Says through MkDocs' log what the core says on a logger of its own (the cache: an entry discarded)."""

    def emit(self, record: logging.LogRecord) -> None:
        log.log(record.levelno, "%s", record.getMessage())


def _hear_the_cache() -> None:
    for logger in (cache_log, session_log):
        if not any(isinstance(handler, _ToMkDocs) for handler in logger.handlers):
            logger.addHandler(_ToMkDocs())
            logger.setLevel(logging.INFO)


class PapersConfig(base.Config):
    """Options of the ``papers`` plugin; unset options take the defaults documented in ``generator.config.Settings``."""

    archive = c.Optional(c.Type(str))
    """Folder of paper records, relative to mkdocs.yml (default: archive)."""
    listings = c.Optional(c.Type(str))
    """Folder of source files, relative to mkdocs.yml (default: listings); `papers fetch hf` saves its responses there."""
    per_page = c.Optional(c.Type(int))
    """Papers per page on paginated lists, 1 to 100 (default: 50)."""
    home_latest = c.Optional(c.Type(int))
    """Latest additions shown on the home page (default: 10)."""
    taxonomy = c.Optional(c.Type(str))
    """Taxonomy YAML file (default: the one shipped with the package)."""
    related_count = c.Optional(c.Type(int))
    """Related papers per paper page (default: 5)."""
    training = c.Optional(c.Type(str))
    """Labelled papers the tagger learns from, relative to mkdocs.yml (default: the set shipped with the package)."""
    cache_dir = c.Optional(c.Type(str))
    """Cache folder, relative to mkdocs.yml (default: .cache/papers)."""
    feeds_items = c.Optional(c.Type(int))
    """Items per RSS feed (default: 50)."""
    feeds_ttl = c.Optional(c.Type(int))
    """Feed ttl in minutes (default: 1440)."""
    feeds_language = c.Optional(c.Type(str))
    """Feed language (default: en)."""


class _Output(File):
    """A generated page or file that says whether its output changed since the last build (MkDocs' dirty builds ask)."""

    changed = True

    def is_modified(self) -> bool:
        return self.changed


class _Packed(_Output):
    """A generated page kept compressed until MkDocs reads it: as text, 100,000 papers' pages are gigabytes."""

    @property
    def content_bytes(self) -> bytes:
        assert isinstance(self._content, bytes)
        return zlib.decompress(self._content)

    @property
    def content_string(self) -> str:
        return self.content_bytes.decode("utf-8")


class _QuietDirty(logging.Filter):
    """Drops MkDocs' warnings that dirty builds may be inaccurate or leave stale files: here they are exact (tested)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(("A 'dirty' build is being performed", "The directory contains stale files"))


def _serve_incrementally() -> None:
    """Make plain ``mkdocs serve`` rebuild as ``mkdocs serve --dirty`` does: only what changed.

    MkDocs hands no plugin a say in it: ``serve`` passes its own flag to the
    ``build`` it imported. Should MkDocs move that, serve rebuilds everything, as before.
    """
    from mkdocs.commands import serve as serve_command

    build = getattr(serve_command, "build", None)
    if build is None or getattr(build, "papers_incremental", False):
        return

    def incremental(config: MkDocsConfig, *, serve_url: str | None = None, dirty: bool = False) -> None:
        build(config, serve_url=serve_url, dirty=True)

    incremental.papers_incremental = True  # type: ignore[attr-defined]
    serve_command.build = incremental


def _remove(path: Path, site_dir: Path) -> None:
    """Remove an output, and the folders it leaves empty (a deleted paper's ``papers/<id>/``), as a clean build would not have them."""
    path.unlink(missing_ok=True)
    folder = path.parent
    while folder != site_dir and site_dir in folder.parents:
        try:
            folder.rmdir()
        except OSError:  # not empty (or already gone)
            break
        folder = folder.parent


def _log_index(stats: IndexStats) -> None:
    log.info(
        "search index: %d records in %d shard(s), %.1f MB; %d shard(s) indexed in %.1f s, the rest cached; the build waited %.1f s for it",
        stats.records,
        stats.shards,
        stats.bytes / 2**20,
        stats.reindexed,
        stats.seconds,
        stats.waited,
    )


class _Publisher:
    """Under `mkdocs serve`, publishes a build's search index on a thread of its own, once Pagefind is done; a newer build stops it."""

    def __init__(self, indexer: Indexer, site_dir: Path, pages: list[HandPage], published: dict[str, str] | None) -> None:
        self.indexer = indexer
        self._thread = threading.Thread(target=self._run, args=(site_dir, pages, published), name="papers-publish", daemon=True)
        self._thread.start()

    def _run(self, site_dir: Path, pages: list[HandPage], published: dict[str, str] | None) -> None:
        try:
            stats = self.indexer.publish(site_dir, pages, published)
        except IndexingStopped:
            return
        except (PapersError, OSError) as exc:
            log.warning("papers: the search index was not updated: %s", exc)
            return
        _log_index(stats)

    def stop(self) -> None:
        self.indexer.stop()
        self._thread.join()


def _says_build_date(folder: str) -> bool:
    return any("build_date_utc" in path.read_text(encoding="utf-8", errors="replace") for path in Path(folder).rglob("*.html"))


#: An installed theme's templates change only with its version, which is in every manifest's context.
_installed_says_build_date = functools.cache(_says_build_date)


def _dates_pages(theme: Theme) -> bool:
    """Whether a page template of the theme (overrides read again each build) shows the build date; ``sitemap.xml`` is not a page."""
    return any(_says_build_date(folder) if folder == theme.custom_dir else _installed_says_build_date(folder) for folder in theme.dirs)


def _always_modified() -> bool:
    return True


class PapersPlugin(BasePlugin[PapersConfig]):
    settings: Settings
    site: Site
    hand_pages: list[HandPage]
    indexer: Indexer | None = None
    output_lock: OutputLock | None = None
    #: Whether MkDocs renders only modified files (``serve``, ``--dirty``); the outputs of this build, and of the last one finished.
    incremental = False
    serving = False
    #: Why the archive could not be built (under `mkdocs serve`, which then serves the last good build), or None.
    problem: str | None = None
    manifest: Manifest | None = None
    finished: Manifest | None = None
    #: Under `mkdocs serve`: what each rebuild reuses of the last one (records, tags, pages…).
    session: Session | None = None
    #: Under `mkdocs serve`: the last build's search index, being published while the pages are served.
    publisher: _Publisher | None = None
    #: Under `mkdocs serve`: what tells MkDocs the archive changed.
    watcher: Watcher | None = None

    def __init__(self) -> None:
        super().__init__()
        self.generated_html = GeneratedHTML()

    def on_startup(self, *, command: Literal["build", "gh-deploy", "serve"], dirty: bool) -> None:
        self.incremental = dirty or command == "serve"
        self.serving = command == "serve"
        self.session = Session() if self.serving else None
        if self.incremental:
            logging.getLogger("mkdocs.commands.build").addFilter(_QuietDirty())
        if command == "serve" and not dirty:
            _serve_incrementally()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if not config.use_directory_urls:  # lists of papers, feeds and search link to papers/<id>/
            raise PluginError("papers: use_directory_urls: false is not supported (pages are linked as papers/<id>/); remove it from mkdocs.yml")
        if not any(isinstance(extension, GeneratedHTML) for extension in config.markdown_extensions):
            config.markdown_extensions.append(self.generated_html)
        options = dict(self.config)
        options.update(site_url=config.site_url or "", site_name=config.site_name, site_description=config.site_description or "")
        _hear_the_cache()
        self._stop_indexing()  # a rebuild under `mkdocs serve` while the last one still indexes: its threads would slow this one
        self.problem = None
        try:
            self.settings = Settings.from_mapping(options, Path(config.config_file_path).resolve().parent)
            self.site = generate(self.settings, log=log, session=self.session)
        except PapersError as exc:
            if not (self.serving and hasattr(self, "site")):
                raise PluginError(f"papers: {exc}") from exc
            # Under `mkdocs serve`, a broken record keeps the last good site served, with a banner on every page saying why.
            self.problem = str(exc)
            log.warning("papers: %s\n  The served site keeps its last good build, with this problem on every page, until it is fixed.", exc)
        except OSError as exc:  # a cache or output path that is a folder, a full disk…
            raise PluginError(f"papers: {exc.filename or ''}: {exc.strerror}") from exc
        self._pin_build_date()
        self.manifest = self._manifest(config)
        self.hand_pages = []
        # The papers are indexed for search while MkDocs renders; on_post_build adds hand-written pages.
        # After serve's first build, MkDocs renders little: the indexer writes its records on its own thread.
        cache = usable_cache_dir(self.settings.cache_dir, log)
        sources = self.session.search_sources if self.session is not None else None
        self.indexer = Indexer(self.site.catalog, cache, record_of=self.site.search_record, defer=self.finished is not None, sources=sources)
        stages = {**self.site.timings, "search records": self.indexer.busy}
        if self.session is not None and self.session.provisional_build:
            log.info("papers: tags and related papers are being computed again; until then, this build shows the last ones (the curator's tags applied)")
        log.info("%d papers; seconds spent on %s", len(self.site.catalog.papers), ", ".join(f"{stage} {sec:.1f}" for stage, sec in stages.items()))
        return config

    def _pin_build_date(self) -> None:
        # MkDocs dates every page (sitemap.xml <lastmod>) with the wall clock unless
        # SOURCE_DATE_EPOCH is set, and reads nothing else. Pin it to the newest paper's
        # date so the same archive builds the same site, byte for byte. A date the user
        # set before MkDocs started wins; ours follows the archive on every rebuild.
        if _USER_SOURCE_DATE_EPOCH is not None:
            return
        os.environ["SOURCE_DATE_EPOCH"] = build_date(self.site.catalog)

    def _manifest(self, config: MkDocsConfig) -> Manifest:
        """This build's manifest, knowing the last finished build's outputs when MkDocs keeps them (an incremental build)."""
        theme = [Path(config.theme.custom_dir)] if config.theme.custom_dir else []
        versions = [f"{name} {importlib.metadata.version(name)}" for name in ("mkdocs", "mkdocs-material", "papers-archive")]
        config_bytes = Path(config.config_file_path).read_bytes() if config.config_file_path else b""
        # The build date (the newest paper's: an import changes it) is in a page only if a template
        # says build_date_utc; Material's pages do not (MkDocs' sitemap does, and is written every build).
        date = os.environ["SOURCE_DATE_EPOCH"] if _dates_pages(config.theme) else ""
        context = digest(config_bytes, config.site_url or "", config.site_dir, date, *versions, folder_state(theme))
        if not self.incremental:  # MkDocs empties the folder first: every output is written
            return Manifest(context)
        if self.finished is not None:  # `mkdocs serve`: the last build of this process
            return Manifest(context, self.finished.current, self.finished.context, self.finished.search)
        cache = usable_cache_dir(self.settings.cache_dir, log)
        return load(manifest_path(cache, Path(config.site_dir)), context) if cache is not None else Manifest(context)

    def on_pre_build(self, config: MkDocsConfig) -> None:
        # Before MkDocs empties site_dir: another build writing it (a second `mkdocs build`) ends first.
        self._unlock()
        self.output_lock = OutputLock(Path(config.site_dir), log)
        try:
            self.output_lock.acquire()
        except OSError as exc:
            raise PluginError(f"papers: cannot lock the site folder: {exc.filename or ''}: {exc.strerror}") from exc
        if self.incremental and self.manifest is not None and not self.manifest.known:
            # A dirty build with no record of what the folder holds: emptied as a clean build would, so nothing stale stays.
            clean_directory(config.site_dir)
        cache = usable_cache_dir(self.settings.cache_dir, log)
        if not self.serving and cache is not None:
            # From here the folder changes: a build interrupted now leaves no record, and the next dirty one starts clean.
            manifest_path(cache, Path(config.site_dir)).unlink(missing_ok=True)

    def _unlock(self) -> None:
        if self.output_lock is not None:
            self.output_lock.release()
            self.output_lock = None

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        assert self.manifest is not None
        hand_written = {file.src_uri for file in files}
        site_dir = os.path.abspath(config.site_dir)
        # Each paper's page is made here, as it is handed over (``pages.Rendered``); a build keeps it compressed.
        # (`mkdocs serve` keeps its pages as they are: its session holds them for the next rebuild anyway.)
        for src_uri, content in itertools.chain(self.site.pages.items(), self.site.files.items()):
            if src_uri in hand_written:
                log.info("docs/%s is hand-written: it replaces the generated one", src_uri)
                continue
            if isinstance(content, str) and not self.serving:
                file = _Packed.generated(config, src_uri, content=zlib.compress(content.encode("utf-8"), 1))
            else:
                file = _Output.generated(config, src_uri, content=content)
            destination = f"{site_dir}/{file.dest_uri}"  # the file's abs_dest_path, without normalising 10,000 paths
            file.changed = self.manifest.changed(src_uri, self._digest(content, self.site.heads.get(src_uri, "")), destination)
            files.append(file)
        if self.incremental:
            # Hand-written pages are few, and searched from their rendered HTML: always rendered.
            for file in files.documentation_pages():
                if file.generated_by is None:
                    file.is_modified = _always_modified  # type: ignore[method-assign]
        return files

    def _digest(self, content: str | bytes, head: str) -> str:
        """An output's digest; under serve, remembered by the very strings a reused page is made of (Python keeps their hashes)."""
        if self.session is None:
            return digest(content, head)
        return self.session.memo.get("digest", (content, head), lambda: digest(content, head))

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        # A generated page's own HTML blocks pass through Python-Markdown unparsed (``generator.rawhtml``).
        return mark(markdown, page.file.content_string) if isinstance(page.file, _Output) else markdown

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        if isinstance(page.file, _Output):
            if page.present_anchor_ids is not None:  # MkDocs checks links to anchors, in raw HTML too
                page.present_anchor_ids |= self.generated_html.ids
            # Not a marked copy of the page kept to the end of the build: its meta says its title, which is all MkDocs reads of it now.
            page.markdown = ""
        elif page.file.generated_by is None:  # hand-written (About…): searched as a page; papers have their own records
            self.hand_pages.append(HandPage(page.url, page.title or "", html))
        return html

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        # Feed discovery for every page, whatever the theme (the archive's feed, and a tag page's own),
        # and a paper page's Scholar, Open Graph and JSON-LD tags.
        slug = page.meta.get("papers_tag") if page.meta else None  # set by generated tag pages only
        head = page_head(self.site, self.settings, page.file.src_uri, slug)
        if self.serving:  # every served page shows the archive's problem, if any, without being rendered again
            head += "\n" + problem_banner(urlsplit(config.site_url or "/").path + STATUS_FILE)
        if isinstance(page.file, _Output):
            output = restore(output, page.file.content_string)
            # Written once this hook returns, and never read again: 100,000 pages' content would stay in memory to the end.
            page.content, page.toc = None, TableOfContents([])
        return output.replace("</head>", head.rstrip("\n") + "\n</head>", 1)

    def on_post_build(self, config: MkDocsConfig) -> None:
        # After every build, `mkdocs serve` rebuilds included: the index follows the archive.
        assert self.indexer is not None and self.manifest is not None
        indexer, self.indexer = self.indexer, None
        site_dir, manifest = Path(config.site_dir), self.manifest
        published = manifest.search if self.incremental else None
        try:
            if self.serving and self.finished is not None:
                # A rebuild's pages are served as soon as they are written; the search index follows
                # (the last one stays served until then), so an edit never waits for Pagefind.
                self.publisher = _Publisher(indexer, site_dir, self.hand_pages, published)
            else:
                _log_index(indexer.publish(site_dir, self.hand_pages, published))
            self._finish(site_dir)
            if self.serving:
                (site_dir / STATUS_FILE).write_text(json.dumps({"problem": self.problem}), encoding="utf-8")
        except PapersError as exc:
            raise PluginError(f"papers: {exc}") from exc
        except OSError as exc:
            raise PluginError(f"papers: search index: {exc.filename or ''}: {exc.strerror}") from exc
        finally:
            self._unlock()  # the last of what this build writes into site_dir (serve's index aside: one serve, one folder)

    def _stop_indexing(self) -> None:
        if self.indexer is not None:
            self.indexer.stop()
            self.indexer = None
        if self.publisher is not None:
            self.publisher.stop()
            self.publisher = None

    def _finish(self, site_dir: Path) -> None:
        """Remove what the last build wrote and this one no longer makes, and keep this build's manifest for the next."""
        assert self.manifest is not None
        manifest, self.manifest = self.manifest, None
        stale = manifest.stale() if self.incremental else []
        for path in stale:
            _remove(path, site_dir)
        self.finished = manifest
        cache = usable_cache_dir(self.settings.cache_dir, log)
        if cache is not None and not self.serving:  # serve's folder is a new temporary one each time
            manifest.save(manifest_path(cache, site_dir))
        if self.session is not None and self.problem is None:  # what this build used is what the next may reuse
            self.session.finish()
        if self.incremental:
            log.info("incremental build: %d of %d generated pages and files written, %d removed", manifest.rewritten, len(manifest.current), len(stale))

    def on_build_error(self, error: Exception) -> None:
        self._stop_indexing()
        self._unlock()

    def on_shutdown(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None
        self._stop_indexing()
        if self.session is not None:
            self.session.close()
        self._unlock()

    def on_serve(self, server: LiveReloadServer, config: MkDocsConfig, builder) -> LiveReloadServer:
        # Archive edits (and taxonomy edits) rebuild the site; nothing we write is watched. They are
        # watched by the system's notifications, which touch a file MkDocs polls (``generator.serve``).
        paths = [path for path in (self.settings.archive, self.settings.taxonomy) if path.exists()]
        cache = usable_cache_dir(self.settings.cache_dir, log)
        try:
            self.watcher = Watcher(paths, cache / "serve" / "changed") if cache is not None else None
        except OSError as exc:  # no notifications here (a limit on inotify watches…): MkDocs polls the archive itself
            log.info("papers: the archive is polled for changes (%s)", exc)
            self.watcher = None
        for path in [self.watcher.trigger.parent] if self.watcher is not None else paths:
            server.watch(str(path))
        if self.session is not None and self.watcher is not None:
            # From the first rebuild on (on_serve comes after the first build), an edit shows at once, with the last
            # build's tags and related papers where they must be computed anew; a thread computes them, and the
            # watcher's poke builds again with them.
            self.session.provisional, self.session.on_ready = True, self.watcher.poke
        return server
