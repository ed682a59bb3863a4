"""The papers reserved for an independent evaluation stay out of everything this project trains, tunes or tests on."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: arXiv ids 2510.* to 2512.*, with or without a version, in any field or URL.
RESERVED_ID = re.compile(r"(?<![\w.])25(?:10|11|12)\.\d{4,5}(?!\d)")
#: The repository as a source (a ``repo:`` field or a GitHub URL); the files' notes that they never include it may name it.
RESERVED_REPO = re.compile(r"(?:repo:\s*['\"]?|github\.com/)hdshang/arxiv-daily", re.IGNORECASE)


def data_files() -> list[Path]:
    roots = [ROOT / "tests", ROOT / "generator" / "data", ROOT / "archive", ROOT / "listings"]
    return sorted(p for root in roots for p in root.rglob("*") if p.is_file() and p.suffix in {".yaml", ".yml", ".json", ".txt", ".xml", ".py"})


def test_no_reserved_arxiv_id_or_repository_is_trained_tuned_or_tested_on() -> None:
    files = data_files()
    assert len(files) > 20 and any(p.name == "training.yaml" for p in files)
    found = []
    for path in files:
        if path == Path(__file__):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path.relative_to(ROOT)}: {m.group()}" for m in RESERVED_ID.finditer(text)]
        found += [f"{path.relative_to(ROOT)}: {m.group()}" for m in RESERVED_REPO.finditer(text)]
    assert not found, "reserved for independent evaluation:\n" + "\n".join(found[:20])


def test_the_reserved_pattern_finds_what_it_must_and_nothing_else() -> None:
    assert RESERVED_ID.search("arxiv.org/abs/2511.01234v2") and RESERVED_ID.search("id: '2512.12345'")
    assert not RESERVED_ID.search("2509.01234 2601.01234 commit 24afe33efd9f2510bffae 12510.1234")
    assert RESERVED_REPO.search("source: {repo: 'hdShang/arxiv-daily', path: x}") and RESERVED_REPO.search("https://github.com/hdShang/arxiv-daily")
    assert not RESERVED_REPO.search("# Never included: the repository hdShang/arxiv-daily")
