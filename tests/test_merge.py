"""Merging identities: a paper already in the archive is completed in place, never stored twice, never overwritten."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conftest import DATA, SEED

from generator.archive import Archive
from generator.ingest import import_sources
from generator.sources import Found

SOURCES = DATA / "sources"
HF = SOURCES / "hf-daily-2024-03-12.json"
ATOM = SOURCES / "arxiv-2302.08582-cs-0501001.atom"
TODAY = date(2026, 11, 26)
FASTSPEECH = "fastspeech-2-fast-and-high-quality-end-to-end-text-to-speech"


def seeded(archive: Archive) -> Archive:
    import_sources(archive, [SEED], today=TODAY)
    return archive


def by_id(archive: Archive) -> dict:
    return {r.id: r for r in archive.load()}


def test_a_listing_then_hf_json_and_arxiv_atom_fill_ids_and_authors_without_new_records(archive: Archive) -> None:
    seeded(archive)
    result = import_sources(archive, [HF, ATOM], today=TODAY)
    records = by_id(archive)
    assert len(records) == 87 + 2  # the two papers new to the archive: one from each source
    assert sorted(result.updated) == [
        "adaptive-guidance-training-free-acceleration-of-conditional-diffusion-models",
        FASTSPEECH,
        "pretraining-language-models-with-human-preferences",
    ]
    fastspeech = records[FASTSPEECH]
    assert fastspeech.arxiv == "2006.04558" and fastspeech.authors[:2] == ["Yi Ren", "Chenxu Hu"]
    assert fastspeech.published == date(2020, 6, 8) and fastspeech.added == date(2026, 3, 12)  # added: when it came here
    assert fastspeech.title == "FastSpeech 2: Fast and High-Quality End-to-End Text to Speech"  # the listing's, untouched
    assert [s.file for s in fastspeech.sources] == ["hf-papers-listing-mar-12.txt", HF.name]
    assert [link.url for link in fastspeech.links] == ["https://speechresearch.github.io/fastspeech2/", "https://github.com/ming024/FastSpeech2"]
    assert records["pretraining-language-models-with-human-preferences"].categories == ["cs.CL", "cs.AI", "cs.LG"]
    assert records["an-old-style-identifier-parsing-latex-titles-with-o-n-log-n-cost"].arxiv == "cs/0501001"


CURATED = """# Papers Archive record. My own header note.
id: {id}
title: FastSpeech 2 (the one we love)   # I fixed this title
abstract: '{abstract}'
# where it came from:
added: 2026-03-12
sources:
- {{file: hf-papers-listing-mar-12.txt, date: 2026-03-12}}   # the seed
links: []
tags_add: [speech-audio]  # curator's call
tags_remove: []
note: |-
  Read with [[pretraining-language-models-with-human-preferences]].
  Second line.
featured: true   # on the home page
"""


def test_merging_keeps_every_curator_field_comment_and_key_order(archive: Archive) -> None:
    seeded(archive)
    path = archive.path_for(FASTSPEECH)
    abstract = by_id(archive)[FASTSPEECH].abstract.replace("'", "''")
    curated = CURATED.format(id=FASTSPEECH, abstract=abstract)
    path.write_text(curated, encoding="utf-8")
    import_sources(archive, [HF], today=TODAY)
    after = path.read_text(encoding="utf-8")
    assert [line for line in curated.splitlines() if line not in after.splitlines()] == ["links: []"]  # the rest kept, comments too
    added = [line for line in after.splitlines() if line not in curated.splitlines()]
    assert added == [
        "authors: [Yi Ren, Chenxu Hu, Xu Tan, Tao Qin, Sheng Zhao, Zhou Zhao, Tie-Yan Liu]",
        "arxiv: '2006.04558'",  # quoted: unquoted, YAML would read a number
        "published: 2020-06-08",
        "- {file: hf-daily-2024-03-12.json, date: 2024-03-12, line: 4}",  # the paper's line in the file
        "links:",
        "- {url: https://github.com/ming024/FastSpeech2, kind: code}",
        "- {url: https://speechresearch.github.io/fastspeech2/, kind: project}",  # in the abstract: this record had lost it
    ]
    keys = [line.split(":")[0] for line in after.splitlines() if line and line[0].isalpha()]
    assert keys == ["id", "title", "authors", "abstract", "arxiv", "published", "added", "sources", "links", "tags_add", "tags_remove", "note", "featured"]
    record = by_id(archive)[FASTSPEECH]
    assert record.title == "FastSpeech 2 (the one we love)" and record.featured and record.tags_add == ["speech-audio"]


def test_a_value_the_curator_set_is_never_overwritten(archive: Archive) -> None:
    seeded(archive)
    path = archive.path_for(FASTSPEECH)
    path.write_text(path.read_text().replace("authors: []", "authors: [Yi Ren, et al.]"), encoding="utf-8")
    import_sources(archive, [HF], today=TODAY)
    record = by_id(archive)[FASTSPEECH]
    assert record.authors == ["Yi Ren", "et al."] and record.arxiv == "2006.04558"


def test_importing_the_same_source_twice_changes_nothing_the_second_time(archive: Archive) -> None:
    seeded(archive)
    import_sources(archive, [HF], today=TODAY)
    before = {p: p.read_bytes() for p in archive.root.rglob("*.yaml")}
    again = import_sources(archive, [HF], today=TODAY)
    assert again.added == [] and again.updated == {} and len(again.present) == 3
    assert {p: p.read_bytes() for p in archive.root.rglob("*.yaml")} == before


def test_an_id_seen_in_two_sources_of_one_import_is_one_record(archive: Archive, tmp_path: Path) -> None:
    bib = tmp_path / "one.bib"
    bib.write_text((SOURCES / "references.bib").read_text().split("@article")[0], encoding="utf-8")  # FastSpeech 2, with its abstract
    result = import_sources(archive, [HF, bib], today=TODAY)
    records = by_id(archive)
    assert len(records) == 3 and len(result.added) == 3
    fastspeech = next(r for r in records.values() if r.arxiv == "2006.04558")
    assert fastspeech.categories == ["eess.AS"]  # from the BibTeX: filled into the record the HF item made
    assert [s.file for s in fastspeech.sources] == [HF.name, "one.bib"]


def test_versions_of_one_paper_are_one_paper(archive: Archive, tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("2302.08582v1\nhttps://arxiv.org/abs/2302.08582v3\n", encoding="utf-8")
    atom_paper = Found("Pretraining Language Models with Human Preferences", "We pretrain with feedback.", None, None, arxiv="2302.08582")

    def lookup(wanted: list[str]) -> tuple[list[Found], list[str]]:
        assert wanted == ["2302.08582"]  # asked for once
        return [atom_paper], []

    result = import_sources(archive, [ids], today=TODAY, lookup=lookup)
    assert [r.arxiv for r in result.added] == ["2302.08582"] and len(archive.load()) == 1


def test_ids_arxiv_does_not_know_are_problems_with_their_line(archive: Archive, tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("2302.08582\n\n2399.99999\n", encoding="utf-8")
    paper = Found("A Title", "An abstract of some length.", None, None, arxiv="2302.08582")
    result = import_sources(archive, [ids], today=TODAY, lookup=lambda wanted: ([paper], ["2399.99999"]), skip_invalid=True)
    assert [(p.line, p.message) for p in result.problems] == [(3, "2399.99999: arXiv has no such paper; check the id")]
    assert [r.arxiv for r in archive.load()] == ["2302.08582"]


# --- found by an independent review --------------------------------------------------------


def test_a_paper_whose_id_contradicts_the_record_is_skipped_not_merged(archive: Archive, tmp_path: Path) -> None:
    seeded(archive)
    path = archive.path_for("pretraining-language-models-with-human-preferences")
    path.write_text(path.read_text().replace("arxiv: null", "arxiv: '2302.99999'"), encoding="utf-8")
    result = import_sources(archive, [ATOM], today=TODAY, skip_invalid=True)
    assert [p.message.split(";")[0] for p in result.problems] == [
        "2302.08582: it is the paper of 'pretraining-language-models-with-human-preferences', whose arXiv id is 2302.99999"
    ]
    record = by_id(archive)["pretraining-language-models-with-human-preferences"]
    assert record.arxiv == "2302.99999" and record.categories == [] and record.authors == []  # nothing of the other paper


def test_a_table_row_that_contradicts_the_record_is_a_problem(archive: Archive, tmp_path: Path) -> None:
    from generator.ingest import plan_merges
    from generator.records import Source

    seeded(archive)
    path = archive.path_for(FASTSPEECH)
    path.write_text(path.read_text().replace("arxiv: null", "arxiv: '2006.04558'"), encoding="utf-8")
    row = Found("t", "", None, 3, arxiv="2006.99999", authors=("X",))
    result = plan_merges(archive.load(), [(FASTSPEECH, row)], Source("t.tsv", TODAY))
    assert result.updated == {}
    assert [p.message for p in result.problems] == [f"{FASTSPEECH}: its arXiv id is 2006.04558, not 2006.99999; fix the one that is wrong"]


def test_a_later_versions_abstract_completes_the_record_instead_of_adding_one(archive: Archive, tmp_path: Path) -> None:
    seeded(archive)
    revised = tmp_path / "revised.atom"
    revised.write_text(ATOM.read_text().replace("Language models (LMs) are pretrained", "Language models (LMs) are usually pretrained"), encoding="utf-8")
    result = import_sources(archive, [revised], today=TODAY)
    assert "pretraining-language-models-with-human-preferences" in result.updated
    assert len(by_id(archive)) == 87 + 1  # the old-style fixture paper only


def test_a_source_value_that_would_break_the_archive_is_a_problem_not_a_record(archive: Archive, tmp_path: Path) -> None:
    odd = Found("A Title", "An abstract long enough to be one.", None, 4, arxiv="2302.08582", authors=("Fine",), categories=("not a category!",))
    ids = tmp_path / "ids.txt"
    ids.write_text("2302.08582\n", encoding="utf-8")
    result = import_sources(archive, [ids], today=TODAY, lookup=lambda wanted: ([odd], []), skip_invalid=True)
    assert [p.message.split(": ", 2)[1] for p in result.problems] == ["categories"]
    assert archive.load() == []
