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
from ..identity import parse_arxiv_id
from . import Found, SourceFile, one_line, text_problem

_NS = {"atom": "http://www.w3.org/2005/Atom", "arxiv": "http://arxiv.org/schemas/atom"}


def _text(element: etree._Element, path: str) -> str:
    found = element.find(path, _NS)
    return found.text or "" if found is not None else ""


def _published(value: str) -> date | None:
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _categories(entry: etree._Element) -> tuple[str, ...]:
    primary = entry.find("arxiv:primary_category", _NS)
    terms = [primary.get("term")] if primary is not None else []
    terms += [c.get("term") for c in entry.findall("atom:category", _NS)]
    return tuple(dict.fromkeys(t for t in terms if t))


def _entry(entry: etree._Element, file: str, problems: list[Problem]) -> Found | None:
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


def read_atom(path: Path) -> SourceFile:
    """Read a saved arXiv API response."""
    source = SourceFile(file=path.name)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.parse(str(path), parser).getroot()
    except etree.XMLSyntaxError as exc:
        source.file_problems.append(Problem(str(path), exc.lineno, f"is not well-formed XML ({exc.msg}); save the API's response unchanged"))
        return source
    if root.tag != f"{{{_NS['atom']}}}feed":
        source.file_problems.append(Problem(str(path), root.sourceline, f"is not an Atom feed (its root is <{etree.QName(root).localname}>)"))
        return source
    for element in root.findall("atom:entry", _NS):
        found = _entry(element, str(path), source.problems)
        if found is not None:
            source.entries.append(found)
    source.check_nonempty(path, "the feed has no <entry>")
    return source
