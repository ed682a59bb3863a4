"""The listing parser: page chrome skipped, dates resolved once, every entry or a problem with its line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import SEED

from generator.sources.listing import looks_like_abstract, parse_listing, resolve_date

TODAY = date(2026, 11, 26)
ABSTRACT = "We study a problem that matters. " * 6


def write(tmp_path: Path, text: str | bytes, name: str = "listing.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_seed_gives_87_papers_dated_from_its_header(golden) -> None:
    listing = parse_listing(SEED, today=TODAY)
    assert listing.problems == []
    assert len(listing.entries) == 87
    assert {e.date for e in listing.entries} == {date(2026, 3, 12)}
    first, last = listing.entries[0], listing.entries[-1]
    assert first.title.startswith("NitroFusion: High-Fidelity Single-Step Diffusion") and first.line == 11
    assert last.title == "ReFT: Reasoning with Reinforced Fine-Tuning" and last.abstract.endswith("generalization ability for ReFT.")
    golden("seed-titles.txt", "".join(f"{e.line}\t{e.title}\n" for e in listing.entries))


def test_year_comes_from_date_or_year_options() -> None:
    assert parse_listing(SEED, today=TODAY, on_date=date(2024, 3, 12)).entries[0].date == date(2024, 3, 12)
    assert parse_listing(SEED, today=TODAY, year=2023).entries[0].date == date(2023, 3, 12)


def test_date_option_must_match_the_header() -> None:
    listing = parse_listing(SEED, today=TODAY, on_date=date(2024, 3, 13))
    assert [(p.line, "does not match" in p.message) for p in listing.problems] == [(9, True)]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 26), date(2026, 3, 12)),
        (date(2026, 3, 12), date(2026, 3, 12)),  # today itself is not after today
        (date(2026, 3, 11), date(2025, 3, 12)),  # never a date in the future
    ],
)
def test_yearless_date_is_the_latest_not_after_today(today: date, expected: date) -> None:
    assert resolve_date(3, 12, year=None, today=today) == expected


def test_feb_29_resolves_to_the_latest_leap_year() -> None:
    assert resolve_date(2, 29, year=None, today=date(2026, 11, 26)) == date(2024, 2, 29)
    assert resolve_date(2, 29, year=None, today=date(2028, 2, 28)) == date(2024, 2, 29)
    assert resolve_date(2, 29, year=2023, today=TODAY) is None


def test_feb_29_header_in_a_listing(tmp_path: Path) -> None:
    listing = parse_listing(write(tmp_path, f"Feb 29\n\nA Title\n\n{ABSTRACT}\n"), today=TODAY)
    assert listing.problems == [] and listing.entries[0].date == date(2024, 2, 29)
    bad = parse_listing(write(tmp_path, f"Feb 29\n\nA Title\n\n{ABSTRACT}\n"), today=TODAY, year=2025)
    assert [p.line for p in bad.problems] == [1] and "not a real date" in bad.problems[0].message


def test_crlf_bom_blank_runs_and_trailing_spaces_are_tolerated(tmp_path: Path) -> None:
    text = f"\ufeffnew\r\n\r\nSubscribe  \r\n\r\n\r\n\r\nMar 12 \r\nFirst Title   \r\n\r\n\r\n{ABSTRACT}   \r\n\r\n\r\n\r\nSecond Title\r\n{ABSTRACT}"
    listing = parse_listing(write(tmp_path, text.encode("utf-8")), today=TODAY)
    assert listing.problems == []
    assert [(e.title, e.line) for e in listing.entries] == [("First Title", 8), ("Second Title", 15)]
    assert listing.entries[0].abstract == ABSTRACT.strip()


def test_listing_without_chrome(tmp_path: Path) -> None:
    listing = parse_listing(write(tmp_path, f"Mar 12\nOnly Title\n{ABSTRACT}\n"), today=TODAY)
    assert [e.title for e in listing.entries] == ["Only Title"]


def test_title_without_abstract_is_a_problem_never_glued_to_the_next_title(tmp_path: Path) -> None:
    text = f"Mar 12\n\nLonely Title\n\nNext Title\n\n{ABSTRACT}\n\nLast Title\n"
    listing = parse_listing(write(tmp_path, text), today=TODAY)
    assert [(e.title, e.line) for e in listing.entries] == [("Next Title", 5)]
    assert [(p.line, p.message.split(" has ")[0]) for p in listing.problems] == [
        (3, "the title 'Lonely Title'"),
        (9, "the title 'Last Title'"),
    ]


def test_abstract_without_title_is_a_problem(tmp_path: Path) -> None:
    listing = parse_listing(write(tmp_path, f"Mar 12\n\nA Title\n\n{ABSTRACT}\n\n{ABSTRACT}\n"), today=TODAY)
    assert len(listing.entries) == 1
    assert [p.line for p in listing.problems] == [7]


def test_papers_before_any_date_need_a_date(tmp_path: Path) -> None:
    path = write(tmp_path, f"A Title\n\n{ABSTRACT}\n")
    listing = parse_listing(path, today=TODAY)
    assert listing.entries == [] and [p.line for p in listing.problems] == [1]
    assert "pass --date" in listing.problems[0].message
    assert parse_listing(path, today=TODAY, on_date=date(2025, 1, 2)).entries[0].date == date(2025, 1, 2)


def test_a_file_that_is_not_utf8_is_one_problem_for_the_whole_file(tmp_path: Path) -> None:
    listing = parse_listing(write(tmp_path, b"Mar 12\n\nR\xe9sum\xe9 of Caf\xe9\n\n" + ABSTRACT.encode()), today=TODAY)
    assert listing.entries == [] and listing.problems == []
    assert [(p.line, p.message.split(";")[0]) for p in listing.file_problems] == [(3, "is not UTF-8 text (nothing of it was read)")]


def test_nul_bytes_mean_a_binary_or_utf16_file(tmp_path: Path) -> None:
    utf16 = write(tmp_path, "Mar 12\n\nTitle\n\nAbstract.\n".encode("utf-16-le"))
    assert listing_file_problem(utf16).startswith("contains NUL bytes")
    assert listing_file_problem(Path("/usr/bin/ls")).startswith("contains NUL bytes")


def listing_file_problem(path: Path) -> str:
    listing = parse_listing(path, today=TODAY)
    assert listing.entries == [] and len(listing.file_problems) == 1
    return listing.file_problems[0].message


@pytest.mark.parametrize("text", ["", "\n\n  \n", "new\nSubscribe\n\nMar 12\n"])
def test_a_listing_with_no_papers_is_a_problem(tmp_path: Path, text: str) -> None:
    assert listing_file_problem(write(tmp_path, text)).startswith("has no papers")


@pytest.mark.parametrize("bad", ["\x07", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\x9f", "\ufffe", "\U0001ffff", "\ufdd0"])
def test_control_characters_and_non_characters_are_refused_with_their_line(tmp_path: Path, bad: str) -> None:
    text = f"Mar 12\n\nGood Paper\n\n{ABSTRACT}\n\nBad{bad}Paper\n\n{ABSTRACT}\n\nLast Paper\n\n{ABSTRACT}{bad}\n"
    listing = parse_listing(write(tmp_path, text), today=TODAY)
    assert [e.title for e in listing.entries] == ["Good Paper"]
    code = f"contains U+{ord(bad):04X} "
    assert [(p.line, p.message.startswith(code)) for p in listing.problems] == [(7, True), (13, True)]


def test_tabs_are_text(tmp_path: Path) -> None:
    listing = parse_listing(write(tmp_path, f"Mar 12\n\nA\tTabbed Title\n\n{ABSTRACT}\n"), today=TODAY)
    assert [e.title for e in listing.entries] == ["A\tTabbed Title"] and listing.problems == []


@pytest.mark.parametrize(
    "title",
    [
        "Why think step by step? Reasoning emerges from the locality of experience",
        "Closing the Gap between TD Learning and Supervised Learning -- A Generalisation Point of View",
        "Pointer Networks",
    ],
)
def test_titles_do_not_look_like_abstracts(title: str) -> None:
    assert not looks_like_abstract(title)


def test_alternation_wins_over_the_shape_of_a_line(tmp_path: Path) -> None:
    text = "Mar 12\n\nA Title That Ends With A Period.\n\nCode at https://github.com/x/y\n\nSecond Paper\n\nWe study things. Results are good.\n"
    listing = parse_listing(write(tmp_path, text), today=TODAY)
    assert listing.problems == []
    assert [(e.title, e.abstract) for e in listing.entries] == [
        ("A Title That Ends With A Period.", "Code at https://github.com/x/y"),
        ("Second Paper", "We study things. Results are good."),
    ]
