"""Pagefind's output rewritten in a canonical order: the same archive gives the same index, byte for byte, on any machine.

Pagefind numbers pages in the order its directory walk meets the files, which
is the file system's order (on ext4, a hash of the names with a seed that
differs per file system); it writes a filter's values in hash-map order, which
changes from run to run; and it names every file by a hash of its content. So
this module renumbers the pages in the order of their ``date`` sort (the record
gives each paper a unique sort key: its date, then its path), then by URL for
pages without one (hand-written pages), rewrites every file that holds page
numbers, and renames the files after their new content.

Renumbering also makes the page list that every search downloads first
smaller. Fragments are named by their shard and new page number, which compress
better than hashes; and the date sort, needed only for this ordering, is
dropped: a page's number is its rank by date, so the search box sorts by it
(9 bytes per page before, about 4 after).

Pagefind's binary files are gzip-compressed CBOR after a ``pagefind_dcd``
signature. What they hold (Pagefind 1.5, ``pagefind/src/index``):

- metadata ``pagefind.<lang>_<hash>.pf_meta``: [version, [[fragment, word count]…],
  [[first word, last word, chunk]…], [[filter, file]…], [[sort, [page…]]…], [meta keys…]];
- index chunks ``index/*.pf_index``: [[[word, postings, [[variant, postings]…]]…]]: a word,
  and its forms with diacritics; postings are [[page, [locations…], [meta locations…]]…],
  ascending, each page number given as the difference from the one before;
- filters ``filter/*.pf_filter``: [filter, [[value, [page…]]…]], pages ascending;
- fragments ``fragment/*.pf_fragment``: one page's JSON, which holds no page number.

Runs as ``python -m generator.canonical PREFIX FOLDER`` too, so that a build can do
this in a separate process, on another core, while MkDocs renders pages; the
folder is then a whole cache entry, and sealed there (``generator.cache.seal``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path

import cbor2

from .cache import seal
from .errors import PapersError

SIGNATURE = b"pagefind_dcd"
#: The sort that orders pages (generator.search gives every paper a unique value).
ORDER_SORT = "date"
NAME_LENGTH = 12


class IndexFormatError(PapersError):
    """Pagefind's output is not laid out as the pinned version lays it out."""


def read(path: Path) -> object:
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(SIGNATURE):
        raise IndexFormatError(f"{path}: not a Pagefind file; is the Pagefind version the pinned one?")
    return cbor2.loads(data[len(SIGNATURE) :])


def encode(value: object) -> bytes:
    # cbor2 writes definite lengths and the shortest integers, as Pagefind's encoder does:
    # decoding a Pagefind file and encoding it again gives the same bytes (tested).
    return SIGNATURE + cbor2.dumps(value)


def write_named(folder: Path, language: str, suffix: str, data: bytes, prefix: str = "") -> str:
    """Write ``data`` gzipped, named by its hash as Pagefind names files; the name, without prefix and suffix.

    The hash is longer than Pagefind's (7 characters), so a new name never
    overwrites an old file that is still to be rewritten.
    """
    name = f"{language}_{hashlib.sha256(data).hexdigest()[:NAME_LENGTH]}"
    (folder / f"{prefix}{name}{suffix}").write_bytes(gzip.compress(data, mtime=0))
    return name


def canonical(folder: Path, prefix: str) -> None:
    """Rewrite the Pagefind index in ``folder`` in canonical order, naming fragments ``<prefix><page number>``."""
    entry_path = folder / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    if len(entry["languages"]) != 1:  # fragments are named by page number, which each language counts from 0
        raise IndexFormatError(f"{folder}: a search index in one language was expected, not {sorted(entry['languages'])}")
    for language_entry in entry["languages"].values():
        language, _, _ = language_entry["hash"].partition("_")
        old_meta = folder / f"pagefind.{language_entry['hash']}.pf_meta"
        meta = _canonical_language(folder, language, prefix, read(old_meta))
        old_meta.unlink()
        language_entry["hash"] = write_named(folder, language, ".pf_meta", meta, prefix="pagefind.")
    entry_path.write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _canonical_language(folder: Path, language: str, prefix: str, meta: object) -> bytes:
    if not (isinstance(meta, list) and len(meta) >= 5 and all(isinstance(item, list) for item in meta[1:5])):
        raise IndexFormatError(f"{folder}: unexpected Pagefind metadata; is the Pagefind version the pinned one?")
    _, pages, chunks, filters, sorts = meta[:5]
    order = _page_order(folder, pages, sorts)
    new_number = {old: new for new, old in enumerate(order)}
    meta[1] = _renamed_fragments(folder / "fragment", prefix, pages, order)
    meta[2] = [[first, last, _rewrite_chunk(folder / "index", language, name, new_number)] for first, last, name in chunks]
    meta[3] = sorted([name, _rewrite_filter(folder / "filter", language, file, new_number)] for name, file in filters)
    meta[4] = sorted([name, [new_number[p] for p in listed]] for name, listed in sorts if name != ORDER_SORT)
    return encode(meta)


def _page_order(folder: Path, pages: list, sorts: list) -> list[int]:
    """Old page numbers in their new order: by the ordering sort, then (pages without it) by URL."""
    ordered = next((listed for name, listed in sorts if name == ORDER_SORT), [])
    placed = set(ordered)
    rest = [p for p in range(len(pages)) if p not in placed]
    rest.sort(key=lambda p: _fragment(folder / "fragment", pages[p][0]).get("url", ""))
    return list(ordered) + rest


def _fragment(folder: Path, name: str) -> dict:
    data = gzip.decompress((folder / f"{name}.pf_fragment").read_bytes())
    return json.loads(data[len(SIGNATURE) :] if data.startswith(SIGNATURE) else data)


def _renamed_fragments(folder: Path, prefix: str, pages: list, order: list[int]) -> list:
    """Fragments renamed by their new page number; the new page list. Identical pages share a file in Pagefind: copied."""
    contents = {name: (folder / f"{name}.pf_fragment").read_bytes() for name, _ in pages}
    for name in contents:
        (folder / f"{name}.pf_fragment").unlink()
    listed = []
    for new, old in enumerate(order):
        name, word_count = pages[old]
        fragment = f"{prefix}{new}"
        (folder / f"{fragment}.pf_fragment").write_bytes(contents[name])
        listed.append([fragment, word_count])
    return listed


def _rewrite_chunk(folder: Path, language: str, name: str, new_number: dict[int, int]) -> str:
    path = folder / f"{name}.pf_index"
    (words,) = read(path)
    for word in words:
        word[1] = _renumbered(word[1], new_number)
        for variant in word[2]:
            variant[1] = _renumbered(variant[1], new_number)
    path.unlink()
    return write_named(folder, language, ".pf_index", encode([words]))


def _renumbered(postings: list, new_number: dict[int, int]) -> list:
    """Postings with new page numbers, ascending again, each given as the difference from the one before."""
    page = 0
    renumbered = []
    for posting in postings:
        page += posting[0]
        renumbered.append([new_number[page], *posting[1:]])
    renumbered.sort(key=lambda posting: posting[0])
    previous = 0
    for posting in renumbered:
        posting[0], previous = posting[0] - previous, posting[0]
    return renumbered


def _rewrite_filter(folder: Path, language: str, name: str, new_number: dict[int, int]) -> str:
    path = folder / f"{name}.pf_filter"
    filter_name, values = read(path)
    values = sorted(([value, sorted(new_number[p] for p in listed)] for value, listed in values), key=lambda v: v[0].encode())
    path.unlink()
    return write_named(folder, language, ".pf_filter", encode([filter_name, values]))


def main(argv: list[str]) -> int:
    """``python -m generator.canonical PREFIX FOLDER``: canonical order, then the seal of every file's digest."""
    try:
        prefix, folder = argv
        canonical(Path(folder), prefix)
        seal(Path(folder))
    except (OSError, ValueError, KeyError, PapersError) as exc:
        print(f"papers: cannot put the search index in canonical order: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
