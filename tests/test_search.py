"""The search index: one escaped record per paper, shards filled oldest first, Pagefind's output the same on every run."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import make_record

from generator.canonical import read
from generator.catalog import Paper, Tag, new_catalog
from generator.search import (
    HandPage,
    build_index,
    manifest,
    paper_record,
    plan_shards,
)

TAGS = {"gans": Tag("gans", "GANs", "Generative adversarial networks."), "theory": Tag("theory", "Theory", "Proofs.")}


def catalog_of(*papers: Paper):
    return new_catalog(list(papers), dict(TAGS))


def paper(record_id: str, year: int = 2025, month: int = 3, tags: tuple[str, ...] = ("gans",), **fields) -> Paper:
    return Paper(make_record(record_id, added=date(year, month, 12), **fields), list(tags))


def test_a_paper_record_holds_its_text_as_text_with_tag_and_year_filters_and_a_date_sort() -> None:
    p = paper(
        "tricky",
        published=date(2015, 6, 9),
        title='</h1><script>alert(1)</script> & T\\"ULU',
        abstract="We beat <b>everything</b> by 20\\% with x<y.",
        authors=['Ana "Quote" O\'Neil', "Bo, Jr."],
        note="Read <i>this</i>.",
    )
    soup = BeautifulSoup(paper_record(p, catalog_of(p)), "lxml")
    main = soup.select_one("main[data-pagefind-body]")
    assert main["data-pagefind-sort"] == "date:2015-06-09 2025-03-12 papers/tricky/index.html"
    assert soup.select_one("h1[data-pagefind-meta=title]").get_text() == "</h1><script>alert(1)</script> & TÜLU"
    assert soup.find("script") is None and soup.find("b") is None
    assert main.p.get_text() == "We beat <b>everything</b> by 20% with x<y."
    assert json.loads(soup.select_one("[data-pagefind-meta=authors]").get_text()) == ['Ana "Quote" O\'Neil', "Bo, Jr."]  # a list: a name may hold a comma
    assert soup.select_one("[data-pagefind-meta=date]").get_text() == "9 June 2015"  # as every page writes it, the paper's own date
    assert [(f["data-pagefind-filter"], f.get_text()) for f in soup.select("[data-pagefind-filter]")] == [("tag", "GANs"), ("year", "2015")]
    assert soup.select_one("[data-pagefind-meta=body_words]").get_text() == str(len("We beat <b>everything</b> by 20% with x<y. Read <i>this</i>.".split()))


def test_shards_are_filled_oldest_first_and_listed_newest_first() -> None:
    papers = [paper(f"p{year}-{i}", year) for year, count in ((2026, 2), (2025, 1), (2024, 1), (2023, 3)) for i in range(count)]
    shards = plan_shards(catalog_of(*papers), limit=3)
    assert [(s.name, sorted(s.records)) for s in shards] == [
        ("3", ["papers/p2026-1/index.html"]),
        ("2", ["papers/p2024-0/index.html", "papers/p2025-0/index.html", "papers/p2026-0/index.html"]),
        ("1", [f"papers/p2023-{i}/index.html" for i in range(3)]),
    ]


def test_a_large_archive_keeps_its_newest_papers_in_a_small_shard_searched_first() -> None:
    papers = [paper(f"p{i}", 2020, month=1 + i) for i in range(7)]
    shards = plan_shards(catalog_of(*papers), limit=3, newest=2)
    assert [(s.name, sorted(s.records)) for s in shards] == [
        ("new", ["papers/p5/index.html", "papers/p6/index.html"]),
        ("2", ["papers/p3/index.html", "papers/p4/index.html"]),
        ("1", ["papers/p0/index.html", "papers/p1/index.html", "papers/p2/index.html"]),
    ]
    assert [s.name for s in plan_shards(catalog_of(*papers[:4]), limit=3, newest=2)] == ["2", "1"]  # not more than twice as many


def test_new_papers_leave_the_older_shards_unchanged() -> None:
    papers = [paper(f"p{i}", 2020 + i) for i in range(5)]
    before = plan_shards(catalog_of(*papers), limit=2)
    after = plan_shards(catalog_of(*papers, paper("new", 2026)), limit=2)
    assert [s.digest("v") for s in after[1:]] == [s.digest("v") for s in before[1:]]
    assert after[0].digest("v") != before[0].digest("v")


def test_a_paper_sorts_by_publication_then_addition_then_path_so_that_no_two_papers_tie() -> None:
    a, b, c = paper("b-paper", 2025, arxiv="1506.03134"), paper("a-paper", 2025, arxiv="1506.03134"), paper("undated", 2026)
    sorts = [BeautifulSoup(paper_record(p, catalog_of(p)), "lxml").main["data-pagefind-sort"] for p in (a, b, c)]
    assert sorts == [
        "date:2015-06-00 2025-03-12 papers/b-paper/index.html",
        "date:2015-06-00 2025-03-12 papers/a-paper/index.html",
        "date:0000-00-00 2026-03-12 papers/undated/index.html",  # unknown: the oldest, so last when newest come first
    ]
    assert "year" not in BeautifulSoup(paper_record(c, catalog_of(c)), "lxml").get_text()


def test_hand_written_pages_are_a_shard_searched_right_after_the_newest_papers(tmp_path: Path) -> None:
    about = HandPage("about/", "About <this>", "<p>Hi &amp; welcome</p>")
    build_index(tmp_path / "site", catalog_of(paper("new", 2026), paper("old", 2020)), [about], limit=1)
    assert json.loads((tmp_path / "site" / "search" / "index.json").read_text())["shards"] == ["2", "pages", "1"]
    build_index(tmp_path / "alone", catalog_of(), [about])
    assert json.loads((tmp_path / "alone" / "search" / "index.json").read_text())["shards"] == ["pages"]


def test_the_manifest_lists_shards_the_tags_and_publication_years_in_use_and_each_shards_months() -> None:
    catalog = catalog_of(
        paper("a", 2026, arxiv="2401.00001"), paper("b", 2024, tags=(), published=date(2015, 6, 9)), paper("c", 2026), paper("d", 2026, arxiv="2401.00002")
    )
    assert json.loads(manifest(catalog, plan_shards(catalog))) == {
        "shards": ["1"],
        "tags": ["GANs"],
        "years": ["2024", "2015"],  # when published, not when added; c's is unknown
        # Ranks in a shard run oldest published first (unknown first): months as runs, for sorting shards together.
        "months": {"1": [[0, 1], [201506, 1], [202401, 2]]},
    }


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_indexing_twice_gives_the_same_bytes_with_sorted_filter_values(tmp_path: Path) -> None:
    papers = [paper(f"p{i}", 2020 + i % 3, tags=("theory", "gans")[: 1 + i % 2]) for i in range(12)]
    catalog = catalog_of(*papers)
    first = build_index(tmp_path / "one", catalog, limit=5)
    build_index(tmp_path / "two", catalog, limit=5)
    assert first.shards == 3 and first.records == 12
    assert files_of(tmp_path / "one") == files_of(tmp_path / "two")
    for path in (tmp_path / "one").rglob("*.pf_filter"):
        name, values = read(path)
        assert [v[0] for v in values] == sorted(v[0] for v in values), name


def test_a_rebuild_reindexes_only_the_shards_whose_papers_changed(tmp_path: Path) -> None:
    papers = [paper("new", 2026), paper("old", 2020)]
    cache = tmp_path / "cache"
    assert build_index(tmp_path / "site", catalog_of(*papers), cache_dir=cache, limit=1).reindexed == 2
    assert build_index(tmp_path / "site", catalog_of(*papers), cache_dir=cache, limit=1).reindexed == 0
    edited = [paper("new", 2026, abstract="A new abstract, long enough to be the abstract of a paper."), papers[1]]
    stats = build_index(tmp_path / "site", catalog_of(*edited), cache_dir=cache, limit=1)
    assert stats.reindexed == 1 and len(list(cache.joinpath("search").iterdir())) == 2
    assert sorted(p.name for p in (tmp_path / "site" / "search").iterdir()) == ["1", "2", "index.json"]


def test_a_failing_pagefind_is_a_clear_error_and_leaves_no_half_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import search
    from generator.search import SearchIndexError

    fake = tmp_path / "pagefind"
    fake.write_text("#!/bin/sh\necho 'Error: out of memory' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(search, "_executable", lambda: str(fake))
    cache = tmp_path / "cache"
    with pytest.raises(SearchIndexError, match=r"Pagefind failed to index the search shard '1' \(exit 3\): Error: out of memory"):
        build_index(tmp_path / "site", catalog_of(paper("a")), cache_dir=cache)
    assert list((cache / "search").iterdir()) == []


def test_a_cache_that_cannot_hold_the_index_gives_way_to_a_temporary_folder(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "search").write_text("in the way")  # as a read-only checkout would refuse the folder
    stats = build_index(tmp_path / "site", catalog_of(paper("a")), cache_dir=cache)
    assert stats.reindexed == 1 and (tmp_path / "site" / "search" / "1" / "pagefind-entry.json").is_file()
    assert (cache / "search").read_text() == "in the way"


# --- The cache, trusted only as written -----------------------------------------------------


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one byte, the size unchanged
    path.write_bytes(bytes(data))


DAMAGES = {
    "garbled fragment": lambda entry: _garble(next(entry.glob("fragment/*.pf_fragment"))),
    "truncated fragment": lambda entry: next(entry.glob("fragment/*.pf_fragment")).write_bytes(b"\x1f\x8b"),
    "garbled pf_meta": lambda entry: _garble(next(entry.glob("*.pf_meta"))),
    "garbled pagefind-entry.json": lambda entry: entry.joinpath("pagefind-entry.json").write_text('{"version":"1.5.0","languages":{}}'),
    "deleted index file": lambda entry: next(entry.glob("index/*.pf_index")).unlink(),
    "extra file": lambda entry: entry.joinpath("fragment", "1_99.pf_fragment").write_bytes(b"stray"),
    "deleted seal": lambda entry: entry.joinpath("papers-cache.json").unlink(),
    "garbled seal": lambda entry: _garble(entry / "papers-cache.json"),
}


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_cached_index_is_said_once_and_indexed_again_never_published(tmp_path: Path, cache_log: list[str], damage) -> None:
    catalog = catalog_of(paper("a"), paper("b", 2024))
    cache = tmp_path / "cache"
    build_index(tmp_path / "clean", catalog, cache_dir=cache)
    (entry,) = (cache / "search").iterdir()
    whole, published = files_of(entry), files_of(tmp_path / "clean")
    damage(entry)
    stats = build_index(tmp_path / "site", catalog, cache_dir=cache)
    assert files_of(tmp_path / "site") == published  # what a reader searches is whole
    assert stats.reindexed == 1 and files_of(entry) == whole
    assert len(cache_log) == 1 and str(entry) in cache_log[0], cache_log


def test_editing_the_published_index_in_place_leaves_the_cache_alone(tmp_path: Path, cache_log: list[str]) -> None:
    catalog = catalog_of(paper("a"))
    cache = tmp_path / "cache"
    build_index(tmp_path / "site", catalog, cache_dir=cache)
    (entry,) = (cache / "search").iterdir()
    whole, published = files_of(entry), files_of(tmp_path / "site")
    for path in (tmp_path / "site" / "search").rglob("*"):
        if path.is_file():
            with path.open("r+b") as handle:  # in place, as an editor or a deploy step might
                handle.write(b"edited")
    assert files_of(entry) == whole
    assert build_index(tmp_path / "site", catalog, cache_dir=cache).reindexed == 0
    assert files_of(tmp_path / "site") == published and cache_log == []
