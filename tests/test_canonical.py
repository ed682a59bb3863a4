"""Pagefind's output in canonical order: pages numbered by date, files named by content, the same bytes whatever order Pagefind met the files in."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pytest
from conftest import make_record

from generator.canonical import SIGNATURE, canonical, encode, read
from generator.catalog import Paper, Tag, new_catalog
from generator.search import _executable, _keep_used, plan_shards

TAGS = {"gans": Tag("gans", "GANs", "Generative adversarial networks."), "theory": Tag("theory", "Theory", "Proofs.")}
PAPERS = [
    Paper(
        make_record(
            f"p{i:02}",
            added=date(2026, 3, 1),
            published=date(2020 + i % 5, 1 + i % 12, 1 + i),
            abstract=f"We study the word{i} problem with Pérez and friends.",
        ),
        [("gans", "theory")[i % 2]],
    )
    for i in range(24)
]


def raw_index(tmp_path: Path, name: str, reverse: bool = False, records: Path | None = None) -> Path:
    """Pagefind's own output for the papers, their records written in order or in reverse, in ``records`` if given."""
    (shard,) = plan_shards(new_catalog(PAPERS, dict(TAGS)))
    source = (records or tmp_path) / f"{name}-records"
    for path, html in sorted(shard.records.items(), reverse=reverse):
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        (source / path).write_text(html, encoding="utf-8")
    output = tmp_path / name
    subprocess.run([_executable(), "--site", str(source), "--output-path", str(output), "--quiet"], check=True, capture_output=True)
    _keep_used(output)
    return output


def meta_of(folder: Path) -> list:
    entry = json.loads((folder / "pagefind-entry.json").read_text())
    return read(folder / f"pagefind.{entry['languages']['en']['hash']}.pf_meta")


def fragment(folder: Path, name: str) -> dict:
    return json.loads(gzip.decompress((folder / "fragment" / f"{name}.pf_fragment").read_bytes())[len(SIGNATURE) :])


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_decoding_and_encoding_a_pagefind_file_gives_back_its_bytes(tmp_path: Path) -> None:
    files = [p for p in raw_index(tmp_path, "raw").rglob("*") if p.suffix in (".pf_meta", ".pf_index", ".pf_filter")]
    assert len(files) >= 4
    for path in files:
        assert encode(read(path)) == gzip.decompress(path.read_bytes()), path.name


def test_pages_are_numbered_by_date_and_fragments_named_by_shard_and_number(tmp_path: Path) -> None:
    folder = raw_index(tmp_path, "raw")
    canonical(folder, "7_")
    _, pages, _, _, sorts, *_ = meta_of(folder)
    assert [name for name, _ in pages] == [f"7_{n}" for n in range(len(PAPERS))]
    published = {p.id: p.record.published for p in PAPERS}
    dates = [published[fragment(folder, name)["url"].rstrip("/").rsplit("/", 1)[-1]] for name, _ in pages]
    assert dates == sorted(dates)  # oldest published first
    assert sorts == []  # the date order is the page order: the search box sorts by it
    assert sorted(p.name for p in (folder / "fragment").iterdir()) == sorted(f"7_{n}.pf_fragment" for n in range(len(PAPERS)))


def test_every_word_and_filter_still_points_at_its_paper(tmp_path: Path) -> None:
    folder = raw_index(tmp_path, "raw")
    canonical(folder, "1_")
    _, pages, chunks, filters, *_ = meta_of(folder)
    found = {}
    for _, _, chunk in chunks:
        for word, postings, variants in read(folder / "index" / f"{chunk}.pf_index")[0]:
            for spelling, listed in [(word, postings), *variants]:
                page = 0
                for posting in listed:
                    page += posting[0]  # page numbers are stored as differences
                    found.setdefault(spelling, []).append(fragment(folder, pages[page][0])["url"])
    for i in range(24):
        assert found[f"word{i}"] == [f"/papers/p{i:02}/"]
    assert len(found["pérez"]) == 24
    tag_filter = next(name for filter_name, name in filters if filter_name == "tag")
    _, values = read(folder / "filter" / f"{tag_filter}.pf_filter")
    theory = dict(values)["Theory"]
    assert sorted(fragment(folder, pages[p][0])["url"] for p in theory) == [f"/papers/p{i:02}/" for i in range(1, 24, 2)]


def test_the_order_pagefind_met_the_files_in_does_not_change_a_byte(tmp_path: Path) -> None:
    # ext4 lists a folder in an order of its own; tmpfs in the order the files were written.
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as memory:
        one, two = raw_index(tmp_path, "one", records=Path(memory)), raw_index(tmp_path, "two", reverse=True, records=Path(memory))
    if meta_of(one)[1] == meta_of(two)[1]:  # the same fragments in the same order
        pytest.skip("this file system lists files in the same order however they were written")
    canonical(one, "1_")
    canonical(two, "1_")
    assert files_of(one) == files_of(two)


def test_an_unexpected_index_is_a_clear_error(tmp_path: Path) -> None:
    folder = raw_index(tmp_path, "raw")
    shutil.copy(folder / "pagefind-entry.json", tmp_path / "entry.json")
    entry = json.loads((folder / "pagefind-entry.json").read_text())
    entry["languages"]["fr"] = entry["languages"]["en"]
    (folder / "pagefind-entry.json").write_text(json.dumps(entry))
    from generator.canonical import IndexFormatError

    with pytest.raises(IndexFormatError, match="a search index in one language was expected"):
        canonical(folder, "1_")
