"""The in-memory model of the whole site, built once before anything is rendered.

Records in; papers with their final tags, related papers and back-references
out, plus the indexes every page and feed is rendered from.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from .dates import Month, Published
from .records import Record, added_order
from .text import first_sentence, readable


@dataclass(frozen=True)
class Tag:
    """A tag as shown: its slug, display name and one-line description."""

    slug: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class Related:
    """A related paper, with its score and the reasons shown to readers."""

    id: str
    score: float
    reasons: tuple[str, ...] = ()


@dataclass
class Paper:
    """A record plus everything computed about it at build time."""

    record: Record
    tags: list[str] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)
    referenced_by: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def url(self) -> str:
        """The page's path on the site, relative to its root."""
        return f"papers/{self.record.id}/"

    # What readers see of a paper, computed once for every page, list and feed that shows it.

    @cached_property
    def published(self) -> Published | None:
        """The paper's own date: its source's, else its arXiv id's month; None when unknown (never the day it was added)."""
        return Published.of(self.record.published, self.record.arxiv)

    @cached_property
    def title(self) -> str:
        return readable(self.record.title)

    @cached_property
    def lead(self) -> str:
        """The abstract's first sentence, about ``LEAD_LENGTH`` characters at most: what a list row shows."""
        return first_sentence(readable(self.record.abstract), LEAD_LENGTH)


#: The longest first sentence a list row shows; a longer one is cut at a word.
LEAD_LENGTH = 200


def published_order(paper: Paper) -> tuple:
    """Sort key of lists by date: newest published first, papers of unknown date last; ties in the order of addition."""
    when = paper.published
    return (when is None, *((-when.year, -when.month, -when.day) if when else (0, 0, 0)), *added_order(paper.record))


@dataclass
class Catalog:
    """Every paper, newest published first, and the indexes pages and feeds are made from.

    ``papers`` and every index are in published order (``published_order``);
    ``latest`` holds the same papers in the order they were added (``added_order``),
    for "latest additions" and the feeds.
    """

    papers: list[Paper]
    tags: dict[str, Tag]
    latest: list[Paper] = field(init=False)
    by_id: dict[str, Paper] = field(init=False)
    by_tag: dict[str, list[Paper]] = field(init=False)
    #: Papers by the month they were published, newest month first.
    by_month: dict[Month, list[Paper]] = field(init=False)
    #: Papers whose date is unknown (no date from their source, no arXiv id).
    undated: list[Paper] = field(init=False)

    def __post_init__(self) -> None:
        self.latest = sorted(self.papers, key=lambda p: added_order(p.record))
        self.by_id = {p.id: p for p in self.papers}
        self.by_tag = defaultdict(list)
        self.by_month = defaultdict(list)
        self.undated = []
        for paper in self.papers:  # already newest first, so every index is too
            for slug in paper.tags:
                self.by_tag[slug].append(paper)
            if paper.published is None:
                self.undated.append(paper)
            else:
                self.by_month[paper.published.month_key].append(paper)
        self.by_tag = dict(self.by_tag)
        self.by_month = dict(self.by_month)

    @property
    def used_tags(self) -> list[Tag]:
        """Every tag of the vocabulary, most papers first, then by name (a tag may have none yet)."""
        return sorted(self.tags.values(), key=lambda t: (-len(self.by_tag.get(t.slug, [])), t.name.casefold(), t.slug))

    @property
    def featured(self) -> list[Paper]:
        return [p for p in self.papers if p.record.featured]

    @property
    def newest_date(self) -> date | None:
        """The day the newest paper was added: the archive's last change, as feeds and the sitemap date it."""
        return self.latest[0].record.added if self.latest else None

    def co_tags(self, slug: str, limit: int = 8) -> list[tuple[Tag, int]]:
        """Tags that most often appear together with ``slug``, with how often."""
        counts: Counter[str] = Counter()
        for paper in self.by_tag.get(slug, []):
            counts.update(t for t in paper.tags if t != slug)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(self.tags[s], n) for s, n in ranked[:limit]]


def curated_tags(record: Record, automatic: list[str], *, add: list[str] | None = None, remove: list[str] | None = None) -> list[str]:
    """Final tags: the automatic ones, plus ``tags_add``, minus ``tags_remove``. The curator always wins.

    ``add`` and ``remove`` are the record's lists with renamed tags resolved.
    """
    added = record.tags_add if add is None else add
    removed = set(record.tags_remove if remove is None else remove)
    return sorted({*automatic, *added} - removed)


def new_catalog(papers: list[Paper], tags: dict[str, Tag]) -> Catalog:
    """A catalog of ``papers`` in site order (``published_order``)."""
    return Catalog(sorted(papers, key=published_order), tags)
