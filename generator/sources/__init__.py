"""Where papers come from: one reader per kind of file, each giving papers as found, or problems with their line.

- ``listing``: the plain-text scrape of a Hugging Face Papers page (``listing.py``);
- ``hf``: a Hugging Face daily-papers API response saved as JSON (``hf.py``);
- ``atom``: an arXiv API response (Atom XML) (``atom.py``);
- ``ids``: arXiv ids or arXiv / Hugging Face addresses, one per line (``ids.py``);
- ``bibtex``: BibTeX entries that carry an ``eprint`` (``bibtex.py``).

The last two name papers without describing them: their ids are looked up
through the arXiv API by the caller (see ``ingest.py``). Nothing here touches
the archive or the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..errors import Problem
from ..text import Link, forbidden_character


@dataclass(frozen=True)
class Found:
    """One paper as a source describes it. ``date`` is the day it was listed (None: the day of the import)."""

    title: str
    abstract: str
    date: date | None
    line: int | None
    arxiv: str = ""
    authors: tuple[str, ...] = ()
    published: date | None = None
    categories: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()


@dataclass
class SourceFile:
    """A source file read: the papers it describes, the arXiv ids it only names (with their line), and problems.

    ``file_problems`` concern the whole file (not UTF-8 text, not the format it
    claims, no papers at all): none of its entries can be trusted, so none can be
    skipped past.
    """

    file: str
    entries: list[Found] = field(default_factory=list)
    wanted: list[tuple[str, int]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)
    #: What papers are imported without (a link that is not a web address): said, never a reason to refuse them.
    left_out: list[Problem] = field(default_factory=list)

    def check_nonempty(self, path: Path, what: str) -> None:
        if not self.entries and not self.wanted and not self.problems and not self.file_problems:
            self.file_problems.append(Problem(str(path), None, f"has no papers: {what}"))


FORMATS = ("listing", "hf", "atom", "ids", "bibtex")


def one_line(text: str) -> str:
    """Structured sources wrap titles and abstracts over lines: one line, runs of white space as one space."""
    return " ".join(text.split())


def text_problem(file: str, line: int | None, where: str, text: str) -> Problem | None:
    """A problem if ``text`` holds a character that cannot be text."""
    bad = forbidden_character(text)
    return Problem(file, line, f"{where} contains {bad}, which cannot be text; fix the source") if bad else None


def decode(raw: bytes, file: str, problems: list[Problem]) -> str | None:
    """The file as text, or None and a whole-file problem when it is not UTF-8 text."""
    if b"\x00" in raw:
        line = _line_of_byte(raw, raw.index(b"\x00"))
        problems.append(Problem(file, line, "contains NUL bytes: this is a binary or UTF-16 file, not a source of papers; save it as UTF-8 text"))
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = _line_of_byte(raw, exc.start)
        problems.append(Problem(file, line, "is not UTF-8 text (nothing of it was read); save it as UTF-8"))
        return None


def _line_of_byte(raw: bytes, index: int) -> int:
    """The line of a byte, counting CRLF, CR and LF line ends as the readers do."""
    before = raw[:index]
    return before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1


class Lines:
    """The line of a character of ``text``, counted on from the last one asked for.

    Asked in the order they come in the file (as a reader meets its entries),
    the whole text is counted once, however many entries it has.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._index, self._line = 0, 1

    def at(self, index: int) -> int:
        if index < self._index:  # asked for an earlier character: count again from the start
            self._index, self._line = 0, 1
        self._line += self.text.count("\n", self._index, index)
        self._index = index
        return self._line


_ID_LINE_RE = re.compile(r"^\s*(?:arxiv:|https?://|(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?[,;.]?\s*(?:#.*)?$)", re.IGNORECASE)


def detect_format(raw: bytes) -> str:
    """Which reader a file needs, recognised by its content (``--format`` overrides)."""
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"[", b"{")):
        return "hf"  # whatever is wrong with it, the JSON reader says best
    if head.startswith(b"<?xml") or _first_element(raw).rpartition(b":")[2] == b"feed":
        return "atom"  # an XML file that is not a feed is best told so by the feed's reader
    if head.startswith((b"@", b"%")) and re.search(rb"@\w+\s*\{", raw[:4096]):
        return "bibtex"
    text = raw[:65536].decode("utf-8-sig", "replace")
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if lines and all(_ID_LINE_RE.match(line) for line in lines):
        return "ids"
    return "listing"


_XML_SPACE = re.compile(rb"[ \t\r\n]*")
_ELEMENT_NAME = re.compile(rb"<([^\s/>!?<]+)")
# What can end a DOCTYPE, or hide a character that would seem to: a quoted value, a comment, a processing instruction.
_DOCTYPE_TOKEN = re.compile(rb"""["'\[\]>]|<!--|<\?""")
_CLOSING = {b'"': b'"', b"'": b"'", b"<!--": b"-->", b"<?": b"?>"}


def _first_element(raw: bytes) -> bytes:
    """The name of an XML document's first element (b"" if none): past a declaration, comments,
    processing instructions and a DOCTYPE, however long. Each is skipped once, so a file is read at most once.
    """
    at = len(raw) - len(raw.lstrip(b"\xef\xbb\xbf"))
    while True:
        at = _XML_SPACE.match(raw, at).end()  # type: ignore[union-attr]
        if raw.startswith(b"<!DOCTYPE", at):
            at = _doctype_end(raw, at + len(b"<!DOCTYPE"))
        elif raw.startswith((b"<!--", b"<?"), at):
            opening = b"<!--" if raw.startswith(b"<!--", at) else b"<?"
            at = _after(raw, _CLOSING[opening], at + len(opening))
        else:
            break
        if at < 0:  # never closed: not a document we can recognise
            return b""
    match = _ELEMENT_NAME.match(raw, at)
    return match.group(1) if match else b""


def _after(raw: bytes, closing: bytes, start: int) -> int:
    """Just after the next ``closing``, or -1."""
    end = raw.find(closing, start)
    return end + len(closing) if end >= 0 else -1


def _doctype_end(raw: bytes, at: int) -> int:
    """Just after the ``>`` that closes a DOCTYPE whose name starts at ``at``, or -1.

    The internal subset (``[…]``) holds declarations whose quoted values, comments
    and processing instructions may contain ``>`` and ``]``: those are skipped whole.
    """
    depth = 0
    while at >= 0:
        token = _DOCTYPE_TOKEN.search(raw, at)
        if token is None:
            return -1
        found, at = token.group(), token.end()
        if found in _CLOSING:
            at = _after(raw, _CLOSING[found], at)
        elif found == b"[":
            depth += 1
        elif found == b"]":
            depth = max(depth - 1, 0)
        elif depth == 0:  # the ">" of the DOCTYPE itself
            return at
    return -1


def read_source(path: Path, fmt: str | None = None, *, today: date, on_date: date | None = None, year: int | None = None) -> SourceFile:
    """Read ``path`` with the reader of ``fmt``, or of the format its content shows."""
    from .atom import read_atom
    from .bibtex import read_bibtex
    from .hf import read_hf
    from .ids import read_ids
    from .listing import parse_listing

    fmt = fmt or detect_format(path.read_bytes())
    if fmt == "listing":
        return parse_listing(path, today=today, on_date=on_date, year=year)
    return {"hf": read_hf, "atom": read_atom, "ids": read_ids, "bibtex": read_bibtex}[fmt](path)
