"""The in-memory model of the whole site, built once before anything is rendered.

Records in; papers with their final tags, related papers and back-references
out, plus the indexes every page and feed is rendered from.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from .records import Record, newest_first


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


@dataclass
class Catalog:
    """Every paper, newest first, and the indexes pages and feeds are made from."""

    papers: list[Paper]
    tags: dict[str, Tag]
    by_id: dict[str, Paper] = field(init=False)
    by_tag: dict[str, list[Paper]] = field(init=False)
    by_month: dict[tuple[int, int], list[Paper]] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {p.id: p for p in self.papers}
        self.by_tag = defaultdict(list)
        self.by_month = defaultdict(list)
        for paper in self.papers:  # already newest first, so every index is too
            for slug in paper.tags:
                self.by_tag[slug].append(paper)
            self.by_month[(paper.record.added.year, paper.record.added.month)].append(paper)
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
        return self.papers[0].record.added if self.papers else None

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
    """A catalog of ``papers`` in site order (newest first, ties by title then id)."""
    return Catalog(sorted(papers, key=lambda p: newest_first(p.record)), tags)
