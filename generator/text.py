"""Text handling: readable LaTeX-isms, link extraction, and Markdown-safe output.

Titles and abstracts are stored exactly as imported; everything here is applied
when they are displayed, so improving it improves the whole archive.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

# --- Characters that cannot be text ------------------------------------------

# C0 and C1 controls (tab and newline are text), DEL, lone surrogates, and the
# Unicode non-characters: none is ever part of a real title or abstract, and
# XML (feeds, sitemaps) cannot carry most of them at all.
_FORBIDDEN_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]"
)


def forbidden_character(text: str) -> str | None:
    """A description of the first character of ``text`` that cannot be text, or None.

    ``"A\x00B"`` -> ``"U+0000 (a control character) at column 2"``.
    """
    match = _FORBIDDEN_RE.search(text)
    if match is None:
        return None
    code = ord(match.group())
    kind = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else "a Unicode non-character" if code >= 0xFDD0 else "a control character"
    return f"U+{code:04X} ({kind}) at column {match.start() + 1}"


# --- LaTeX-isms ------------------------------------------------------------

# Accent commands as combining characters: \"U -> Ü once NFC-normalised.
_ACCENTS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
}
_ACCENT_RE = re.compile(r"""\\([\"'`^~=.]|[uvHc](?=[{ ]))\s*(?:\{([A-Za-z]?)\}|([A-Za-z]))""")
_ESCAPED_CHAR_RE = re.compile(r"\\([%&#$_{}])")
_STYLE_CMD_RE = re.compile(r"\\(?:emph|textbf|textit|texttt|textsc|textrm|textsf|underline|mbox)\{([^{}]*)\}")
_DOUBLE_QUOTES_RE = re.compile(r"``(.*?)''", re.DOTALL)
_LIGATURES = {r"\ss": "ß", r"\o": "ø", r"\O": "Ø", r"\ae": "æ", r"\AE": "Æ", r"\aa": "å", r"\l": "ł"}
_LIGATURE_RE = re.compile(r"\\(ss|o|O|ae|AE|aa|l)(?![A-Za-z])(?:\{\})?")


def _accent(match: re.Match[str]) -> str:
    letter = match.group(2) if match.group(2) is not None else match.group(3)
    return unicodedata.normalize("NFC", (letter or "") + _ACCENTS[match.group(1)])


def readable(text: str) -> str:
    r"""Turn the LaTeX-isms of scraped abstracts into the characters they stand for.

    ``\%`` -> ``%``, ``T\"ULU`` -> ``TÜLU``, ````x''`` -> ``“x”``, ``\emph{x}`` -> ``x``.
    Anything that is not a recognised LaTeX-ism (``{p}_{theta}``, ``E[Y|X]``) is
    left exactly as it is: guessing would corrupt real text.
    """
    if "\\" not in text and "``" not in text:  # most text has none: a page shows many titles, each once per list
        return text
    text = _DOUBLE_QUOTES_RE.sub(lambda m: f"\u201c{m.group(1)}\u201d", text)
    text = _ACCENT_RE.sub(_accent, text)
    text = _LIGATURE_RE.sub(lambda m: _LIGATURES["\\" + m.group(1)], text)
    # Style commands may nest (\emph{\textbf{x}}): unwrap innermost first, a few rounds.
    for _ in range(3):
        text, count = _STYLE_CMD_RE.subn(r"\1", text)
        if not count:
            break
    return _ESCAPED_CHAR_RE.sub(r"\1", text)


# --- Links -----------------------------------------------------------------

CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org")
HF_HOSTS = ("huggingface.co", "hf.co")
LINK_KINDS = ("code", "huggingface", "project")

# A URL ends at white space, at the quotes and angle brackets that delimit one in text, and at
# the characters RFC 3986 allows nowhere in one (RFC 2396's "unwise" set, less square brackets,
# which IPv6 hosts and wiki titles use): a browser rewrites a backslash as a slash and
# percent-encodes braces, so an address holding one is not the address the text shows. Nor
# can a URL hold a control character.
_URL_RE = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f<>\"'`\\{}|^]+", re.IGNORECASE)
_TRAILING = ".,;:!?*'\""
#: What ``is_url`` asks of an address, for messages.
URL_RULE = "http:// or https://, a host, none of \\ { } | ^ < > \" ' ` or white space or control characters, and no . , ; : ! ? * or unmatched ) ] at the end"
_PAIRS = {")": "(", "]": "["}


@dataclass(frozen=True, order=True)
class Link:
    """A URL found in an abstract and what it points to (``code``, ``huggingface`` or ``project``)."""

    url: str
    kind: str


def _trim_url(url: str) -> str:
    """Drop punctuation that ends the sentence rather than the URL.

    A closing bracket is kept only when the URL opened it, so
    ``(see https://x.org/a_(b))`` keeps ``a_(b)`` but ``genius)`` loses its ``)``.
    """
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _PAIRS and url.count(_PAIRS[last]) < url.count(last):
            url = url[:-1]
        else:
            break
    return url


def _has_host(url: str) -> bool:
    """Whether ``url`` names a host (and a port, if any, that is a number a port can be)."""
    try:
        parts = urlsplit(url)
        return bool(parts.hostname) and (parts.port is None or parts.port >= 0)
    except ValueError:  # a host NFKC turns into a delimiter ("℀" is "a/c"), an unclosed IPv6 "[", port 99999
        return False


def is_url(text: str) -> bool:
    """Whether ``text`` is one whole http(s) URL with a host, as link extraction would find it.

    ``https://github.com/a/b\\`` is not: a browser would go to ``…/b/``.
    """
    return bool(_URL_RE.fullmatch(text)) and _trim_url(text) == text and forbidden_character(text) is None and _has_host(text)


def classify(url: str) -> str:
    """Say what a URL points to: ``code`` (GitHub, GitLab…), ``huggingface``, or ``project``."""
    host = (urlsplit(url).hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if host in CODE_HOSTS:
        return "code"
    if host in HF_HOSTS:
        return "huggingface"
    return "project"


def extract_links(text: str) -> list[Link]:
    """Every distinct http(s) URL in ``text``, in order of first appearance; each one ``is_url``."""
    links: list[Link] = []
    seen: set[str] = set()
    for match in _URL_RE.finditer(text):
        url = _trim_url(match.group(0))
        if url in seen or not _has_host(url):
            continue
        seen.add(url)
        links.append(Link(url, classify(url)))
    return links


# --- Markdown safety -------------------------------------------------------

# Every character that means something to Markdown, its extensions (attr_list,
# abbr, footnotes, pymdownx: ==mark==, ^^ins^^, ~~del~~, ++keys++, :emoji:,
# $math$), HTML or Jinja is written as a numeric character reference. Markdown
# passes references through untouched and every HTML parser turns them back
# into the original character, so the text shows exactly as it was written.
_MARKDOWN_SPECIAL = '\\`*_{}[]()<>#+!|~^=:$%&"@'
_ESCAPE_TABLE = str.maketrans({ch: f"&#{ord(ch)};" for ch in _MARKDOWN_SPECIAL})
# These mean something only at the start of a line ("- item", "1. item").
_LINE_START_TABLE = str.maketrans({ch: f"&#{ord(ch)};" for ch in ".-"})
_LEADING_DIGITS_RE = re.compile(r"[0-9]*")


def markdown_text(text: str) -> str:
    """``text`` as Markdown that renders to exactly this text, with no markup.

    Newlines become spaces: this is for inline text (titles, abstracts, names),
    so only the start of the text can open a block (list, heading, quote).
    """
    flat = " ".join(text.split())
    # The run of digits an ordered-list marker ("12.") could start with, and the character after it.
    lead = _LEADING_DIGITS_RE.match(flat).end() + 1  # type: ignore[union-attr]
    # Entities made by the first table contain no "." or "-", so the second cannot touch them.
    return flat[:lead].translate(_ESCAPE_TABLE).translate(_LINE_START_TABLE) + flat[lead:].translate(_ESCAPE_TABLE)


def html_text(text: str) -> str:
    """``text`` escaped for an HTML text node or a quoted attribute value."""
    return html.escape(text, quote=True)


def plural(count: int, word: str = "paper") -> str:
    """``count`` and ``word``, in the plural unless there is exactly one: "1 paper", "3 papers"."""
    return f"{count} {word}{'' if count == 1 else 's'}"


# A sentence ends at ".", "!" or "?" (and any closing quote or bracket) before white space and a capital,
# a digit or an opening quote or bracket; not after an abbreviation or an initial ("e.g. We", "R. Bowman").
_SENTENCE_END_RE = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"“‘(\[]?[A-Z0-9])")
_NOT_AN_END_RE = re.compile(r"(?:\b(?:e\.g|i\.e|et al|etc|vs|cf|Fig|Figs|Eq|Eqs|Sec|No|resp|approx|Dr|Mr|Ms|Prof|St)|(?<![\w.])[A-Z])\.$")


def first_sentence(text: str, limit: int) -> str:
    """The first sentence of ``text`` (white space folded), cut after a whole word at about ``limit`` characters ("…").

    For list rows: enough of an abstract to tell what the paper does, the same size whatever the abstract's.
    """
    flat = " ".join(text.split())
    end = len(flat)
    for match in _SENTENCE_END_RE.finditer(flat, 0, limit + 1):
        if not _NOT_AN_END_RE.search(flat, 0, match.start() + 1):
            end = match.end()
            break
    if end <= limit:
        return flat[:end]
    cut = flat[: limit + 1].rsplit(" ", 1)[0].rstrip(",;:.-–— ")
    return (cut or flat[:limit]) + "…"
