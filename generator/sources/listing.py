"""Reading a scraped Hugging Face Papers listing into dated entries.

The format: page chrome (``new``, ``Get trending papers in your email inbox!``,
``Subscribe``, ``byAK and the research community``), a date header such as
``Mar 12`` with no year, then a title line and an abstract line per paper,
separated by blank lines. Nothing here touches the archive.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from pathlib import Path

from ..errors import Problem
from ..text import forbidden_character
from . import Found, SourceFile, decode

CHROME = (
    "new",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox",
    "subscribe",
    "byak and the research community",
    "daily papers",
)
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_name) if name})
_DATE_HEADER_RE = re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:,?\s+(\d{4}))?$")
_TITLE_MAX_WORDS = 30


def looks_like_abstract(line: str) -> bool:
    """Whether a line reads as an abstract rather than a title.

    Abstracts are prose that ends a sentence; titles are short and almost
    never end with a full stop (they may end with "?" or "!").
    """
    return _too_long_for_a_title(line) or line.endswith(".")


def _too_long_for_a_title(line: str) -> bool:
    return len(line.split()) > _TITLE_MAX_WORDS


def parse_date_header(line: str) -> tuple[int, int, int | None] | None:
    """``Mar 12`` -> ``(3, 12, None)``; ``March 12, 2024`` -> ``(3, 12, 2024)``; anything else -> None."""
    match = _DATE_HEADER_RE.match(line)
    if not match:
        return None
    month = _MONTHS.get(match.group(1).lower())
    day = int(match.group(2))
    if month is None or not 1 <= day <= 31:
        return None
    year = int(match.group(3)) if match.group(3) else None
    return month, day, year


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def resolve_date(month: int, day: int, *, year: int | None, today: date) -> date | None:
    """The date a yearless header means: in ``year`` if given, else the latest such date not after ``today``.

    ``Feb 29`` walks back to the latest leap year. Returns None if no such date exists.
    """
    if year is not None:
        return _valid(year, month, day)
    for candidate_year in range(today.year, today.year - 9, -1):
        candidate = _valid(candidate_year, month, day)
        if candidate is not None and candidate <= today:
            return candidate
    return None


def _lines(raw: bytes, file: str, problems: list[Problem]) -> list[str] | None:
    """The file's lines, as written; None (and a problem) when the file is not UTF-8 text."""
    text = decode(raw, file, problems)
    return None if text is None else text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse_listing(
    path: Path,
    *,
    today: date,
    on_date: date | None = None,
    year: int | None = None,
) -> SourceFile:
    """Parse a listing file. ``on_date`` (``--date``) or ``year`` (``--year``) pin the header's year.

    Problems are collected, never raised, so an import can report all of them.
    """
    file = str(path)
    listing = SourceFile(file=path.name)
    problems = listing.problems
    lines = _lines(path.read_bytes(), file, listing.file_problems)
    bad_name = forbidden_character(path.name)
    if bad_name:
        listing.file_problems.append(Problem(file, None, f"the file name contains {bad_name}; rename the file"))
    if lines is None or bad_name:
        return listing
    current: date | None = on_date
    header_seen = False
    pending: tuple[str, int] | None = None  # a title waiting for its abstract
    started = False

    def close_pending_without_abstract() -> None:
        nonlocal pending
        if pending is not None:
            title, at = pending
            problems.append(Problem(file, at, f"the title {title[:60]!r} has no abstract; add its abstract on the next non-blank line, or delete the title"))
            pending = None

    unreadable = set()  # lines that cannot be text: their entry is refused, the alternation goes on
    for number, line in enumerate(lines, start=1):
        bad = forbidden_character(line)  # before stripping: Python counts some controls as white space
        if bad:
            problems.append(Problem(file, number, f"contains {bad}, which cannot be text; delete it (or fix the file's encoding)"))
            unreadable.add(number)
    # Leading and trailing white space (as Unicode defines it) is not part of a title or an abstract.
    content = [(number, line.strip()) for number, line in enumerate(lines, start=1) if line.strip()]
    for position, (number, line) in enumerate(content):
        if not started and line.casefold() in CHROME:
            continue
        header = parse_date_header(line)
        if header is not None:
            close_pending_without_abstract()
            month, day, header_year = header
            header_seen = True
            if on_date is not None:
                if (on_date.month, on_date.day) != (month, day):
                    problems.append(Problem(file, number, f"--date {on_date.isoformat()} does not match the date header {line!r}; pass the listing's own date"))
                current = on_date
            else:
                current = resolve_date(month, day, year=header_year or year, today=today)
                if current is None:
                    problems.append(
                        Problem(
                            file, number, f"the date header {line!r} is not a real date{' in ' + str(year) if year else ''}; fix it or pass --date YYYY-MM-DD"
                        )
                    )
            continue
        started = True
        # Titles and abstracts alternate; the shape of a line only settles what alternation cannot.
        if pending is None:
            if _too_long_for_a_title(line):
                problems.append(Problem(file, number, "this abstract has no title before it; add the title on the line above, or delete the abstract"))
                continue
            pending = (line, number)
            continue
        following = content[position + 1][1] if position + 1 < len(content) else None
        if not looks_like_abstract(line) and following is not None and looks_like_abstract(following) and parse_date_header(following) is None:
            # A title, then a title-like line, then an abstract: the first title lost its abstract.
            close_pending_without_abstract()
            pending = (line, number)
            continue
        title, at = pending
        pending = None
        if current is None:
            if not header_seen:
                problems.append(Problem(file, at, "no date header (such as 'Mar 12') comes before this paper; add one or pass --date YYYY-MM-DD"))
            continue
        if at in unreadable or number in unreadable:
            continue
        listing.entries.append(Found(title=title, abstract=line, date=current, line=at))
    close_pending_without_abstract()
    listing.check_nonempty(path, "expected a date header (such as 'Mar 12') and then a title line and an abstract line per paper")
    return listing
