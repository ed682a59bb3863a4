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
from bibtexparser.model import DuplicateBlockKeyBlock

from ..errors import Problem
from ..identity import CATEGORY_RE, parse_arxiv_id
from ..text import readable
from . import Found, SourceFile, decode, one_line, text_problem

_COMMAND_RE = re.compile(r"\\(?:[A-Za-z]+|[^A-Za-z\s])$")


def _plain(value: str) -> str:
    """Drop the braces that only protect case (``{BERT}``); keep those of commands (``\\emph{x}``, ``\\"{u}``)."""
    out: list[str] = []
    kept: list[bool] = []
    for i, char in enumerate(value):
        escaped = i > 0 and value[i - 1] == "\\" and (i < 2 or value[i - 2] != "\\")
        if char == "{" and not escaped:
            kept.append(bool(_COMMAND_RE.search("".join(out[-30:]))))
            if kept[-1]:
                out.append(char)
        elif char == "}" and not escaped and kept:
            if kept.pop():
                out.append(char)
        else:
            out.append(char)
    return one_line("".join(out))


def _split_authors(value: str) -> list[str]:
    """``A and B`` at brace depth 0 only: ``{Barnes and Noble}`` is one author."""
    names, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", value):
        token = match.group()
        if token in "{}":
            depth += 1 if token == "{" else -1
        elif depth == 0:
            names.append(value[start : match.start()])
            start = match.end()
    return [*names, value[start:]]


def _person(name: str) -> str:
    """``Longpre, Shayne`` -> ``Shayne Longpre``; ``Shayne Longpre`` stays."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 2:
        return f"{parts[1]} {parts[0]}".strip()
    if len(parts) == 3:  # Family, Jr, Given
        return f"{parts[2]} {parts[0]}, {parts[1]}".strip()
    return name.strip()


def _authors(value: str) -> tuple[str, ...]:
    """Names as written in prose: ``Family, Given`` turned round, LaTeX accents made characters (``M{\\"u}ller`` -> Müller)."""
    return tuple(readable(_person(_plain(a))) for a in _split_authors(value) if _plain(a))


def read_bibtex(path: Path) -> SourceFile:
    source = SourceFile(file=path.name)
    text = decode(path.read_bytes(), str(path), source.file_problems)
    if text is None:
        return source
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # its failures are reported below, with their line
    library = bibtexparser.parse_string(text)
    for block in library.failed_blocks:
        if isinstance(block, DuplicateBlockKeyBlock):
            what = f"the key {block.key!r} is used by an earlier entry too; give each entry its own key"
        else:
            what = "this BibTeX entry cannot be parsed (unbalanced braces or quotes?); fix or delete it"
        source.problems.append(Problem(str(path), block.start_line + 1, what))
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
