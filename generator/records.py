"""The paper record: the one curated unit of the archive, its ids and its validation.

A record is plain data; reading and writing it on disk is ``archive.py``'s job.
"""

from __future__ import annotations

import hashlib
import re
import reprlib
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from slugify import slugify

from .identity import ARXIV_ID_RE, CATEGORY_RE, parse_arxiv_id
from .text import LINK_KINDS, URL_RULE, Link, forbidden_character, is_url

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

# What a record may hold: far above any real paper (arXiv caps an abstract at 1,920
# characters; its longest author list, ATLAS and CMS's 1503.07589, has 5,154 names), and
# far below what would stall every build (a pasted 5 MB abstract cost tf-idf minutes and gigabytes).
#: The most characters a text field may have.
MAX_LENGTHS = {"title": 1_000, "abstract": 20_000, "note": 100_000}
#: The most characters one author's name may have, and the most authors a record may list.
MAX_AUTHOR_LENGTH = 300
MAX_AUTHORS = 10_000
#: The most bytes a record file may have: checked before it is parsed.
MAX_RECORD_BYTES = 1_000_000


@dataclass(frozen=True)
class Source:
    """Where a record was imported from: the file's name, its resolved date, and the paper's line in it.

    The line orders papers added the same day as their file listed them (a Hugging
    Face listing's order is its ranking); None for records imported before it was kept.
    """

    file: str
    date: date
    line: int | None = None

    def to_mapping(self) -> dict[str, Any]:
        return {"file": self.file, "date": self.date, **({"line": self.line} if self.line is not None else {})}


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
            "sources": [s.to_mapping() for s in self.sources],
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
    if "[[" not in note:  # most notes (and every empty one): asked of every paper on every build
        return []
    return list(dict.fromkeys(target.strip() for target in NOTE_LINK_RE.findall(note)))


# --- validation ---------------------------------------------------------------

_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxdict, _REPR.maxset, _REPR.maxtuple = 2, 4, 4, 4, 4
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlong = 40


def shown(value: Any) -> str:
    """``repr(value)`` cut short, for messages: a value may be megabytes long, or nest deeply."""
    return _REPR.repr(value)


def _more(items: Sequence[Any], listed: int) -> str:
    return f" and {len(items) - listed:,} more" if len(items) > listed else ""


class RecordInvalid(ValueError):
    """A mapping is not a valid record; ``problems`` are ``(key, message)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{k}: {m}" for k, m in problems))


def _length_problem(key: str, value: str) -> str | None:
    maximum = MAX_LENGTHS[key]
    return f"is {len(value):,} characters long, more than the {maximum:,} allowed; shorten it" if len(value) > maximum else None


def _authors_problem(names: Sequence[str]) -> str | None:
    if len(names) > MAX_AUTHORS:
        return f"lists {len(names):,} names, more than the {MAX_AUTHORS:,} allowed; keep the first {MAX_AUTHORS:,}"
    if not names or max(map(len, names)) <= MAX_AUTHOR_LENGTH:
        return None
    n, name = next((n, name) for n, name in enumerate(names, start=1) if len(name) > MAX_AUTHOR_LENGTH)
    return (
        f"name {n} ({shown(name[:40] + '…')}) is {len(name):,} characters long, more than the {MAX_AUTHOR_LENGTH} allowed;"
        " one name per item, such as [Ada Lovelace, Alan Turing]"
    )


def size_problems(title: str, abstract: str, authors: Sequence[str]) -> list[tuple[str, str]]:
    """``(key, message)`` for each of a paper's texts that is longer than a record may hold."""
    found = [(key, _length_problem(key, value)) for key, value in (("title", title), ("abstract", abstract))]
    found.append(("authors", _authors_problem(authors)))
    return [(key, message) for key, message in found if message]


def _text(data: Mapping[str, Any], key: str, problems: list[tuple[str, str]], *, required: bool) -> str:
    value = data.get(key)
    if value is None:
        if required:
            problems.append((key, "is missing; expected non-empty text"))
        return ""
    if not isinstance(value, str):
        problems.append((key, f"expected text, got {type(value).__name__} {shown(value)}; put it in quotes"))
        return ""
    too_long = _length_problem(key, value) if key in MAX_LENGTHS else None
    if too_long:  # nothing else is worth checking in megabytes of text
        problems.append((key, too_long))
        return ""
    if required and not value.strip():
        problems.append((key, "is empty; expected non-empty text"))
    bad = forbidden_character(value)
    if bad:
        problems.append((key, f"contains {bad}, which cannot be shown as text; delete it"))
    return value


def _date(value: Any, key: str, problems: list[tuple[str, str]]) -> date:
    if isinstance(value, datetime):
        problems.append((key, f"expected a date written YYYY-MM-DD with no time, got {shown(value)}"))
        return value.date()
    if isinstance(value, date):
        return value
    problems.append((key, f"expected a date written YYYY-MM-DD, got {shown(value)}"))
    return date.min


def _tags(data: Mapping[str, Any], key: str, problems: list[tuple[str, str]]) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        problems.append((key, f"expected a list of tag slugs such as [computer-vision], got {shown(value)}"))
        return []
    bad = [t for t in value if not TAG_RE.match(t)]
    if bad:
        problems.append((key, f"not a tag slug (lower-case letters, digits, hyphens): {', '.join(map(shown, bad[:5]))}{_more(bad, 5)}"))
    return list(value)


def _sources(value: Any, problems: list[tuple[str, str]]) -> list[Source]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(("sources", "expected a list of {file, date} entries"))
        return []
    sources = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("file"), str) or not set(item) <= {"file", "date", "line"}:
            problems.append(("sources", f"expected {{file: NAME, date: YYYY-MM-DD, line: N}} (line optional), got {shown(item)}"))
            continue
        bad = forbidden_character(item["file"])
        if bad:
            problems.append(("sources", f"file name contains {bad}; delete it"))
        line = item.get("line")
        if line is not None and (type(line) is not int or not 0 < line < 10**9):
            problems.append(("sources", f"line: expected the paper's line in its file, a whole number from 1, got {shown(line)}; fix it or delete it"))
            line = None
        sources.append(Source(item["file"], _date(item.get("date"), "sources.date", problems), line))
    return sources


#: A value of a record that the site leaves out: ``(key, item, what is wrong and what to do)``.
LeftOut = tuple[str, str, str]


def _links(value: Any, problems: list[tuple[str, str]], left_out: list[LeftOut] | None) -> list[Link]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(("links", "expected a list of {url, kind} entries"))
        return []
    links = []
    for item in value:
        ok = isinstance(item, dict) and isinstance(item.get("url"), str) and item.get("kind") in LINK_KINDS
        if not ok or forbidden_character(item["url"]):
            problems.append(("links", f"expected {{url: http(s)://…, kind: one of {', '.join(LINK_KINDS)}}}, got {shown(item)}"))
        elif not is_url(item["url"]):
            message = f"{shown(item['url'])} is not one web address ({URL_RULE}); fix it or delete the entry"
            if left_out is None:
                problems.append(("links", message))
            else:
                left_out.append(("links", item["url"], message))
        else:
            links.append(Link(item["url"], item["kind"]))
    return links


def _arxiv(value: Any, problems: list[tuple[str, str]]) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float | int):  # 2305.13169 unquoted reads as a number, and loses trailing zeros
        problems.append(("arxiv", f"write the id in quotes, as text: arxiv: '{shown(value)}' may not be the id you meant"))
        return ""
    if not isinstance(value, str) or not ARXIV_ID_RE.match(value):
        versionless = parse_arxiv_id(value) if isinstance(value, str) else None
        hint = f"; write {versionless!r}" if versionless else ""
        problems.append(("arxiv", f"expected an arXiv id without version such as '2305.13169' or 'cs/0501001', got {shown(value)}{hint}"))
        return ""
    return value


def _names(data: Mapping[str, Any], key: str, pattern: re.Pattern[str] | None, problems: list[tuple[str, str]]) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append((key, f"expected a list of non-empty texts, got {shown(value)}"))
        return []
    too_many = _authors_problem(value) if key == "authors" else None
    if too_many:
        problems.append((key, too_many))
        return []
    for item in value:
        bad = forbidden_character(item)
        if bad:
            problems.append((key, f"{shown(item)} contains {bad}; delete it"))
    if pattern is not None and not all(pattern.match(v) for v in value):
        problems.append((key, f"expected arXiv categories such as cs.CL or hep-th, got {shown(value)}"))
    return list(value)


def _optional_date(value: Any, key: str, problems: list[tuple[str, str]]) -> date | None:
    return None if value is None else _date(value, key, problems)


def record_from_mapping(data: Any, left_out: list[LeftOut] | None = None) -> Record:
    """Validate loaded YAML as a record, reporting every problem at once.

    Raises ``RecordInvalid`` listing ``(key, what was expected)`` for each problem.
    A link that is not one web address is such a problem, unless ``left_out`` is
    given: then the record is read without it and it is added there. Records on
    disk are read so, because an address earlier versions took (``…/b\\``) must
    not stop a build: ``papers check`` reports it and the site leaves it out.
    """
    if not isinstance(data, dict):
        raise RecordInvalid([("(file)", f"expected a mapping of record fields, got {type(data).__name__}")])
    dropped: list[LeftOut] | None = None if left_out is None else []
    problems: list[tuple[str, str]] = []
    unknown = sorted(str(k)[:80] for k in data if k not in FIELDS)
    if unknown:
        problems.append((unknown[0], f"unknown field(s) {', '.join(unknown[:5])}{_more(unknown, 5)}; allowed: {', '.join(FIELDS)}"))
    record_id = _text(data, "id", problems, required=True)
    if record_id and not ID_RE.match(record_id):
        problems.append(("id", f"{shown(record_id)} is not URL-safe; expected lower-case letters, digits and hyphens"))
    featured = data.get("featured", False)
    if featured is None:
        featured = False
    if not isinstance(featured, bool):
        problems.append(("featured", f"expected true or false, got {shown(featured)}"))
        featured = False
    record = Record(
        id=record_id,
        title=_text(data, "title", problems, required=True),
        abstract=_text(data, "abstract", problems, required=True),
        added=_date(data.get("added"), "added", problems),
        sources=_sources(data.get("sources"), problems),
        links=_links(data.get("links"), problems, dropped),
        tags_add=_tags(data, "tags_add", problems),
        tags_remove=_tags(data, "tags_remove", problems),
        note=_text(data, "note", problems, required=False),
        featured=featured,
        arxiv=_arxiv(data.get("arxiv"), problems),
        authors=_names(data, "authors", None, problems),
        published=_optional_date(data.get("published"), "published", problems),
        categories=_names(data, "categories", CATEGORY_RE, problems),
    )
    if problems:  # an invalid record is not read at all: what it would be read without is one more problem
        raise RecordInvalid(problems + [(key, message) for key, _, message in dropped or []])
    if left_out is not None and dropped:
        left_out += dropped
    return record


def added_order(record: Record) -> tuple[int, str, int, str, str]:
    """Sort key of "latest additions": newest additions first; the same day, in the order of the file
    that added them (a listing's order is Hugging Face's ranking), then by title and id, so the order
    never depends on disk order."""
    first = record.sources[0] if record.sources else None
    line = first.line if first is not None and first.line is not None else 1 << 62
    return (-record.added.toordinal(), first.file if first else "", line, record.title.casefold(), record.id)
