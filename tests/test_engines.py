"""The bundled archive built by every engine (MkDocs, ProperDocs, Zensical) with ``papers build``, each checked end to end.

Every engine's site has every paper page with its abstract intact, valid feeds,
links that resolve, and search that works in a browser. What an engine cannot
do yet is an expected failure with its reason (``generator.engines.FEATURES``),
never a skip. ``make test`` checks every engine; CI's matrix one per job
(``make test-engine ENGINE=<name>``, which sets PAPERS_ENGINES).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import feedparser
import pytest
from browsing import PREFIX, served_folder
from bs4 import BeautifulSoup
from conftest import ROOT, copy_project, fetch, free_port, papers, serving, wait_for

from generator.archive import Archive
from generator.engines import ENGINES, FEATURES
from generator.text import readable

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("engines")]  # one worker builds and serves each engine's site

CHOSEN = os.environ.get("PAPERS_ENGINES", " ".join(ENGINES)).split()


class Lacking(AssertionError):
    """What an engine without a feature fails with; any other failure of its test is a real one."""


def expected_failure(feature: str, engine: str) -> list[pytest.MarkDecorator]:
    """The mark of an engine without ``feature``: an expected failure (``Lacking``, nothing else), strict: it fails the run once the engine gains it."""
    said = FEATURES[feature][engine]
    return [] if said == "yes" else [pytest.mark.xfail(reason=f"{ENGINES[engine].title}: {said}", strict=True, raises=Lacking)]


def engines_for(feature: str) -> list:
    return [pytest.param(engine, marks=expected_failure(feature, engine)) for engine in CHOSEN]


def papers_build(project: Path, engine: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return papers(project, "build", "--engine", engine, *args, NO_MKDOCS_2_WARNING="1", **env)


@dataclass(frozen=True)
class Built:
    engine: str
    project: Path
    site: Path
    url: str


@pytest.fixture(scope="module")
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> Iterator[Built]:
    """Each engine's site of the bundled archive, built once for this module and served on localhost under a path."""
    engine = request.param
    project = copy_project(tmp_path_factory.mktemp(f"engine-{engine}"))
    port = free_port()
    url = f"http://127.0.0.1:{port}{PREFIX}"
    result = papers_build(project, engine, SITE_URL=url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    with served_folder(project / "site", project / "root", port):
        yield Built(engine, project, project / "site", url)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "built" in metafunc.fixturenames:
        metafunc.parametrize("built", CHOSEN, indirect=True, scope="module")


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_bytes(), "lxml")


def test_each_page_names_its_engine_in_the_generator_meta(built: Built) -> None:
    for page in ("index.html", "about/index.html", "papers/pointer-networks/index.html", "tags/index.html"):
        generator = soup_of(built.site / page).find("meta", attrs={"name": "generator"})
        assert generator is not None and generator["content"].startswith(ENGINES[built.engine].generator), (page, generator)


def test_the_same_archive_builds_the_same_site_byte_for_byte(built: Built, tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = papers_build(built.project, built.engine, "-d", str(again), SITE_URL=built.url)
    assert result.returncode == 0, result.stdout + result.stderr

    def tree(folder: Path) -> dict[str, bytes]:
        return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}

    first, second = tree(built.site), tree(again)
    assert sorted(first) == sorted(second)
    assert [path for path in first if first[path] != second[path]] == []


def test_every_paper_has_its_page_with_its_abstract_intact(built: Built) -> None:
    records = Archive(built.project / "archive").load()
    assert len(records) == 87
    for record in records:
        page = built.site / "papers" / record.id / "index.html"
        assert page.is_file(), f"{built.engine}: no page for {record.id}"
        soup = soup_of(page)
        assert soup.select_one("p.papers-abstract").get_text() == readable(record.abstract), record.id
        assert soup.h1.get_text().replace("¶", "") == readable(record.title), record.id


def test_a_paper_page_carries_its_scholar_open_graph_and_feed_tags(built: Built) -> None:
    soup = soup_of(built.site / "papers/pointer-networks/index.html")
    assert soup.find("meta", attrs={"name": "citation_title"})["content"] == "Pointer Networks"
    assert soup.find("meta", attrs={"property": "og:url"})["content"] == built.url + "papers/pointer-networks/"
    assert soup.find("script", attrs={"type": "application/ld+json"}) is not None
    tag_page = soup_of(built.site / "tags/diffusion-models/index.html")
    feeds = [link["href"] for link in tag_page.find_all("link", attrs={"type": "application/rss+xml"})]
    assert feeds == [built.url + "feed.xml", built.url + "tags/diffusion-models/feed.xml"]


def test_feeds_are_valid_and_every_item_links_to_a_built_page(built: Built) -> None:
    feeds = [built.site / "feed.xml", *sorted((built.site / "tags").glob("*/feed.xml"))]
    assert len(feeds) > 10
    for path in feeds:
        feed = feedparser.parse(path.read_bytes())
        assert not feed.bozo and feed.version == "rss20", (path, feed.get("bozo_exception"))
        for entry in feed.entries:
            assert entry.link.startswith(built.url), entry.link
            assert (built.site / entry.link.removeprefix(built.url) / "index.html").is_file(), entry.link
    assert len(feedparser.parse((built.site / "feed.xml").read_bytes()).entries) == 50


def test_every_link_and_anchor_of_the_site_resolves(built: Built) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_links.py"), str(built.site)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_search_finds_a_paper_by_its_title_and_a_hand_written_page_in_the_browser(built: Built, browser) -> None:
    from test_browser import open_search, search

    page, errors, outside = open_search(browser, built.url)
    results = search(page, "pointer networks")
    assert results[0]["title"] == "Pointer Networks" and results[0]["href"] == PREFIX + "papers/pointer-networks/"
    assert results[0]["byline"] == "Oriol Vinyals, Meire Fortunato, Navdeep Jaitly · June 2015"
    assert any(r["title"] == "About" and r["href"] == PREFIX + "about/" for r in search(page, "taxonomy hand-curated record"))
    page.click(".md-search-result__link")
    page.wait_for_url("**/about/")
    assert errors == [] and outside == []
    page.close()


@pytest.mark.parametrize("engine", CHOSEN)
def test_a_paper_of_markup_and_templates_shows_as_text_in_page_head_and_list(engine: str, tmp_path: Path, trained_model: Path) -> None:
    from test_site_e2e import assert_injected_markup_shows_as_text, hostile_project

    project = hostile_project(tmp_path)
    result = papers_build(project, engine)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_injected_markup_shows_as_text(project / "site")


@pytest.mark.parametrize("engine", engines_for("Links and anchors checked at build time"))
def test_a_broken_link_in_a_hand_written_page_fails_the_build_naming_its_file_and_line(engine: str, tmp_path: Path, trained_model: Path) -> None:
    project = copy_project(tmp_path)
    about = project / "docs" / "about.md"
    about.write_text(about.read_text(encoding="utf-8") + "\nSee [the list](no-such-page.md).\n", encoding="utf-8")
    line = len(about.read_text(encoding="utf-8").splitlines())
    result = papers_build(project, engine)
    said = result.stdout + result.stderr
    if result.returncode == 0:
        raise Lacking(said)
    assert "no-such-page.md" in said and "about.md" in said
    assert "Traceback" not in said
    if engine == "zensical":  # MkDocs names the file, not the line
        assert f"docs/about.md:{line}" in said, said


@contextmanager
def served(project: Path, engine: str, log: Path) -> Iterator[str]:
    """The project served as ``make serve ENGINE=<engine>`` serves it; yields the site's base URL."""
    if engine != "zensical":
        with serving(project, log, engine) as base:
            yield base
        return
    # Zensical: built once, then its site served as it is.
    built = papers_build(project, engine)
    log.write_text(built.stdout + built.stderr)
    assert built.returncode == 0, log.read_text()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", "site", str(port)], cwd=project)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait()


@pytest.mark.parametrize("engine", engines_for("`serve` rebuilds on archive edits"))
def test_serve_shows_an_archive_edit(engine: str, tmp_path: Path, trained_model: Path) -> None:
    project = copy_project(tmp_path)
    record = next((project / "archive").rglob("pointer-networks.yaml"))
    log = tmp_path / "serve.log"
    with served(project, engine, log) as base:
        url = base + "papers/pointer-networks/"
        assert wait_for(lambda: "Pointer Networks" in fetch(url)), log.read_text()  # served at all: a real failure, even where edits are not followed
        record.write_text(record.read_text().replace("title: Pointer Networks", "title: A Revisit of Pointer Networks"))
        if not wait_for(lambda: "A Revisit of Pointer Networks" in fetch(url), seconds=60):
            raise Lacking(log.read_text())
