"""End to end: real `mkdocs build --strict` runs, checked with a real HTML parser."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup
from conftest import SEED, build_site, copy_project, papers, synthetic_listing, with_model

from generator.archive import Archive
from generator.sources import read_source
from generator.sources.listing import parse_listing
from generator.text import readable

pytestmark = pytest.mark.e2e
MKDOCS = [sys.executable, "-m", "mkdocs"]


def build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    result = build_site(project, site)
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return result


@pytest.fixture
def site(bundled_site: Path) -> Path:
    """The bundled archive, built as a clean clone would build it (once for every test of the run)."""
    return bundled_site


@cache
def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def paper_pages(site: Path) -> list[Path]:
    return sorted(p for p in (site / "papers").glob("*/index.html") if p.parent.name != "page")


def test_every_seed_paper_has_a_page(site: Path) -> None:
    assert len(paper_pages(site)) == 87


def test_every_seed_abstract_is_the_visible_text_of_its_page(site: Path) -> None:
    shown = {}
    for page in paper_pages(site):
        soup = soup_of(page)
        shown[soup.h1.get_text().replace("¶", "")] = soup.select_one("p.papers-abstract").get_text()
    for entry in parse_listing(SEED, today=__import__("datetime").date(2026, 11, 26)).entries:
        assert shown[readable(entry.title)] == readable(entry.abstract)
    texts = "\n".join(shown.values())
    for literal in ["256*256", "E[Y|X]", "Stable Diffusion [27]", "TÜLU 3", "“conditions”", "{p}_{theta}(Y|X)", "by 20%"]:
        assert literal in texts, literal


SITE_PATH = "/papers-archive/"  # the path of site_url: 404.html links from the site's root


def _local_target(site: Path, page: Path, href: str) -> tuple[Path, str] | None:
    if href.startswith(SITE_PATH):
        href = str(site) + "/" + href[len(SITE_PATH) :]
    url = urlsplit(urljoin("file://" + str(page), href))
    if url.scheme != "file":
        return None
    target = Path(unquote(url.path))
    if target.is_dir() or not target.suffix:
        target = target / "index.html"
    return target, url.fragment


def test_every_internal_link_resolves(site: Path) -> None:
    broken = []
    pages = sorted(site.rglob("*.html"))
    for page in pages:
        for tag, attr in (("a", "href"), ("link", "href"), ("script", "src"), ("img", "src")):
            for element in soup_of(page).find_all(tag, attrs={attr: True}):
                found = _local_target(site, page, element[attr])
                if found is None:
                    continue
                target, fragment = found
                if not target.exists():
                    broken.append(f"{page.relative_to(site)} -> {element[attr]}")
                elif fragment and target.suffix == ".html" and not soup_of(target).find(id=fragment):
                    broken.append(f"{page.relative_to(site)} -> {element[attr]} (no anchor)")
    assert broken == []
    assert len(pages) > 87


def test_no_paper_is_in_the_nav(site: Path) -> None:
    for page in [site / "index.html", *paper_pages(site)[:5]]:
        nav_links = [a["href"] for a in soup_of(page).select("nav.md-nav a[href]")]
        assert nav_links, page
        targets = {t[0] for h in nav_links if not h.startswith("#") and (t := _local_target(site, page, h))}
        assert not targets & set(paper_pages(site)), page


def test_nav_is_home_papers_tags_archive_about(site: Path) -> None:
    tabs = [a.get_text(" ", strip=True) for a in soup_of(site / "index.html").select("nav.md-tabs a.md-tabs__link")]
    assert tabs == ["Home", "Papers", "Tags", "Archive", "About"]


HOSTILE_TITLE = "<script>alert(1)</script> {{ x }} </title><b>E[Y|X]</b> <!-- material/tags -->"
HOSTILE_AUTHOR = 'Ann "Quote" O\'Neil </script><script>alert(4)</script> & Co'
HOSTILE_ABSTRACT = "An abstract with <script>alert(2)</script>, {{ config.site_name }}, {% raw %}, *not em*, [27] and <!-- material/tags -->."


def hostile_project(folder: Path) -> Path:
    """A project whose one paper's title, authors, abstract and note are markup, templates and escapes."""
    copy_project(folder, ("mkdocs.yml", "docs", "overrides"))
    record = Archive(folder / "archive").path_for("hostile")
    record.parent.mkdir(parents=True)
    record.write_text(
        f"id: hostile\ntitle: {HOSTILE_TITLE!r}\n" + f"abstract: {HOSTILE_ABSTRACT!r}\n"
        f"authors: [{json.dumps(HOSTILE_AUTHOR)}]\narxiv: '2305.13169'\n"
        "added: 2025-01-01\nnote: '<img src=x onerror=alert(3)> **bold** {{ y }}'\n",
        encoding="utf-8",
    )
    return folder


def test_injected_markup_shows_as_text(tmp_path: Path) -> None:
    build(hostile_project(tmp_path), tmp_path / "site")
    assert_injected_markup_shows_as_text(tmp_path / "site")


def assert_injected_markup_shows_as_text(site: Path) -> None:
    """The hostile paper's page and list, as built: every value shown whole, as text, nothing run."""
    soup = soup_of(site / "papers" / "hostile" / "index.html")
    assert soup.title.get_text() == HOSTILE_TITLE + " - Papers Archive"
    assert soup.h1.get_text().replace("¶", "") == HOSTILE_TITLE
    assert soup.select_one("p.papers-abstract").get_text() == HOSTILE_ABSTRACT
    article = soup.select_one("article")
    assert article.find("script") is None and article.find("img") is None
    assert "<img src=x onerror=alert(3)> bold {{ y }}" in article.get_text()
    assert [s for s in soup.find_all("script") if "alert" in s.get_text() and s.get("type") != "application/ld+json"] == []
    # The head: every value whole, inside its attribute or its JSON-LD block.
    data = json.loads(soup.find("script", type="application/ld+json").string)
    assert data["name"] == HOSTILE_TITLE and data["author"] == [{"@type": "Person", "name": HOSTILE_AUTHOR}]
    assert data["abstract"] == HOSTILE_ABSTRACT and data["identifier"]["value"] == "2305.13169"
    assert meta(soup, "citation_title") == [HOSTILE_TITLE] and meta(soup, "citation_author") == [HOSTILE_AUTHOR]
    assert soup.find("meta", property="og:title")["content"] == HOSTILE_TITLE
    assert meta(soup, "description")[0].startswith("An abstract with <script>alert(2)</script>")
    assert HOSTILE_AUTHOR in soup.select_one(".papers-authors").get_text()
    assert json.dumps(HOSTILE_TITLE)[1:20] not in (site / "papers" / "hostile" / "index.html").read_text()  # escaped, never raw
    listed = [a.get_text() for a in soup_of(site / "papers" / "index.html").select("ul.papers-list a")]
    assert listed == [HOSTILE_TITLE]  # lists of papers are raw HTML blocks: escaped there too


def test_file_urls_are_refused_with_a_clear_error(tmp_path: Path) -> None:
    copy_project(tmp_path, ("mkdocs.yml", "docs", "overrides"))
    with (tmp_path / "mkdocs.yml").open("a", encoding="utf-8") as config:
        config.write("use_directory_urls: false\n")
    result = subprocess.run([*MKDOCS, "build", "--strict", "-f", str(tmp_path / "mkdocs.yml")], capture_output=True, text=True)
    assert result.returncode != 0 and "use_directory_urls: false is not supported" in result.stderr and "Traceback" not in result.stderr


def meta(soup: BeautifulSoup, name: str) -> list[str]:
    return [m["content"] for m in soup.find_all("meta", attrs={"name": name})]


def test_hand_written_pages_win_over_generated_ones(tmp_path: Path) -> None:
    copy_project(tmp_path)
    (tmp_path / "docs" / "index.md").write_text("# Our own home\n\nWritten by hand.\n", encoding="utf-8")
    build(tmp_path, tmp_path / "site")
    home = soup_of(tmp_path / "site" / "index.html")
    assert home.h1.get_text().replace("¶", "") == "Our own home"
    assert (tmp_path / "site" / "papers" / "pointer-networks" / "index.html").exists()


def test_curator_notes_cannot_create_attributes_or_script_links(tmp_path: Path) -> None:
    copy_project(tmp_path, ("mkdocs.yml", "docs", "overrides"))
    record = Archive(tmp_path / "archive").path_for("noted")
    record.parent.mkdir(parents=True)
    note = '[click](javascript:alert(1)){ onclick="alert(2)" } [x](java&#115;cript:alert(3)) [ok](https://example.org)'
    record.write_text(f"id: noted\ntitle: Noted\nabstract: An abstract.\nadded: 2025-01-01\nnote: {note!r}\n", encoding="utf-8")
    build(tmp_path, tmp_path / "site")
    article = soup_of(tmp_path / "site" / "papers" / "noted" / "index.html").select_one("article")
    hrefs = [a["href"] for a in article.find_all("a", href=True) if not a["href"].startswith("#")]
    assert "https://example.org" in hrefs and not [h for h in hrefs if "script" in h.lower()]
    assert not [el for el in article.find_all(True) if any(attr.startswith("on") for attr in el.attrs)]
    assert '[click](javascript:alert(1)){ onclick="alert(2)" }' in article.get_text()


def test_the_home_page_shows_the_count_the_date_chart_featured_cards_the_latest_and_every_tag(site: Path) -> None:
    soup = soup_of(site / "index.html")
    article = soup.select_one("article")
    assert "The archive holds 87 papers" in article.get_text()
    chart = article.select_one("figure.papers-chart--months")
    assert chart.svg["role"] == "img" and chart.svg.title.get_text() == "Papers by date of publication"
    caption = chart.figcaption.get_text()  # the seed's papers were published from 2015 on; all were added in March 2026
    assert caption.startswith("Papers by date of publication, 2015 to 2025: 86 papers in all;"), caption
    cards = article.select(".grid.cards > ul > li")
    assert len(cards) == 6 and cards[0].a.get_text() == "Alignment faking in large language models"
    latest = article.select("ul.papers-list > li")
    listing = read_source(SEED, today=date(2026, 3, 12), year=2026).entries
    assert [li.a.get_text() for li in latest] == [readable(found.title) for found in listing[:10]]  # added together: the listing's order
    assert len(article.select("ul.papers-tag-grid > li")) == 29
    assert article.select_one("a.md-button--primary.papers-subscribe")["href"] == "feed.xml"


def test_a_tag_page_charts_its_months_and_its_companion_tags_each_a_link(site: Path) -> None:
    soup = soup_of(site / "tags" / "diffusion-models" / "index.html")
    months, companions = soup.select("article figure.papers-chart")
    assert months.svg.title.get_text() == "Papers tagged Diffusion models by date of publication"
    assert len(months.select("rect")) > 1  # every paper of the bundled archive was added in March 2026, but published over years
    links = companions.select("a")
    assert links and all((site / "tags" / "diffusion-models" / a["href"] / "index.html").exists() for a in links)
    listed = [item.small.get_text() for item in soup.select("article ul.papers-list > li")]  # "authors · date · tag, tag…"
    name, count = links[0]["aria-label"].rsplit(": ", 1)
    assert count == f"{sum(name in tags.rsplit(' · ', 1)[-1].split(', ') for tags in listed)} papers"
    counts = [int(a["aria-label"].rsplit(": ", 1)[1].split()[0]) for a in links]
    assert counts == sorted(counts, reverse=True)  # most frequent first


def test_a_paper_page_graphs_its_related_papers_and_theirs_each_node_a_link(site: Path) -> None:
    page = site / "papers" / "adaptive-guidance-training-free-acceleration-of-conditional-diffusion-models" / "index.html"
    graph = soup_of(page).select_one("article figure.papers-chart--graph")
    nodes = graph.select("a")
    items = soup_of(page).select("article ol.papers-related > li")
    related = [li.a["href"] for li in items]
    assert [a["href"] for a in nodes if a.select_one("circle.papers-chart__near")] == related
    keys = [a.select_one("text").get_text() for a in nodes]
    assert keys[-len(items) :] == [str(n) for n in range(1, len(items) + 1)]  # numbered as the list below is
    for key, a in zip(keys, nodes, strict=True):  # and every point beyond is keyed in its related paper's entry
        assert a["aria-label"].startswith(f"{key}. ")
        if not key.isdigit():
            assert f"{key}\xa0{a['aria-label'].split('. ', 1)[1]}" in items[int(key[:-1]) - 1].get_text()
    assert 5 < len(nodes) <= 5 * 4  # the related papers, and at most three of each one's own
    assert len({a["href"] for a in nodes}) == len(nodes)  # each paper drawn once
    assert all(a["aria-label"] for a in nodes)


def test_a_damaged_cache_is_said_and_rebuilt_and_a_strict_build_still_passes(project: Path, trained_model: Path) -> None:
    assert papers(project, "import", str(synthetic_listing(project / "five.txt", 5))).returncode == 0
    with_model(project, trained_model)
    build(project, project / "site")
    index = {str(p.relative_to(project / "site")): p.read_bytes() for p in sorted((project / "site" / "search").rglob("*")) if p.is_file()}
    cache = project / ".cache" / "papers"
    (related,) = cache.glob("related-*.json")
    related.write_bytes(related.read_bytes()[:100])  # as a full disk leaves it (a model too: tests/test_classifier.py)
    fragment = next(cache.glob("search/*/fragment/1_0.pf_fragment"))
    fragment.write_bytes(fragment.read_bytes()[:-4] + b"oops")
    said = build(project, project / "site").stderr  # strict: a damaged cache is not the site's fault
    damaged = [line for line in said.splitlines() if "could not be used" in line]
    assert len(damaged) == 2 and all(line.startswith("INFO") for line in damaged), said
    assert str(related) in damaged[0] and "truncated" in damaged[0] and "1_0.pf_fragment does not match" in damaged[1], damaged
    assert {str(p.relative_to(project / "site")): p.read_bytes() for p in sorted((project / "site" / "search").rglob("*")) if p.is_file()} == index


def test_no_link_from_paper_text_stops_a_strict_build_or_becomes_markup(tmp_path: Path) -> None:
    # The first address was taken from an abstract by earlier versions: written as a Markdown link it
    # ended at ")", the rest became an onmouseover attribute, and strict builds stopped on "<https:…".
    copy_project(tmp_path, ("mkdocs.yml", "docs", "overrides"))
    old = "https://github.com/quux/lnk){onmouseover=alert(document.domain)}\\"
    kept = ["https://github.com/a/b", "https://x.org/a)b(c]d[e*f_g~h$i;j&#58;k&amp;l"]
    record = Archive(tmp_path / "archive").path_for("linked")
    record.parent.mkdir(parents=True)
    links = "".join(f"- {{url: {json.dumps(url)}, kind: {kind}}}\n" for url, kind in [(old, "code"), (kept[0], "code"), (kept[1], "project")])
    record.write_text(f"id: linked\ntitle: Linked\nabstract: An abstract.\nadded: 2025-01-01\nlinks:\n{links}", encoding="utf-8")
    result = build(tmp_path, tmp_path / "site")
    assert f"{record.relative_to(tmp_path)}:6: links: " in result.stderr and "the site leaves it out" in result.stderr
    soup = soup_of(tmp_path / "site" / "papers" / "linked" / "index.html")
    assert [a["href"] for a in soup.select("a.md-button")] == kept
    assert not [el for el in soup.select_one("article").find_all(True) if any(attr.startswith("on") for attr in el.attrs)]
    assert not [p for p in (tmp_path / "site").rglob("*.*") if p.suffix in {".html", ".xml", ".json"} and "onmouseover" in p.read_text(encoding="utf-8")]
