"""Shared fixtures: the project's paths, golden files, small archives."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from generator.archive import Archive
from generator.records import Record

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "listings" / "hf-papers-listing-mar-12.txt"
GOLDEN = Path(__file__).parent / "golden"
DATA = Path(__file__).parent / "data"


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """Compare text with ``tests/golden/NAME``; ``make golden`` (UPDATE_GOLDEN=1) rewrites the file."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if os.environ.get("UPDATE_GOLDEN"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no golden file {path}; run `make golden` and review it"
        assert text == path.read_text(encoding="utf-8"), f"output differs from {path}; if intended, run `make golden` and review the diff"

    return check


def make_record(record_id: str, title: str | None = None, *, added: date = date(2025, 3, 12), **fields) -> Record:
    """A valid record with sensible defaults, for tests."""
    return Record(
        id=record_id,
        title=title or record_id.replace("-", " ").title(),
        abstract=fields.pop("abstract", f"The abstract of {record_id}, long enough to be an abstract of a research paper."),
        added=added,
        **fields,
    )


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    return Archive(tmp_path / "archive")
