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
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..errors import Problem
from ..identity import parse_arxiv_id
from ..text import URL_RULE, Link, classify, is_url
from . import Found, SourceFile, decode, line_of, one_line, text_problem

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


def found_in(items: list[dict[str, Any]], file: str, text: str, problems: list[Problem], left_out: list[Problem]) -> list[Found]:
    """Papers of shape-checked items; an item with a bad id or bad characters is a problem at its line.

    A link that is not a web address is left out of its paper, and said in ``left_out``.
    """
    found = []
    for index, item in enumerate(items):
        paper = _paper_of(item, index)
        needle = json.dumps(paper["id"])
        at, line = max(text.find(needle), 0), line_of(text, needle)
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
            left_out.append(Problem(file, line_of(text, json.dumps(key), at) or line, message))
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
        items = items_of(json.loads(text))
    except RecursionError:
        source.file_problems.append(Problem(str(path), None, f"is not {SHAPE} (it is nested too deeply)"))
        return source
    except json.JSONDecodeError as exc:
        source.file_problems.append(Problem(str(path), exc.lineno, f"is not valid JSON ({exc.msg}); save the API's response unchanged"))
        return source
    except ShapeChanged as exc:
        source.file_problems.append(Problem(str(path), None, f"is not {SHAPE} ({exc})"))
        return source
    source.entries = found_in(items, str(path), text, source.problems, source.left_out)
    source.check_nonempty(path, "the response is an empty list")
    return source
