"""Transactions on the archive folder: one writer at a time, a roll-forward journal, recovery.

Only ``archive.py`` uses this module; it knows files and folders, not records.
Its files are hidden (so they are never taken for records) and git-ignored:

- ``.lock``: an ``flock``. A writer holds it exclusively for its whole command
  and writes its PID and command into it; a reader holds it shared while it
  reads (opened read-only, so a read-only archive can be read), so it never
  sees a half-applied change.
- ``<shard>/.staging/``: the files of the transaction being written, flushed to
  disk, each in the folder of its target: a rename never leaves its folder, so
  it stays atomic when a shard folder is a link to another file system.
- ``.journal``: the renames that apply a transaction. It is written (atomically)
  only once every staged file is on disk, so its presence means "committed":
  whoever finds it completes it. Staged files without a journal are rolled back.

(Journals of earlier versions staged every file in ``.staging/`` at the root;
recovery still completes them, copying when a target is on another file system.)
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .errors import PapersError

LOCK = ".lock"
STAGING = ".staging"
JOURNAL = ".journal"
TEMP_SUFFIX = ".tmp"
_POLL_SECONDS = 0.05
#: How long a writer waits while only readers hold the lock: reading 100,000 records takes about 20 s.
READERS_WAIT_SECONDS = 120.0
READERS = "it is being read (a build, `mkdocs serve` or `papers check`)"


class ArchiveBusy(PapersError):
    """Another process holds the archive for longer than we were willing to wait."""


class JournalDamaged(PapersError):
    """A journal that cannot be read: it was not written by us, or was edited by hand."""


class JournalStuck(PapersError):
    """A committed write that cannot be completed yet: the file system refuses a rename."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_new(path: Path, data: bytes, *, fsync: bool = False) -> None:
    """Create ``path`` (it must not exist) with ``data``; its mode follows the umask, as any new file's does."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)


def flush_to_disk() -> None:
    """Everything written so far, on disk.

    One ``sync()`` for a whole batch of files: measured here, 2,000 staged
    records took 0.4 s with an ``fsync`` each and 0.02 s with one ``sync``.
    """
    os.sync()


# --- the lock ---------------------------------------------------------------------


@dataclass
class ArchiveLock:
    """``archive/.lock``: exclusive for a writer, shared for readers, waiting at most ``timeout`` seconds."""

    root: Path

    @property
    def path(self) -> Path:
        return self.root / LOCK

    def _open_to_read(self, *, create: bool) -> int | None:
        """``.lock`` opened read-only: a shared ``flock`` needs no more, so an archive on a read-only mount can be read.

        None when there is none and it cannot be made: on a read-only mount no one
        can be writing; in another user's archive, no writer has written yet (the
        first one makes the file). Either way the reader reads without a lock.
        """
        try:
            return os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            if not create:
                return None
        try:
            return os.open(self.path, os.O_RDONLY | os.O_CREAT, 0o666)
        except OSError as exc:
            if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOENT):
                return None
            raise

    def _acquire(self, fd: int, mode: int, timeout: float, doing: str) -> None:
        """Take the lock, polling; past ``timeout`` give up, unless only readers hold it: they finish soon.

        (A build of a large archive reads for many seconds; a writer should
        wait for it, but not for another writer that may take minutes.)
        """
        started = time.monotonic()
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                return
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
            waited = time.monotonic() - started
            if waited >= timeout:
                holder = self.holder()
                if not (holder == READERS and waited < max(timeout, READERS_WAIT_SECONDS)):
                    raise ArchiveBusy(
                        f"{self.root}: cannot {doing}: {holder}; waited {round(waited, 1):g} s. "
                        "Try again when it has finished (a lock is released the moment its process ends)"
                    )
            time.sleep(_POLL_SECONDS)

    def holder(self) -> str:
        """Who holds the lock, as well as can be told: a writer names itself in the file."""
        fd = self._open_to_read(create=False)
        if fd is None:
            return "another process holds its lock"
        try:
            try:  # readers share the lock: if we can share it too, no writer holds it
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return READERS
            except OSError:
                pass
            text = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
        finally:
            os.close(fd)
        pid, _, command = text.partition("\t")
        if pid.isdigit():
            return f"PID {pid} is writing it ({command or 'unknown command'})"
        return "another process is writing it"

    @contextmanager
    def exclusive(self, holder: str, timeout: float) -> Iterator[None]:
        """Hold the lock alone; ``holder`` (the command) is recorded for whoever waits."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except PermissionError:
            raise PapersError(f"{self.root}: you may not write the archive (permission denied); run this as a user who may") from None
        except OSError as exc:
            if exc.errno != errno.EROFS:
                raise
            raise PapersError(f"{self.root}: cannot write the archive: it is on a read-only file system; remount it writable, or work on a copy") from None
        try:
            self._acquire(fd, fcntl.LOCK_EX, timeout, "write the archive")
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\t{holder}\n".encode(), 0)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    @contextmanager
    def shared(self, timeout: float) -> Iterator[None]:
        """Hold the lock with other readers; no writer changes the archive meanwhile."""
        fd = self._open_to_read(create=self.root.is_dir())
        if fd is None:
            yield
            return
        try:
            self._acquire(fd, fcntl.LOCK_SH, timeout, "read the archive")
            yield
        finally:
            os.close(fd)


# --- transactions --------------------------------------------------------------------


@contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done: a committed write is never cut in half.

    Blocked, not ignored: a signal that arrives meanwhile is delivered as the block ends.
    """
    signals = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class Move:
    """One rename of a transaction: ``staged`` onto ``target``, both relative to the root.

    ``staged`` is in the ``.staging/`` folder inside the target's own folder
    (``3f/.staging/0.yaml`` onto ``3f/<id>.yaml``). ``base`` is the digest of the
    target as it was when the write began (None: it did not exist) and ``digest``
    the staged file's, so that recovery replaces only what the write meant to
    replace, and knows a move it already made.
    """

    staged: str
    target: str
    base: str | None
    digest: str


def staged_beside(target: str, n: int) -> str:
    """Where the ``n``-th file of a transaction is staged: in its target's folder, so the rename never crosses a file system."""
    folder, _, _ = target.rpartition("/")
    return f"{folder}/{STAGING}/{n}.yaml"


@dataclass
class Transaction:
    """New or replacing files for the archive, applied all together by ``commit``.

    Call only while holding the exclusive lock.
    """

    root: Path
    holder: str
    files: dict[str, bytes] = field(default_factory=dict)  # path relative to root -> content

    def put(self, relative: str, content: bytes) -> None:
        self.files[relative] = content

    def commit(self) -> None:
        """Stage every file durably, then (signals held) write the journal, rename, clean up.

        Interrupted while staging, nothing has changed and the staged files are
        removed; once the journal exists, the renames are always completed, by
        this process or, if it dies, by the next command that finds the journal.
        """
        if not self.files:
            return
        moves: list[Move] = []
        made: list[Path] = []  # staging folders, then the shard folders made for them: removed if staging fails
        try:
            for n, relative in enumerate(sorted(self.files)):
                content, staged = self.files[relative], staged_beside(relative, n)
                folder = (self.root / staged).parent
                if not moves or folder != (self.root / moves[-1].staged).parent:
                    _make_staging(folder, made)
                write_new(self.root / staged, content)
                moves.append(Move(staged, relative, _digest(self.root / relative), hashlib.sha256(content).hexdigest()))
            flush_to_disk()  # every staged file is whole on disk before the journal says "apply them"
        except BaseException:
            for folder in made:
                shutil.rmtree(folder, ignore_errors=True)
            raise
        with signals_held():
            _write_journal(self.root, self.holder, moves)
            _apply(self.root, moves)


def _make_staging(folder: Path, made: list[Path]) -> None:
    """Make a shard's staging folder (and the shard folder, for a new shard), noting each for a roll-back."""
    shard = folder.parent
    if not shard.is_dir():
        shard.mkdir()
        made.insert(0, shard)  # removed after the staging folder inside it
    folder.mkdir()
    made.insert(0, folder)


def _write_journal(root: Path, holder: str, moves: list[Move]) -> None:
    temp = root / (JOURNAL + TEMP_SUFFIX)
    temp.unlink(missing_ok=True)
    entries = [[m.staged, m.target, m.base, m.digest] for m in moves]
    write_new(temp, json.dumps({"holder": holder, "moves": entries}, ensure_ascii=False).encode(), fsync=True)
    os.replace(temp, root / JOURNAL)
    _fsync_dir(root)


_SHARD_STAGED_RE = re.compile(r"^([0-9a-f]{2})/\.staging/\d+\.yaml$")
_ROOT_STAGED_RE = re.compile(r"^\d+\.yaml$")  # an earlier version's journal: in the root's .staging/
_TARGET_RE = re.compile(r"^([0-9a-f]{2})/[^/\\]+\.yaml$")


def _damaged(root: Path, why: str) -> JournalDamaged:
    return JournalDamaged(
        f"{root / JOURNAL}: an interrupted write cannot be completed: {why}. Nothing was changed; "
        f"compare the staging folders ({root / STAGING}, {root}/<shard>/{STAGING}) with the archive by hand, "
        "then delete the journal and the staging folders"
    )


def _read_journal(root: Path) -> list[Move]:
    path = root / JOURNAL
    if not path.is_file():
        raise _damaged(root, "the journal is not a file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        moves = [Move(str(a), str(b), c if c is None else str(c), str(d)) for a, b, c, d in data["moves"]]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise _damaged(root, f"it cannot be read ({exc})") from None
    checked = []
    for move in moves:
        target, staged = _TARGET_RE.match(move.target), _SHARD_STAGED_RE.match(move.staged)
        if target and _ROOT_STAGED_RE.match(move.staged):
            move = Move(f"{STAGING}/{move.staged}", move.target, move.base, move.digest)
        elif not (target and staged and staged.group(1) == target.group(1)):
            raise _damaged(root, f"it names {move.staged!r} -> {move.target!r}, which is not a move inside the archive")
        checked.append(move)
    return checked


def _check_moves(root: Path, moves: list[Move]) -> None:
    """Refuse to touch anything unless every move is still the one the journal meant."""
    for move in moves:
        staged, current = root / move.staged, _digest(root / move.target)
        if staged.exists():
            if current not in (move.base, move.digest):
                raise _damaged(root, f"{move.target} has changed since the write began")
        elif current != move.digest:
            raise _damaged(root, f"the staged copy of {move.target} is gone and the record is not the one written")


def _apply(root: Path, moves: list[Move]) -> int:
    """Rename each staged file into place (those already renamed are skipped), then forget the journal.

    Returns how many were renamed now.
    """
    _check_moves(root, moves)
    renamed = 0
    for move in moves:
        source, target = root / move.staged, root / move.target
        if source.exists():
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                _move_into_place(source, target)
            except OSError as exc:
                raise _stuck(root, source, target, exc) from None
            renamed += 1
    flush_to_disk()  # every rename is on disk before the journal that would redo it goes
    for folder in staging_folders(root):
        shutil.rmtree(folder, ignore_errors=True)
    (root / JOURNAL).unlink(missing_ok=True)
    _fsync_dir(root)
    return renamed


def _move_into_place(source: Path, target: Path) -> None:
    """Rename ``source`` onto ``target``; across file systems (an earlier version's journal), copy beside it first.

    The copy is renamed in its own folder, so the target is whole or untouched;
    the staged file goes last, so a crash meanwhile only repeats the copy.
    """
    try:
        os.replace(source, target)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    beside = target.with_name(f".{target.name}{TEMP_SUFFIX}")
    beside.unlink(missing_ok=True)
    write_new(beside, source.read_bytes(), fsync=True)
    os.replace(beside, target)
    source.unlink()


def _stuck(root: Path, source: Path, target: Path, exc: OSError) -> JournalStuck:
    folder = target.parent
    fixes = {
        errno.EROFS: f"make {folder} writable (it is on a read-only file system)",
        errno.EACCES: f"run it as a user who may write {folder}",
        errno.EPERM: f"run it as a user who may write {folder}",
        errno.ENOSPC: f"free some space where {folder} is",
        errno.EDQUOT: f"free some space where {folder} is",
    }
    fix = fixes.get(exc.errno or 0, "remove the cause")
    return JournalStuck(
        f"{root / JOURNAL}: a committed write cannot be completed: moving {source} onto {target} failed "
        f"({exc.strerror or exc}). Nothing is lost: {fix}, then run `papers check`, which completes it "
        "(or do it by hand: move each staged file the journal names onto its target, then delete the journal)"
    )


# --- recovery ---------------------------------------------------------------------


def _shard_folders(root: Path) -> list[Path]:
    return [Path(e.path) for e in sorted(os.scandir(root), key=lambda e: e.name) if e.is_dir() and not e.name.startswith(".")]


def staging_folders(root: Path) -> list[Path]:
    """Every staging folder: one in each shard folder a write was staging into, and an earlier version's at the root."""
    found = [folder / STAGING for folder in _shard_folders(root) if os.path.lexists(folder / STAGING)]
    return [*found, *([root / STAGING] if os.path.lexists(root / STAGING) else [])]


def stray_temp_files(root: Path) -> list[Path]:
    """Hidden temporary files left by a process that died while writing, in the root and its shard folders."""
    folders = [root, *_shard_folders(root)]
    return [Path(e.path) for folder in folders for e in sorted(os.scandir(folder), key=lambda e: e.name) if _is_temp(e)]


def _is_temp(entry: os.DirEntry) -> bool:
    return entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX) and entry.is_file()


def _roll_back(staging: Path) -> None:
    try:
        shutil.rmtree(staging)
    except OSError as exc:
        raise PapersError(
            f"{staging}: the staged files of an interrupted write cannot be removed ({exc.strerror or exc}); "
            "none of them is a record yet: delete the folder by hand, or run `papers check` where it can be written"
        ) from None


def recover(root: Path, notify: Callable[[str], None], *, temp_files: list[Path] | None = None) -> None:
    """Complete or roll back an interrupted write and remove stray temporary files, saying what was done.

    Call only while holding the exclusive lock.
    """
    journal, stagings = root / JOURNAL, staging_folders(root)
    odd = next((folder for folder in stagings if not folder.is_dir()), None)
    if odd is not None:
        raise _damaged(root, f"{odd} is not a folder")
    with signals_held():
        if journal.exists():
            moves = _read_journal(root)
            renamed = _apply(root, moves)
            done = f"{renamed} renamed now, {len(moves) - renamed} already in place"
            notify(f"{root}: completed an interrupted write of {len(moves)} record file(s) from its journal ({done})")
        elif stagings:
            count = sum(1 for folder in stagings for _ in folder.iterdir())
            for folder in stagings:
                _roll_back(folder)
            notify(f"{root}: rolled back an interrupted write: {count} staged file(s) discarded, the archive is as before it")
        temps = stray_temp_files(root) if temp_files is None else temp_files
        for temp in temps:
            temp.unlink(missing_ok=True)
    if temps:
        notify(f"{root}: removed {len(temps)} temporary file(s) left by an interrupted write")
