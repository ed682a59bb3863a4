"""The build cache (``.cache/papers/``): one file per kind of result, keyed by content; and the search index's folders.

Safe to delete at any time, and never trusted: a full disk, a killed copy of
``.cache`` or an edit can leave an entry truncated or garbled. So every entry
carries the digest of what was written, checked before the entry is used:

- a file entry starts with the line ``papers-cache sha256 <digest> <size>``;
- a folder entry (a search shard's Pagefind index) holds ``papers-cache.json``,
  the size and digest of each of its files, written last (``seal``).

An entry that fails the check, or that its reader cannot decode, is said once on
the ``papers.cache`` logger, at INFO (a damaged cache is not the site's fault:
``mkdocs build --strict`` must still deploy), removed, and computed again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

#: The hosts show what is said here: the ``papers`` command prints it, the MkDocs plugin forwards it to MkDocs' log.
log = logging.getLogger("papers.cache")

_HEADER = re.compile(rb"papers-cache sha256 ([0-9a-f]{64}) ([0-9]{1,15})\n")
#: A folder entry's list of files, with their sizes and digests.
SEAL = "papers-cache.json"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- File entries ----------------------------------------------------------------------


def read_entry(path: Path | None) -> Any:
    """The JSON value cached at ``path``, or None when there is none or it is damaged (said, and removed)."""
    return decoded(path, json.loads)


def write_entry(path: Path, value: Any) -> None:
    """Store ``value`` as the only entry of its kind (same name prefix), atomically.

    Older entries of the kind are removed, so the cache never grows with every edit.
    """
    write_bytes(path, json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode())


def decoded(path: Path | None, decode: Callable[[bytes], T]) -> T | None:
    """``decode`` of the bytes cached at ``path``; None when there are none, or they are damaged or ``decode`` fails on them.

    Whatever ``decode`` raises (a zip file's, JSON's, a shape's error) means the
    entry is not what its reader expects: it is discarded, never a traceback.
    """
    if path is None or (data := read_bytes(path)) is None:
        return None
    try:
        return decode(data)
    except Exception as exc:  # any decoding failure: computed again
        discard(path, str(exc) or type(exc).__name__)
        return None


def read_bytes(path: Path | None) -> bytes | None:
    """The bytes cached at ``path``, checked against their digest; None when there are none, or they are damaged."""
    if path is None:
        return None
    try:
        stored = path.read_bytes()
    except OSError:  # none, or unreadable (a folder in its place, no permission): computed again
        return None
    data, damage = _unwrap(stored)
    if damage is not None:
        discard(path, damage)
        return None
    return data


def _unwrap(stored: bytes) -> tuple[bytes, str | None]:
    """The data after the digest line, and why it cannot be used (None: it can)."""
    header = _HEADER.match(stored)
    if header is None:
        if stored.startswith(b"papers-cache"):
            return b"", "its checksum line is damaged"
        return b"", "no checksum line: written by an older version, or damaged"
    data, size = stored[header.end() :], int(header[2])
    if len(data) < size:
        return b"", f"truncated: {len(data)} of {size} bytes"
    if len(data) > size:
        return b"", f"{len(data)} bytes where {size} were written"
    if _digest(data) != header[1].decode():
        return b"", "its content does not match its checksum"
    return data, None


def write_bytes(path: Path, data: bytes) -> None:
    """Store ``data`` as the only entry of its kind (same name prefix and suffix), atomically, after its digest line."""
    kind = path.name.split("-")[0]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    except OSError:
        return  # a cache we may not write (a read-only checkout): the build goes on without it
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(b"papers-cache sha256 %s %d\n" % (_digest(data).encode(), len(data)))
            handle.write(data)
        for old in path.parent.glob(f"{kind}-*{path.suffix}"):
            if old != path:
                old.unlink(missing_ok=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def discard(path: Path, reason: str) -> None:
    """Say once why the entry at ``path`` (a file or a folder) cannot be used, and remove it: it is computed again."""
    log.info("cache entry %s could not be used (%s): discarded, and computed again", path, reason)
    try:
        if path.is_dir() and not path.is_symlink():
            # Renamed first: the name is free at once for a build that writes the entry again.
            hidden = path.with_name(f".discarded-{path.name}-{os.getpid()}")
            path.rename(hidden)
            shutil.rmtree(hidden, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache: computed again on every build, as if there were no cache


# --- Folder entries --------------------------------------------------------------------


def seal(folder: Path) -> None:
    """Write ``folder``'s seal: the size and digest of each file in it. Last, so that a folder without one is unfinished.

    Runs where the folder is made (a separate process during a build): reading
    thousands of small files in a build's thread would wait for MkDocs' interpreter lock.
    """
    files = {}
    for name in _files(folder):
        data = (folder / name).read_bytes()
        files[name] = [len(data), _digest(data)]
    (folder / SEAL).write_text(json.dumps({"files": files}, sort_keys=True, separators=(",", ":")), encoding="utf-8")


def sealed(folder: Path) -> bool:
    """Whether ``folder`` was finished (its seal written); whether it is intact, ``copy_sealed`` tells."""
    return (folder / SEAL).is_file()


def copy_sealed(folder: Path, target: Path) -> str | None:
    """Copy the sealed ``folder`` to a new folder ``target``, checking every file on the way; why it cannot be used, or None.

    A missing file, one the seal does not list, or one of another size or digest
    than the seal's: nothing stays at ``target``. The copies are the very bytes
    checked, in files of their own (not hard links: editing a published file in
    place must not change the cache).
    """
    try:
        listed = json.loads((folder / SEAL).read_bytes())["files"]
        expected = {str(name): (int(size), str(digest)) for name, (size, digest) in listed.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return f"its seal {SEAL} cannot be read: {exc}"
    found = set(_files(folder))
    if missing := sorted(expected.keys() - found):
        return f"{missing[0]} is missing"
    if extra := sorted(found - expected.keys()):
        return f"{extra[0]} is not one of the files it was written with"
    try:
        damage = _copy_checked(folder, target, expected)
    except OSError as exc:
        damage = f"{exc.filename}: {exc.strerror}"
    if damage is not None:
        shutil.rmtree(target, ignore_errors=True)
    return damage


def _copy_checked(folder: Path, target: Path, expected: dict[str, tuple[int, str]]) -> str | None:
    made: set[Path] = set()
    for name in sorted(expected):
        size, digest = expected[name]
        data = (folder / name).read_bytes()
        if len(data) != size:
            return f"{name} has {len(data)} bytes where {size} were written"
        if _digest(data) != digest:
            return f"{name} does not match its checksum"
        copy = target / name
        if copy.parent not in made:
            copy.parent.mkdir(parents=True, exist_ok=True)
            made.add(copy.parent)
        copy.write_bytes(data)
    return None


def _files(folder: Path) -> Iterator[str]:
    """The files under ``folder`` but its seal, as ``/``-separated paths relative to it."""
    for root, _, names in os.walk(folder):
        base = Path(root).relative_to(folder)
        for name in names:
            relative = (base / name).as_posix()
            if relative != SEAL:
                yield relative
