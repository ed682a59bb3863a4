"""Dates a reader sees: a paper's own publication date, as precise as known, written one way site-wide."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import make_record

from generator.catalog import Paper, new_catalog
from generator.dates import Published, day_text, month_text
from generator.records import Source


def test_the_sources_date_wins_then_the_arxiv_ids_month_else_unknown() -> None:
    assert Published.of(date(2015, 6, 9), "1506.03134") == Published(2015, 6, 9)
    assert Published.of(None, "1506.03134") == Published(2015, 6)
    assert Published.of(None, "") is None


@pytest.mark.parametrize(
    ("arxiv", "month"),
    [("1506.03134", (2015, 6)), ("2305.13169", (2023, 5)), ("cs/9901001", (1999, 1)), ("hep-th/9108001", (1991, 8)), ("math/0612001", (2006, 12))],
)
def test_every_arxiv_id_says_its_year_and_month(arxiv: str, month: tuple[int, int]) -> None:
    assert Published.of(None, arxiv).month_key == month  # type: ignore[union-attr]


def test_one_format_everywhere_a_day_or_a_month_alone() -> None:
    assert Published(2015, 6).text == "June 2015" and Published(2015, 6).iso == "2015-06"
    assert Published(2015, 6, 9).text == "9 June 2015" and Published(2015, 6, 9).iso == "2015-06-09"
    assert Published(2015, 6).html() == '<time datetime="2015-06">June 2015</time>'
    assert day_text(date(2026, 3, 12)) == "12 March 2026" and month_text((2026, 3)) == "March 2026"


def test_lists_are_newest_published_first_unknown_last_and_latest_additions_follow_the_import_file() -> None:
    listed = Source("later.txt", date(2026, 3, 13), 1)
    records = [
        make_record("b-ranked-third", arxiv="1506.03134", sources=[Source("listing.txt", date(2026, 3, 12), 30)]),
        make_record("a-ranked-second", published=date(2024, 1, 5), sources=[Source("listing.txt", date(2026, 3, 12), 20)]),
        make_record("c-ranked-first", sources=[Source("listing.txt", date(2026, 3, 12), 10)]),
        make_record("z-added-later", published=date(2001, 1, 1), added=date(2026, 3, 13), sources=[listed]),
    ]
    catalog = new_catalog([Paper(r) for r in records], {})
    assert [p.id for p in catalog.papers] == ["a-ranked-second", "b-ranked-third", "z-added-later", "c-ranked-first"]
    assert [p.id for p in catalog.latest] == ["z-added-later", "c-ranked-first", "a-ranked-second", "b-ranked-third"]
    assert list(catalog.by_month) == [(2024, 1), (2015, 6), (2001, 1)] and [p.id for p in catalog.undated] == ["c-ranked-first"]
