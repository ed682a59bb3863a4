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
    kind = path.name.split("-")[0]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    except OSError:
        return  # a cache we may not write (a read-only checkout): the build goes on without it
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        for old in path.parent.glob(f"{kind}-*.json"):
            if old != path:
                old.unlink(missing_ok=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
