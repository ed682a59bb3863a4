"""`mkdocs serve`: an edit under archive/ shows on the served site and in its search index, rebuilt incrementally, and serving settles (no rebuild loop)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import copy_project, fetch, serving, wait_for

pytestmark = pytest.mark.e2e


def test_serve_rebuilds_on_archive_edits_and_then_settles(tmp_path: Path) -> None:
    copy_project(tmp_path)
    record = next((tmp_path / "archive").rglob("pointer-networks.yaml"))
    log = tmp_path / "serve.log"
    with serving(tmp_path, log) as base:
        url = base + "papers/pointer-networks/"
        assert wait_for(lambda: "Pointer Networks" in fetch(url)), log.read_text()
        entry = base + "search/1/pagefind-entry.json"  # the search index is served too, and rebuilt after the site
        before = fetch(entry)
        edited = record.read_text().replace("title: Pointer Networks", "title: A Revisit of Pointer Networks")
        record.write_text(edited.replace("tags_add: []", "tags_add: [theory]"))
        assert wait_for(lambda: "A Revisit of Pointer Networks" in fetch(url)), log.read_text()
        assert "A Revisit of Pointer Networks" in fetch(base + "archive/2015/06/")
        assert "<title>A Revisit of Pointer Networks</title>" in fetch(base + "tags/theory/feed.xml")  # feeds are regenerated under serve too
        assert wait_for(lambda: fetch(entry) not in ("", before)), log.read_text()  # the index follows the pages, on its own thread
        # Plain `mkdocs serve` rebuilds incrementally: the edit's pages, not all of them.
        rebuilt = [tuple(map(int, m)) for m in re.findall(r"incremental build: (\d+) of (\d+) generated", log.read_text())]
        assert len(rebuilt) >= 2 and 0 < rebuilt[-1][0] < rebuilt[-1][1] and rebuilt[0][0] == rebuilt[0][1], rebuilt
        builds = log.read_text().count("Building documentation")
        time.sleep(4)  # a rebuild loop would keep building with no edit
        assert log.read_text().count("Building documentation") == builds, log.read_text()


@contextmanager
def served_pointer_networks(tmp_path: Path) -> Iterator[tuple[Path, str, Path, str, str]]:
    """The bundled project served, once its first build has settled with no problem.

    Yields Pointer Networks' record, its text as built, the serve log, the paper's URL and the status file's URL.
    """
    copy_project(tmp_path)
    record = next((tmp_path / "archive").rglob("pointer-networks.yaml"))
    log = tmp_path / "serve.log"
    with serving(tmp_path, log) as base:
        url, status = base + "papers/pointer-networks/", base + "papers-status.json"
        assert wait_for(lambda: '"problem": null' in fetch(status)), log.read_text()
        yield record, record.read_text(), log, url, status


def test_a_broken_record_keeps_the_last_good_site_served_with_a_banner_until_it_is_fixed(tmp_path: Path) -> None:
    with served_pointer_networks(tmp_path) as (record, good, log, url, status):
        page = fetch(url)
        assert "papers-status.json" in page and "Pointer Networks" in page  # every served page reads the status
        record.write_text(good.replace("title: Pointer Networks", "title: Broken\ntitle: Twice"))
        assert wait_for(lambda: "written twice" in fetch(status)), log.read_text()
        problem = json.loads(fetch(status))["problem"]
        assert "pointer-networks.yaml:" in problem and "title" in problem  # the file, the line, the key
        assert "<title>Pointer Networks" in fetch(url)  # the last good build, still served
        assert "The served site keeps its last good build" in log.read_text()
        record.write_text(good.replace("title: Pointer Networks", "title: Pointer Networks, Fixed"))
        assert wait_for(lambda: '"problem": null' in fetch(status)), log.read_text()
        assert wait_for(lambda: "Pointer Networks, Fixed" in fetch(url)), log.read_text()


@pytest.mark.xdist_group("browser")
def test_in_the_browser_the_banner_shows_the_problem_and_clears_when_it_is_fixed(tmp_path: Path, browser) -> None:
    with served_pointer_networks(tmp_path) as (record, good, log, url, status):
        page = browser.new_context().new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url, wait_until="load")  # never "networkidle": live reload keeps a request open
        page.locator("html[data-papers-status=ok]").wait_for(state="attached")
        assert page.locator(".papers-problem").count() == 0
        record.write_text(good.replace("title: Pointer Networks", "title: Broken\ntitle: Twice"))
        assert wait_for(lambda: "written twice" in fetch(status)), log.read_text()
        banner = page.locator("[role=alert].papers-problem")
        banner.wait_for(timeout=120_000)  # live reload reloads the page after the build
        assert "pointer-networks.yaml:" in banner.inner_text() and "written twice" in banner.inner_text()
        assert page.title().startswith("Pointer Networks")  # the last good page, under the banner
        record.write_text(good)
        assert wait_for(lambda: '"problem": null' in fetch(status)), log.read_text()
        page.locator("html[data-papers-status=ok]").wait_for(state="attached", timeout=120_000)  # reloaded again, and read
        assert page.locator(".papers-problem").count() == 0 and errors == []
        page.context.close()
