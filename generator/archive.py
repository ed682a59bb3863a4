"""The archive on disk: the only module that reads or writes ``archive/``.

Layout: ``archive/<shard>/<id>.yaml`` where ``<shard>`` is the first two hex
digits of the id's SHA-256. 256 folders keep every folder small (100,000
papers is about 400 files a folder) whatever the titles look like, which a
prefix of the id itself would not (think of every title starting "Learning").
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from .errors import PapersError, Problem, ProblemsError
from .journal import JOURNAL, STAGING, TEMP_SUFFIX, ArchiveLock, Transaction, recover
from .records import FIELDS, MAX_RECORD_BYTES, LeftOut, Record, RecordInvalid, record_from_mapping, shown
from .register import Entry, Known, Register, identity_of
from .text import forbidden_character, plural
from .workers import process_pool, workers

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

HEADER = (
    "# Papers Archive record. Yours to curate: title, tags_add, tags_remove, note (Markdown), featured.\n"
    "# Keep id, abstract, added, sources and links as imported. `papers check` validates this file.\n"
)


def folder_name(folder: Path) -> str:
    """A folder as messages name it: relative to the working folder when possible, with a trailing slash ("archive/")."""
    return _display(folder, os.getcwd()).rstrip(os.sep) + os.sep


def problems_in(count: int, folder: Path) -> str:
    """How every command heads a list of the archive's problems: "1 problem in archive/", "3 problems in archive/"."""
    return f"{plural(count, 'problem')} in {folder_name(folder)}"


@functools.lru_cache(maxsize=1 << 18)
def shard(record_id: str) -> str:
    """The folder a record lives in (remembered: every load asks it of every file)."""
    return hashlib.sha256(record_id.encode()).hexdigest()[:2]


class _RecordDumper(_Dumper):
    """Multi-line text (notes) as readable ``|`` blocks; everything else as PyYAML sees fit."""

    def ignore_aliases(self, data: Any) -> bool:
        return True  # a record is edited by hand: no &anchors or *aliases


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_RecordDumper.add_representer(str, _represent_str)


def oversized(size: int) -> str | None:
    """Why a record file of ``size`` bytes may not be, or None."""
    return f"is {size:,} bytes, more than the {MAX_RECORD_BYTES:,} a record may be; shorten its longest field" if size > MAX_RECORD_BYTES else None


def record_size_problem(record: Record) -> str | None:
    """Why ``record`` would make too large a file, or None: measured only when its texts come near the limit."""
    texts = [record.id, record.title, record.abstract, record.note, *record.authors, *record.categories]
    texts += [*record.tags_add, *record.tags_remove, *(link.url for link in record.links), *(source.file for source in record.sources)]
    # No character takes more than 6 bytes in the file (\uFEFF), no item more than 64 besides: far below the limit, no need to dump.
    if 8 * sum(map(len, texts)) + 64 * len(texts) + 4096 <= MAX_RECORD_BYTES:
        return None
    return oversized(len(dump_record(record).encode("utf-8")))


def dump_record(record: Record) -> str:
    """The YAML text of a record, as written to disk."""
    body = yaml.dump(
        record.to_mapping(),
        Dumper=_RecordDumper,
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,  # one line per value: easy to edit and to diff
        default_flow_style=None,
    )
    return HEADER + body


#: How long a writer waits for another writer (or readers) before giving up, and a reader for a writer.
WRITE_WAIT_SECONDS = 10.0
READ_WAIT_SECONDS = 120.0


@dataclass
class Edit:
    """What an import changes in an existing record: empty fields it fills, lists it appends to.

    Everything else, the curator's fields and every comment, stays as it is.
    """

    fill: dict[str, Any] = field(default_factory=dict)
    append: dict[str, list[Any]] = field(default_factory=dict)


def _round_trip() -> YAML:
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 1_000_000  # as dump_record: one line per value
    rt.indent(mapping=2, sequence=2, offset=0)
    return rt


def _yaml_value(value: Any) -> Any:
    """Lists of texts and small mappings in flow style (``[a, b]``, ``{file: x, date: y}``), as ``dump_record`` writes them."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        flow: CommentedSeq | CommentedMap = CommentedSeq(value)
    elif isinstance(value, dict):
        flow = CommentedMap(value)
    else:
        return value
    flow.fa.set_flow_style()
    return flow


def edit_record_text(text: str, edit: Edit) -> str:
    """``text`` with ``edit`` applied by a round-trip YAML editor: comments, quoting and key order survive.

    A new key goes where ``FIELDS`` puts it among the keys the record has.
    """
    rt = _round_trip()
    data = rt.load(text)
    for key, value in edit.fill.items():
        if key in data:
            data[key] = _yaml_value(value)
            continue
        later = [k for k in FIELDS[FIELDS.index(key) + 1 :] if k in data]
        position = list(data).index(later[0]) if later else len(data)
        data.insert(position, key, _yaml_value(value))
    for key, items in edit.append.items():
        if not items:
            continue
        if not isinstance(data.get(key), list):
            data[key] = CommentedSeq()
        data[key].extend(_yaml_value(item) for item in items)
    out = io.StringIO()
    rt.dump(data, out)
    return out.getvalue()


def _line_of(text: str, key: str, item: str | None = None) -> int | None:
    """The line of a top-level key (or of ``item`` inside its value), found only when there is a problem to report."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(node, yaml.MappingNode):
        return None
    top = key.split(".")[0]
    for key_node, value_node in node.value:
        if key_node.value != top:
            continue
        line = _line_at(text, key_node.start_mark.index)
        if item is not None and isinstance(value_node, yaml.SequenceNode):
            line = next((_line_at(text, n.start_mark.index) for n in value_node.value if _holds(n, item)), line)
        elif item is not None:  # text such as a note: the first line that shows the item
            lines = text.split("\n")[line - 1 : _line_at(text, value_node.end_mark.index)]
            line += next((i for i, content in enumerate(lines) if item in content), 0)
        return line
    return None


def _key_lines(text: str) -> dict[str, int]:
    """The line of each top-level key of a record (the first, if written twice)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    lines: dict[str, int] = {}
    for key_node, _ in node.value:
        lines.setdefault(str(key_node.value), _line_at(text, key_node.start_mark.index))
    return lines


def _holds(node: yaml.Node, item: str) -> bool:
    """Whether a list entry is ``item``, or a mapping with ``item`` as a value (a link's ``{url: …, kind: …}``)."""
    if isinstance(node, yaml.MappingNode):
        return any(getattr(value, "value", None) == item for _, value in node.value)
    return getattr(node, "value", None) == item


def _line_at(text: str, index: int) -> int:
    """The line of a character, counting only newlines: YAML's own marks also count U+0085, U+2028 and U+2029."""
    return text.count("\n", 0, index) + 1


def _yaml_error_line(text: str, exc: yaml.YAMLError) -> int | None:
    """The line to blame for a syntax error.

    PyYAML marks the token it stumbled on; at the end of the file (an unclosed
    bracket or quote) that is past the last line, so the line where the
    construct began (the context mark) is the one to fix.
    """
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return None
    context = getattr(exc, "context_mark", None)
    if mark.index >= len(text.rstrip()) and context is not None:
        return _line_at(text, context.index)
    return _line_at(text, min(mark.index, len(text.rstrip())))


def _raw_characters(text: str, name: str) -> list[Problem]:
    """Characters that cannot be text, written raw into the file: each with its line and the key it belongs to."""
    problems, key = [], "(file)"
    if forbidden_character(text.replace("\r\n", "\n")) is None:  # the common case: one search, no split
        return problems
    for number, line in enumerate(text.split("\n"), start=1):
        if line[:1].isalpha() and ":" in line:
            key = line.split(":", 1)[0]
        bad = forbidden_character(line[:-1] if line.endswith("\r") else line)
        if bad:
            problems.append(Problem(name, number, f"{key}: contains {bad}, which cannot be shown as text; delete it"))
    return problems


class _DuplicateKey(yaml.YAMLError):
    """A key written twice in one mapping; PyYAML would keep the last value and say nothing."""

    def __init__(self, key: Any, first: int, second: int) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key, self.first, self.second = key, first, second


class _RecordLoader(_Loader):
    """The fast safe loader, refusing a key written twice: an appended ``title:`` must not silently replace the title."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        if len(mapping) != len(node.value):  # only then look for the key: the common case costs one comparison
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise _DuplicateKey(key, seen[key], key_node.start_mark.index)
                seen[key] = key_node.start_mark.index
        return mapping


def _repeats_a_collection(data: Any) -> bool:
    """Whether a list or mapping appears twice in ``data`` (or inside itself): only a YAML alias does that.

    Building it costs nothing (nine aliased lists of nine aliases are ten lists), but every
    reader after the loader would meet a billion values (an "alias bomb").
    """
    seen: set[int] = set()
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, list | dict):
            if id(value) in seen:
                return True
            seen.add(id(value))
            stack.extend(value.values() if isinstance(value, dict) else value)
    return False


def _alias_problem(text: str, name: str) -> Problem:
    """The first alias of a list or mapping in a record, with its line (``dump_record`` never writes one)."""
    collections: set[str] = set()
    for event in yaml.parse(text, Loader=_Loader):  # the text loaded: it parses
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent) and event.anchor:
            collections.add(event.anchor)
        elif isinstance(event, yaml.AliasEvent) and event.anchor in collections:
            line = _line_at(text, event.start_mark.index)
            what = f"*{event.anchor} repeats the value marked &{event.anchor} (a YAML alias)"
            return Problem(name, line, f"{_key_at(text, line)}: {what}, which a record may not use; write the value out in full")
    return Problem(name, None, "repeats a value through a YAML alias (*name), which a record may not use; write the value out in full")


def _key_at(text: str, line: int) -> str:
    """The top-level key a line belongs to: the last one written at or above it."""
    for content in reversed(text.split("\n", line)[:line]):
        if content[:1].isalpha() and ":" in content:
            return content.split(":", 1)[0]
    return "(file)"


def _unreadable_value(text: str, name: str, exc: Exception) -> Problem:
    """The value PyYAML could not build (a 30 February, a number of 5,000 digits…), found by building each value alone.

    Only ever run on a file that failed to load: it parses the file again, slowly but with every position.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        root = None
    builder = yaml.SafeLoader("")
    pairs = root.value if isinstance(root, yaml.MappingNode) else [(None, root)] if root is not None else []
    for key_node, value_node in pairs:
        for node in _scalars(*(n for n in (key_node, value_node) if n is not None)):
            try:
                builder.construct_object(node, deep=True)
            except Exception as error:  # the same failure as the whole file's, now with its place
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "(file)"
                return Problem(name, _line_at(text, node.start_mark.index), f"{str(key)[:80]}: {_why_unreadable(node, error)}")
    return Problem(name, None, f"cannot be read ({type(exc).__name__}: {str(exc)[:200]}); fix the value it names")


def _scalars(*nodes: yaml.Node) -> Iterator[yaml.ScalarNode]:
    """Every scalar under ``nodes``, in order, each once."""
    stack, seen = list(reversed(nodes)), set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            yield node
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in reversed(node.value) for n in reversed(pair))


def _why_unreadable(node: yaml.ScalarNode, error: Exception) -> str:
    kind = node.tag.rsplit(":", 1)[-1]
    value = node.value if len(node.value) <= 60 else f"{node.value[:40]}… ({len(node.value):,} characters)"
    reason = str(error).split("; use ", 1)[0][:200] if isinstance(error, ValueError | OverflowError) else type(error).__name__
    if kind == "timestamp":
        return f"{value} is not a real date ({reason}); write a date that exists, as YYYY-MM-DD"
    what = {"int": "a number", "float": "a number", "bool": "true or false"}.get(kind, f"!!{kind}")
    return f"{value} cannot be read as {what} ({reason}); put it in quotes if it is text"


@dataclass
class _Walk:
    """What is in the archive folder: record files, problems with other files, what an interrupted write left."""

    records: list[str] = field(default_factory=list)  # paths of records where they belong (see ``Archive._walk_shard``)
    problems: list[Problem] = field(default_factory=list)
    temps: list[Path] = field(default_factory=list)
    staging: list[Path] = field(default_factory=list)  # staged files of a write that never reached its journal

    @property
    def leftovers(self) -> int:
        return len(self.temps) + len(self.staging)


#: From this many record files, they are read on every core: YAML parsing is most of a cold build's start.
PARALLEL_READ_MIN = 5_000
#: Files per chunk a worker reads.
READ_CHUNK = 2_000


@dataclass
class _Read:
    """Records read: the valid ones, a problem for each invalid file, and what the valid ones are read without."""

    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    left_out: list[Problem] = field(default_factory=list)
    #: For the register (when asked for): each valid record's file state and identity, by id.
    entries: dict[str, Entry] = field(default_factory=dict)

    def __iadd__(self, other: _Read) -> _Read:
        self.records += other.records
        self.problems += other.problems
        self.left_out += other.left_out
        self.entries.update(other.entries)
        return self


def _read_records(paths: Sequence[str | Path], cwd: str, *, noting: bool = False) -> _Read:
    """The records of ``paths`` (see ``_Read``), in the order of ``paths``; ``noting``: with their register entries."""
    count = workers()
    if len(paths) < PARALLEL_READ_MIN or count < 2:
        return _read_chunk(paths, cwd, noting)
    chunks = [paths[i : i + READ_CHUNK] for i in range(0, len(paths), READ_CHUNK)]
    read = _Read()
    with process_pool(count) as pool:
        for chunk in pool.map(_read_chunk, chunks, [cwd] * len(chunks), [noting] * len(chunks)):
            read += chunk
    return read


def _read_chunk(paths: Sequence[str | Path], cwd: str, noting: bool = False) -> _Read:
    read = _Read()
    for path in paths:  # one id, one file: the shard and the file name are both the id's
        record = _load_one(path, _display(path, cwd), read, noting)
        if record is not None:
            read.records.append(record)
    return read


def _display(path: str | Path, cwd: str) -> str:
    """A path as messages show it: relative to the working folder when possible."""
    try:
        return os.path.relpath(path, cwd)
    except ValueError:
        return str(path)


def _load_one(path: str | Path, name: str, read: _Read, noting: bool = False) -> Record | None:
    checked = time.time_ns()
    raw = _read_raw(path, name, read.problems)
    if raw is None:
        return None
    info, data = raw
    text = _decode(data, name, read.problems)
    if text is None:
        return None
    left_out: list[LeftOut] = []
    record = _record_of(text, name, read.problems, left_out)
    if record is None:
        return None
    stem = os.path.splitext(os.path.basename(path))[0]
    if record.id != stem:
        read.problems.append(Problem(name, _line_of(text, "id"), f"id: {shown(record.id)} does not match the file name; ids never change, restore {stem!r}"))
        return None
    said = [Problem(name, _line_of(text, key, item), f"{key}: {message} (the site leaves it out)") for key, item, message in left_out]
    read.left_out += said
    if noting:
        read.entries[record.id] = Entry.of(info, data, checked, identity_of(record), [(p.line, p.message) for p in said])
    return record


def _read_raw(path: str | Path, name: str, problems: list[Problem]) -> tuple[os.stat_result, bytes] | None:
    """The file's state and bytes, or None and a problem; a file too large to be a record is not read at all."""
    try:
        with open(path, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode):  # a pipe or a device would be read forever
                problems.append(Problem(name, None, "is not a regular file; a record must be a file of text"))
                return None
            too_large = oversized(info.st_size)
            if too_large:
                problems.append(Problem(name, None, too_large))
                return None
            return info, file.read()
    except OSError as exc:
        problems.append(Problem(name, None, f"cannot be read ({exc.strerror}); a record must be a readable file"))
    return None


def _decode(raw: bytes, name: str, problems: list[Problem]) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(Problem(name, line, f"is not UTF-8 text ({exc.reason}); save it as UTF-8"))
    return None


def _record_of(text: str, name: str, problems: list[Problem], left_out: list[LeftOut] | None = None) -> Record | None:
    """The record a file's text holds, or None and its problems, each with its line."""
    raw_problems = _raw_characters(text, name)
    if raw_problems:  # before YAML: it refuses some with no line, and silently reads U+0085 as a line break
        problems.extend(raw_problems)
        return None
    try:
        data = yaml.load(text, Loader=_RecordLoader)
    except _DuplicateKey as exc:
        key = shown(exc.key) if not isinstance(exc.key, str) else exc.key[:80]
        first = _line_at(text, exc.first)
        problems.append(Problem(name, _line_at(text, exc.second), f"{key}: written twice (first on line {first}); keep the one you mean, delete the other"))
        return None
    except yaml.YAMLError as exc:
        what = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(name, _yaml_error_line(text, exc), f"is not valid YAML ({what}); fix the syntax"))
        return None
    except Exception as exc:  # PyYAML builds values with date(), int()…: a 30 February raises ValueError, an unknown !!bool KeyError
        problems.append(_unreadable_value(text, name, exc))
        return None
    if "*" in text and _repeats_a_collection(data):  # before anything else walks it; an alias is written with a "*"
        problems.append(_alias_problem(text, name))
        return None
    try:
        return record_from_mapping(data, left_out)
    except RecordInvalid as exc:
        lines = _key_lines(text)  # one parse for every problem: the slow parser that knows lines
        for key, message in exc.problems:
            problems.append(Problem(name, lines.get(key.split(".")[0]), f"{key}: {message}"))
        return None


@dataclass
class _Known:
    """A record read before: its file's size, modification time and digest, and what it was read without."""

    size: int
    mtime: int
    digest: str
    record: Record
    left_out: list[Problem]


class RecordMemory:
    """Records read by earlier loads in this process (``mkdocs serve``), reused while their files are unchanged.

    A file is unchanged when its size and modification time are, or failing those
    its bytes (an editor that saves the same text again). Each record also has
    a digest of its file's bytes (``digests``): what later stages key their
    own reuse on. Files with problems are never kept: they are read, and said, every time.
    """

    def __init__(self) -> None:
        self._known: dict[str, _Known] = {}
        #: The digest of each record's file, by id, as of the last load.
        self.digests: dict[str, str] = {}

    def split(self, paths: list[str], cwd: str) -> tuple[_Read, list[str], dict[str, tuple[int, int, str]]]:
        """The records of unchanged files, the paths to read, and their state as seen before reading them."""
        kept, fresh, seen = _Read(), [], {}
        known: dict[str, _Known] = {}
        for path in paths:
            try:
                info = os.stat(path)
            except OSError:
                fresh.append(path)  # said as it is read
                continue
            before = self._known.get(path)
            if before is not None and (before.size, before.mtime) == (info.st_size, info.st_mtime_ns):
                known[path] = before
                continue
            try:
                with open(path, "rb") as file:
                    sha = hashlib.sha256(file.read()).hexdigest()
            except OSError:
                fresh.append(path)
                continue
            if before is not None and before.digest == sha:
                known[path] = _Known(info.st_size, info.st_mtime_ns, sha, before.record, before.left_out)
                continue
            fresh.append(path)
            seen[path] = (info.st_size, info.st_mtime_ns, sha)
        for entry in known.values():
            kept.records.append(entry.record)
            kept.left_out += entry.left_out
        self._known = known
        return kept, fresh, seen

    def learn(self, read: _Read, seen: dict[str, tuple[int, int, str]], path_for: Callable[[str], Path], cwd: str) -> None:
        """Keep the valid records just read (with the state of their files before reading), and every record's digest."""
        left_out: dict[str, list[Problem]] = {}
        for problem in read.left_out:
            left_out.setdefault(problem.file, []).append(problem)
        for record in read.records:
            path = str(path_for(record.id))
            if path in seen and path not in self._known:
                size, mtime, sha = seen[path]
                self._known[path] = _Known(size, mtime, sha, record, left_out.get(_display(path, cwd), []))
        self.digests = {entry.record.id: entry.digest for entry in self._known.values()}


@dataclass
class Archive:
    """The folder of records.

    Writers go through ``writing()``: one at a time, all or nothing. Readers
    (``scan``, ``load``) wait while a writer applies a change, and complete or
    roll back a write that a dead process left half-done, saying so on ``log``.
    """

    root: Path
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("papers"))
    #: Records of earlier loads, reused while their files are unchanged (a long-running host's); None: every file is read.
    memory: RecordMemory | None = None
    _holder: str | None = field(default=None, init=False, repr=False)
    #: The register read by ``identities`` while writing: the files written then are added to it.
    _register: Register | None = field(default=None, init=False, repr=False)

    def path_for(self, record_id: str) -> Path:
        return self.root / shard(record_id) / f"{record_id}.yaml"

    def display(self, path: Path) -> str:
        """A path as messages show it: relative to the working folder when possible."""
        return _display(path, os.getcwd())

    # --- reading ----------------------------------------------------------------

    def _walk(self) -> _Walk:
        """Every file of the root and its shard folders, sorted into records, problems and stray temp files.

        Shard folders are followed even when they are links; nothing deeper is
        read, and nothing is skipped silently: a record where it is not read is a problem.
        """
        walk = _Walk()
        if not self.root.is_dir():
            what = "is not a folder" if self.root.exists() else "does not exist"
            fix = "fix the papers plugin's archive option, or import a listing"
            walk.problems.append(Problem(self.display(self.root), None, f"the archive folder {what}; {fix}"))
            return walk
        for entry in sorted(os.scandir(self.root), key=lambda e: e.name):
            path = Path(entry.path)
            if entry.name == STAGING:
                walk.staging.append(path)  # an earlier version's, at the root
            elif entry.is_symlink() and not path.exists():  # a shard folder on a disk that is not mounted: never silently empty
                gone = f"is a link to {os.readlink(path)}, which does not exist: mount it, or fix or delete the link"
                walk.problems.append(Problem(self.display(path), None, gone))
            elif not entry.is_dir():
                self._classify(path, walk)
            elif entry.name.startswith(".") or path.suffix.lower() in (".yaml", ".yml"):
                self._unread_folder(path, walk)
            else:
                self._walk_shard(entry.name, walk)
        return walk

    def _walk_shard(self, folder: str, walk: _Walk) -> None:
        """One shard folder's files. Most are records where they belong: those are told by their names alone.

        A record's path is a string (a ``Path`` for each of 100,000 files costs a
        second), spelled as ``str(self.path_for(id))`` spells it.
        """
        prefix = f"{self.root}{os.sep}{folder}{os.sep}"
        for inner in sorted(os.scandir(prefix), key=lambda e: e.name):
            name = inner.name
            if name.endswith(".yaml") and not name.startswith(".") and shard(name[:-5]) == folder and not inner.is_dir():
                walk.records.append(prefix + name)
            elif name == STAGING:
                walk.staging.append(Path(inner.path))
            else:
                (self._unread_folder if inner.is_dir() else self._classify)(Path(inner.path), walk)

    def _unread_folder(self, path: Path, walk: _Walk) -> None:
        """A folder where records are not read: a problem if it holds any, or is named like one."""
        if path.suffix.lower() in (".yaml", ".yml"):
            walk.problems.append(Problem(self.display(path), None, "cannot be read (it is a folder); a record must be a readable file"))
        elif any(path.rglob("*.y*ml")):
            walk.problems.append(
                Problem(self.display(path), None, "holds records that are not read (records live at <shard>/<id>.yaml): move them or delete it")
            )

    def _classify(self, path: Path, walk: _Walk) -> None:
        name, at_root = path.name, path.parent == self.root
        if name.startswith("."):
            if name.endswith(TEMP_SUFFIX):
                walk.temps.append(path)
            return  # .lock, .journal, .gitkeep…
        suffix = path.suffix.lower()
        if suffix not in (".yaml", ".yml"):
            if not at_root:  # a README beside the shards is fine; a stray file among records is not
                walk.problems.append(Problem(self.display(path), None, "is not a record (records are <shard>/<id>.yaml); move it out of the archive"))
            return
        home = self.display(self.path_for(path.stem))
        if path.suffix != ".yaml":
            walk.problems.append(Problem(self.display(path), None, f"a record file's name ends in .yaml, or it is not read: rename it to {home}"))
        elif at_root or path.parent.parent != self.root:
            walk.problems.append(Problem(self.display(path), None, f"records live at archive/<shard>/<id>.yaml: move it to {home}"))
        else:
            walk.problems.append(
                Problem(self.display(path), None, f"is in the wrong shard folder (the id {path.stem!r} belongs in {shard(path.stem)}/): move it to {home}")
            )

    def _read(self, walk: _Walk) -> _Read:
        cwd = os.getcwd()
        if self.memory is None:
            read = _read_records(walk.records, cwd)
        else:
            read, fresh, seen = self.memory.split(walk.records, cwd)
            new = _read_records(fresh, cwd)
            self.memory.learn(new, seen, self.path_for, cwd)
            read += new
        read.records.sort(key=lambda r: r.id)
        read.problems[:0] = walk.problems
        return read

    def load(self) -> list[Record]:
        """Every record, validated. Raises ``ProblemsError`` listing every problem in every file.

        A value a record is read without (a link that is not one web address) stops
        nothing: it is logged, and ``scan`` (``papers check``) counts it as a problem.
        """
        read = self._scan()
        if read.problems:
            problems = read.problems + read.left_out
            raise ProblemsError(problems, problems_in(len(problems), self.root))
        for problem in read.left_out:
            self.log.info("%s (papers check lists it)", problem)
        return read.records

    def scan(self) -> tuple[list[Record], list[Problem]]:
        """The valid records, sorted by id, and every problem: one for each invalid file, one for each value a record is read without."""
        read = self._scan()
        return read.records, read.problems + read.left_out

    def _scan(self) -> _Read:
        """Reads under the shared lock; a write left half-done by a dead process is
        first completed or rolled back under the exclusive one."""
        if self._holder is not None or not self.root.is_dir():
            return self._read(self._walk())
        lock = ArchiveLock(self.root)
        with lock.shared(READ_WAIT_SECONDS):
            walk = None if (self.root / JOURNAL).exists() else self._walk()
            if walk is not None and not walk.leftovers:
                return self._read(walk)
            if not os.access(self.root, os.W_OK):
                return self._read_unrecovered(walk)
        with lock.exclusive("recovering an interrupted write", READ_WAIT_SECONDS):
            recover(self.root, self.log.info)
            return self._read(self._walk())

    def _read_unrecovered(self, walk: _Walk | None) -> tuple[list[Record], list[Problem]]:
        """An interrupted write in an archive this process may not write: read around what it left, unless it was committed."""
        why = "it is on a read-only file system" if os.statvfs(self.root).f_flag & os.ST_RDONLY else "you may not write it"
        if walk is None:
            raise PapersError(
                f"{self.root / JOURNAL}: a write was interrupted after it was committed, and must be completed before the archive "
                f"can be read, but {why}: run `papers check` once where it can be written (as its owner, or with it mounted writable)"
            )
        # Staged files and temporary files are not records yet: the archive is as it was before the write.
        left = [f"{n} {what}" for n, what in ((len(walk.temps), "temporary file(s)"), (len(walk.staging), "staging folder(s)")) if n]
        self.log.warning("%s: %s left by an interrupted write: its owner should run papers check (%s)", self.root, " and ".join(left), why)
        return self._read(walk)

    def identities(self) -> Known:
        """Every record's identity, for an import to plan against, reading only the files the register cannot vouch for.

        Call while writing (see ``register.py``). Like ``load``, it raises
        ``ProblemsError`` listing every problem: an import plans only against a
        valid archive. The files this writer then writes are registered too.
        """
        if self._holder is None:
            raise PapersError(f"{self.root}: identities are read only by a writer")
        walk = self._walk()
        files = {os.path.basename(path)[:-5]: path for path in walk.records}
        register = Register(self.root)
        kept, unsure = register.vouched(files)
        cwd = os.getcwd()
        read = _read_records(unsure, cwd, noting=True)
        left_out = [Problem(_display(files[i], cwd), line, message) for i, entry in kept.items() for line, message in entry.left_out]
        left_out += read.left_out
        problems = walk.problems + read.problems
        if problems:
            raise ProblemsError(problems + left_out, problems_in(len(problems + left_out), self.root))
        for problem in left_out:
            self.log.info("%s (papers check lists it)", problem)
        entries = {**kept, **read.entries}
        if entries != register.entries:
            register.save(entries)
        self._register = register
        return Known({record_id: entry.identity for record_id, entry in entries.items()}, self._record)

    def _record(self, record_id: str) -> Record:
        """One record in full (a writer's, so no other process changes it meanwhile)."""
        read = _read_chunk([self.path_for(record_id)], os.getcwd())
        if read.problems:
            raise ProblemsError(read.problems, problems_in(len(read.problems), self.root))
        return read.records[0]

    def _register_written(self, added: list[Record], written: Mapping[str, bytes], edited: list[str]) -> None:
        """Add the files just written (``written``: the new records' bytes) to the register, so that the next import need not read them."""
        register = self._register
        if register is None or not (added or edited):
            return
        entries = dict(register.entries)
        for record in added:  # its identity is the record's, and its bytes those just written: only its state is read
            checked = time.time_ns()
            try:
                entries[record.id] = Entry.of(os.stat(self.path_for(record.id)), written[record.id], checked, identity_of(record))
            except OSError:
                entries.pop(record.id, None)
        entries.update(_read_records([self.path_for(i) for i in edited], os.getcwd(), noting=True).entries)
        register.save(entries)

    def locate(self, record_id: str, key: str, item: str | None = None) -> tuple[str, int | None]:
        """The file and line of ``key`` (or of ``item`` in it) in a record, for a problem found after loading."""
        path = self.path_for(record_id)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return self.display(path), None
        return self.display(path), _line_of(text, key, item)

    # --- writing -------------------------------------------------------------------

    @contextmanager
    def writing(self, holder: str, timeout: float = WRITE_WAIT_SECONDS) -> Iterator[Archive]:
        """Hold the archive as its only writer (``holder`` names the command to whoever waits).

        An interrupted earlier write is completed or rolled back first. The lock
        file stays: another process may be waiting on it.
        """
        if self._holder is not None:
            raise PapersError(f"{self.root}: already being written by this process ({self._holder})")
        try:
            with ArchiveLock(self.root).exclusive(holder, timeout):
                self._holder = holder
                recover(self.root, self.log.info)
                yield self
        finally:
            self._holder = self._register = None

    def add(self, records: Iterable[Record]) -> list[Path]:
        """Write new records, all or nothing, as one transaction. Never overwrites an existing file."""
        records = list(records)
        self.write(records)
        return [self.path_for(r.id) for r in records]

    def write(self, added: Iterable[Record] = (), edits: Mapping[str, Edit] | None = None) -> None:
        """New records and edits of existing ones, all or nothing, as one transaction.

        A new record never overwrites a file; an edited record is re-read under
        the lock and must still be valid after the edit.
        """
        if self._holder is None:
            with self.writing("papers (writing records)"):
                return self.write(added, edits)
        added = list(added)
        clashes = [self.path_for(r.id) for r in added if self.path_for(r.id).exists()]
        if clashes:
            raise ProblemsError([Problem(self.display(p), None, "already exists; an import never overwrites a record") for p in clashes])
        transaction = Transaction(self.root, self._holder)
        written: dict[str, bytes] = {}
        for record in added:
            content = written[record.id] = dump_record(record).encode("utf-8")
            self._check_size(self.path_for(record.id), content)
            transaction.put(f"{shard(record.id)}/{record.id}.yaml", content)
        for record_id, edit in sorted((edits or {}).items()):
            path = self.path_for(record_id)
            text = edit_record_text(path.read_text(encoding="utf-8"), edit)
            self._check_size(path, text.encode("utf-8"))
            self._check_edited(path, text)
            transaction.put(f"{shard(record_id)}/{record_id}.yaml", text.encode("utf-8"))
        transaction.commit()
        self._register_written(added, written, sorted(edits or {}))
        return None

    def _check_size(self, path: Path, content: bytes) -> None:
        """Nothing is written that the next load would refuse (imports check first, naming the source's line)."""
        too_large = oversized(len(content))
        if too_large:
            raise ProblemsError([Problem(self.display(path), None, too_large)], "nothing written: a record would be too large")

    def _check_edited(self, path: Path, text: str) -> None:
        problems: list[Problem] = []
        _record_of(text, self.display(path), problems, [])  # as load reads it: a link the site already leaves out is not this edit's doing
        if problems:
            raise ProblemsError(problems, "nothing written: an edit would make this record invalid")
