"""A build that reuses the last one's results (``generator.session``: what `mkdocs serve` keeps between
rebuilds) makes exactly what a fresh build of the same archive makes, after any edits."""

from __future__ import annotations

import random
import re
import shutil
import threading
from pathlib import Path

import pytest
from conftest import ROOT, small_training_set

from generator import site
from generator.archive import Archive
from generator.config import Settings
from generator.search import plan_shards
from generator.session import Session
from generator.site import Site, generate

SITE_URL = "https://example.org/papers/"


def outputs(site: Site) -> dict[str, dict]:
    """Everything a host publishes: pages, feeds and redirects, heads, and the search records."""
    search = {path: record for shard in plan_shards(site.catalog, record_of=site.search_record) for path, record in shard.records.items()}
    return {"pages": site.pages, "files": site.files, "heads": site.heads, "search": search}


@pytest.fixture
def small(tmp_path: Path) -> tuple[Settings, list[Path]]:
    """An archive of 10 bundled papers, and 6 more ready to be imported; a small training set (corrections retrain fast)."""
    records = sorted((ROOT / "archive").rglob("*.yaml"))[::5][:16]
    archive = tmp_path / "archive"
    for record in records[:10]:
        target = archive / record.relative_to(ROOT / "archive")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(record, target)
    training = small_training_set(tmp_path / "training")
    settings = Settings.from_mapping({"site_url": SITE_URL, "training": str(training)}, tmp_path)
    return settings, records[10:]


KINDS = ("note", "link", "tag", "untag", "title", "featured", "import", "delete", "same bytes")


def edit(settings: Settings, waiting: list[Path], rng: random.Random, step: int, kind: str) -> str:
    """One curator's edit of a random record (or an import) of the archive."""
    records = sorted(settings.archive.rglob("*.yaml"))
    record = rng.choice(records)
    text = record.read_text(encoding="utf-8")
    ids = [path.stem for path in records]
    if kind == "import" and waiting:
        source = waiting.pop()
        target = settings.archive / source.relative_to(ROOT / "archive")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
        return f"import {source.stem}"
    if kind == "delete" and len(records) > 3 and "[[" not in "".join(p.read_text(encoding="utf-8") for p in records):
        record.unlink()
        return f"delete {record.stem}"
    replacements = {
        "note": (r"(?m)^note: .*$", f"note: 'Edited at step {step}: *see* this.'"),
        "link": (r"(?m)^note: .*$", f"note: 'Compare [[{rng.choice(ids)}]].'"),
        "tag": (r"(?m)^tags_add: .*$", f"tags_add: [{rng.choice(['theory', 'gans', 'surveys', 'video'])}]"),
        "untag": (r"(?m)^tags_remove: .*$", f"tags_remove: [{rng.choice(['architectures', 'efficiency', 'theory'])}]"),
        "title": (r"(?m)^title: .*$", f"title: 'Retitled at step {step}: A $\\\\alpha$ Study'"),
        "featured": (r"(?m)^featured: .*$", f"featured: {rng.choice(['true', 'false'])}"),
    }
    if kind in replacements:
        pattern, new = replacements[kind]
        text = re.sub(pattern, new, text, count=1)
    record.write_text(text, encoding="utf-8")  # "same bytes", or a kind with nothing left to do: written again as it was
    return f"{kind} {record.stem}"


def test_after_any_edits_a_build_reusing_the_last_ones_equals_a_fresh_build(small: tuple[Settings, list[Path]]) -> None:
    settings, waiting = small
    session = Session()
    rng = random.Random(22)
    kinds = ["first build", *rng.sample(KINDS, len(KINDS)), *rng.choices(KINDS, k=8)]  # every kind, in a random order, then more
    done = []
    for step, kind in enumerate(kinds):
        if step:
            done.append(edit(settings, waiting, rng, step, kind))
        reused = generate(settings, session=session)
        kept = outputs(reused)
        hits = session.memo.hits
        session.finish()
        assert kept == outputs(generate(settings)), done
        assert step == 0 or hits > 0, done  # it did reuse: a session that reused nothing would pass vacuously
    assert {d.split()[0] for d in done} >= {"note", "tag", "title", "import", "delete"}, done


def test_a_record_is_read_again_only_when_its_file_changed(small: tuple[Settings, list[Path]]) -> None:
    settings, _ = small
    session = Session()
    archive = Archive(settings.archive, memory=session.records)
    first = {r.id: r for r in archive.load()}
    path = sorted(settings.archive.rglob("*.yaml"))[0]
    path.write_bytes(path.read_bytes())  # saved again as it was: another time, the same bytes
    again = {r.id: r for r in archive.load()}
    assert all(again[i] is first[i] for i in first)  # nothing parsed again
    path.write_text(path.read_text(encoding="utf-8").replace("note: ''", "note: 'Now with a note.'"), encoding="utf-8")
    edited = {r.id: r for r in archive.load()}
    assert edited[path.stem].note == "Now with a note." and edited[path.stem] is not first[path.stem]
    assert all(edited[i] is first[i] for i in first if i != path.stem)
    assert session.records.digests.keys() == first.keys()


def test_under_serve_a_tag_shows_at_once_and_the_exact_build_follows(small: tuple[Settings, list[Path]], monkeypatch: pytest.MonkeyPatch) -> None:
    settings, _ = small
    trained_in: list[str] = []
    tag_records = site.tag_records
    monkeypatch.setattr(site, "tag_records", lambda *args: trained_in.append(threading.current_thread().name) or tag_records(*args))
    session = Session()
    generate(settings, session=session)
    session.finish()
    ready = threading.Event()
    session.provisional, session.on_ready = True, ready.set
    record = sorted(settings.archive.rglob("*.yaml"))[3]
    record.write_text(re.sub(r"(?m)^tags_add: .*$", "tags_add: [surveys]", record.read_text(encoding="utf-8")), encoding="utf-8")
    trained_in.clear()
    at_once = generate(settings, session=session)  # the model is trained again on a thread meanwhile
    session.finish()
    assert "surveys" in at_once.catalog.by_id[record.stem].tags
    assert threading.current_thread().name not in trained_in  # the build did not wait for the training
    assert ready.wait(120)
    exact = generate(settings, session=session)
    session.finish()
    assert outputs(exact) == outputs(generate(settings))
