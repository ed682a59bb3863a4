"""Incremental builds: only what an edit changes is written again, and the site ends byte for byte as a clean build leaves it."""

from __future__ import annotations

import filecmp
import random
import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT, build_site, papers, small_training, synthetic_listing

from generator.incremental import Manifest, digest, load, manifest_path

# --- The manifest -----------------------------------------------------------------------


def test_an_output_is_written_again_only_when_its_content_its_place_or_its_file_changed(tmp_path: Path) -> None:
    page = tmp_path / "papers" / "a" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text("built")
    first = Manifest("context")
    assert first.changed("papers/a.md", digest("A"), page)  # nothing known yet
    last = first
    again = Manifest("context", last.current, last.context)
    assert not again.changed("papers/a.md", digest("A"), page) and again.rewritten == 0
    assert again.changed("papers/b.md", digest("B"), tmp_path / "b.html")  # new
    edited = Manifest("context", last.current, last.context)
    assert edited.changed("papers/a.md", digest("A, edited"), page)
    page.unlink()
    assert Manifest("context", last.current, last.context).changed("papers/a.md", digest("A"), page)  # its file is gone


def test_another_context_writes_everything_and_empties_the_folder_first(tmp_path: Path) -> None:
    page = tmp_path / "a.html"
    page.write_text("built")
    last = Manifest("theme 1")
    last.changed("a.md", digest("A"), page)
    upgraded = Manifest("theme 2", last.current, last.context)
    assert upgraded.changed("a.md", digest("A"), page) and not upgraded.known
    assert Manifest("theme 1", last.current, "theme 1").known and not Manifest("theme 1").known


def test_what_the_last_build_wrote_and_this_one_does_not_is_stale(tmp_path: Path) -> None:
    last = Manifest("c")
    for name in ("a", "b"):
        last.changed(f"{name}.md", digest(name), tmp_path / f"{name}.html")
    now = Manifest("c", last.current, "c")
    now.changed("a.md", digest("a"), tmp_path / "a.html")
    assert now.stale() == [tmp_path / "b.html"]


def test_a_saved_manifest_is_read_back_and_a_damaged_one_knows_nothing(tmp_path: Path) -> None:
    path = manifest_path(tmp_path / "cache", tmp_path / "site")
    built = Manifest("c")
    built.changed("a.md", digest("a"), tmp_path / "a.html")
    built.save(path)
    assert load(path, "c").previous == built.current and load(path, "c").known
    path.write_bytes(b"not a manifest")
    assert not load(path, "c").known
    assert manifest_path(tmp_path, tmp_path / "site") != manifest_path(tmp_path, tmp_path / "other")


# --- Built sites --------------------------------------------------------------------------


def same_tree(a: Path, b: Path) -> list[str]:
    """Paths that differ between two folders (missing on either side, or other bytes)."""
    left = {p.relative_to(a) for p in a.rglob("*")}
    right = {p.relative_to(b) for p in b.rglob("*")}
    differ = sorted(str(p) for p in left ^ right)
    for rel in sorted(left & right):
        if (a / rel).is_file() and not filecmp.cmp(a / rel, b / rel, shallow=False):
            differ.append(str(rel))
    return differ


def written(result) -> tuple[int, int]:
    found = re.findall(r"incremental build: (\d+) of (\d+) generated", result.stdout + result.stderr)
    assert found, result.stdout + result.stderr
    return int(found[-1][0]), int(found[-1][1])


@pytest.fixture
def small_project(project: Path) -> Path:
    """The real configuration with 8 papers of the bundled archive, and a small training set (corrections retrain fast)."""
    records = sorted((ROOT / "archive").rglob("*.yaml"))[::11][:8]
    for record in records:
        target = project / "archive" / record.relative_to(ROOT / "archive")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(record, target)
    small_training(project)
    return project


EDITS = ("note", "tag", "title", "import", "delete")


def edit(project: Path, rng: random.Random, step: int, kind: str) -> str:
    """One curator's edit of a random record (or an import): a note, a tag, a title, new papers, or a deletion."""
    record = rng.choice(sorted((project / "archive").rglob("*.yaml")))
    text = record.read_text(encoding="utf-8")
    if kind == "note":
        text = re.sub(r"(?m)^note: .*$", f"note: 'Edited {step}: see **this**.'", text)
    elif kind == "tag":
        text = re.sub(r"(?m)^tags_add: .*$", f"tags_add: [{rng.choice(['theory', 'gans', 'surveys'])}]", text)
    elif kind == "title":
        text = re.sub(r"(?m)^title: .*$", f"title: 'Retitled {step}'", text)
    elif kind == "import":
        result = papers(project, "import", str(synthetic_listing(project / f"listing-{step}.txt", 2, kind=f"Batch{step}")))
        assert result.returncode == 0, result.stderr
        return kind
    else:
        record.unlink()
        return kind
    record.write_text(text, encoding="utf-8")
    return f"{kind} {record.name}"


@pytest.mark.e2e
def test_after_any_edits_a_dirty_build_is_byte_identical_to_a_clean_one(small_project: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    first = build_site(small_project, site)
    assert first.returncode == 0, first.stderr
    unchanged = build_site(small_project, site, dirty=True)
    rng = random.Random(21)
    done = []
    for step, kind in enumerate(rng.sample(EDITS, len(EDITS))):  # every kind of edit, in a random order, on random papers
        done.append(edit(small_project, rng, step, kind))
        dirty = build_site(small_project, site, dirty=True)
        assert dirty.returncode == 0, dirty.stderr
        clean = build_site(small_project, tmp_path / f"clean-{step}")
        assert clean.returncode == 0, clean.stderr
        assert same_tree(tmp_path / f"clean-{step}", site) == [], done
        count, total = written(dirty)
        assert 0 < count < total, (done, count, total)  # an import too: its new build date is only in sitemap.xml
    assert written(unchanged)[0] == 0  # nothing changed, nothing written
    assert not (site / "papers-status.json").exists() and "papers-status" not in (site / "index.html").read_text()  # serve's only
