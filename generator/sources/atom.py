"""Reading an arXiv API response (Atom 1.0, ``export.arxiv.org/api/query``) saved to a file.

Each ``<entry>`` has ``<id>http://arxiv.org/abs/2305.13169v2</id>``, ``<title>``,
``<summary>``, ``<published>`` (the first version), ``<author><name>``,
``<arxiv:primary_category term>`` and ``<category term>``. The parser is
strict where the ``arxiv`` package's is lenient: an entry it cannot read is a
problem at its line, never skipped in silence. An API error comes back as a
feed whose one entry has the title ``Error``: that is a problem too.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from lxml import etree

from ..errors import Problem
from ..identity import CATEGORY_RE, parse_arxiv_id
from . import Found, SourceFile, one_line, text_problem

_NS = {"atom": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}


class _Markup(ValueError):
    """Markup where plain text belongs: an entity, a comment or an element inside a title or summary."""


def _text(element: etree._Element, path: str) -> str:
    found = element.find(path, _NS)
    if found is None:
        return ""
    if len(found):  # lxml's .text stops at the first child: reading on would silently cut the text
        raise _Markup(f"<{etree.QName(found).localname}> holds markup (an entity, a comment or an element) where plain text belongs")
    return found.text or ""


def _published(value: str) -> date | None:
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _categories(entry: etree._Element) -> tuple[str, ...]:
    """arXiv categories, primary first; ACM and MSC classes (``H.5.4``, ``68U35``), which the API lists too, are not kept."""
    primary = entry.find("arxiv:primary_category", _NS)
    terms = [primary.get("term")] if primary is not None else []
    terms += [c.get("term") for c in entry.findall("atom:category", _NS)]
    return tuple(dict.fromkeys(t for t in terms if t and CATEGORY_RE.match(t)))


def _entry(entry: etree._Element, file: str, problems: list[Problem]) -> Found | None:
    try:
        return _read_entry(entry, file, problems)
    except _Markup as exc:
        problems.append(Problem(file, entry.sourceline, f"{exc}; save the API's response unchanged"))
        return None


def _read_entry(entry: etree._Element, file: str, problems: list[Problem]) -> Found | None:
    line = entry.sourceline
    raw_id = _text(entry, "atom:id").strip()
    title = one_line(_text(entry, "atom:title"))
    if title == "Error" and "/api/errors" in raw_id:
        problems.append(Problem(file, line, f"is an arXiv API error: {one_line(_text(entry, 'atom:summary'))}; fix the query and fetch again"))
        return None
    arxiv = parse_arxiv_id(raw_id)
    abstract = one_line(_text(entry, "atom:summary"))
    published = _published(_text(entry, "atom:published"))
    missing = [
        name for name, value in (("an arXiv <id>", arxiv), ("a <title>", title), ("a <summary>", abstract), ("a <published> date", published)) if not value
    ]
    if missing:
        problems.append(Problem(file, line, f"this entry has no {', no '.join(missing)}; is this an arXiv API response? remove the entry or fetch it again"))
        return None
    authors = tuple(one_line(_text(a, "atom:name")) for a in entry.findall("atom:author", _NS))
    bad = [p for p in (text_problem(file, line, f"the entry {arxiv}", t) for t in (title, abstract, *authors)) if p]
    if bad:
        problems.extend(bad)
        return None
    return Found(
        title=title,
        abstract=abstract,
        date=None,
        line=line,
        arxiv=arxiv or "",
        authors=tuple(a for a in authors if a),
        published=published,
        categories=_categories(entry),
    )


def parse_atom(content: bytes, file: str, name: str) -> SourceFile:
    """Read an arXiv API response: from a saved file (``read_atom``) or from the network (``fetch.py``)."""
    source = SourceFile(file=name)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        source.file_problems.append(Problem(file, exc.lineno, f"is not well-formed XML ({exc.msg}); save the API's response unchanged"))
        return source
    if root is None or root.tag != f"{{{_NS['atom']}}}feed":
        tag = etree.QName(root).localname if root is not None else "nothing"
        source.file_problems.append(Problem(file, getattr(root, "sourceline", None), f"is not an Atom feed (its root is <{tag}>)"))
        return source
    for element in root.findall("atom:entry", _NS):
        found = _entry(element, file, source.problems)
        if found is not None:
            source.entries.append(found)
    return source


def read_atom(path: Path) -> SourceFile:
    """Read a saved arXiv API response."""
    source = parse_atom(path.read_bytes(), str(path), path.name)
    source.check_nonempty(path, "the feed has no <entry>")
    return source
