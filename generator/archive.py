"""The archive on disk: the only module that reads or writes ``archive/``.

Layout: ``archive/<shard>/<id>.yaml`` where ``<shard>`` is the first two hex
digits of the id's SHA-256. 256 folders keep every folder small (100,000
papers is about 400 files a folder) whatever the titles look like, which a
prefix of the id itself would not (think of every title starting "Learning").
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, ProblemsError
from .records import Record, RecordInvalid, record_from_mapping

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

HEADER = (
    "# Papers Archive record. Yours to curate: title, tags_add, tags_remove, note (Markdown), featured.\n"
    "# Keep id, abstract, added, sources and links as imported. `papers check` validates this file.\n"
)


def shard(record_id: str) -> str:
    """The folder a record lives in."""
    return hashlib.sha256(record_id.encode()).hexdigest()[:2]


class _RecordDumper(_Dumper):
    """Multi-line text (notes) as readable ``|`` blocks; everything else as PyYAML sees fit."""

    def ignore_aliases(self, data: Any) -> bool:
        return True  # a record is edited by hand: no &anchors or *aliases


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_RecordDumper.add_representer(str, _represent_str)


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


def _line_of(text: str, key: str) -> int | None:
    """The line of a top-level key, found only when there is a problem to report."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if isinstance(node, yaml.MappingNode):
        top = key.split(".")[0]
        for key_node, _ in node.value:
            if key_node.value == top:
                return key_node.start_mark.line + 1
    return None


@dataclass
class Archive:
    """The folder of records."""

    root: Path

    def path_for(self, record_id: str) -> Path:
        return self.root / shard(record_id) / f"{record_id}.yaml"

    def _files(self, problems: list[Problem]) -> list[Path]:
        """The record files, one folder down; a file elsewhere is a problem, never silently skipped."""
        if not self.root.is_dir():
            what = "is not a folder" if self.root.exists() else "does not exist"
            problems.append(Problem(self.display(self.root), None, f"the archive folder {what}; fix the papers plugin's archive option, or import a listing"))
            return []
        files = []
        for path in sorted(self.root.rglob("*.yaml")):
            if path.name.startswith("."):
                continue
            if path.parent.parent != self.root:  # any folder one level down is read; imports use the shard
                problems.append(
                    Problem(self.display(path), None, f"records live at archive/<shard>/<id>.yaml: move it to {self.display(self.path_for(path.stem))}")
                )
                continue
            files.append(path)
        return files

    def display(self, path: Path) -> str:
        """A path as messages show it: relative to the working folder when possible."""
        try:
            return os.path.relpath(path)
        except ValueError:
            return str(path)

    def _load_one(self, path: Path, problems: list[Problem]) -> Record | None:
        name = self.display(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            problems.append(Problem(name, None, f"is not UTF-8 text ({exc.reason}); save it as UTF-8"))
            return None
        except OSError as exc:
            problems.append(Problem(name, None, f"cannot be read ({exc.strerror}); a record must be a readable file"))
            return None
        try:
            data = yaml.load(text, Loader=_Loader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            what = getattr(exc, "problem", None) or str(exc)
            problems.append(Problem(name, line, f"is not valid YAML ({what}); fix the syntax"))
            return None
        try:
            record = record_from_mapping(data)
        except RecordInvalid as exc:
            for key, message in exc.problems:
                problems.append(Problem(name, _line_of(text, key), f"{key}: {message}"))
            return None
        if record.id != path.stem:
            problems.append(Problem(name, _line_of(text, "id"), f"id: {record.id!r} does not match the file name; ids never change, restore {path.stem!r}"))
            return None
        return record

    def load(self) -> list[Record]:
        """Every record, validated. Raises ``ProblemsError`` listing every problem in every file."""
        records, problems = self.scan()
        if problems:
            raise ProblemsError(problems, f"the archive {self.display(self.root)} has {len(problems)} problem(s)")
        return records

    def scan(self) -> tuple[list[Record], list[Problem]]:
        """The valid records, sorted by id, and a problem for each invalid file."""
        problems: list[Problem] = []
        records: list[Record] = []
        where: dict[str, Path] = {}
        for path in self._files(problems):
            record = self._load_one(path, problems)
            if record is None:
                continue
            if record.id in where:
                problems.append(Problem(self.display(path), None, f"id {record.id!r} is also used by {self.display(where[record.id])}; remove one"))
                continue
            where[record.id] = path
            records.append(record)
        return sorted(records, key=lambda r: r.id), problems

    def add(self, records: Iterable[Record]) -> list[Path]:
        """Write new records, all or nothing. Never overwrites an existing file.

        Every record is first written to a temporary file beside its target;
        only when all are written are they renamed into place, so an
        interrupted import leaves no half-written record.
        """
        records = list(records)
        clashes = [self.path_for(r.id) for r in records if self.path_for(r.id).exists()]
        if clashes:
            raise ProblemsError([Problem(self.display(p), None, "already exists; an import never overwrites a record") for p in clashes])
        staged: list[tuple[Path, Path]] = []
        try:
            for record in records:
                target = self.path_for(record.id)
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
                staged.append((Path(tmp), target))
                with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                    handle.write(dump_record(record))
        except BaseException:
            for tmp, _ in staged:
                tmp.unlink(missing_ok=True)
            raise
        for tmp, target in staged:
            os.replace(tmp, target)
        return [target for _, target in staged]
