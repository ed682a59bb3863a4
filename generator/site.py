"""The build, start to end: archive -> catalog -> pages (and feeds). No MkDocs in here."""

from __future__ import annotations

from dataclasses import dataclass, field

from .archive import Archive
from .catalog import Catalog, Paper, Tag, curated_tags, new_catalog
from .config import Settings
from .pages import render_pages
from .records import Record


@dataclass
class Site:
    """Everything a host needs to publish: the catalog, Markdown pages and feed files."""

    catalog: Catalog
    pages: dict[str, str]
    files: dict[str, bytes] = field(default_factory=dict)


def _tag_for(slug: str) -> Tag:
    return Tag(slug, slug.replace("-", " ").capitalize())


def build_catalog(records: list[Record], settings: Settings) -> Catalog:
    """The whole in-memory model, computed once before anything is rendered."""
    papers = [Paper(record, curated_tags(record, [])) for record in records]
    tags = {slug: _tag_for(slug) for paper in papers for slug in paper.tags}
    return new_catalog(papers, tags)


def generate(settings: Settings, records: list[Record] | None = None) -> Site:
    """Build the site model and render it. ``records`` defaults to the archive's."""
    if records is None:
        records = Archive(settings.archive).load()
    catalog = build_catalog(records, settings)
    return Site(catalog, render_pages(catalog, settings))
