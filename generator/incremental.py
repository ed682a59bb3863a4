"""Incremental builds: which generated outputs changed since the site folder was last written whole.

Every generated output (a page's Markdown with its ``<head>`` additions, a feed,
a redirect) has a digest of its content. A ``Manifest`` records, for one site
folder, the digest and destination of every output of the last build that
finished, and the *context* every output was rendered in: the host's
configuration, theme and versions. An output needs rendering again when the
context changed, when its digest differs, or when its file is gone; an output
of the last build that this one no longer makes is stale, and removed. What an
edit touches (the paper, the lists and months that show it, the papers that
cite or relate to it) is exactly what changes digest, so nothing else renders,
and the folder ends byte for byte as a clean build would leave it.

A manifest is saved only once a build has written everything: a build that fails
half way leaves the last good manifest, and the next build renders what differs
from that one. No host is imported here: the MkDocs plugin supplies the context
and asks which outputs changed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from .cache import read_entry, write_entry

MANIFEST_VERSION = 2


def digest(*parts: str | bytes) -> str:
    """A digest of ``parts``, each length-prefixed so that no two sequences of parts share one."""
    sha = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        sha.update(f"{len(data)}:".encode())
        sha.update(data)
    return sha.hexdigest()[:32]


def folder_state(folders: Iterable[Path]) -> str:
    """The names and contents of every file under ``folders``: a theme override edited changes it, a fresh checkout does not."""
    entries: list[str | bytes] = []
    for folder in folders:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    entries += [str(path.relative_to(folder)), path.read_bytes()]
    return digest(*entries)


class Manifest:
    """The outputs of the last finished build into one site folder, and this build's, as it goes."""

    def __init__(
        self,
        context: str,
        previous: dict[str, list[str]] | None = None,
        previous_context: str | None = None,
        search: dict[str, str] | None = None,
    ) -> None:
        self.context = context
        # Another context (or none known): every output counts as changed.
        self.previous = previous if previous is not None and previous_context == context else {}
        #: Whether the last build's outputs are known, in this context: if not, the folder may hold anything (another
        #: theme's assets…), and is emptied first.
        self.known = previous is not None and previous_context == context
        self.dropped = previous or {}  # whatever the context, the outputs the last build wrote
        self.current: dict[str, list[str]] = {}
        self.rewritten = 0
        #: What the folder's search index holds (shard -> cache entry), kept up to date as shards are published.
        self.search: dict[str, str] = dict(search or {}) if self.known else {}

    def changed(self, source: str, content_digest: str, destination: str | Path) -> bool:
        """Record ``source``'s output (to the file ``destination``) for this build; whether it must be written again."""
        destination = destination if isinstance(destination, str) else destination.as_posix()
        self.current[source] = [content_digest, destination]
        known = self.previous.get(source)
        again = known is None or known[0] != content_digest or known[1] != destination or not os.path.isfile(destination)
        self.rewritten += again
        return again

    def stale(self) -> list[Path]:
        """Outputs of the last build that this one no longer makes, to remove."""
        kept = {destination for _, destination in self.current.values()}
        return sorted(Path(d) for _, d in self.dropped.values() if d not in kept)

    def save(self, path: Path) -> None:
        write_entry(path, {"version": MANIFEST_VERSION, "context": self.context, "outputs": self.current, "search": self.search})


def load(path: Path, context: str) -> Manifest:
    """The manifest saved at ``path`` (a missing or damaged one knows nothing: every output is written)."""
    data = read_entry(path)
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION or not isinstance(data.get("outputs"), dict):
        return Manifest(context)
    search = data.get("search")
    return Manifest(context, data["outputs"], data.get("context"), search if isinstance(search, dict) else None)


def manifest_path(cache_dir: Path, site_dir: Path) -> Path:
    """Where the manifest of ``site_dir`` is kept: in the cache, never in the published folder."""
    # One kind of cache entry per folder (the name's first part): writing one folder's never removes another's.
    return cache_dir / f"site{digest(str(site_dir.resolve()))[:16]}-manifest.json"
