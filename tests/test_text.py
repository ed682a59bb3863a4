"""Text: LaTeX-isms made readable, links found and classified, Markdown that shows as text."""

from __future__ import annotations

import markdown
import pytest
from bs4 import BeautifulSoup
from hypothesis import example, given
from hypothesis import strategies as st

from generator.text import Link, classify, extract_links, first_sentence, is_url, markdown_text, readable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (r"improve performance by 20\%", "improve performance by 20%"),
        (r"T\"ULU 3", "TÜLU 3"),
        (r"T\"{U}LU", "TÜLU"),
        (r"Schr\"odinger and caf\'e", "Schrödinger and café"),
        ("the concept of ``conditions'' in QA", "the concept of \u201cconditions\u201d in QA"),
        (r"\emph{really} and \textbf{\emph{very}}", "really and very"),
        (r"R\&D costs \$5", "R&D costs $5"),
        (r"\c{c}a and na\"ive", "ça and naïve"),
        # Not LaTeX-isms: left exactly as written.
        ("{p}_{theta}(Y|X) and E[Y|X] and 256*256 and [27]", "{p}_{theta}(Y|X) and E[Y|X] and 256*256 and [27]"),
        ("a model's 'quotes' stay", "a model's 'quotes' stay"),
    ],
)
def test_readable_turns_latex_isms_into_characters(raw: str, shown: str) -> None:
    assert readable(raw) == shown


def test_links_drop_the_punctuation_that_ends_the_sentence() -> None:
    text = (
        "Code: https://github.com/nihaomiao/CVPR23_LFDM. Demo (https://github.com/beyondguo/genius) and "
        "https://huggingface.co/datasets/a/b, see https://speechresearch.github.io/fastspeech2/."
    )
    assert extract_links(text) == [
        Link("https://github.com/nihaomiao/CVPR23_LFDM", "code"),
        Link("https://github.com/beyondguo/genius", "code"),
        Link("https://huggingface.co/datasets/a/b", "huggingface"),
        Link("https://speechresearch.github.io/fastspeech2/", "project"),
    ]


def test_links_keep_brackets_that_belong_to_the_url_and_appear_once() -> None:
    text = "see https://en.wikipedia.org/wiki/Gan_(disambiguation)) and again https://en.wikipedia.org/wiki/Gan_(disambiguation)"
    assert extract_links(text) == [Link("https://en.wikipedia.org/wiki/Gan_(disambiguation)", "project")]


def test_a_url_ends_where_no_url_can_go_on() -> None:
    # RFC 3986 allows no backslash, brace, | or ^ in a URL (a browser would turn the backslash
    # into a slash and go elsewhere): the address is what comes before.
    text = r"Code: https://github.com/quux/lnk){onmouseover=alert(document.domain)}\ and https://github.com/a/b\ and https://x.org/a|b^c"
    assert extract_links(text) == [Link("https://github.com/quux/lnk", "code"), Link("https://github.com/a/b", "code"), Link("https://x.org/a", "project")]


@pytest.mark.parametrize(
    "text",
    [
        "https://github.com/a/b\\",
        "https://github.com/quux/lnk){onmouseover=alert(document.domain)}",
        "https://x.org/{id}",
        "https://x.org/a|b",
        "https://x.org/a^b",
        "https://",
        "https://:80/",
        "https://x.org:99999/",
        "https://ex\u2100ample.com/",  # "℀" is "a/c" to NFKC: the host would hold a "/"
        "https://x.org/a.",
        "https://x.org/a)",
        "ftp://x.org/",
        "https://x.org/a b",
    ],
)
def test_is_url_refuses_what_no_browser_takes_as_one_address(text: str) -> None:
    assert not is_url(text)


@pytest.mark.parametrize(
    "text", ["https://github.com/a/b", "http://x.org/a_(b)", "https://x.org/a[1]?q=1&r=%20#top", "https://[::1]:8080/", "https://例え.jp/パス"]
)
def test_is_url_takes_real_addresses(text: str) -> None:
    assert is_url(text)


_url_text = st.text(st.sampled_from(list("htps:/.w\\{}|^()[]<>\"'`&%#?=;,!*~@$+- \n\u2100\uff03\uff0fa1é")), max_size=40)


@given(st.lists(st.one_of(_url_text, st.text(max_size=10), st.sampled_from(["https://", "http://", "https://x.org", "HTTPS://"])), max_size=6).map("".join))
@example("see https://ex\u2100ample.com/x")
@example("https://x.org:99999/a")
def test_every_link_found_in_any_text_is_one_url(text: str) -> None:
    for link in extract_links(text):
        assert is_url(link.url) and link.url in text and link.kind == classify(link.url)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://github.com/x/y", "code"),
        ("https://www.github.com/x/y", "code"),
        ("https://gitlab.com/x/y", "code"),
        ("https://huggingface.co/spaces/x/y", "huggingface"),
        ("https://huggingface.co/x/model", "huggingface"),
        ("https://x.github.io/project", "project"),
        ("http://example.org", "project"),
    ],
)
def test_links_are_classified_by_host(url: str, kind: str) -> None:
    assert classify(url) == kind


HOSTILE = [
    "256*256 and 3*3 kernels",
    "E[Y|X] and P(y|x) | a | b |",
    "Stable Diffusion [27] and [link](http://x.org) and ![img](x.png)",
    "<script>alert(1)</script> <b>bold</b> &amp; & <!-- material/tags -->",
    "{{ x }} {% if y %} {#c#} { .class } {: #id }",
    "_under_ __strong__ `code` ~~del~~ ==mark== ^^ins^^ ++ctrl+a++ :smile: $x^2$",
    "1. not a list",
    "- not a list",
    "# not a heading",
    "> not a quote",
    "*[HTML]: not an abbreviation",
    "[^1] not a footnote \\ backslash \\* kept",
    "https://github.com/x/y not a link",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_markdown_text_renders_as_exactly_the_text(text: str) -> None:
    md = markdown.Markdown(extensions=["attr_list", "abbr", "footnotes", "tables", "admonition", "md_in_html"])
    html = md.convert(markdown_text(text))
    soup = BeautifulSoup(html, "lxml")
    assert soup.get_text() == text
    assert [el.name for el in soup.find_all(True)] == ["html", "body", "p"]


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("We introduce Ptr-Net. It points.", "We introduce Ptr-Net."),
        ("Models, e.g. GPT-4, and work by Samuel R. Bowman et al. are strong. Next.", "Models, e.g. GPT-4, and work by Samuel R. Bowman et al. are strong."),
        ("Accuracy rose 3.5% on GSM8K! Then more.", "Accuracy rose 3.5% on GSM8K!"),
        ("A  sentence\nwith   breaks.  Next.", "A sentence with breaks."),
        ("No full stop at all", "No full stop at all"),
        ("word " * 60, ("word " * 40).strip() + "…"),
    ],
)
def test_first_sentence_ends_at_a_real_sentence_end_or_is_cut_after_a_word(text: str, sentence: str) -> None:
    assert first_sentence(text, 200) == sentence
