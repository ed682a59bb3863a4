"""The MkDocs plugin ``papers``: a thin adapter that feeds the core's pages and files to MkDocs.

It only routes hooks: settings and the whole generated site in ``on_config``
(run again on every ``mkdocs serve`` rebuild), the site folder locked in
``on_pre_build`` until the build ends, pages and feeds handed over in
``on_files``, hand-written pages collected for search in ``on_page_content``,
feed links in ``on_post_page``, the search index in ``on_post_build``, archive
watching in ``on_serve``.
Nothing is written into the watched ``docs/``: generated pages live in memory
as MkDocs ``File`` objects.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.livereload import LiveReloadServer
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from .cache import log as cache_log
from .config import Settings
from .errors import PapersError
from .feeds import discovery_links, midnight
from .search import HandPage, Indexer
from .site import OutputLock, Site, generate, usable_cache_dir

log = logging.getLogger("mkdocs.plugins.papers")
# Read once, when MkDocs imports the plugin: later the variable may be the one we set.
_USER_SOURCE_DATE_EPOCH = os.environ.get("SOURCE_DATE_EPOCH")


class _ToMkDocs(logging.Handler):
    """Says through MkDocs' log what the core says on a logger of its own (the cache: an entry discarded)."""

    def emit(self, record: logging.LogRecord) -> None:
        log.log(record.levelno, "%s", record.getMessage())


def _hear_the_cache() -> None:
    if not any(isinstance(handler, _ToMkDocs) for handler in cache_log.handlers):
        cache_log.addHandler(_ToMkDocs())
        cache_log.setLevel(logging.INFO)


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
    cache_dir = c.Optional(c.Type(str))
    """Cache folder, relative to mkdocs.yml (default: .cache/papers)."""
    feeds_items = c.Optional(c.Type(int))
    """Items per RSS feed (default: 50)."""
    feeds_ttl = c.Optional(c.Type(int))
    """Feed ttl in minutes (default: 1440)."""
    feeds_language = c.Optional(c.Type(str))
    """Feed language (default: en)."""


class PapersPlugin(BasePlugin[PapersConfig]):
    settings: Settings
    site: Site
    hand_pages: list[HandPage]
    indexer: Indexer | None = None
    output_lock: OutputLock | None = None

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        if not config.use_directory_urls:  # lists of papers, feeds and search link to papers/<id>/
            raise PluginError("papers: use_directory_urls: false is not supported (pages are linked as papers/<id>/); remove it from mkdocs.yml")
        options = dict(self.config)
        options.update(site_url=config.site_url or "", site_name=config.site_name, site_description=config.site_description or "")
        _hear_the_cache()
        try:
            self.settings = Settings.from_mapping(options, Path(config.config_file_path).resolve().parent)
            self.site = generate(self.settings, log=log)
        except PapersError as exc:
            raise PluginError(f"papers: {exc}") from exc
        except OSError as exc:  # a cache or output path that is a folder, a full disk…
            raise PluginError(f"papers: {exc.filename or ''}: {exc.strerror}") from exc
        self._pin_build_date()
        self.hand_pages = []
        if self.indexer is not None:  # a rebuild under `mkdocs serve` while the last one still indexes
            self.indexer.stop()
        # The papers are indexed for search while MkDocs renders; on_post_build adds hand-written pages.
        self.indexer = Indexer(self.site.catalog, usable_cache_dir(self.settings.cache_dir, log))
        stages = {**self.site.timings, "search records": self.indexer.busy}
        log.info("%d papers; seconds spent on %s", len(self.site.catalog.papers), ", ".join(f"{stage} {sec:.1f}" for stage, sec in stages.items()))
        return config

    def _pin_build_date(self) -> None:
        # MkDocs dates every page (sitemap.xml <lastmod>) with the wall clock unless
        # SOURCE_DATE_EPOCH is set, and reads nothing else. Pin it to the newest paper's
        # date so the same archive builds the same site, byte for byte. A date the user
        # set before MkDocs started wins; ours follows the archive on every rebuild.
        if _USER_SOURCE_DATE_EPOCH is not None:
            return
        newest = self.site.catalog.newest_date
        stamp = midnight(newest).timestamp() if newest else 0
        os.environ["SOURCE_DATE_EPOCH"] = str(int(stamp))

    def on_pre_build(self, config: MkDocsConfig) -> None:
        # Before MkDocs empties site_dir: another build writing it (a second `mkdocs build`) ends first.
        self._unlock()
        self.output_lock = OutputLock(Path(config.site_dir), log)
        try:
            self.output_lock.acquire()
        except OSError as exc:
            raise PluginError(f"papers: cannot lock the site folder: {exc.filename or ''}: {exc.strerror}") from exc

    def _unlock(self) -> None:
        if self.output_lock is not None:
            self.output_lock.release()
            self.output_lock = None

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        generated: dict[str, str | bytes] = {**self.site.pages, **self.site.files}
        for src_uri, content in generated.items():
            if files.get_file_from_path(src_uri) is not None:
                log.info("docs/%s is hand-written: it replaces the generated one", src_uri)
                continue
            files.append(File.generated(config, src_uri, content=content))
        return files

    def on_page_content(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        if page.file.generated_by is None:  # hand-written (About…): searched as a page; papers have their own records
            self.hand_pages.append(HandPage(page.url, page.title or "", html))
        return html

    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        # Feed discovery for every page, whatever the theme (the archive's feed, and a tag page's own),
        # and a paper page's Scholar, Open Graph and JSON-LD tags.
        slug = page.meta.get("papers_tag") if page.meta else None  # set by generated tag pages only
        tag = self.site.catalog.tags.get(slug) if isinstance(slug, str) else None
        head = discovery_links(self.settings, tag) + "\n" + self.site.heads.get(page.file.src_uri, "")
        return output.replace("</head>", head.rstrip("\n") + "\n</head>", 1)

    def on_post_build(self, config: MkDocsConfig) -> None:
        # After every build, `mkdocs serve` rebuilds included: the index follows the archive.
        assert self.indexer is not None
        indexer, self.indexer = self.indexer, None
        try:
            stats = indexer.publish(Path(config.site_dir), self.hand_pages)
        except PapersError as exc:
            raise PluginError(f"papers: {exc}") from exc
        except OSError as exc:
            raise PluginError(f"papers: search index: {exc.filename or ''}: {exc.strerror}") from exc
        finally:
            self._unlock()  # the last of what this build writes into site_dir
        log.info(
            "search index: %d records in %d shard(s), %.1f MB; %d shard(s) indexed in %.1f s, the rest cached; the build waited %.1f s for it",
            stats.records,
            stats.shards,
            stats.bytes / 2**20,
            stats.reindexed,
            stats.seconds,
            stats.waited,
        )

    def on_build_error(self, error: Exception) -> None:
        if self.indexer is not None:
            self.indexer.stop()
            self.indexer = None
        self._unlock()

    def on_shutdown(self) -> None:
        self._unlock()

    def on_serve(self, server: LiveReloadServer, config: MkDocsConfig, builder) -> LiveReloadServer:
        # Archive edits (and taxonomy edits) rebuild the site; nothing we write is watched.
        for path in (self.settings.archive, self.settings.taxonomy):
            if path.exists():
                server.watch(str(path))
        return server
