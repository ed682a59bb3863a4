"""The Zensical host: the archive built by Zensical, which reads ``mkdocs.yml`` but runs no MkDocs plugin.

``papers build --engine zensical`` does what the MkDocs plugin does, with files
and theme overrides instead of hooks:

1. the core generates every page, feed and redirect into a build folder
   (``<cache_dir>/zensical/docs``), each page with what its ``<head>`` gets
   (feed links; a paper's Scholar, Open Graph and JSON-LD tags) in its front
   matter; files are written only when their bytes change;
2. the hand-written pages and the project's theme overrides are copied beside
   them, and this package's Zensical templates go over the overrides
   (``generator/data/zensical/main.html``: the head; the project's header with its Pagefind
   search box, and its section tabs, are written to run in both engines' template languages);
3. a config that inherits ``mkdocs.yml`` points Zensical at them, with its own
   search (one ``search.json``, downloaded whole) off;
4. ``zensical build --strict`` runs while Pagefind indexes the papers;
5. the hand-written pages join the index, the index is published into the
   output, and the output replaces the site folder.

Why a build folder: Zensical wants its sources and output inside the folder of
its config, and ``zensical build --clean`` empties the ``.cache`` beside it.
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml

from .config import Settings, load_settings, read_site_config
from .errors import PapersError
from .feeds import discovery_links
from .incremental import manifest_path
from .pages import join_front_matter, page_url, split_front_matter
from .search import HandPage, Indexer, IndexStats
from .site import OutputLock, Site, build_date, generate, page_head, usable_cache_dir

log = logging.getLogger("papers.zensical")

#: This package's templates for Zensical's theme: what the MkDocs plugin adds through hooks (MiniJinja, not Jinja).
TEMPLATES = Path(__file__).parent / "data" / "zensical"


class ZensicalError(PapersError):
    """Zensical's build failed."""


def build(config_file: Path, site_dir: Path | None = None) -> IndexStats:
    """Build the site of ``config_file`` (``mkdocs.yml``) with Zensical into ``site_dir`` (default: its ``site_dir``)."""
    config_file = config_file.resolve()
    data = read_site_config(config_file)
    root = config_file.parent
    settings = load_settings(config_file, data)
    target = site_dir.resolve() if site_dir is not None else (root / str(data.get("site_dir") or "site")).resolve()
    docs = root / str(data.get("docs_dir") or "docs")
    custom_dir = _custom_dir(data, root)
    check_site_dir(target, config_file, [docs, settings.archive, settings.listings, settings.cache_dir, *([custom_dir] if custom_dir else [])])
    cache = usable_cache_dir(settings.cache_dir, log)
    lock = OutputLock(target, log)
    lock.acquire()
    try:
        with _build_folder(cache) as folder:
            return _build(settings, config_file, folder, docs, custom_dir, target, cache)
    finally:
        lock.release()


def check_site_dir(target: Path, config_file: Path, sources: list[Path]) -> None:
    """Refuse a site folder whose emptying would delete the project: one that holds, or is inside, a folder of sources.

    A build empties the site folder and fills it again (as MkDocs does, which refuses the same).
    """
    for source in [config_file.parent, *sources]:
        source = source.resolve()
        inside = target == source or source.is_relative_to(target) or (source != config_file.parent.resolve() and target.is_relative_to(source))
        if inside:
            raise ZensicalError(
                f"site_dir {target} would hold or be inside {source}, which a build would empty; "
                "build into a folder of its own (site_dir in mkdocs.yml, or papers build -d DIR)"
            )


def _build(settings: Settings, config_file: Path, folder: Path, docs: Path, custom_dir: Path | None, target: Path, cache: Path | None) -> IndexStats:
    site = generate(settings, log=log)
    timings = ", ".join(f"{stage} {sec:.1f}" for stage, sec in site.timings.items())
    log.info("%d papers; seconds spent on %s", len(site.catalog.papers), timings)
    # Pagefind indexes the papers on the other core while Zensical renders.
    indexer = Indexer(site.catalog, cache, record_of=site.search_record)
    try:
        hand_written = write_sources(site, settings, docs, folder / "docs")
        write_theme(custom_dir, folder / "overrides")
        config = write_config(config_file, folder, settings)
        output = folder / "site"
        hand = set(hand_written)

        def name(src: str) -> str:
            return f"{docs.name}/{src}" if src in hand else f"generated page {src}"

        # Dated as the MkDocs plugin dates its builds: a date the user set wins, else the newest paper's.
        run_zensical(config, os.environ.get("SOURCE_DATE_EPOCH") or build_date(site.catalog), name)
        pages = hand_pages(output, hand_written, settings.site_name)
    except BaseException:
        indexer.stop()
        raise
    stats = indexer.publish(output, pages)
    # The MkDocs plugin's record of what this folder holds, for its dirty builds, is no longer true.
    if cache is not None:
        manifest_path(cache, target).unlink(missing_ok=True)
    log.info("search index: %d records in %d shard(s), %.1f MB; %d shard(s) indexed", stats.records, stats.shards, stats.bytes / 2**20, stats.reindexed)
    _replace(output, target)
    return stats


def _custom_dir(data: dict, root: Path) -> Path | None:
    theme = data.get("theme")
    custom = theme.get("custom_dir") if isinstance(theme, dict) else None
    return root / str(custom) if custom else None


@contextmanager
def _build_folder(cache: Path | None) -> Iterator[Path]:
    """``<cache_dir>/zensical``, kept between builds (Zensical's own cache lives there); a temporary folder without a cache."""
    if cache is not None:
        folder = cache / "zensical"
        lock = OutputLock(folder, log)  # one build at a time writes it, whatever its site folder
        lock.acquire()
        try:
            yield folder
        finally:
            lock.release()
        return
    with tempfile.TemporaryDirectory(prefix="papers-zensical-") as temporary:
        yield Path(temporary)


def write_sources(site: Site, settings: Settings, docs: Path, target: Path) -> list[str]:
    """Zensical's sources in ``target``: the hand-written files of ``docs``, then every generated page and file.

    A generated page carries its ``<head>`` additions as ``papers_head`` in its front
    matter (``main.html`` prints it). Each page is written as it is made, and only when
    its bytes change (100,000 pages are gigabytes: none is kept); files no longer made
    are removed, so Zensical's cache sees what changed. Returns the hand-written pages' paths.
    """
    written: set[str] = set()
    hand_written = []
    for path in sorted(docs.rglob("*")) if docs.is_dir() else []:
        if path.is_file():
            src = path.relative_to(docs).as_posix()
            _put(target, src, path.read_bytes(), written)
            if src.endswith(".md"):
                hand_written.append(src)
    for src in site.pages:
        if src in written:
            log.info("%s/%s is hand-written: it replaces the generated one", docs.name, src)
            continue
        meta, rest = split_front_matter(site.pages[src])
        if "description" in meta:  # escaped for Material, which prints it as it is; Zensical's templates escape what they print
            meta["description"] = html.unescape(meta["description"])
        meta["papers_head"] = page_head(site, settings, src, meta.get("papers_tag"))
        _put(target, src, source_relative(join_front_matter(meta, rest), src).encode("utf-8"), written)
    for src, content in site.files.items():
        if src not in written:
            _put(target, src, content, written)
    _prune(target, written)
    return hand_written


def _put(target: Path, src: str, content: bytes, written: set[str]) -> None:
    """Write ``content`` at ``target/src`` unless it is there already, byte for byte."""
    written.add(src)
    path = target / src
    try:
        if path.read_bytes() == content:
            return
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def _prune(target: Path, kept: set[str]) -> None:
    """Remove what ``target`` holds beside ``kept``, and the folders left empty."""
    for path in sorted(target.rglob("*"), reverse=True):  # deepest first: folders after their files
        if path.is_file() and path.relative_to(target).as_posix() not in kept:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


#: An ``href`` the generator wrote in an ``<a>`` tag: relative (no scheme, any case; not site-rooted; not an anchor).
#: Text shown on a page is escaped (``<`` is ``&lt;``), so no paper or note can write one.
_HREF = re.compile(r'(<a\s[^<>]*?\bhref=")(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)([^"]*)"')


def source_relative(page: str, src: str) -> str:
    """``page`` with the links of its HTML relative to its source file, as Zensical reads them, not to its address.

    MkDocs leaves a page's HTML alone, so the core writes its links relative to
    the page's address (``papers/x/``: ``../y/``). Zensical 0.1 resolves them from
    the source file instead (``papers/x.md``: ``../y/`` is ``y/``), as links in
    Markdown are. The two differ for a page not named ``index.md``, by one folder.
    """
    if src.endswith("index.md"):
        return page
    name = src.rsplit("/", 1)[-1].removesuffix(".md")

    def relink(match: re.Match[str]) -> str:
        href = match[2]
        return f'{match[1]}{href[3:] if href.startswith("../") else f"{name}/{href}"}"'

    return _HREF.sub(relink, page)


def write_theme(custom_dir: Path | None, target: Path) -> None:
    """The project's theme overrides, then this package's Zensical templates over them (files rewritten only when changed)."""
    files: dict[str, bytes] = {}
    for folder in ([custom_dir] if custom_dir is not None and custom_dir.is_dir() else []) + [TEMPLATES]:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                files[path.relative_to(folder).as_posix()] = path.read_bytes()
    written: set[str] = set()
    for src, content in files.items():
        _put(target, src, content, written)
    _prune(target, written)


def write_config(config_file: Path, folder: Path, settings: Settings) -> Path:
    """A Zensical config in ``folder`` inheriting ``config_file``: the build folder's sources, theme and output, Zensical's search off.

    The archive's feed link is ``extra.papers_links``, for hand-written pages (generated ones carry their own head).
    """
    own = {
        "INHERIT": os.path.relpath(config_file, folder),
        "docs_dir": "docs",
        "site_dir": "site",
        "theme": {"custom_dir": "overrides"},
        "plugins": [{"search": {"enabled": False}}],
        "extra": {"papers_links": discovery_links(settings)},
    }
    path = folder / "mkdocs.yml"
    text = "# Written by `papers build --engine zensical` on every build: edit the project's mkdocs.yml instead.\n"
    path.write_text(text + yaml.safe_dump(own, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def run_zensical(config: Path, build_date: str, name: Callable[[str], str]) -> None:
    """``zensical build --strict`` of ``config``; its output is logged, and a failed build raises with what it said.

    ``name`` gives what the curator knows a source of the build folder as (``docs/about.md``, or a generated page).
    """
    command = [sys.executable, "-m", "zensical", "build", "--strict", "-f", str(config)]
    env = {**os.environ, "SOURCE_DATE_EPOCH": build_date, "NO_COLOR": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=config.parent)
    said = _ANSI.sub("", result.stdout + result.stderr).strip()
    if result.returncode != 0:
        raise ZensicalError(explain_failure(said, name))
    for line in said.splitlines():
        log.info("zensical: %s", line)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: Zensical's warning, where it is (`` ╭─[ about.md:35:10 ]``), and that line (`` 35 │ [broken](nowhere.md)``).
_WARNING = re.compile(r"^Warning: (?P<what>.+)\n\s*╭─\[ (?P<src>.+?):(?P<line>\d+):\d+ \]\n(?:.*\n)*?\s*(?P=line) │ (?P<text>.*)$", re.M)


def explain_failure(said: str, name: Callable[[str], str]) -> str:
    """What a failed Zensical build said, without its traceback: each warning at the file the curator knows (``name``) and line."""
    problems = [f"{name(m['src'])}:{m['line']}: {m['what']}: {m['text'].strip()}" for m in _WARNING.finditer(said)]
    if not problems:  # not a warning: whatever Zensical said before its traceback
        problems = [line for line in said.split("Traceback (most recent call last):")[0].splitlines() if line.strip()][-20:]
    return "zensical build failed (strict: a warning fails the build):\n  " + "\n  ".join(problems) + "\nFix each, then build again."


_ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.S)
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
#: Zensical's skip-link target, at the top of every article: not the page's (MkDocs hands the plugin the page's own HTML).
_SKIP = re.compile(r'<a id="__skip"[^>]*></a>')


def hand_pages(output: Path, sources: list[str], site_name: str) -> list[HandPage]:
    """The hand-written pages as Zensical rendered them, for search: each page's article, and its title."""
    pages = []
    for src in sources:
        url = page_url(src)
        path = output / url / "index.html"
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        article, title = _ARTICLE.search(text), _TITLE.search(text)
        name = html.unescape(title.group(1).strip()) if title else ""
        name = name.removesuffix(f" - {site_name}")
        pages.append(HandPage(url, name, _SKIP.sub("", article.group(1)) if article else ""))
    return pages


def _replace(output: Path, target: Path) -> None:
    """Put ``output`` in the place of ``target`` (a rename where both are on one file system)."""
    target.mkdir(parents=True, exist_ok=True)  # locked while it is replaced: kept, emptied, refilled
    for old in list(target.iterdir()):
        shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
    for new in list(output.iterdir()):
        try:
            new.rename(target / new.name)
        except OSError:  # another file system
            shutil.move(str(new), target / new.name)
