"""Properties of import over random listings: every character survives, or the listing is refused with file:line.

Titles and abstracts are drawn from all of Unicode, controls and lone
surrogates included. What the format itself reserves is left out, since no
parser could tell it from structure: line breaks, lines that are blank once
stripped, date headers (``Mar 12``) and the page chrome before the first paper.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import markdown
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from mkdocs.utils.meta import get_data

from generator.archive import Archive
from generator.config import Settings
from generator.errors import ProblemsError
from generator.ingest import import_sources
from generator.pages import paper_src
from generator.records import fingerprint
from generator.site import export_rows, generate
from generator.sources.listing import CHROME, parse_date_header
from generator.text import html_text, readable

TODAY = date(2026, 11, 26)
MARKDOWN_EXTENSIONS = ["attr_list", "tables", "toc", "admonition"]  # as mkdocs.yml

# Every code point but the format's own line breaks; surrogates included (Hypothesis leaves them out unless asked).
_any_char = st.characters(exclude_categories=(), exclude_characters="\n\r")
# Text a real listing could hold: no controls, surrogates or non-characters, so most such listings import.
_text_char = st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="\ufffe\uffff")
# Markup of every kind a title may carry: Markdown, HTML, Jinja, YAML, LaTeX.
_markup_char = st.sampled_from(list("\\`*_{}[]()<>#+-.!|~^=:$%&\"'@/?,; \t0123456789abcXYZéü—“”🚀"))


def _line_text(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=1, max_size=60).filter(
        lambda s: bool(s.strip()) and parse_date_header(s.strip()) is None and s.strip().casefold() not in CHROME
    )


@st.composite
def papers(draw: st.DrawFn) -> list[tuple[str, str]]:
    """One to five (title, abstract) pairs, all from one alphabet, abstracts distinct as the archive counts them."""
    alphabet = draw(st.sampled_from([_any_char, _text_char, _markup_char]))
    line = _line_text(alphabet)
    return draw(st.lists(st.tuples(line, line), min_size=1, max_size=5, unique_by=lambda p: fingerprint(p[1].strip())))


blank_runs = st.lists(st.sampled_from(["\n\n", "\n\n\n", "\r\n\r\n", "\n \n", "\n\t\n\n"]), min_size=1, max_size=12)


def _listing_bytes(entries: list[tuple[str, str]], gaps: list[str]) -> bytes:
    parts = ["Mar 12"]
    for title, abstract in entries:
        parts += [title, abstract]
    text = parts[0]
    for n, part in enumerate(parts[1:]):
        text += gaps[n % len(gaps)] + part
    return (text + "\n").encode("utf-8", "surrogatepass")  # a lone surrogate makes bytes that are not UTF-8


def _import(folder: Path, listing: Path) -> Archive:
    archive = Archive(folder / "archive")
    import_sources(archive, [listing], today=TODAY)
    return archive


def _settings(folder: Path) -> Settings:
    return Settings.from_mapping({"cache_dir": str(folder / "cache"), "site_url": "https://example.org/"}, folder)


def _shown(text: str) -> str:
    """What a reader sees of a title or abstract: LaTeX-isms made readable, runs of white space as one."""
    return " ".join(readable(text).split())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(entries=papers(), gaps=blank_runs)
def test_a_random_listing_is_refused_with_file_and_line_or_imported_exactly(entries: list[tuple[str, str]], gaps: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        listing = folder / "listing.txt"
        listing.write_bytes(_listing_bytes(entries, gaps))
        try:
            archive = _import(folder, listing)
        except ProblemsError as refused:
            event("refused")
            assert refused.problems
            for problem in refused.problems:
                assert problem.file == str(listing)
                assert problem.line is not None or problem.message.startswith("has no papers")
            assert not (folder / "archive").exists()  # nothing half-imported
            return
        event("imported")
        site = generate(_settings(folder), feeds=False)
        rows = export_rows(site.catalog, "https://example.org/")
        expected = sorted((t.strip(), a.strip()) for t, a in entries)
        assert sorted((row["title"], row["abstract"]) for row in rows) == expected

        for row in rows:
            meta_source = site.pages[paper_src(row["id"])]
            body, meta = get_data(meta_source)  # as MkDocs reads the front matter
            assert meta["title"] == html_text(readable(row["title"]))
            soup = BeautifulSoup(markdown.markdown(body, extensions=MARKDOWN_EXTENSIONS), "html.parser")
            assert " ".join(soup.h1.get_text().split()) == _shown(row["title"])
            assert " ".join(soup.select_one("p.papers-abstract").get_text().split()) == _shown(row["abstract"])

        again = import_sources(archive, [listing], today=TODAY)
        assert again.added == []  # idempotent
        other = _import(folder / "second", listing)
        assert [r.id for r in other.load()] == [r.id for r in archive.load()]  # same listing, same ids
