"""RSS feeds: valid in feedparser, newest first, stable, escaped, and readable by a real feed reader."""

from __future__ import annotations

import functools
import http.server
import shutil
import sqlite3
import subprocess
import threading
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import SEED, build_site, copy_project, make_record, small_training_set

from generator.config import ConfigError, Settings
from generator.records import Source
from generator.site import generate
from generator.sources import read_source
from generator.text import readable

BASE = "https://example.org/papers/"


def settings(tmp_path: Path, **options) -> Settings:
    # Every paper here is a correction (tags_add), so each build trains: on no labelled papers (the rules decide), as feeds are the point.
    training = str(small_training_set(tmp_path, papers=0))
    return Settings.from_mapping(
        {"cache_dir": str(tmp_path / "cache"), "site_url": BASE, "site_name": "Test Archive", "training": training, **options}, tmp_path
    )


def parse(data: bytes) -> feedparser.FeedParserDict:
    feed = feedparser.parse(data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "rss20"
    return feed


def records(n: int) -> list:
    # Three papers a day, titles deliberately out of order within the day.
    return [make_record(f"p{i:03d}", f"Paper {'ZYX'[i % 3]} {i:03d}", added=date(2025, 1, 1 + i // 3), tags_add=["nlp"]) for i in range(n)]


def test_site_feed_has_the_newest_items_newest_first_same_day_by_title(tmp_path: Path) -> None:
    feed = parse(generate(settings(tmp_path, feeds_items=5), records(9)).files["feed.xml"])
    assert [e.title for e in feed.entries] == ["Paper X 008", "Paper Y 007", "Paper Z 006", "Paper X 005", "Paper Y 004"]
    assert [e.published for e in feed.entries[:2]] == ["Fri, 03 Jan 2025 00:00:00 +0000"] * 2


def test_items_follow_the_order_of_the_file_that_added_them_never_the_alphabet(tmp_path: Path) -> None:
    ranked = ["Zeta Paper", "Alpha Paper", "Mu Paper"]  # Hugging Face's ranking, as the listing has it
    papers = [make_record(f"p{n}", title, sources=[Source("listing.txt", date(2025, 3, 12), 10 + 4 * n)]) for n, title in enumerate(ranked)]
    papers.append(make_record("newer", "Beta Paper", added=date(2025, 3, 13), sources=[Source("next.txt", date(2025, 3, 13), 99)]))
    feed = parse(generate(settings(tmp_path), papers[::-1]).files["feed.xml"])
    assert [e.title for e in feed.entries] == ["Beta Paper", *ranked]


def test_an_item_names_its_authors_its_own_date_and_links_to_arxiv_and_the_pdf(tmp_path: Path) -> None:
    paper = make_record("ptr", "Pointer Networks", arxiv="1506.03134", authors=["Oriol Vinyals", "Meire Fortunato", "Navdeep Jaitly"], added=date(2026, 3, 12))
    data = generate(settings(tmp_path), [paper]).files["feed.xml"]
    entry = parse(data).entries[0]
    assert entry.author == "Oriol Vinyals, Meire Fortunato, Navdeep Jaitly"  # dc:creator
    assert b"<dc:creator>Oriol Vinyals, Meire Fortunato, Navdeep Jaitly</dc:creator>" in data
    assert "Published June 2015" in entry.summary and entry.published == "Thu, 12 Mar 2026 00:00:00 +0000"  # in the feed since the day added
    links = [a["href"] for a in BeautifulSoup(entry.summary, "lxml").select("a")]
    assert links[:2] == ["https://arxiv.org/abs/1506.03134", "https://arxiv.org/pdf/1506.03134"]


def test_items_carry_permalink_guid_abstract_links_tags_and_note(tmp_path: Path) -> None:
    from generator.text import Link

    record = make_record(
        "rich",
        "Rich Paper",
        abstract="An abstract with code at https://github.com/a/b.",
        links=[Link("https://github.com/a/b", "code")],
        tags_add=["nlp", "theory"],
        note="A *fine* paper.",
    )
    data = generate(settings(tmp_path), [record]).files["feed.xml"]
    entry = parse(data).entries[0]
    assert entry.link == entry.id == BASE + "papers/rich/"
    assert b'<guid isPermaLink="true">https://example.org/papers/papers/rich/</guid>' in data
    assert "<p>An abstract with code at https://github.com/a/b.</p>" in entry.summary and "Publication date unknown" in entry.summary
    assert '<a href="https://github.com/a/b">' in entry.summary and "<em>fine</em>" in entry.summary
    assert [t.term for t in entry.tags] == ["NLP", "Theory"]


def test_channel_is_complete_and_dated_by_its_newest_item(tmp_path: Path) -> None:
    data = generate(settings(tmp_path), records(4)).files["feed.xml"]
    feed = parse(data).feed
    assert feed.title == "Test Archive" and feed.link == BASE and feed.language == "en" and feed.ttl == "1440"
    assert feed.updated == "Thu, 02 Jan 2025 00:00:00 +0000"
    assert b'<atom:link href="https://example.org/papers/feed.xml" rel="self"/>' in data


def test_tag_feed_is_titled_with_the_tag_name_and_holds_only_its_papers(tmp_path: Path) -> None:
    papers = [*records(3), make_record("lonely", "A Survey of Things", tags_add=["surveys"], tags_remove=["nlp"])]
    site = generate(settings(tmp_path), papers)
    feed = parse(site.files["tags/surveys/feed.xml"])
    assert feed.feed.title == "Test Archive: Surveys" and feed.feed.link == BASE + "tags/surveys/"
    assert [e.title for e in feed.entries] == ["A Survey of Things"]
    nlp = sorted(p.record.title for p in site.catalog.papers if "nlp" in p.tags)
    assert len(nlp) == 3 and sorted(e.title for e in parse(site.files["tags/nlp/feed.xml"]).entries) == nlp


HOSTILE = "<b>Bold</b> & \"quoted\" 'single' ]]> <![CDATA[ x ]]> {{ y }}"


def test_titles_and_abstracts_are_escaped(tmp_path: Path) -> None:
    record = make_record("hostile", HOSTILE, abstract=f"Abstract: {HOSTILE}")
    data = generate(settings(tmp_path), [record]).files["feed.xml"]
    entry = parse(data).entries[0]
    item = ElementTree.fromstring(data).find("channel/item")
    assert item.findtext("title") == HOSTILE  # the XML carries the title exactly, as text
    assert entry.summary.endswith("<p>Abstract: &lt;b&gt;Bold&lt;/b&gt; &amp; &quot;quoted&quot; &#x27;single&#x27; ]]&gt; &lt;![CDATA[ x ]]&gt; {{ y }}</p>")


def test_empty_archive_gives_valid_empty_feeds(tmp_path: Path) -> None:
    files = generate(settings(tmp_path), []).files
    feed = parse(files["feed.xml"])
    assert feed.entries == [] and feed.feed.updated == "Thu, 01 Jan 1970 00:00:00 +0000"
    assert parse(files["tags/gans/feed.xml"]).entries == []


def test_feeds_never_depend_on_the_clock_or_the_folder(tmp_path: Path) -> None:
    first = generate(settings(tmp_path / "a"), records(7)).files
    second = generate(settings(tmp_path / "b"), records(7)).files
    assert first == second


@pytest.mark.parametrize("site_url", ["", "/papers/", "example.org/papers"])
def test_feeds_need_an_absolute_site_url(tmp_path: Path, site_url: str) -> None:
    with pytest.raises(ConfigError, match=r"site_url .* missing or not absolute"):
        generate(settings(tmp_path, site_url=site_url), records(1))


# --- the built site ----------------------------------------------------------------------


@pytest.fixture
def built(bundled_site: Path) -> Path:
    return bundled_site


def all_feeds(site: Path) -> list[Path]:
    return [site / "feed.xml", *sorted((site / "tags").glob("*/feed.xml"))]


@pytest.mark.e2e
def test_every_built_feed_parses_and_every_item_links_to_a_built_page(built: Path) -> None:
    site_url = "https://papers-archive.github.io/papers-archive/"
    feeds = all_feeds(built)
    assert len(feeds) == 30  # the site's and one per tag of the 29
    for path in feeds:
        feed = parse(path.read_bytes())
        for entry in feed.entries:
            assert entry.link.startswith(site_url)
            assert (built / entry.link[len(site_url) :] / "index.html").is_file(), entry.link
    site_feed = parse((built / "feed.xml").read_bytes()).entries
    assert len(site_feed) == 50


@pytest.mark.e2e
def test_the_bundled_feed_holds_the_first_50_papers_of_the_listing_in_its_order_with_authors_and_links(built: Path) -> None:
    listing = read_source(SEED, today=date(2026, 3, 12), year=2026).entries
    entries = parse((built / "feed.xml").read_bytes()).entries
    assert [e.title for e in entries] == [readable(found.title) for found in listing[:50]]  # Hugging Face's ranking, not the alphabet
    with_id = [e for e in entries if "https://arxiv.org/abs/" in e.summary]
    assert len(with_id) >= 49 and all("https://arxiv.org/pdf/" in e.summary and "Published " in e.summary for e in with_id)
    assert sum(bool(e.get("author")) for e in entries) >= 48


@pytest.mark.e2e
def test_every_page_announces_the_site_feed_and_tag_pages_their_own(built: Path) -> None:
    home = (built / "index.html").read_text(encoding="utf-8")
    tag = (built / "tags" / "gans" / "index.html").read_text(encoding="utf-8")
    site_feed = (
        '<link rel="alternate feed" type="application/rss+xml" title="Papers Archive (RSS)" href="https://papers-archive.github.io/papers-archive/feed.xml">'
    )
    assert site_feed in home and site_feed in tag
    assert 'title="Papers Archive: GANs (RSS)" href="https://papers-archive.github.io/papers-archive/tags/gans/feed.xml"' in tag
    assert "Subscribe to new papers (RSS)</a>" in home and "Subscribe (RSS)</a>" in tag


@pytest.mark.e2e
def test_two_builds_in_different_folders_are_byte_identical(built: Path, tmp_path: Path) -> None:
    other = copy_project(tmp_path)
    assert build_site(other, other / "site").returncode == 0
    for path in sorted(p for p in built.rglob("*") if p.is_file()):
        assert path.read_bytes() == (other / "site" / path.relative_to(built)).read_bytes(), path


@pytest.mark.e2e
def test_missing_site_url_is_a_clear_build_error(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    result = build_site(project, tmp_path / "site", SITE_URL="")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "site_url '' is missing or not absolute: feeds need absolute links" in result.stderr


@pytest.fixture
def served(built: Path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(built))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("newsboat") is None, reason="newsboat is not installed (make test installs it with apt-get as root)")
def test_a_real_feed_reader_subscribes_over_localhost(served: str, tmp_path: Path, built: Path) -> None:
    urls = tmp_path / "urls"
    urls.write_text(f"{served}feed.xml\n{served}tags/gans/feed.xml\n", encoding="utf-8")
    (tmp_path / "config").write_text("", encoding="utf-8")
    cache = tmp_path / "cache.db"
    run = subprocess.run(
        ["newsboat", "-u", str(urls), "-c", str(cache), "-C", str(tmp_path / "config"), "-x", "reload"], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    with sqlite3.connect(cache) as db:
        titles = {row[0] for row in db.execute("SELECT title FROM rss_feed")}
        authors = dict(db.execute("SELECT guid, author FROM rss_item"))
    guids = set(authors)
    assert titles == {"Papers Archive", "Papers Archive: GANs"}
    entries = {e.id: e for path in ("feed.xml", "tags/gans/feed.xml") for e in parse((built / path).read_bytes()).entries}
    assert guids == set(entries)  # newsboat keeps an item once however many feeds carry it
    assert {g: authors[g] for g in guids} == {g: e.get("author", "") for g, e in entries.items()}  # the reader shows who wrote each paper
    assert sum(bool(a) for a in authors.values()) >= len(guids) - 2
