"""Reading a Hugging Face daily-papers API response (``/api/daily_papers``) saved as JSON.

The response is a list of items ``{"paper": {"id", "title", "summary", "authors":
[{"name"}…], "publishedAt", "githubRepo", "projectPage"…}, "publishedAt", "title"…}``:
``paper.publishedAt`` is the arXiv publication, the item's ``publishedAt`` the day
it was listed. A single paper (``/api/papers/{id}``) is read as a list of one.
``fetch.py`` reads the live API through this same function, so a response
whose shape changed is caught the same way in both.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..errors import Problem
from ..identity import parse_arxiv_id
from ..text import URL_RULE, Link, classify, is_url
from . import Found, Lines, SourceFile, decode, one_line, text_problem

SHAPE = "a Hugging Face daily-papers response: a list of items with a 'paper' holding 'id', 'title' and 'summary'"


class ShapeChanged(ValueError):
    """The JSON is not shaped as the daily-papers API documents it."""


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


LINK_KEYS = ("githubRepo", "projectPage")


def _links(paper: dict[str, Any], item: dict[str, Any]) -> tuple[tuple[Link, ...], list[tuple[str, Any]]]:
    """The paper's code and project links, and ``(key, value)`` for each one given that is not a web address."""
    found, bad = [], []
    for key in LINK_KEYS:
        value = paper.get(key) or item.get(key)
        url = value.strip() if isinstance(value, str) else value
        if not url:  # null or "": the API's way to say there is none
            continue
        if isinstance(url, str) and is_url(url):
            found.append(Link(url, classify(url)))
        else:
            bad.append((key, value))
    return tuple(dict.fromkeys(found)), bad


def _paper_of(item: Any, index: int) -> dict[str, Any]:
    paper = item.get("paper", item) if isinstance(item, dict) else None
    if not isinstance(paper, dict) or not all(isinstance(paper.get(k), str) for k in ("id", "summary")):
        raise ShapeChanged(f"item {index} has no paper with a text 'id' and 'summary'")
    if not isinstance(paper.get("title") or item.get("title") or "", str):
        raise ShapeChanged(f"item {index} has no text 'title'")
    authors = paper.get("authors", [])
    if not isinstance(authors, list) or not all(isinstance(a, dict) and isinstance(a.get("name"), str) for a in authors):
        raise ShapeChanged(f"item {index}'s 'authors' is not a list of {{'name': …}}")
    return paper


def items_of(data: Any) -> list[dict[str, Any]]:
    """The items of a response, checked for shape; raises ``ShapeChanged`` naming the first item that is not right."""
    items = [data] if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ShapeChanged(f"expected a list, got {type(data).__name__}")
    for index, item in enumerate(items):
        _paper_of(item, index)
    return items


#: JSON's white space, as its decoder skips it between values.
_SPACE = re.compile(r"[ \t\n\r]*")

#: Where an item lies in the text: from its first character to just after its last.
Span = tuple[int, int]


def parse_items(text: str) -> tuple[Any, list[Span]]:
    """The JSON value of ``text`` and, for each item of a list, where it lies: one pass through the text.

    A list is decoded item by item (by the standard decoder), so each item's
    place comes with it and a problem can name its line without searching the
    file again. Anything else (broken JSON, text after the list, not a list)
    is left to ``json.loads``, so its errors read as the standard decoder's.
    """
    walked = _walk_list(text)
    if walked is not None:
        return walked
    data = json.loads(text)  # raises the decoder's own error where the walk stopped
    return data, [(0, len(text))] * (len(data) if isinstance(data, list) else 1)


def _walk_list(text: str) -> tuple[list[Any], list[Span]] | None:
    """The items of a JSON list and their spans, or None if ``text`` is not exactly one well-formed list."""
    decoder = json.JSONDecoder()
    at = _skip_space(text, 0)
    if not text.startswith("[", at):
        return None
    items: list[Any] = []
    spans: list[Span] = []
    at = _skip_space(text, at + 1)
    more = not text.startswith("]", at)  # an empty list has no first item
    while more:
        try:
            item, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError:
            return None
        items.append(item)
        spans.append((at, end))
        at = _skip_space(text, end)
        more = text.startswith(",", at)
        if more:
            at = _skip_space(text, at + 1)
    if not text.startswith("]", at) or _skip_space(text, at + 1) != len(text):
        return None
    return items, spans


def _skip_space(text: str, at: int) -> int:
    return _SPACE.match(text, at).end()  # type: ignore[union-attr]


def found_in(items: list[dict[str, Any]], spans: list[Span], file: str, text: str, problems: list[Problem], left_out: list[Problem]) -> list[Found]:
    """Papers of shape-checked items; an item with a bad id or bad characters is a problem at its line.

    An item's line is the line of its id within the item's own ``span`` (else the
    item's first line): the items are met in the order of the file, so the
    whole file is read once to number them.

    A link that is not a web address is left out of its paper, and said in ``left_out``.
    """
    found = []
    lines = Lines(text)
    for index, (item, (start, end)) in enumerate(zip(items, spans, strict=True)):
        paper = _paper_of(item, index)
        at = text.find(json.dumps(paper["id"]), start, end)
        line = lines.at(at if at >= 0 else start)
        arxiv = parse_arxiv_id(paper["id"])
        if arxiv is None:
            problems.append(Problem(file, line, f"item {index}: {paper['id']!r} is not an arXiv id; remove the item or fix its id"))
            continue
        title = one_line(paper.get("title") or item.get("title") or "")
        abstract = one_line(paper["summary"])
        authors = tuple(one_line(a["name"]) for a in paper.get("authors", []) if a["name"].strip())
        bad = [text_problem(file, line, f"item {index} ({arxiv})", t) for t in (title, abstract, *authors)]
        if any(bad) or not title or not abstract:
            problems.extend(p for p in bad if p)
            if not title or not abstract:
                problems.append(Problem(file, line, f"item {index} ({arxiv}): has an empty title or summary; remove the item"))
            continue
        links, bad = _links(paper, item)
        for key, value in bad:  # Hugging Face's data, not the paper's: the paper is imported, without the link
            message = f"item {index} ({arxiv}): {key} {value!r} is not one web address ({URL_RULE}); imported without it"
            where = text.find(json.dumps(key), max(at, start), end)
            left_out.append(Problem(file, lines.at(where) if where >= 0 else line, message))
        found.append(
            Found(
                title=title,
                abstract=abstract,
                date=_date(item.get("publishedAt")),
                line=line,
                arxiv=arxiv,
                authors=authors,
                published=_date(paper.get("publishedAt")),
                links=links,
            )
        )
    return found


def read_hf(path: Path) -> SourceFile:
    """Read a saved daily-papers response."""
    source = SourceFile(file=path.name)
    text = decode(path.read_bytes(), str(path), source.file_problems)
    if text is None:
        return source
    try:
        data, spans = parse_items(text)
        items = items_of(data)
    except RecursionError:
        source.file_problems.append(Problem(str(path), None, f"is not {SHAPE} (it is nested too deeply)"))
        return source
    except json.JSONDecodeError as exc:
        source.file_problems.append(Problem(str(path), exc.lineno, f"is not valid JSON ({exc.msg}); save the API's response unchanged"))
        return source
    except ShapeChanged as exc:
        source.file_problems.append(Problem(str(path), None, f"is not {SHAPE} ({exc})"))
        return source
    source.entries = found_in(items, spans, str(path), text, source.problems, source.left_out)
    source.check_nonempty(path, "the response is an empty list")
    return source
