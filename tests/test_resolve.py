"""Resolving arXiv ids: only a certain match is taken, never a guess; a table applies by exact title."""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

from conftest import ROOT, make_record, papers
from pytest_httpserver import HTTPServer

from generator.archive import Archive
from generator.resolve import judge
from generator.sources import Found

TITLE = "Pretraining Language Models with Human Preferences"
ABSTRACT = "Language models are pretrained to imitate internet text, including content that would violate human preferences."


def candidate(arxiv: str, title: str = TITLE, abstract: str = ABSTRACT) -> Found:
    return Found(title, abstract, None, None, arxiv=arxiv, authors=("Tomasz Korbak",), published=date(2023, 2, 16))


RECORD = make_record("pretraining", TITLE, abstract=ABSTRACT + " We explore alternative objectives.")


def test_a_same_title_with_most_words_of_the_abstract_is_taken() -> None:
    verdict = judge(RECORD, [candidate("2302.08582", title="Pretraining language models with human preferences.")])
    assert verdict.accepted is not None and verdict.accepted.arxiv == "2302.08582"


def test_a_near_miss_title_is_refused_and_listed() -> None:
    verdict = judge(RECORD, [candidate("2302.99999", title="Pretraining Language Models with Human Feedback")])
    assert verdict.accepted is None and verdict.reason.startswith("no arXiv paper has this title")
    assert [c.arxiv for c in verdict.candidates] == ["2302.99999"]


def test_the_same_title_with_another_abstract_is_refused() -> None:
    verdict = judge(RECORD, [candidate("2302.08582", abstract="A completely different study of graph neural networks on molecules.")])
    assert verdict.accepted is None and verdict.reason == "a paper has this title but another abstract"


def test_two_certain_candidates_are_ambiguous_and_neither_is_taken() -> None:
    verdict = judge(RECORD, [candidate("2302.08582"), candidate("2303.00001")])
    assert verdict.accepted is None and verdict.reason.startswith("ambiguous: 2 arXiv papers")


def test_latex_isms_and_punctuation_do_not_stop_a_match() -> None:
    record = make_record("tulu", "T\\\"ULU 3: Pushing ``Frontiers''", abstract=ABSTRACT)
    assert judge(record, [candidate("2411.15124", title="TÜLU 3: Pushing “Frontiers”")]).accepted is not None


def atom(*entries: tuple[str, str, str]) -> str:
    """An arXiv API response (Atom) with these (id, title, summary) entries."""
    body = "".join(
        f"<entry><id>http://arxiv.org/abs/{i}v1</id><updated>2023-02-16T00:00:00Z</updated><published>2023-02-16T00:00:00Z</published>"
        f"<title>{escape(t)}</title><summary>{escape(s)}</summary><author><name>Tomasz Korbak</name></author></entry>"
        for i, t, s in entries
    )
    return f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>q</title><id>x</id><updated>2023-02-16T00:00:00Z</updated>{body}</feed>'


def test_resolve_by_title_through_the_arxiv_api(project: Path, httpserver: HTTPServer) -> None:
    listing = project / "one.txt"
    listing.write_text(f"Mar 12\n\n{TITLE}\n\n{ABSTRACT}\n", encoding="utf-8")
    assert papers(project, "import", str(listing)).returncode == 0
    near_miss = ("2302.99999", "Pretraining Language Models with Human Feedback", ABSTRACT)
    httpserver.expect_request("/api/query").respond_with_data(atom(near_miss, ("2302.08582", TITLE, ABSTRACT)), content_type="application/atom+xml")
    result = papers(project, "resolve", "--arxiv-api", httpserver.url_for("/api/query"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["unresolved 0", "resolved 1: pretraining-language-models-with-human-preferences"]
    (record,) = Archive(project / "archive").load()
    assert record.arxiv == "2302.08582" and record.authors == ["Tomasz Korbak"] and record.sources[-1].file == "arXiv API"
    (request, _), *_ = [e for e in httpserver.log if e[0].path == "/api/query"]
    assert request.args["search_query"] == f'ti:"{TITLE}"'


def test_unresolved_records_are_left_alone_and_listed_with_candidates(project: Path, httpserver: HTTPServer) -> None:
    listing = project / "one.txt"
    listing.write_text(f"Mar 12\n\n{TITLE}\n\n{ABSTRACT}\n", encoding="utf-8")
    assert papers(project, "import", str(listing)).returncode == 0
    before = {p: p.read_bytes() for p in (project / "archive").rglob("*.yaml")}
    httpserver.expect_request("/api/query").respond_with_data(
        atom(("2302.99999", "Pretraining Language Models with Human Feedback", ABSTRACT)), content_type="application/atom+xml"
    )
    result = papers(project, "resolve", "--arxiv-api", httpserver.url_for("/api/query"))
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "unresolved 1: left as they are",
        "  pretraining-language-models-with-human-preferences: no arXiv paper has this title (near misses below)",
        "      candidate 2302.99999: Pretraining Language Models with Human Feedback",
        "resolved 0",
    ]
    assert {p: p.read_bytes() for p in (project / "archive").rglob("*.yaml")} == before


def test_a_table_applies_by_exact_title_and_never_fills_a_blank_id(project: Path, tmp_path: Path) -> None:
    listing = project / "two.txt"
    listing.write_text(f"Mar 12\n\n{TITLE}\n\n{ABSTRACT}\n\nAnother Paper\n\nAnother abstract of some length, about something.\n", encoding="utf-8")
    assert papers(project, "import", str(listing)).returncode == 0
    table = tmp_path / "ids.tsv"
    table.write_text(
        "title\tarxiv_id\tauthors\tpublished\tevidence_url\tremark\n"
        f"{TITLE}\t2302.08582\tTomasz Korbak; Kejian Shi\t2023-02-16\thttps://example.org\t\n"
        "Another Paper\t\t\t\t\t\n"
        "Not In The Archive\t2301.00001\tSomeone\t\t\t\n",
        encoding="utf-8",
    )
    result = papers(project, "resolve", "--from", str(table))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "no record has the title 'Not In The Archive': row skipped",
        "resolved 1: pretraining-language-models-with-human-preferences",
    ]
    records = {r.title: r for r in Archive(project / "archive").load()}
    assert records[TITLE].authors == ["Tomasz Korbak", "Kejian Shi"] and records[TITLE].published == date(2023, 2, 16)
    assert records["Another Paper"].arxiv == ""


def test_the_bundled_archive_links_86_of_87_papers_to_arxiv_with_authors() -> None:
    records = Archive(ROOT / "archive").load()
    linked = [r for r in records if r.arxiv]
    assert len(records) == 87 and len(linked) == 86 and sum(1 for r in records if r.authors) == 85
    (unlinked,) = [r for r in records if not r.arxiv]
    assert unlinked.title == "Conditional Modeling Based Automatic Video Summarization"
