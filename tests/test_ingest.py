"""Import: idempotent, de-duplicated, all or nothing, and never touching what a curator wrote."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from conftest import DATA, SEED, make_record

from generator.archive import Archive
from generator.errors import ProblemsError
from generator.ingest import import_sources, plan_import
from generator.records import MAX_LENGTHS
from generator.register import REGISTER
from generator.sources import Found, SourceFile

TODAY = date(2026, 11, 26)
ABSTRACT_A = "We study adversarial networks for images in depth, with many experiments and a careful analysis of results."
ABSTRACT_B = "We study something else entirely: graph neural networks on molecules, with a new benchmark and strong baselines."


def listing(tmp_path: Path, *papers: tuple[str, str], name: str = "listing.txt", header: str = "Mar 12") -> Path:
    path = tmp_path / name
    path.write_text(header + "\n\n" + "\n\n".join(f"{t}\n\n{a}" for t, a in papers) + "\n", encoding="utf-8")
    return path


def snapshot(archive: Archive) -> dict[str, bytes]:
    """Every file of the archive but the register (a cache of what the records say: see register.py)."""
    return {str(p.relative_to(archive.root)): p.read_bytes() for p in sorted(archive.root.rglob("*")) if p.is_file() and p.name != REGISTER}


def test_seed_imports_87_records_with_links(archive: Archive) -> None:
    result = import_sources(archive, [SEED], today=TODAY)
    records = archive.load()
    assert len(result.added) == len(records) == 87
    by_id = {r.id: r for r in records}
    lfdm = by_id["conditional-image-to-video-generation-with-latent-flow-diffusion-models"]
    assert [(link.url, link.kind) for link in lfdm.links] == [("https://github.com/nihaomiao/CVPR23_LFDM", "code")]
    assert all(r.sources[0].file == SEED.name and r.added == date(2026, 3, 12) for r in records)


def test_importing_twice_adds_nothing_and_changes_no_file(archive: Archive) -> None:
    import_sources(archive, [SEED], today=TODAY)
    before = snapshot(archive)
    again = import_sources(archive, [SEED], today=TODAY)
    assert again.added == [] and len(again.present) == 87
    assert snapshot(archive) == before


def test_trivially_different_title_with_same_abstract_is_present(archive: Archive, tmp_path: Path) -> None:
    import_sources(archive, [listing(tmp_path, ("GAN: A Study", ABSTRACT_A))], today=TODAY)
    result = import_sources(archive, [listing(tmp_path, ("gan  a STUDY!", ABSTRACT_A + "  "), name="b.txt")], today=TODAY)
    assert result.added == [] and result.present == [("gan  a STUDY!", "gan-a-study")]


def test_titles_that_slugify_alike_both_survive_with_distinct_ids(archive: Archive, tmp_path: Path) -> None:
    import_sources(archive, [listing(tmp_path, ("GAN: A Study", ABSTRACT_A), ("GAN? A Study", ABSTRACT_B))], today=TODAY)
    assert {(r.id, r.title) for r in archive.load()} == {("gan-a-study", "GAN: A Study"), ("gan-a-study-2", "GAN? A Study")}
    # And a later import of a third look-alike takes the next free suffix, deterministically.
    third = import_sources(archive, [listing(tmp_path, ("GAN. A Study", ABSTRACT_A.replace("images", "audio")), name="c.txt")], today=TODAY)
    assert [r.id for r in third.added] == ["gan-a-study-3"]


def test_ids_never_change_when_the_curator_edits_a_title(archive: Archive, tmp_path: Path) -> None:
    source = listing(tmp_path, ("GAN: A Study", ABSTRACT_A))
    import_sources(archive, [source], today=TODAY)
    path = archive.path_for("gan-a-study")
    path.write_text(path.read_text().replace("title: 'GAN: A Study'", "title: 'GANs: A Careful Study'"))
    assert archive.load()[0].id == "gan-a-study"
    assert import_sources(archive, [source], today=TODAY).present == [("GAN: A Study", "gan-a-study")]


def test_import_never_changes_curator_fields(archive: Archive, tmp_path: Path) -> None:
    source = listing(tmp_path, ("GAN: A Study", ABSTRACT_A))
    import_sources(archive, [source], today=TODAY)
    path = archive.path_for("gan-a-study")
    curated = path.read_text().replace("tags_add: []", "tags_add: [gans]  # my comment").replace("note: ''", "note: Read this first.")
    curated = curated.replace("featured: false", "featured: true")
    path.write_text(curated)
    import_sources(archive, [source, listing(tmp_path, ("Other", ABSTRACT_B), name="b.txt")], today=TODAY)
    assert path.read_text() == curated


def test_one_bad_entry_means_nothing_is_written(archive: Archive, tmp_path: Path) -> None:
    good = listing(tmp_path, ("Good Paper", ABSTRACT_A), name="good.txt")
    bad = tmp_path / "bad.txt"
    bad.write_text(f"Mar 12\n\nFine Paper\n\n{ABSTRACT_B}\n\nNo Abstract Here\n", encoding="utf-8")
    with pytest.raises(ProblemsError) as caught:
        import_sources(archive, [good, bad], today=TODAY)
    assert [(Path(p.file).name, p.line) for p in caught.value.problems] == [("bad.txt", 7)]
    assert "--skip-invalid" in caught.value.report()
    assert not archive.root.exists()


def test_skip_invalid_imports_the_valid_entries_and_lists_the_rest(archive: Archive, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(f"Mar 12\n\nFine Paper\n\n{ABSTRACT_B}\n\nNo Abstract Here\n", encoding="utf-8")
    result = import_sources(archive, [bad], today=TODAY, skip_invalid=True)
    assert [r.id for r in archive.load()] == ["fine-paper"]
    assert [p.line for p in result.problems] == [7]


def test_missing_listing_file_is_a_problem(archive: Archive, tmp_path: Path) -> None:
    with pytest.raises(ProblemsError, match="no such file"):
        import_sources(archive, [tmp_path / "nope.txt"], today=TODAY)


def test_a_text_longer_than_a_record_may_hold_is_refused_at_its_line(archive: Archive, tmp_path: Path) -> None:
    source = listing(tmp_path, ("Good Paper", ABSTRACT_A), ("Pasted Twice", "We study pasting. " * 2000))
    with pytest.raises(ProblemsError) as caught:
        import_sources(archive, [source], today=TODAY)
    assert [str(p) for p in caught.value.problems] == [
        f"{source}:7: abstract: is 35,999 characters long, more than the {MAX_LENGTHS['abstract']:,} allowed; shorten it; fix the source"
    ]
    assert not archive.root.exists()
    result = import_sources(archive, [source], today=TODAY, skip_invalid=True)
    assert [r.id for r in archive.load()] == ["good-paper"] and [p.line for p in result.problems] == [7]


def test_an_import_never_writes_a_record_too_large_to_load(archive: Archive) -> None:
    # Every text within its own limit, the record over a megabyte: refused at the source's line, as loading would.
    authors = tuple(f"{n:04d}" + "x" * 246 for n in range(5000))
    source = SourceFile("big.json", entries=[Found("A Paper", ABSTRACT_A, date(2024, 3, 12), line=3, authors=authors)])
    result = plan_import([source], [], today=TODAY)
    assert result.added == []
    [problem] = result.problems
    assert (problem.file, problem.line) == ("big.json", 3)
    assert problem.message.startswith("a-paper: the record is 1,2") and "bytes, more than the 1,000,000 a record may be" in problem.message


def test_a_hf_link_that_is_not_a_web_address_is_left_out_and_said_never_stopping_the_import(archive: Archive, tmp_path: Path) -> None:
    items = json.loads((DATA / "sources" / "hf-daily-2024-03-12.json").read_text())
    items[0]["paper"]["githubRepo"] = "https://github.com/a/b\\"
    daily = tmp_path / "hf-daily.json"
    daily.write_text(json.dumps(items, indent=2), encoding="utf-8")
    result = import_sources(archive, [daily], today=TODAY)
    assert len(result.added) == 3 and result.problems == []
    line = next(n for n, text in enumerate(daily.read_text().splitlines(), 1) if '"githubRepo": "https://github.com/a/b' in text)
    assert [(p.file, p.line) for p in result.left_out] == [(str(daily), line)]
    records, problems = archive.scan()
    assert problems == [] and all(link.url != "https://github.com/a/b\\" for r in records for link in r.links)


def test_an_abstract_s_links_are_read_as_its_reader_sees_them(archive: Archive, tmp_path: Path) -> None:
    # arXiv abstracts escape LaTeX's specials; a backslash ends a URL, so "\_" must be "_" first.
    abstract = ABSTRACT_A + r" Code: https://github.com/a/b\_c. Demo: https://x.org/q?a=1\&b=2\%20 (see \url{https://x.org/demo})."
    import_sources(archive, [listing(tmp_path, ("GAN: A Study", abstract))], today=TODAY)
    assert [link.url for link in archive.load()[0].links] == ["https://github.com/a/b_c", "https://x.org/q?a=1&b=2%20", "https://x.org/demo"]


def test_an_import_completes_a_record_holding_a_link_the_site_leaves_out_and_keeps_that_entry(archive: Archive, tmp_path: Path) -> None:
    path = archive.path_for("fastspeech")
    path.parent.mkdir(parents=True)
    old = "https://github.com/a/b\\"  # taken by earlier versions; now a problem papers check names
    links = f"links:\n- {{url: '{old}', kind: code}}\n"
    path.write_text(f"id: fastspeech\ntitle: FastSpeech 2\nabstract: {ABSTRACT_A}\narxiv: '2006.04558'\nadded: 2025-01-01\n{links}")
    result = import_sources(archive, [DATA / "sources" / "hf-daily-2024-03-12.json"], today=TODAY)
    assert "fastspeech" in result.updated
    assert f"url: '{old}'" in path.read_text() and "https://github.com/ming024/FastSpeech2" in path.read_text()
    assert [link.url for r in archive.load() if r.id == "fastspeech" for link in r.links] == [
        "https://github.com/ming024/FastSpeech2",
        "https://speechresearch.github.io/fastspeech2/",
    ]


def test_look_alike_titles_in_one_import_take_the_next_free_suffixes_past_those_taken(archive: Archive, tmp_path: Path) -> None:
    archive.add([make_record("gan-a-study"), make_record("gan-a-study-3", abstract=ABSTRACT_B)])
    papers = [(f"GAN{mark} A Study", f"{ABSTRACT_A} Variant {i}.") for i, mark in enumerate(":?.!")]
    result = import_sources(archive, [listing(tmp_path, *papers)], today=TODAY)
    assert [r.id for r in result.added] == ["gan-a-study-2", "gan-a-study-4", "gan-a-study-5", "gan-a-study-6"]
