"""Pages: the Markdown rendered from a small catalog, checked against golden files."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from conftest import make_record

from generator.config import Settings
from generator.records import Source
from generator.site import generate
from generator.text import Link

CACHE = tempfile.mkdtemp(prefix="papers-test-cache-")
SETTINGS = Settings.from_mapping(
    {
        "per_page": 2,
        "home_latest": 2,
        "site_name": "Test Archive",
        "site_description": "A test.",
        "cache_dir": CACHE,
        "site_url": "https://example.org/archive/",
    },
    Path(CACHE),
)


def small_archive():
    return [
        make_record(
            "gan-a-study",
            "GAN: A Study of 256*256 <b>images</b> {{ x }}",
            added=date(2025, 3, 12),
            abstract=r"We use E[Y|X] as in Stable Diffusion [27] and improve by 20\% (https://github.com/a/b).",
            sources=[Source("l.txt", date(2025, 3, 12))],
            links=[Link("https://github.com/a/b", "code"), Link("https://huggingface.co/a/b", "huggingface")],
            tags_add=["gans", "computer-vision"],
            note="Read *this* first. <script>x</script> See [[older-paper]].",
            featured=True,
        ),
        make_record(
            "older-paper",
            "Older Paper",
            added=date(2025, 2, 1),
            tags_add=["gans"],
            arxiv="2305.13169",
            authors=[f"Author {n} O'Brien-Ñúñez" for n in range(1, 14)],  # 13: past the fold
            published=date(2023, 5, 22),
            categories=["cs.CL", "cs.LG"],
            links=[Link("https://huggingface.co/papers/2305.13169", "huggingface"), Link("https://example.org/older", "project")],
        ),
        make_record("oldest-paper", "Oldest Paper", added=date(2024, 12, 31), tags_add=["nlp"], tags_remove=["nlp"]),
    ]


def test_golden_pages(golden) -> None:
    pages = generate(SETTINGS, small_archive()).pages
    papers = ["papers/gan-a-study.md", "papers/older-paper.md", "papers/index.md", "papers/page/2.md"]
    for src in ["index.md", *papers, "tags/index.md", "tags/gans/index.md", "archive/index.md", "archive/2023/05/index.md"]:
        golden("pages/" + src.replace("/", "__"), pages[src])


def test_every_paper_tag_and_month_gets_a_page() -> None:
    pages = generate(SETTINGS, small_archive()).pages
    assert {p for p in pages if p.startswith("papers/") and "page" not in p and p != "papers/index.md"} == {
        "papers/gan-a-study.md",
        "papers/older-paper.md",
        "papers/oldest-paper.md",
    }
    # Every tag of the vocabulary has a page, even with no paper yet: readers can subscribe before the first one.
    assert {f"tags/{slug}/index.md" for slug in generate(SETTINGS, small_archive()).catalog.tags} <= set(pages)
    assert "# GANs" in pages["tags/gans/index.md"]
    # The archive by publication date: older-paper's month; the others have no date, so a page of undated papers.
    assert {p for p in pages if p.startswith("archive/")} == {"archive/index.md", "archive/2023/05/index.md", "archive/undated/index.md"}


def test_pager_stays_small_however_many_pages() -> None:
    records = [make_record(f"p{i:04d}", added=date(2025, 1, 1)) for i in range(500)]
    pages = generate(Settings.from_mapping({"per_page": 1, "cache_dir": CACHE, "site_url": "https://example.org/"}, Path(CACHE)), records).pages
    middle = pages["papers/page/250.md"]
    assert middle.count("](") <= 1 + 7 + 2 + 2  # the paper, a window of page numbers, first/last, newer/older
    assert "[← Newer](249.md)" in middle and "[Older →](251.md)" in middle and "[1](../index.md)" in middle


def test_old_style_ids_get_no_hugging_face_button_and_citations_need_authors() -> None:
    from generator.identity import bibtex_entry

    old = make_record("old-one", "Old One", arxiv="cs/0501001", authors=[])
    page = generate(SETTINGS, [old]).pages["papers/old-one.md"]
    assert "huggingface.co/papers" not in page and "arxiv.org/abs/cs/0501001" in page
    assert "citation_title" not in generate(SETTINGS, [old]).heads["papers/old-one.md"]  # no authors: Scholar would refuse it
    entry = bibtex_entry(title="Ends with \\", authors=["Barnes and Noble"], arxiv_id="cs/0501001", published=None, primary_category=None)
    assert "title = {Ends with}" in entry and "author = {{Barnes and Noble}}" in entry and "year = {2005}" in entry
    assert "author" not in bibtex_entry(title="T", authors=[], arxiv_id="2305.13169", published=None, primary_category=None)
