"""Properties of import over random listings: every character survives, or the listing is refused with file:line.

Titles and abstracts are drawn from all of Unicode, controls and lone
surrogates included. What the format itself reserves is left out, since no
parser could tell it from structure: line breaks, lines that are blank once
stripped, date headers (``Mar 12``) and the page chrome before the first paper.
"""

from __future__ import annotations

import re
import tempfile
from datetime import date
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup
from conftest import make_record
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from material.extensions import emoji
from mkdocs.utils.meta import get_data

from generator.archive import Archive
from generator.catalog import Paper, new_catalog
from generator.config import Settings
from generator.errors import ProblemsError
from generator.ingest import import_sources
from generator.pages import LINK_LABELS, note_markdown, paper_page, paper_src
from generator.records import fingerprint
from generator.site import export_rows, generate
from generator.sources.listing import CHROME, parse_date_header
from generator.text import Link, classify, html_text, is_url, markdown_text, readable

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


def _settings(folder: Path, cache: Path) -> Settings:
    return Settings.from_mapping({"cache_dir": str(cache), "site_url": "https://example.org/"}, folder)


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build cache for every example: the tagger's model (keyed by its training data) is trained once, not once an example."""
    return tmp_path_factory.mktemp("properties-cache")


def _shown(text: str) -> str:
    """What a reader sees of a title or abstract: LaTeX-isms made readable, runs of white space as one."""
    return " ".join(readable(text).split())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(entries=papers(), gaps=blank_runs)
def test_a_random_listing_is_refused_with_file_and_line_or_imported_exactly(shared_cache: Path, entries: list[tuple[str, str]], gaps: list[str]) -> None:
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
        site = generate(_settings(folder, shared_cache), feeds=False)
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


# --- Links: every address a record may hold is one button to exactly that address ---------------

# As mkdocs.yml: the icons of the buttons are Material's, as its emoji extension writes them.
SITE_MARKDOWN = {
    "extensions": [*MARKDOWN_EXTENSIONS, "pymdownx.emoji"],
    "extension_configs": {"pymdownx.emoji": {"emoji_index": emoji.twemoji, "emoji_generator": emoji.to_svg}},
}
_address_char = st.one_of(_markup_char, st.characters(exclude_categories=("Cs",)))
addresses = st.builds(
    "{}://{}{}".format,
    st.sampled_from(["https", "http", "HTTPS"]),
    st.sampled_from(["github.com", "www.github.com", "huggingface.co", "example.org:8080", "例え.jp", "[::1]"]),
    st.text(_address_char, max_size=40),
)


def _linked_page(link: Link) -> str:
    """The Markdown of the page of a paper (no arXiv id, no tags) whose one link is ``link``."""
    paper = Paper(make_record("linked", links=[link]))
    return paper_page(paper, new_catalog([paper], {}))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(url=addresses)
@example(url="https://github.com/quux/lnk){onmouseover=alert(document.domain)}\\")
@example(url="https://github.com/a/b\\")
@example(url="https://x.org/?a=1&amp;b=2&#58;c")  # Markdown kept the references, which HTML then read as characters
def test_every_address_is_url_takes_is_one_button_to_exactly_it(url: str) -> None:
    assume(is_url(url))  # the two examples: addresses earlier versions took, which is_url now refuses
    link = Link(url, classify(url))
    body, _ = get_data(_linked_page(link))
    soup = BeautifulSoup(markdown.markdown(body, **SITE_MARKDOWN), "lxml")
    [button] = soup.select("a.md-button")  # no arXiv id: the link is the page's only button
    assert button["href"] == link.url and set(button.attrs) == {"class", "href"}
    assert button["class"] == ["md-button", f"papers-link-{link.kind}"]
    shown = re.sub(r"^https?://(www\.)?", "", link.url).rstrip("/")
    assert button.get_text() == f" {LINK_LABELS[link.kind]}: {shown}" and button.select("span.twemoji > svg")
    assert [a for a in soup.find_all("a") if a.get("href") == link.url] == [button]
    assert not [(el.name, attr) for el in soup.find_all(True) for attr in el.attrs if attr.startswith("on")]


# --- Notes: Markdown, but no script link and no attribute -------------------------------------

_note_part = st.sampled_from(
    [
        *["[a](", "](", ")", "(", "[", "]", "![i](", "[r]: ", "[r]", "[[java]]", "[[script:x]]", "`", "*", "_", "\\", "{ onclick=x }", "<b>"],
        *["javascript:", "JavaScript:", "java", "script:", "data:", "&#58;", "&#x3a;", "&colon;", "java&#115;cript:", "https://x.org/", "mailto:a@b.c"],
        *["page.md", "#top", ":", " ", "\t", "\n", "\n\n", "%28", "x", '"t"'],
    ]
)


def _scheme(url: str) -> str | None:
    """A URL's scheme as a browser reads it: past leading spaces and controls, once tabs and newlines are gone."""
    url = re.sub(r"[\t\n\r]", "", url.lstrip("".join(map(chr, range(0x21)))))
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", url)
    return match.group(1).lower() if match else None


def _paper_link(target: str) -> str:
    """A ``[[id]]`` as the site writes it: any title, a path made of the id."""
    return f"[{markdown_text(target)}](../{re.sub('[^a-z0-9]+', '-', target.lower())}.md)"


@settings(max_examples=500, deadline=None)
@given(note=st.lists(_note_part, max_size=20).map("".join))
@example(note="[x](java\nscript:alert(1))")  # Markdown keeps the newline, a browser drops it
@example(note="![x]([java](y)script:alert(1))")  # the inner link's text joins the outer target
@example(note="[a]([b](javascript:alert%28document.domain%29)")  # an opener inside another's target
def test_a_note_links_only_to_http_mailto_or_relative_targets_and_adds_no_attribute(note: str) -> None:
    soup = BeautifulSoup(markdown.markdown(note_markdown(note, _paper_link), **SITE_MARKDOWN), "lxml")
    assert soup.find(["script", "iframe", "object", "embed", "form"]) is None
    for element in soup.find_all(True):
        assert not [attr for attr in element.attrs if attr.startswith("on") or attr == "style"], element
        assert all(_scheme(element[attr]) in (None, "http", "https", "mailto") for attr in ("href", "src") if element.has_attr(attr)), element
