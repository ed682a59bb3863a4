"""Which paper a record is: arXiv ids, the addresses that follow from them, titles compared, citations.

arXiv has two id styles: ``2305.13169`` (``YYMM.NNNN``, five digits from 2015)
and, before April 2007, ``cs/0501001`` (an archive, then ``YYMMNNN``; listings
sometimes add a subject class, ``math.GT/0309136``, which is not part of the
id). A record keeps the id without version or subject class: ``v1`` and ``v3``
of ``math.GT/0309136`` are the one paper ``math/0309136``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from slugify import slugify

from .text import readable

_NEW = r"\d{4}\.\d{4,5}"
_OLD = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}"
# A record keeps an old-style id as arXiv does, without the subject class: math/0309136, not math.GT/0309136.
ARXIV_ID_RE = re.compile(rf"^(?:{_NEW}|[a-z]+(?:-[a-z]+)*/\d{{7}})$")
CATEGORY_RE = re.compile(r"^[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[A-Za-z]+)*)?$")
# An id as people write it: bare, with "arXiv:", with a version, inside an arXiv or Hugging Face address.
_FOUND_RE = re.compile(
    rf"^(?:arxiv:|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/|https?://(?:www\.)?(?:huggingface\.co|hf\.co)/papers/)?"
    rf"({_NEW}|{_OLD})(?:v\d+)?(?:\.pdf)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)


def parse_arxiv_id(text: str) -> str | None:
    """The versionless arXiv id in ``text`` (``arXiv:2305.13169v2``, an abs/pdf/HF address…), or None."""
    match = _FOUND_RE.match(text.strip())
    if match is None:
        return None
    found = match.group(1)
    if "/" in found:  # old style: the archive (lower case) names the paper; the subject class does not
        archive, number = found.split("/")
        found = f"{archive.partition('.')[0].lower()}/{number}"
    return found if ARXIV_ID_RE.match(found) else None


def arxiv_month(arxiv_id: str) -> tuple[int, int]:
    """The year and month of first submission, which every arXiv id encodes (``YYMM``).

    ``1506.03134`` -> (2015, 6); ``cs/9901001`` -> (1999, 1). arXiv began in August 1991,
    so ``91``-``99`` are the 1990s.
    """
    digits = arxiv_id.split("/")[-1]
    yy = int(digits[:2])
    return (1900 + yy if yy >= 91 else 2000 + yy, int(digits[2:4]))


def arxiv_year(arxiv_id: str) -> int:
    """The year of first submission: ``1506.03134`` -> 2015, ``cs/9901001`` -> 1999."""
    return arxiv_month(arxiv_id)[0]


def abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def pdf_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/pdf/{arxiv_id}"


def hf_url(arxiv_id: str) -> str | None:
    """The paper's Hugging Face page; None for old-style ids, which Hugging Face does not serve."""
    return None if "/" in arxiv_id else f"https://huggingface.co/papers/{arxiv_id}"


# --- comparing titles and abstracts ------------------------------------------------


def words(text: str) -> list[str]:
    """The words of a text as compared: LaTeX-isms made readable, accents kept, case and punctuation ignored."""
    return re.findall(r"\w+", unicodedata.normalize("NFKC", readable(text)).casefold())


def title_key(title: str) -> str:
    """What two titles must share to be the same title: their words (see ``words``)."""
    return " ".join(words(title))


def same_title(a: str, b: str) -> bool:
    """Equal once case, punctuation, spacing and LaTeX-isms are set aside."""
    return words(a) == words(b)


def shared_words(a: str, b: str) -> float:
    """The share of the two texts' distinct words that both use (Jaccard), 0 to 1."""
    first, second = set(words(a)), set(words(b))
    return len(first & second) / len(first | second) if first | second else 0.0


# --- citations -------------------------------------------------------------------------

_STOP_WORDS = {"a", "an", "the", "on", "of", "in", "for", "and", "to", "with", "from", "by", "is", "are", "via", "at", "as"}
_BIBTEX_SPECIAL_RE = re.compile(r"(?<!\\)([&%#_])")


def _ascii_word(text: str) -> str:
    return slugify(text, separator="")


def bibtex_key(title: str, authors: list[str], year: int) -> str:
    """A stable citation key: first author's family name, year, first significant title word (``longpre2023pretrainer``)."""
    family = _ascii_word(authors[0].split()[-1]) if authors and authors[0].split() else "anonymous"
    first = next((w for w in words(title) if w not in _STOP_WORDS and _ascii_word(w)), "paper")
    return f"{family or 'anonymous'}{year}{_ascii_word(first)}"


def _bibtex_text(text: str) -> str:
    """Text for a braced BibTeX field: specials escaped, braces kept only when they balance, no backslash last."""
    flat = " ".join(_BIBTEX_SPECIAL_RE.sub(r"\\\1", text).split())
    if flat.endswith("\\"):
        flat = flat[:-1].rstrip()  # `…\}` would escape the field's closing brace
    depth = 0
    for char in flat:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        flat = flat.replace("{", "\\{").replace("}", "\\}")
    return flat


def bibtex_entry(*, title: str, authors: list[str], arxiv_id: str, published: date | None, primary_category: str | None) -> str:
    """A ``@misc`` entry for an arXiv paper, as arXiv's own export gives it; the year comes from the id when ``published`` is unknown."""
    year = published.year if published else arxiv_year(arxiv_id)
    # A name that says "and" is one name: braces keep BibTeX from splitting it.
    names = [f"{{{_bibtex_text(a)}}}" if re.search(r"\sand\s", a) else _bibtex_text(a) for a in authors]
    fields = [("title", _bibtex_text(title)), *([("author", " and ".join(names))] if names else []), ("year", str(year))]
    fields += [
        ("eprint", arxiv_id),
        ("archivePrefix", "arXiv"),
    ]
    if primary_category:
        fields.append(("primaryClass", primary_category))
    fields.append(("url", abs_url(arxiv_id)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{bibtex_key(title, authors, year)},\n{body}\n}}"
