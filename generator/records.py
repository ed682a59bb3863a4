"""The paper record: the one curated unit of the archive, its ids and its validation.

A record is plain data; reading and writing it on disk is ``archive.py``'s job.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from slugify import slugify

from .identity import ARXIV_ID_RE, CATEGORY_RE, parse_arxiv_id
from .text import LINK_KINDS, Link, forbidden_character, is_url

ID_MAX_LENGTH = 80
TAG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID_RE = TAG_RE

#: Field order on disk: imported facts first, then what the curator owns.
FIELDS = (
    "id",
    "title",
    "authors",
    "abstract",
    "arxiv",
    "published",
    "categories",
    "added",
    "sources",
    "links",
    "tags_add",
    "tags_remove",
    "note",
    "featured",
)
#: What says which paper a record is: filled by imports where empty, never overwritten.
IDENTITY_FIELDS = ("arxiv", "authors", "published", "categories")


@dataclass(frozen=True)
class Source:
    """Where a record was imported from: the listing's file name and its resolved date."""

    file: str
    date: date


@dataclass
class Record:
    """One paper. ``title`` and ``abstract`` are kept exactly as imported (or as the curator edited them)."""

    id: str
    title: str
    abstract: str
    added: date
    sources: list[Source] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    tags_add: list[str] = field(default_factory=list)
    tags_remove: list[str] = field(default_factory=list)
    note: str = ""
    featured: bool = False
    #: The arXiv id without its version (``2305.13169``, ``cs/0501001``); empty when unknown.
    arxiv: str = ""
    #: Author names, in the paper's order.
    authors: list[str] = field(default_factory=list)
    #: The date of the first arXiv version.
    published: date | None = None
    #: arXiv categories, the primary one first.
    categories: list[str] = field(default_factory=list)

    def to_mapping(self) -> dict[str, Any]:
        """The record as plain YAML-ready data, keys in ``FIELDS`` order."""
        return {
            "id": self.id,
            "title": self.title,
            "authors": list(self.authors),
            "abstract": self.abstract,
            "arxiv": self.arxiv or None,
            "published": self.published,
            "categories": list(self.categories),
            "added": self.added,
            "sources": [{"file": s.file, "date": s.date} for s in self.sources],
            "links": [{"url": link.url, "kind": link.kind} for link in self.links],
            "tags_add": list(self.tags_add),
            "tags_remove": list(self.tags_remove),
            "note": self.note,
            "featured": self.featured,
        }


# --- ids and identity --------------------------------------------------------


def base_id(title: str, abstract: str) -> str:
    """The URL-safe id a title asks for, before collisions are resolved.

    python-slugify transliterates non-Latin scripts; a title with nothing
    transliterable (emoji only) falls back to a stable hash of the paper's text.
    """
    slug = slugify(title, max_length=ID_MAX_LENGTH, word_boundary=True, save_order=True)
    if slug:
        return slug
    digest = hashlib.sha256(f"{title}\n{abstract}".encode()).hexdigest()[:10]
    return f"paper-{digest}"


def unique_id(wanted: str, taken: Container[str], *, start: int = 2) -> str:
    """``wanted``, or ``wanted-2``, ``wanted-3``… the first one not in ``taken`` (numbers below ``start`` known to be taken)."""
    if wanted not in taken:
        return wanted
    n = start
    while f"{wanted}-{n}" in taken:
        n += 1
    return f"{wanted}-{n}"


def fingerprint(abstract: str) -> str:
    """What makes two abstracts the same paper: their words, ignoring case, punctuation and spacing."""
    return " ".join(re.findall(r"\w+", abstract.casefold()))


# --- notes ------------------------------------------------------------------------

#: ``[[paper-id]]`` in a curator's note; anything between the brackets is taken as an id, so a typo is reported, not ignored.
NOTE_LINK_RE = re.compile(r"\[\[(.+?)\]\]")


def note_references(note: str) -> list[str]:
    """Ids a curator's note links to with ``[[paper-id]]``, in order, once each."""
    return list(dict.fromkeys(target.strip() for target in NOTE_LINK_RE.findall(note)))


# --- validation ---------------------------------------------------------------


class RecordInvalid(ValueError):
    """A mapping is not a valid record; ``problems`` are ``(key, message)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {m}" for k, m in problems))


def _text(data: Mapping[str, Any], key: str, problems: list[tuple[str, str]], *, required: bool) -> str:
    value = data.get(key)
    if value is None:
        if required:
            problems.append((key, "is missing; expected non-empty text"))
        return ""
    if not isinstance(value, str):
        problems.append((key, f"expected text, got {type(value).__name__} {value!r}; put it in quotes"))
        return ""
    if required and not value.strip():
        problems.append((key, "is empty; expected non-empty text"))
    bad = forbidden_character(value)
    if bad:
        problems.append((key, f"contains {bad}, which cannot be shown as text; delete it"))
    return value


def _date(value: Any, key: str, problems: list[tuple[str, str]]) -> date:
    if isinstance(value, datetime):
        problems.append((key, f"expected a date written YYYY-MM-DD with no time, got {value!r}"))
        return value.date()
    if isinstance(value, date):
        return value
    problems.append((key, f"expected a date written YYYY-MM-DD, got {value!r}"))
    return date.min


def _tags(data: Mapping[str, Any], key: str, problems: list[tuple[str, str]]) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        problems.append((key, f"expected a list of tag slugs such as [computer-vision], got {value!r}"))
        return []
    bad = [t for t in value if not TAG_RE.match(t)]
    if bad:
        problems.append((key, f"not a tag slug (lower-case letters, digits, hyphens): {', '.join(map(repr, bad))}"))
    return list(value)


def _sources(value: Any, problems: list[tuple[str, str]]) -> list[Source]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(("sources", "expected a list of {file, date} entries"))
        return []
    sources = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            problems.append(("sources", f"expected {{file: NAME, date: YYYY-MM-DD}}, got {item!r}"))
            continue
        bad = forbidden_character(item["file"])
        if bad:
            problems.append(("sources", f"file name contains {bad}; delete it"))
        sources.append(Source(item["file"], _date(item.get("date"), "sources.date", problems)))
    return sources


def _links(value: Any, problems: list[tuple[str, str]]) -> list[Link]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(("links", "expected a list of {url, kind} entries"))
        return []
    links = []
    for item in value:
        ok = isinstance(item, dict) and isinstance(item.get("url"), str) and item.get("kind") in LINK_KINDS
        if not ok or not is_url(item["url"]) or forbidden_character(item["url"]):
            problems.append(("links", f"expected {{url: http(s)://…, kind: one of {', '.join(LINK_KINDS)}}}, got {item!r}"))
            continue
        links.append(Link(item["url"], item["kind"]))
    return links


def _arxiv(value: Any, problems: list[tuple[str, str]]) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float | int):  # 2305.13169 unquoted reads as a number, and loses trailing zeros
        problems.append(("arxiv", f"write the id in quotes, as text: arxiv: '{value}' may not be the id you meant"))
        return ""
    if not isinstance(value, str) or not ARXIV_ID_RE.match(value):
        versionless = parse_arxiv_id(value) if isinstance(value, str) else None
        hint = f"; write {versionless!r}" if versionless else ""
        problems.append(("arxiv", f"expected an arXiv id without version such as '2305.13169' or 'cs/0501001', got {value!r}{hint}"))
        return ""
    return value


def _names(data: Mapping[str, Any], key: str, pattern: re.Pattern[str] | None, problems: list[tuple[str, str]]) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append((key, f"expected a list of non-empty texts, got {value!r}"))
        return []
    for item in value:
        bad = forbidden_character(item)
        if bad:
            problems.append((key, f"{item!r} contains {bad}; delete it"))
    if pattern is not None and not all(pattern.match(v) for v in value):
        problems.append((key, f"expected arXiv categories such as cs.CL or hep-th, got {value!r}"))
    return list(value)


def _optional_date(value: Any, key: str, problems: list[tuple[str, str]]) -> date | None:
    return None if value is None else _date(value, key, problems)


def record_from_mapping(data: Any) -> Record:
    """Validate loaded YAML as a record, reporting every problem at once.

    Raises ``RecordInvalid`` listing ``(key, what was expected)`` for each problem.
    """
    if not isinstance(data, dict):
        raise RecordInvalid([("(file)", f"expected a mapping of record fields, got {type(data).__name__}")])
    problems: list[tuple[str, str]] = []
    unknown = sorted(str(k) for k in data if k not in FIELDS)
    if unknown:
        problems.append((unknown[0], f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(FIELDS)}"))
    record_id = _text(data, "id", problems, required=True)
    if record_id and not ID_RE.match(record_id):
        problems.append(("id", f"{record_id!r} is not URL-safe; expected lower-case letters, digits and hyphens"))
    featured = data.get("featured", False)
    if featured is None:
        featured = False
    if not isinstance(featured, bool):
        problems.append(("featured", f"expected true or false, got {featured!r}"))
        featured = False
    record = Record(
        id=record_id,
        title=_text(data, "title", problems, required=True),
        abstract=_text(data, "abstract", problems, required=True),
        added=_date(data.get("added"), "added", problems),
        sources=_sources(data.get("sources"), problems),
        links=_links(data.get("links"), problems),
        tags_add=_tags(data, "tags_add", problems),
        tags_remove=_tags(data, "tags_remove", problems),
        note=_text(data, "note", problems, required=False),
        featured=featured,
        arxiv=_arxiv(data.get("arxiv"), problems),
        authors=_names(data, "authors", None, problems),
        published=_optional_date(data.get("published"), "published", problems),
        categories=_names(data, "categories", CATEGORY_RE, problems),
    )
    if problems:
        raise RecordInvalid(problems)
    return record


def newest_first(record: Record) -> tuple[int, str, str]:
    """Sort key of the site's order: newest additions first; same day by title, then id,
    so the order never depends on disk order."""
    return (-record.added.toordinal(), record.title.casefold(), record.id)
