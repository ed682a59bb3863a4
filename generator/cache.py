"""The build cache (``.cache/papers/``): one JSON file per kind of result, keyed by content.

Safe to delete at any time; a damaged entry is simply recomputed.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def read_entry(path: Path | None) -> Any:
    """The cached value at ``path``, or None when there is none or it cannot be read."""
    if path is None or not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, OSError):
        return None


def write_entry(path: Path, value: Any) -> None:
    """Store ``value`` as the only entry of its kind (same name prefix), atomically.

    Older entries of the kind are removed, so the cache never grows with every edit.
    """
    write_bytes(path, json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode())


def read_bytes(path: Path | None) -> bytes | None:
    """The cached bytes at ``path``, or None."""
    try:
        return path.read_bytes() if path is not None else None
    except OSError:
        return None


def write_bytes(path: Path, data: bytes) -> None:
    """Store ``data`` as the only entry of its kind (same name prefix and suffix), atomically."""
    kind = path.name.split("-")[0]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    except OSError:
        return  # a cache we may not write (a read-only checkout): the build goes on without it
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        for old in path.parent.glob(f"{kind}-*{path.suffix}"):
            if old != path:
                old.unlink(missing_ok=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
