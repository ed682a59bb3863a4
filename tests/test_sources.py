"""Readers of structured sources: each gives papers exactly as the source has them, or problems with their line.

Fixtures in tests/data/sources/ are written from the formats' documentation:
the daily-papers JSON of Hugging Face's API, an arXiv API Atom response, an
id list and a BibTeX export. Their seed papers' titles and abstracts are the
seed listing's, wrapped over lines as the APIs wrap them.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import DATA

from generator.identity import parse_arxiv_id
from generator.sources import detect_format, read_source
from generator.text import Link

SOURCES = DATA / "sources"
HF = SOURCES / "hf-daily-2024-03-12.json"
ATOM = SOURCES / "arxiv-2302.08582-cs-0501001.atom"
TODAY = date(2026, 11, 26)


def read(path: Path, fmt: str | None = None):
    return read_source(path, fmt, today=TODAY)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("hf-daily-2024-03-12.json", "hf"), ("arxiv-2302.08582-cs-0501001.atom", "atom"), ("ids.txt", "ids"), ("references.bib", "bibtex")],
)
def test_formats_are_recognised_by_content(name: str, fmt: str) -> None:
    assert detect_format((SOURCES / name).read_bytes()) == fmt


def test_the_seed_listing_is_recognised_as_a_listing() -> None:
    assert detect_format((DATA.parent.parent / "listings" / "hf-papers-listing-mar-12.txt").read_bytes()) == "listing"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2305.13169", "2305.13169"),
        ("2305.13169v3", "2305.13169"),
        ("arXiv:2305.13169v2", "2305.13169"),
        ("https://arxiv.org/abs/2305.13169v1", "2305.13169"),
        ("https://arxiv.org/pdf/2305.13169v1.pdf", "2305.13169"),
        ("https://huggingface.co/papers/2305.13169", "2305.13169"),
        ("0704.0001", "0704.0001"),
        ("cs/0501001v2", "cs/0501001"),
        ("http://arxiv.org/abs/math.GT/0309136", "math/0309136"),  # the subject class is not part of the id
        ("MATH.gt/0309136v2", "math/0309136"),
        ("2305.1316", "2305.1316"),
        ("2305.131690", None),
        ("12345.6789", None),
        ("cs/05010", None),
        ("https://example.org/abs/2305.13169", None),
    ],
)
def test_arxiv_ids_new_and_old_style_with_or_without_version(text: str, expected: str | None) -> None:
    assert parse_arxiv_id(text) == expected


def test_hf_daily_papers_give_ids_authors_dates_and_links() -> None:
    source = read(HF)
    assert source.problems == [] and source.file_problems == []
    fastspeech, guidance, tulu = source.entries
    assert fastspeech.title == "FastSpeech 2: Fast and High-Quality End-to-End Text to Speech"  # the API's line break joined
    assert fastspeech.arxiv == "2006.04558" and fastspeech.authors[0] == "Yi Ren" and len(fastspeech.authors) == 7
    assert fastspeech.published == date(2020, 6, 8) and fastspeech.date == date(2024, 3, 12)
    assert fastspeech.links == (Link("https://github.com/ming024/FastSpeech2", "code"),)
    assert guidance.links == (Link("https://example.org/adaptive-guidance", "project"),) and "Juan C. Pérez" in guidance.authors
    assert tulu.title == "T\\\"ULU-Mini: Tuning with 20\\% of the Data via ``Selective'' Replay"  # LaTeX kept as written
    assert tulu.authors == ("Zoë Ångström", 'R. "Bob" O\'Neil')
    assert "\n" not in tulu.abstract and tulu.abstract.endswith("A second paragraph ends here.")


def test_a_hf_response_whose_shape_changed_is_one_problem_for_the_file(tmp_path: Path) -> None:
    items = json.loads(HF.read_text())
    del items[1]["paper"]["summary"]
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(items), encoding="utf-8")
    source = read(changed, "hf")
    assert source.entries == [] and [p.message for p in source.file_problems] == [
        "is not a Hugging Face daily-papers response: a list of items with a 'paper' holding 'id', 'title' and 'summary' "
        "(item 1 has no paper with a text 'id' and 'summary')"
    ]


def test_malformed_json_names_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('[\n  {"paper": {"id": "2006.04558",\n  }\n', encoding="utf-8")
    source = read(broken, "hf")
    assert [(p.line, p.message.split(" (")[0]) for p in source.file_problems] == [(3, "is not valid JSON")]


def test_a_hf_item_with_a_bad_id_or_control_characters_is_a_problem_at_its_line(tmp_path: Path) -> None:
    items = json.loads(HF.read_text())
    items[0]["paper"]["id"] = "not-an-id"
    items[2]["paper"]["title"] = "Bell\x07 Title"
    bad = tmp_path / "bad.json"
    text = json.dumps(items, indent=2)
    bad.write_text(text, encoding="utf-8")
    source = read(bad, "hf")
    assert [e.arxiv for e in source.entries] == ["2312.12487"]
    lines = text.splitlines()
    assert [(p.line, p.message.split(";")[0]) for p in source.problems] == [
        (next(n for n, line in enumerate(lines, 1) if '"not-an-id"' in line), "item 0: 'not-an-id' is not an arXiv id"),
        (
            next(n for n, line in enumerate(lines, 1) if '"2403.07777"' in line),
            "item 2 (2403.07777) contains U+0007 (a control character) at column 5, which cannot be text",
        ),
    ]


def test_a_hf_link_that_is_not_one_web_address_is_left_out_of_its_paper_with_its_line(tmp_path: Path) -> None:
    # A trailing backslash made the link's Markdown end early: a strict build stopped on it,
    # and the rest of the address ("){onmouseover=…}") became the button's attributes.
    items = json.loads(HF.read_text())
    items[0]["paper"]["githubRepo"] = "https://github.com/a/b\\"
    items[1]["paper"]["projectPage"] = "https://github.com/quux/lnk){onmouseover=alert(document.domain)}"
    items[2]["paper"]["githubRepo"] = 42
    odd = tmp_path / "odd.json"
    text = json.dumps(items, indent=2)
    odd.write_text(text, encoding="utf-8")
    source = read(odd, "hf")
    assert source.problems == [] and [e.links for e in source.entries] == [(), (), ()]
    lines = text.splitlines()
    odd_values = ('"githubRepo": "https://github.com/a/b', '"projectPage": "https://github.com/quux', '"githubRepo": 42')
    where = [n for n, line in enumerate(lines, 1) if any(value in line for value in odd_values)]
    assert [(p.file, p.line) for p in source.left_out] == [(str(odd), line) for line in where] and len(where) == 3
    assert source.left_out[0].message.startswith("item 0 (2006.04558): githubRepo 'https://github.com/a/b\\\\' is not one web address")
    assert all(p.message.endswith("imported without it") for p in source.left_out)


def test_each_hf_item_is_a_problem_at_its_own_line_even_when_an_earlier_item_shows_its_id(tmp_path: Path) -> None:
    items = json.loads(HF.read_text())
    repeated = json.loads(json.dumps(items[2]))  # the same paper listed again, this time with a bell in its title
    repeated["paper"]["title"] = "Bell\x07 Title"
    items[0]["paper"]["discussionId"] = "2312.12487"  # an earlier item holding the next item's id as a value
    items[1]["paper"]["title"] = "Bell\x07 Title"
    bad = tmp_path / "bad.json"
    text = json.dumps([*items, repeated], indent=2)
    bad.write_text(text, encoding="utf-8")
    lines = [n for n, line in enumerate(text.splitlines(), 1) if '"id": "2312.12487"' in line or '"id": "2403.07777"' in line]
    problems = [(p.line, p.message.split(" contains")[0]) for p in read(bad, "hf").problems]
    assert problems == [(lines[0], "item 1 (2312.12487)"), (lines[2], "item 3 (2403.07777)")]


class _CountedText(str):
    """A text that adds up how many characters its searches (``find``, ``count``) read."""

    read = 0

    def _span(self, start: int | None, end: int | None) -> int:
        return min(len(self), len(self) if end is None else end) - (start or 0)

    def find(self, sub, start=None, end=None):  # type: ignore[override]
        _CountedText.read += self._span(start, end)
        return super().find(sub, start, end)

    def count(self, sub, start=None, end=None):  # type: ignore[override]
        _CountedText.read += self._span(start, end)
        return super().count(sub, start, end)


def test_a_hf_response_is_searched_once_for_its_lines_however_many_items_it_has(tmp_path: Path, monkeypatch) -> None:
    # Searching the whole file from its start for each item's line made a 60,000-item response take hours.
    from generator.sources import hf

    template = json.loads(HF.read_text())[0]
    items = [{**template, "paper": {**template["paper"], "id": f"2401.{10000 + i}"}} for i in range(200)]
    items[-1]["paper"]["title"] = "Bell\x07 Title"
    large = tmp_path / "large.json"
    text = json.dumps(items, indent=1)
    large.write_text(text, encoding="utf-8")
    decode = hf.decode
    monkeypatch.setattr(hf, "decode", lambda *args: _CountedText(decode(*args)))
    _CountedText.read = 0
    source = read(large)
    assert len(source.entries) == 199 and [p.line for p in source.problems] == [text.count("\n", 0, text.index('"2401.10199"')) + 1]
    assert _CountedText.read <= 2 * len(text), f"{_CountedText.read / len(text):.0f} times the text was read"


def test_arxiv_atom_entries_with_old_style_ids_categories_and_wrapped_text() -> None:
    source = read(ATOM)
    assert source.problems == []
    pretraining, old = source.entries
    assert pretraining.arxiv == "2302.08582" and pretraining.published == date(2023, 2, 16)
    assert pretraining.title == "Pretraining Language Models with Human Preferences" and len(pretraining.authors) == 8
    assert pretraining.categories == ("cs.CL", "cs.AI", "cs.LG")  # primary first
    assert old.arxiv == "cs/0501001" and old.categories == ("cs.DS", "cs.CC")
    assert old.title == "An Old-Style Identifier: Parsing {LaTeX} Titles with $O(n \\log n)$ Cost"
    assert old.abstract.startswith("A fixture paper") and "$\\alpha < \\beta$ and \\emph{emphasis}" in old.abstract


def test_an_atom_entry_without_a_summary_or_an_api_error_is_a_problem_at_its_line(tmp_path: Path) -> None:
    text = ATOM.read_text().replace("<summary>  A fixture paper", "<nosummary>  A fixture paper").replace("ends here.\n</summary>", "ends here.\n</nosummary>")
    bad = tmp_path / "bad.atom"
    bad.write_text(text, encoding="utf-8")
    source = read(bad)
    entry_line = text.splitlines().index("  <entry>", text.splitlines().index("  <entry>") + 1) + 1
    assert [(p.line, p.message.split(";")[0]) for p in source.problems] == [(entry_line, "this entry has no a <summary>")]
    error = tmp_path / "error.atom"
    error.write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234</id>'
        "<title>Error</title><summary>incorrect id format for 1234</summary></entry></feed>",
        encoding="utf-8",
    )
    assert "is an arXiv API error: incorrect id format for 1234" in read(error).problems[0].message


def test_an_atom_file_is_recognised_past_a_long_doctype_comments_and_processing_instructions(tmp_path: Path) -> None:
    # Declarations whose values hold ">" and "]", comments and processing instructions: 6 KB before the first element.
    subset = "".join(f"<!ENTITY e{i} 'a > b ] c'>\n<!-- ]> ' -->\n<?pi x > ] ?>\n" for i in range(120))
    prolog = f'<?xml version="1.0" encoding="UTF-8"?>\n<!-- saved by hand -->\n<!DOCTYPE feed [\n{subset}]>\n<?xml-stylesheet href="x.xsl"?>\n'
    atom = tmp_path / "saved.atom"
    atom.write_text(prolog + ATOM.read_text().split("\n", 1)[1], encoding="utf-8")
    assert len(prolog) > 4096 and detect_format(atom.read_bytes()) == "atom"
    source = read(atom)
    assert [e.arxiv for e in source.entries] == ["2302.08582", "cs/0501001"] and source.problems == []


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ('<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>', "atom"),  # XML, so the XML reader says what it is
        ("<!-- a <feed> mentioned in a comment -->\n<html><body>Mar 12</body></html>", "listing"),
        ("<!DOCTYPE feed [ <!ENTITY never-closed 'a'", "listing"),
        ('<atom:feed xmlns:atom="http://www.w3.org/2005/Atom"/>', "atom"),
    ],
)
def test_only_a_document_whose_first_element_is_a_feed_is_taken_for_atom(text: str, fmt: str) -> None:
    assert detect_format(text.encode()) == fmt


def test_an_xml_file_that_is_not_a_feed_is_told_so(tmp_path: Path) -> None:
    rss = tmp_path / "feed.xml"
    rss.write_text('<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>\n', encoding="utf-8")
    assert [(p.line, p.message) for p in read(rss).file_problems] == [(2, "is not an Atom feed (its root is <rss>)")]


def test_id_lists_take_ids_and_addresses_and_name_bad_lines(tmp_path: Path) -> None:
    source = read(SOURCES / "ids.txt")
    assert source.wanted == [("2006.04558", 2), ("2312.12487", 3), ("cs/0501001", 4), ("2302.08582", 5), ("2403.07777", 7)]
    bad = tmp_path / "ids.txt"
    bad.write_text("2006.04558\nnot an id\n", encoding="utf-8")
    assert [(p.line, p.message.split(" is ")[0]) for p in read(bad, "ids").problems] == [(2, "'not an id'")]


def test_bibtex_entries_with_an_abstract_are_read_the_others_looked_up() -> None:
    source = read(SOURCES / "references.bib")
    (fastspeech,) = source.entries
    assert fastspeech.title == "FastSpeech 2: Fast and High-Quality End-to-End Text to Speech"  # {FastSpeech}: case braces dropped
    assert fastspeech.authors[:2] == ("Yi Ren", "Chenxu Hu") and fastspeech.categories == ("eess.AS",)
    assert source.wanted == [("2302.08582", 40)]
    assert [(p.line, p.message.split(" has ")[0]) for p in source.problems] == [(48, "the entry 'noeprint2020'")]


def test_bibtex_braces_protecting_case_go_command_braces_stay_and_names_read_as_prose(tmp_path: Path) -> None:
    bib = tmp_path / "odd.bib"
    bib.write_text(
        '@misc{a,\n  title = {{BERT} and \\emph{Emph}: {T}he {M}odel},\n  author = {{Barnes and Noble} and M{\\"u}ller, Hans},\n'
        "  eprint = {2305.13169},\n  abstract = {An abstract.}\n}\n@misc{a,\n  title = {Again},\n  eprint = {2305.13170}\n}\n",
        encoding="utf-8",
    )
    source = read(bib)
    (entry,) = source.entries
    assert entry.title == "BERT and \\emph{Emph}: The Model" and entry.authors == ("Barnes and Noble", "Hans Müller")
    assert [p.message.split(";")[0] for p in source.problems] == ["the key 'a' is used by an earlier entry too"]


def test_id_lists_with_a_bom_trailing_commas_and_comments_after_addresses(tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_bytes("\ufeff2305.13169,\nhttps://arxiv.org/abs/2302.08582v2 # the preferences paper\nmath.GT/0309136\n".encode())
    assert detect_format(ids.read_bytes()) == "ids"
    assert read(ids).wanted == [("2305.13169", 1), ("2302.08582", 2), ("math/0309136", 3)]
