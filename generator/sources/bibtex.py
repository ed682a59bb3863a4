"""Reading BibTeX entries that carry an arXiv ``eprint`` (as arXiv, Google Scholar and Zotero export them).

An entry with a title and an abstract is read as it is (authors ``Family,
Given`` become ``Given Family``; the braces that protect case are dropped);
one without an abstract names its paper only, to be looked up through the
arXiv API (``ingest.py``). An entry without an eprint is a problem.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import bibtexparser

from ..errors import Problem
from ..identity import CATEGORY_RE, parse_arxiv_id
from . import Found, SourceFile, decode, one_line, text_problem

_BRACES_RE = re.compile(r"(?<!\\)[{}]")


def _plain(value: str) -> str:
    return one_line(_BRACES_RE.sub("", value))


def _person(name: str) -> str:
    """``Longpre, Shayne`` -> ``Shayne Longpre``; ``Shayne Longpre`` stays."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 2:
        return f"{parts[1]} {parts[0]}".strip()
    if len(parts) == 3:  # Family, Jr, Given
        return f"{parts[2]} {parts[0]}, {parts[1]}".strip()
    return name.strip()


def _authors(value: str) -> tuple[str, ...]:
    return tuple(_person(_plain(a)) for a in re.split(r"\s+and\s+", value) if _plain(a))


def read_bibtex(path: Path) -> SourceFile:
    source = SourceFile(file=path.name)
    text = decode(path.read_bytes(), str(path), source.file_problems)
    if text is None:
        return source
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # its failures are reported below, with their line
    library = bibtexparser.parse_string(text)
    for block in library.failed_blocks:
        source.problems.append(Problem(str(path), block.start_line + 1, "this BibTeX entry cannot be parsed (unbalanced braces or quotes?); fix or delete it"))
    for entry in library.entries:
        fields = {f.key.lower(): f.value for f in entry.fields if isinstance(f.value, str)}
        line = entry.start_line + 1
        arxiv = parse_arxiv_id(fields.get("eprint", "")) or parse_arxiv_id(fields.get("url", ""))
        if arxiv is None:
            source.problems.append(Problem(str(path), line, f"the entry {entry.key!r} has no arXiv eprint; add eprint = {{2305.13169}} or delete the entry"))
            continue
        title, abstract = _plain(fields.get("title", "")), _plain(fields.get("abstract", ""))
        if not (title and abstract):
            source.wanted.append((arxiv, line))
            continue
        authors = _authors(fields.get("author", ""))
        bad = [p for p in (text_problem(str(path), line, f"the entry {entry.key!r}", t) for t in (title, abstract, *authors)) if p]
        if bad:
            source.problems.extend(bad)
            continue
        primary = fields.get("primaryclass", "").strip()
        source.entries.append(Found(title, abstract, None, line, arxiv=arxiv, authors=authors, categories=(primary,) if CATEGORY_RE.match(primary) else ()))
    source.check_nonempty(path, "expected @misc{…} or @article{…} entries with an eprint")
    return source
