"""The build cache: an entry is used only if it is whole and as written; a damaged one is said once, discarded and computed again."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cache import read_bytes, read_entry, write_bytes, write_entry

VALUE = {"paper": [["gans"], {"gans": 4.5}], "other": [[], {}]}


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda data: data[:100], "truncated"),
        (lambda data: data[:-1] + b"]", "does not match its checksum"),
        (lambda data: data + b"\n", "bytes where"),
        (lambda data: b"", "no checksum"),
        (lambda data: data.split(b"\n", 1)[1], "no checksum"),  # as an older version wrote it: the JSON alone
    ],
    ids=["truncated", "garbled", "appended", "emptied", "unsealed"],
)
def test_a_damaged_entry_is_said_once_and_discarded(tmp_path: Path, cache_log: list[str], damage, reason: str) -> None:
    path = tmp_path / "tags-abc.json"
    write_entry(path, VALUE)
    assert read_entry(path) == VALUE and cache_log == []
    path.write_bytes(damage(path.read_bytes()))
    assert read_entry(path) is None
    assert len(cache_log) == 1 and str(path) in cache_log[0] and reason in cache_log[0], cache_log
    assert not path.exists()  # discarded: the next write starts afresh, the next read says nothing
    assert read_entry(path) is None and len(cache_log) == 1


def test_bytes_come_back_as_written_and_a_missing_entry_is_no_news(tmp_path: Path, cache_log: list[str]) -> None:
    path = tmp_path / "model-abc.npz"
    write_bytes(path, b"\x00PK\x03\x04 any bytes\n\xff")
    assert read_bytes(path) == b"\x00PK\x03\x04 any bytes\n\xff"
    assert read_bytes(tmp_path / "model-other.npz") is None and cache_log == []


def test_an_entry_that_decodes_to_nothing_usable_is_discarded_too(tmp_path: Path, cache_log: list[str]) -> None:
    from generator.cache import decoded

    path = tmp_path / "model-abc.npz"
    write_bytes(path, b"not a zip file")

    def load(data: bytes) -> object:
        raise ValueError("bad zip")

    assert decoded(path, load) is None
    assert cache_log == [f"cache entry {path} could not be used (bad zip): discarded, and computed again"]
    assert not path.exists()
