"""Finding the arXiv id of records that have none: by title through the arXiv API, or from a table.

By title, an id is accepted only when exactly one candidate has the same title
(case, punctuation, spacing and LaTeX-isms set aside) and an abstract that
shares most of its words with the record's. Anything else leaves the record
alone and is reported with the candidates seen: never a guess.

A table (``papers resolve --from FILE.tsv``) has the columns ``title``,
``arxiv_id``, ``authors`` (separated by ``;``), ``published`` (YYYY-MM-DD,
may be blank) and optionally ``evidence_url`` and ``remark``. A row applies to
the record with exactly that title; a blank id is skipped, never guessed.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .errors import Problem, ProblemsError
from .identity import parse_arxiv_id, same_title, shared_words
from .records import Record
from .sources import Found, decode

#: The least share of distinct words two abstracts must have in common to be the same paper's.
MIN_SHARED_WORDS = 0.5
TABLE_COLUMNS = ("title", "arxiv_id", "authors", "published")


@dataclass
class Verdict:
    """What resolving one record found: the paper to take, or why none, with the candidates seen."""

    record_id: str
    accepted: Found | None
    reason: str = ""
    candidates: list[Found] = field(default_factory=list)


def judge(record: Record, candidates: list[Found]) -> Verdict:
    """Accept the one candidate that is certainly this record's paper, or none."""
    same = [c for c in candidates if same_title(c.title, record.title)]
    sure = list({c.arxiv: c for c in same if shared_words(c.abstract, record.abstract) >= MIN_SHARED_WORDS}.values())
    if len(sure) == 1:
        return Verdict(record.id, sure[0])
    if len(sure) > 1:
        return Verdict(record.id, None, f"ambiguous: {len(sure)} arXiv papers have this title and abstract", sure)
    if same:
        return Verdict(record.id, None, "a paper has this title but another abstract", same)
    return Verdict(record.id, None, "no arXiv paper has this title" + (" (near misses below)" if candidates else ""), candidates)


def describe(verdict: Verdict) -> list[str]:
    """Lines for the report of an unresolved record."""
    lines = [f"{verdict.record_id}: {verdict.reason}"]
    lines += [f"    candidate {c.arxiv}: {c.title}" for c in verdict.candidates]
    return lines


def _row_date(value: str, file: str, line: int, problems: list[Problem]) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        problems.append(Problem(file, line, f"published: {value!r} is not a date written YYYY-MM-DD; fix it or leave it blank"))
        return None


def read_table(path: Path, records: Iterable[Record]) -> tuple[list[tuple[str, Found]], list[Problem], list[str]]:
    """Rows of a table matched to records by exact title: (record id, paper) pairs, problems, and titles matched to no record.

    A row for a record that already has an id changes nothing (see ``ingest.plan_merges``).
    """
    problems: list[Problem] = []
    text = decode(path.read_bytes(), str(path), problems)
    if text is None:
        raise ProblemsError(problems, "nothing resolved")
    rows = list(csv.reader(text.splitlines(), delimiter="\t"))
    header = [h.strip() for h in rows[0]] if rows else []
    missing = [c for c in TABLE_COLUMNS if c not in header]
    if missing:
        raise ProblemsError([Problem(str(path), 1, f"the header lacks the column(s) {', '.join(missing)}; expected {', '.join(TABLE_COLUMNS)}, tab-separated")])
    by_title = {r.title: r.id for r in records}
    merges, unmatched = [], []
    for line, values in enumerate(rows[1:], start=2):
        row = dict(zip(header, values, strict=False))
        title, raw_id = row.get("title", ""), row.get("arxiv_id", "").strip()
        if not raw_id:
            continue  # not found: never guessed
        arxiv_id = parse_arxiv_id(raw_id)
        if arxiv_id is None:
            problems.append(Problem(str(path), line, f"arxiv_id: {raw_id!r} is not an arXiv id; fix it or leave it blank"))
            continue
        if title not in by_title:
            unmatched.append(title)
            continue
        authors = tuple(a.strip() for a in row.get("authors", "").split(";") if a.strip())
        published = _row_date(row.get("published", ""), str(path), line, problems)
        merges.append((by_title[title], Found(title, "", None, line, arxiv=arxiv_id, authors=authors, published=published)))
    return merges, problems, unmatched
