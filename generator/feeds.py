"""RSS 2.0 feeds, written with feedgen: ``feed.xml`` for the archive, ``tags/<tag>/feed.xml`` per tag.

Feeds are bytes computed from the catalog alone: no wall clock anywhere, so
the same archive gives byte-identical feeds. ``lastBuildDate`` is the newest
item's date (for a feed with no items: the archive's newest date, or the Unix
epoch for an empty archive).

A feed tells subscribers what is new, so its items are the latest additions
(``Catalog.latest``: by date added, then in the order of the file that added
them), dated the day they were added. Each item names its authors
(``dc:creator``) and says when the paper itself was published, with links to
its arXiv page and PDF.
"""

from __future__ import annotations

import heapq
import html
from collections.abc import Callable, Sequence
from datetime import date, datetime, time, timezone

import markdown
from feedgen.feed import FeedGenerator

from .catalog import Catalog, Paper, Tag
from .config import Settings
from .errors import PapersError
from .identity import abs_url, pdf_url
from .pages import LINK_LABELS, listed_authors, note_markdown, tag_feed_src
from .text import markdown_text, readable

EPOCH = date(1970, 1, 1)


class FeedError(PapersError):
    """A paper's text cannot be put into a feed."""


SITE_FEED = "feed.xml"


def midnight(day: date) -> datetime:
    """The start of ``day`` in UTC: how dates become feed and build timestamps."""
    return datetime.combine(day, time(0, 0), tzinfo=timezone.utc)


def _byline(paper: Paper) -> str:
    """Who wrote the paper, when it was published, and where to read it: arXiv and the PDF."""
    record = paper.record
    lines = [html.escape(listed_authors(record.authors))] if record.authors else []
    facts = [f"Published {paper.published.text}" if paper.published else "Publication date unknown"]
    if record.arxiv:
        facts += [f'<a href="{abs_url(record.arxiv)}">arXiv:{record.arxiv}</a>', f'<a href="{pdf_url(record.arxiv)}">PDF</a>']
    lines.append(" · ".join(facts))
    return "<p>" + "<br>".join(lines) + "</p>"


def _description(paper: Paper, catalog: Catalog, base: str) -> str:
    """The item's HTML: authors, date and reading links, the abstract as escaped text, its links, and the curator's note."""
    record = paper.record
    parts = [_byline(paper), f"<p>{html.escape(readable(record.abstract))}</p>"]
    if record.links:
        items = "".join(f'<li>{LINK_LABELS[link.kind]}: <a href="{html.escape(link.url)}">{html.escape(link.url)}</a></li>' for link in record.links)
        parts.append(f"<ul>{items}</ul>")
    if record.note.strip():

        def link_paper(target: str) -> str:
            other = catalog.by_id[target]
            return f"[{markdown_text(other.title)}]({base}{other.url})"

        note = markdown.markdown(note_markdown(record.note, link_paper))
        parts.append(f"<p><strong>Curator's note:</strong></p>{note}")
    return "".join(parts)


#: Makes one feed (``render_feed``'s arguments), or reuses it.
RenderFeed = Callable[..., bytes]


def render_feed(
    papers: Sequence[Paper],
    catalog: Catalog,
    settings: Settings,
    *,
    title: str,
    description: str,
    page: str,
    feed: str,
) -> bytes:
    """One RSS 2.0 feed of the first ``settings.feeds_items`` of ``papers`` (already latest additions first)."""
    base = settings.require_site_url()
    items = list(papers[: settings.feeds_items])
    fg = FeedGenerator()
    fg.load_extension("dc")
    fg.title(title)
    fg.link(href=base + feed, rel="self")
    fg.link(href=base + page, rel="alternate")  # feedgen uses the last link as the RSS <link>
    fg.description(description)
    fg.language(settings.feeds_language)
    fg.ttl(settings.feeds_ttl)
    fg.generator("Papers Archive (python-feedgen)")
    newest = items[0].record.added if items else (catalog.newest_date or EPOCH)
    fg.lastBuildDate(midnight(newest))
    # feedgen prepends entries by default; add oldest first so the feed reads newest first.
    for paper in reversed(items):
        _add_item(fg, paper, catalog, base)
    return fg.rss_str(pretty=True)


def _add_item(fg: FeedGenerator, paper: Paper, catalog: Catalog, base: str) -> None:
    record = paper.record
    link = base + paper.url
    entry = fg.add_entry()
    entry.title(paper.title)
    entry.link(href=link)
    entry.guid(link, permalink=True)
    entry.pubDate(midnight(record.added))
    entry.description(_description(paper, catalog, base))
    if record.authors:  # one dc:creator, not one per name: readers show a single author field, and the first name alone would misname the paper
        entry.dc.dc_creator(listed_authors(record.authors))
    for slug in paper.tags:
        entry.category(term=catalog.tags[slug].name, scheme=base + f"tags/{slug}/")
    try:  # validation refuses what XML cannot carry; should anything slip through, name the record
        entry.rss_entry()
    except ValueError as exc:
        raise FeedError(f"the paper {record.id!r} cannot be written to a feed ({exc}); run `papers check` and fix its record") from None


#: The discovery links' ``rel`` (see ``discovery_links``).
FEED_REL = "alternate feed"


def _tag_title(settings: Settings, tag: Tag) -> str:
    return f"{settings.site_name}: {tag.name}"


def discovery_links(settings: Settings, tag: Tag | None = None) -> str:
    """``<link rel="alternate feed">`` elements for a page's ``<head>``: the archive's feed, and its tag's.

    Feed readers and browsers read ``rel`` as a list of words and find
    "alternate" there. Material's script looks for ``link[rel=alternate]``, the
    exact value, takes each for another language's copy of the site and fetches
    a ``sitemap.xml`` beside it: on every page, and on a tag page one that does
    not exist. The second word ("feed", a registered link type) keeps it away.
    """
    base = html.escape(settings.require_site_url())
    links = [f'<link rel="{FEED_REL}" type="application/rss+xml" title="{html.escape(settings.site_name)} (RSS)" href="{base}{SITE_FEED}">']
    if tag is not None:
        title = html.escape(_tag_title(settings, tag))
        links.append(f'<link rel="{FEED_REL}" type="application/rss+xml" title="{title} (RSS)" href="{base}{tag_feed_src(tag.slug)}">')
    return "\n".join(links)


def render_feeds(catalog: Catalog, settings: Settings, aliases: dict[str, str] | None = None, make: RenderFeed | None = None) -> dict[str, bytes]:
    """Every feed, keyed by its path on the site. Renamed tags keep a feed at their old path.

    ``make`` makes one feed: ``render_feed``, or a host's reuse of it (``generator.session``).
    """
    make = make or render_feed
    rank = {paper.id: n for n, paper in enumerate(catalog.latest)}
    feeds = {
        SITE_FEED: make(
            catalog.latest,
            catalog,
            settings,
            title=settings.site_name,
            description=settings.site_description or f"New papers in {settings.site_name}",
            page="",
            feed=SITE_FEED,
        )
    }
    # Every tag at its slug; a renamed tag's old feed keeps working, at its own address.
    addresses = [(slug, slug) for slug in sorted(catalog.tags)] + sorted((aliases or {}).items())
    for address, slug in addresses:
        tag = catalog.tags[slug]
        formerly = f" (formerly {address})" if address != slug else ""
        latest = heapq.nsmallest(settings.feeds_items, catalog.by_tag.get(slug, []), key=lambda p: rank[p.id])
        feeds[tag_feed_src(address)] = make(
            latest,
            catalog,
            settings,
            title=_tag_title(settings, tag),
            description=f"New papers tagged {tag.name} in {settings.site_name}{formerly}: {tag.description}",
            page=f"tags/{slug}/",
            feed=tag_feed_src(address),
        )
    return feeds
