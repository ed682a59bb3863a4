"""What a paper page tells machines: its description, Google Scholar's ``citation_*`` tags, Open Graph and JSON-LD.

Everything here is HTML for a page's ``<head>``, escaped for where it goes:
attribute values with ``html.escape``, JSON-LD with ``<``, ``>`` and ``&``
written as ``\\u`` escapes so that no title can close the ``<script>``.
Scholar's guidelines (scholar.google.com/intl/en/scholar/inclusion.html)
ask for ``citation_title``, one ``citation_author`` per author and
``citation_publication_date``; arXiv's own pages add ``citation_arxiv_id``
and ``citation_pdf_url``.
"""

from __future__ import annotations

import json
from html import escape

from .catalog import Catalog, Paper
from .identity import abs_url, arxiv_year, pdf_url
from .records import Record
from .text import readable

DESCRIPTION_LENGTH = 160


def description(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """The start of ``text``, about ``limit`` characters, cut at a word: a page's summary for search results."""
    flat = " ".join(readable(text).split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit + 1].rsplit(" ", 1)[0].rstrip(",;:.-–— ")
    return (cut or flat[:limit]) + "…"


def _meta(attribute: str, name: str, content: str) -> str:
    return f'<meta {attribute}="{name}" content="{escape(content, quote=True)}">'


def json_ld(data: dict) -> str:
    """A JSON-LD block that no text inside can break out of."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/ld+json">{text}</script>'


def _scholar(record: Record, title: str, authors: list[str]) -> list[str]:
    """Google Scholar's tags, only for a paper that has what its guidelines require: a title, authors and a date."""
    if record.published:
        when = record.published.strftime("%Y/%m/%d")
    elif record.arxiv:  # Scholar takes a year alone; every arXiv id says its year
        when = str(arxiv_year(record.arxiv))
    else:
        return []
    if not authors:
        return []
    tags = [_meta("name", "citation_title", title), *(_meta("name", "citation_author", name) for name in authors)]
    tags.append(_meta("name", "citation_publication_date", when))
    if record.arxiv:
        tags += [_meta("name", "citation_arxiv_id", record.arxiv), _meta("name", "citation_pdf_url", pdf_url(record.arxiv))]
    return tags


def paper_head(paper: Paper, catalog: Catalog, base: str) -> str:
    """The ``<head>`` additions of a paper page; ``base`` is the site's absolute address, ending in ``/``."""
    record = paper.record
    title, url = paper.title, base + paper.url
    summary = description(record.abstract)
    authors = [readable(name) for name in record.authors]
    tags = _scholar(record, title, authors)
    tags += [
        _meta("property", "og:type", "article"),
        _meta("property", "og:title", title),
        _meta("property", "og:description", summary),
        _meta("property", "og:url", url),
    ]
    article: dict = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "name": title,
        "headline": title[:110],
        "abstract": readable(record.abstract),
        "url": url,
        "author": [{"@type": "Person", "name": name} for name in authors],
        "keywords": [catalog.tags[t].name for t in paper.tags],
    }
    if paper.published:  # a day, or the month an arXiv id says (ISO 8601 allows "2015-06")
        article["datePublished"] = paper.published.iso
    if record.arxiv:
        article["sameAs"] = abs_url(record.arxiv)
        article["identifier"] = {"@type": "PropertyValue", "propertyID": "arXiv", "value": record.arxiv}
    return "\n".join([*tags, json_ld(article)])
