"""Generated HTML blocks pass through Python-Markdown unparsed, and come out exactly as Python-Markdown would make them."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest
from material.extensions.emoji import to_svg, twemoji

from generator.rawhtml import MARK, GeneratedHTML, mark, restore

GOLDEN_PAGES = sorted((Path(__file__).parent / "golden" / "pages").glob("*.md"))


def convert(text: str, *extra: markdown.extensions.Extension) -> str:
    """``text`` rendered with MkDocs' and mkdocs.yml's Markdown extensions (and ``extra``)."""
    extensions = ["toc", "tables", "fenced_code", "attr_list", "admonition", "pymdownx.emoji", *extra]
    configs = {"toc": {"permalink": True}, "pymdownx.emoji": {"emoji_index": twemoji, "emoji_generator": to_svg}}
    return markdown.Markdown(extensions=extensions, extension_configs=configs).convert(text)


def generated(source: str, front_matter: str = "") -> str:
    """``source`` rendered as the plugin renders a generated page: marked, converted, its blocks put back."""
    return restore(convert(mark(source, front_matter + source), GeneratedHTML()), front_matter + source)


def body(page: Path) -> str:
    """A generated page without its front matter, as MkDocs hands it to Python-Markdown."""
    text = page.read_text(encoding="utf-8")
    return text.split("\n---\n", 1)[1] if text.startswith("---\n") else text


@pytest.mark.parametrize("page", GOLDEN_PAGES, ids=lambda p: p.stem)
def test_a_generated_page_renders_byte_for_byte_as_python_markdown_renders_it(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    front_matter = text[: len(text) - len(body(page))]
    assert generated(body(page), front_matter) == convert(body(page))


def test_the_blocks_of_a_generated_page_are_set_aside_before_any_html_parser_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    page = body(next(p for p in GOLDEN_PAGES if p.stem == "papers__gan-a-study"))
    fed: list[str] = []
    real = markdown.htmlparser.htmlparser.HTMLParser.feed
    monkeypatch.setattr(markdown.htmlparser.htmlparser.HTMLParser, "feed", lambda self, data: (fed.append(data), real(self, data))[1])
    generated(page)
    assert fed and all("papers-abstract" not in data and "papers-bibtex" not in data for data in fed)


def test_the_ids_in_set_aside_blocks_are_told_for_mkdocs_anchor_checks() -> None:
    shelter = GeneratedHTML()
    text = '# T\n\n<figure id="chart"><svg><title id="chart-title">x</title></svg></figure>\n\nText.\n'
    convert(mark(text, text), shelter)
    assert shelter.ids == {"chart", "chart-title"}


def test_a_page_without_the_mark_is_read_by_python_markdown_as_ever() -> None:
    hand_written = '<div markdown="1">\n*not emphasis: raw HTML*\n</div>\n\n<p class="x">a</p>\n'
    shelter = GeneratedHTML()
    assert convert(hand_written, shelter) == convert(hand_written) and shelter.ids == set()


@pytest.mark.parametrize(
    "block",
    [
        "<span>inline</span> *text*",  # an inline tag: a paragraph of Markdown
        "<p>unclosed\n*still Markdown's to read*",  # does not end with a closing tag
        "<p>a</p>\n## A heading",  # Markdown after the HTML in the same block
    ],
)
def test_a_block_that_is_not_plainly_html_is_left_to_python_markdown(block: str) -> None:
    text = f"# T\n\n{block}\n\nEnd.\n"
    assert generated(text) == convert(text)


def test_the_mark_never_reaches_the_page() -> None:
    assert MARK not in generated("# T\n\n<p>x</p>\n")


def test_while_mkdocs_renders_a_page_its_content_holds_no_generated_block() -> None:
    text = '# T\n\n<p class="papers-abstract">An abstract</p>\n\nText.\n'
    content = convert(mark(text, text), GeneratedHTML())
    assert "papers-abstract" not in content and "<p>Text.</p>" in content


def test_markdown_another_plugin_changed_is_not_marked_and_renders_as_ever() -> None:
    assert mark("# Changed\n", "# T\n") == "# Changed\n"


def test_a_tab_in_a_generated_block_comes_out_as_python_markdown_makes_it() -> None:
    text = '# T\n\n<p class="papers-authors">A\tB, C</p>\n<div>\tx</div>\n\nEnd.\n'
    assert generated(text) == convert(text)
