"""The archive's register: each record's identity, kept beside the records, so an import reads only what it touches.

An import asks of every record only what tells papers apart (see ``ingest.py``):
its id, its arXiv id, the words of its abstract and, for a record without an
arXiv id, its title. Reading 100,000 records to learn that was most of a daily
import's minute. The register keeps those facts for each record file, with what
the file was when they were read: its size, modification and change times,
inode and the digest of its bytes.

A file is vouched for when all of those are as registered. Times are coarse (a
file system keeps them to a clock tick, some to a second), so a file written
within a second of being registered could change again unseen: its bytes are
hashed again before it is trusted ("racily clean", as Git calls it). Any other
file is read in full, and its problems stop the import as ever. A hand edit, a
``git checkout``, another command's write: each changes the file's times, so the
record is read again. The register is rebuilt whenever the code that decides
what a valid record is changes, and when it is missing or unreadable; it is
never the only copy of anything, so it may be deleted at any time.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from .identity import title_key
from .records import Record, fingerprint

#: The register's file, hidden in the archive folder (never taken for a record, and git-ignored).
REGISTER = ".register.json"

#: A file modified this close to when it was registered might have changed again within one tick of its clock.
RACY_NS = 1_000_000_000

#: The modules whose code decides whether a file is a valid record, and what its identity is.
_RULES = ("archive.py", "records.py", "identity.py", "text.py", "register.py")


def words_key(abstract: str) -> str:
    """A short key for an abstract's words (``fingerprint``): equal abstracts (case, punctuation and spacing aside), equal keys."""
    return hashlib.blake2b(fingerprint(abstract).encode(), digest_size=16).hexdigest()


class Identity(NamedTuple):
    """What an import compares a paper with: arXiv id (empty: none), abstract words, and title (only for a record without an arXiv id)."""

    arxiv: str
    words: str
    title: str | None


def identity_of(record: Record) -> Identity:
    return Identity(record.arxiv, words_key(record.abstract), None if record.arxiv else title_key(record.title))


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Entry(NamedTuple):
    """One record file in the register, as one row of its JSON (a tuple: 100,000 of them are read in a blink).

    The file's ``os.stat`` fields that change with its content or place, the
    digest of its bytes, when they were taken (``checked``, ns since the epoch),
    the record's identity, and what the record is read without (line, message).
    """

    size: int
    mtime: int
    ctime: int
    inode: int
    digest: str
    checked: int
    arxiv: str
    words: str
    title: str | None
    left_out: Sequence[Sequence] = ()

    @classmethod
    def of(cls, info: os.stat_result, data: bytes, checked: int, identity: Identity, left_out: Sequence[Sequence] = ()) -> Entry:
        # Lists, as the register's JSON reads back: an entry read again compares equal to the one saved.
        said = [list(problem) for problem in left_out]
        return cls(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, digest(data), checked, *identity, said)

    @property
    def identity(self) -> Identity:
        return Identity(self.arxiv, self.words, self.title)

    def same_times(self, info: os.stat_result) -> bool:
        return (self.size, self.mtime, self.ctime, self.inode) == (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)

    @property
    def racy(self) -> bool:
        """Modified within ``RACY_NS`` of being registered: it may have changed again within one tick of its clock."""
        return self.checked - self.mtime < RACY_NS


def rules_version(package: Path = Path(__file__).parent) -> str:
    """A digest of the code that decides what a valid record and its identity are: a change of it starts a new register."""
    digest = hashlib.sha256()
    for name in _RULES:
        digest.update((package / name).read_bytes())
    return digest.hexdigest()


class Register:
    """The register of one archive folder: read at the start of an import, saved (atomically) at its end.

    Only a writer (holding the archive's lock) uses it, so no two processes save it at once.
    """

    def __init__(self, root: Path) -> None:
        self.path = root / REGISTER
        self.version = rules_version()
        self.entries: dict[str, Entry] = self._read()

    def _read(self) -> dict[str, Entry]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") != self.version:
                return {}
            return {record_id: Entry(*row) for record_id, row in data["entries"].items()}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return {}  # missing, damaged or from other code: every record is read, and the register made again

    def vouched(self, files: Mapping[str, str]) -> tuple[dict[str, Entry], list[str]]:
        """Entries still true of their files, by id, and the files that must be read (``files``: path by record id)."""
        kept: dict[str, Entry] = {}
        unsure: list[str] = []
        for record_id, path in files.items():
            entry = self.entries.get(record_id)
            still = self._still_true(entry, path) if entry is not None else None
            if still is not None:
                kept[record_id] = still
            else:
                unsure.append(path)
        return kept, unsure

    @staticmethod
    def _still_true(entry: Entry, path: str) -> Entry | None:
        """The entry if it is still true of its file (checked again now, when only its bytes could tell), else None."""
        try:
            info = os.stat(path)
            if not entry.same_times(info):
                return None
            if not entry.racy:
                return entry
            now = time.time_ns()
            with open(path, "rb") as file:  # written within a tick of being registered: only its bytes can tell
                if digest(file.read()) != entry.digest:
                    return None
            # Once a tick has passed, its times vouch for it, for the next import too (else every file an import wrote stays racy).
            return entry._replace(checked=now) if now - entry.mtime >= RACY_NS else entry
        except OSError:
            return None

    def save(self, entries: Mapping[str, Entry]) -> None:
        """Write the register for ``entries`` (the archive's every record), replacing the last one whole.

        A register that cannot be written (a read-only folder, a full disk) is
        not a problem: the next import reads the records instead.
        """
        self.entries = dict(entries)
        data = {"version": self.version, "entries": dict(sorted(self.entries.items()))}
        temp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        try:
            temp.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
            os.replace(temp, self.path)
        except OSError:
            temp.unlink(missing_ok=True)


class Known:
    """The records an import plans against: every id and identity, and a record in full only when it is asked for.

    ``read`` loads one record by id (a paper merging into it needs its fields,
    a paper without an arXiv id its abstract).
    """

    def __init__(self, identities: Mapping[str, Identity], read: Callable[[str], Record]) -> None:
        self.identities = dict(sorted(identities.items()))
        self._read = read

    @classmethod
    def of(cls, records: Iterable[Record]) -> Known:
        """Records already in memory (``papers resolve`` loads them all anyway, and tests)."""
        by_id = {r.id: r for r in records}
        return cls({i: identity_of(r) for i, r in by_id.items()}, by_id.__getitem__)

    def record(self, record_id: str) -> Record:
        return self._read(record_id)
