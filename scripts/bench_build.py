"""Benchmark whole-site builds: ours against plain MkDocs building the same pages, at growing sizes.

    .venv/bin/python scripts/bench_build.py [--papers 1000 10000] [--seed 7]

Each size gets a fresh folder with the project's mkdocs.yml and docs/ and a
synthetic archive of N papers. The synthetic papers read like real ones without
repeating the seed: every title and abstract is made of sentences and words
drawn (with a fixed seed) from all the seed papers, so the vocabulary grows with
the archive as a real one's does. The arXiv ids, authors and dates vary too.

For each size it prints:
- cold: `mkdocs build --strict` with no cache (tags and related papers computed);
- warm: the same build again, with the cache;
- plain: `papers generate` writes the very same pages, then a bare MkDocs (the
  same theme and extensions, no papers plugin) builds them: MkDocs' own cost;
- ratio: cold / plain (issue 10's budget: at most 1.3 at 10,000 papers);
- peak memory of the cold build: the sum over the whole process tree (MkDocs and
  Pagefind, which runs while MkDocs renders), sampled every 0.25 s;
- pages, site size and bytes per paper;
- the search index: its size, the time spent indexing (mostly while MkDocs renders
  pages, on the other core) and the time the build waited for it at its end;
- cold tagging per paper: the build log's tags stage (the rules, training the
  model, the model's probabilities) over the number of papers (budget: 1 ms).

``--keep DIR`` keeps each built project in DIR/<papers> for ``bench_search.py --project``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _vocabulary() -> tuple[list[str], list[str], list[str]]:
    """Sentences, words and author names of the seed archive: what synthetic papers are made of."""
    from generator.archive import Archive

    papers = Archive(ROOT / "archive").load()
    sentences = [s for p in papers for s in re.split(r"(?<=[.!?])\s+", p.abstract) if len(s.split()) > 4]
    words = sorted({w for p in papers for w in re.findall(r"[A-Za-z][a-z]{3,}", p.abstract)})
    names = sorted({a for p in papers for a in p.authors}) or ["A. Author"]
    return sentences, words, names


def synthetic_items(n: int, seed: int = 7, first: int = 0) -> list[dict]:
    """Papers ``first`` to ``first + n`` of a synthetic archive, as items of Hugging Face's daily-papers API.

    Deterministic for a seed: paper i is the same whatever ``n`` and ``first`` are,
    so a later range is new papers for an archive made of an earlier one. About
    40 papers a day, counting back from 30 September 2025 (arXiv ids from 2510 on
    are kept for independent evaluation, so none is made up here).
    """
    sentences, words, names = _vocabulary()
    items = []
    for i in range(first, first + n):
        rng = random.Random(f"{seed}:{i}")
        title = " ".join(rng.choice(words).capitalize() if k == 0 else rng.choice(words) for k in range(rng.randint(4, 11)))
        abstract = " ".join(_vary(rng.choice(sentences), words, rng) for _ in range(rng.randint(4, 9)))
        added = date(2025, 9, 30) - timedelta(days=i // 40)
        published = added - timedelta(days=rng.randint(0, 30))
        authors = rng.sample(names, k=min(len(names), rng.randint(1, 14)))
        paper = {
            "id": f"{added.strftime('%y%m')}.{10000 + i % 90000:05d}",
            "title": title,
            "summary": abstract,
            "authors": [{"name": name} for name in authors],
            "publishedAt": f"{published.isoformat()}T17:00:00.000Z",
        }
        items.append({"paper": paper, "title": title, "publishedAt": f"{added.isoformat()}T01:00:00.000Z"})
    return items


def write_response(path: Path, items: list[dict]) -> None:
    """Items saved as ``papers fetch hf`` saves a response."""
    path.write_text(json.dumps(items, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def write_listing(path: Path, items: list[dict]) -> None:
    """The same papers as the scraped text of Hugging Face Papers pages: a dated header per day, then title and abstract."""
    lines, day = [], None
    for item in items:
        if item["publishedAt"] != day:
            day = item["publishedAt"]
            lines += [date.fromisoformat(day[:10]).strftime("%B %d, %Y"), ""]
        lines += [item["paper"]["title"], "", item["paper"]["summary"], ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def papers_import(project: Path, response: Path) -> tuple[float, int, str]:
    """`papers import` of a saved response into the project's archive: seconds, peak memory (bytes) and output."""
    return run([sys.executable, "-m", "generator", "-f", str(project / "mkdocs.yml"), "import", str(response)], project)


def make_archive(target: Path, n: int, seed: int = 7) -> tuple[float, int]:
    """``n`` synthetic papers imported into ``target/archive`` by `papers import`: its seconds and peak memory."""
    response = target / f"synthetic-{n}.json"
    write_response(response, synthetic_items(n, seed))
    seconds, peak, _ = papers_import(target, response)
    response.unlink()
    return seconds, peak


def _vary(sentence: str, words: list[str], rng: random.Random) -> str:
    """A seed sentence with about one word in six replaced: new text, same shape."""
    return " ".join(rng.choice(words) if len(w) > 4 and rng.random() < 0.17 else w for w in sentence.split())


def tree_pss(root: int) -> int:
    """Proportional set size (bytes) of a process and its descendants, from /proc: shared pages are counted once in all.

    Summed RSS would count the pages a forked worker shares with its parent twice.
    """
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
    return total


class Peak:
    """The highest ``tree_pss`` of a process while it runs, sampled on a thread every half second."""

    def __init__(self, pid: int) -> None:
        self.pid, self.value, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            self.value = max(self.value, tree_pss(self.pid))

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.value


def run(command: list[str], cwd: Path) -> tuple[float, int, str]:
    """Seconds, peak memory of the process tree (bytes) and the log of one command; it must succeed."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
        peak = Peak(process.pid)
        process.wait()
        elapsed = time.perf_counter() - start
        memory = peak.stop()
        log.seek(0)
        output = log.read()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{output[-3000:]}")
    return elapsed, memory, output


def mkdocs(project: Path, config: str = "mkdocs.yml") -> tuple[float, int, str]:
    return run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(project / config)], project)


def index_seconds(log: str) -> tuple[float, float]:
    """Seconds spent indexing for search, and seconds the build waited for it at its end, from the plugin's log."""
    match = re.search(r"search index: .* indexed in ([0-9.]+) s, .* waited ([0-9.]+) s", log)
    return (float(match.group(1)), float(match.group(2))) if match else (float("nan"), float("nan"))


def tagging_ms(log: str, papers: int) -> float:
    """Milliseconds per paper of the cold build's tags stage (rules, training and the model), from the plugin's log."""
    match = re.search(r"seconds spent on .*\btags ([0-9.]+)", log)
    return float(match.group(1)) * 1000 / papers if match else float("nan")


def plain_build(project: Path) -> float:
    """The same pages as ours, built by MkDocs alone: `papers generate`, then a bare config."""
    docs = project / "plain-docs"
    run([sys.executable, "-m", "generator", "-f", str(project / "mkdocs.yml"), "generate", "--out", str(docs)], project)
    for page in (project / "docs").rglob("*"):
        if page.is_file() and not (docs / page.relative_to(project / "docs")).exists():
            (docs / page.relative_to(project / "docs")).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(page, docs / page.relative_to(project / "docs"))
    config = (project / "mkdocs.yml").read_text(encoding="utf-8")
    config = re.sub(r"\n  - papers:\n(    .*\n)+", "\n", config) + "docs_dir: plain-docs\nsite_dir: plain-site\n"
    (project / "plain.yml").write_text(config, encoding="utf-8")
    return mkdocs(project, "plain.yml")[0]


COLUMNS = (
    ("papers", 7, "d"),
    ("import (s)", 10, ".1f"),
    ("ms/paper", 8, ".2f"),
    ("import GB", 9, ".2f"),
    ("50 more (s)", 11, ".1f"),
    ("cold (s)", 9, ".1f"),
    ("cold GB", 7, ".2f"),
    ("warm (s)", 9, ".1f"),
    ("plain (s)", 9, ".1f"),
    ("cold/plain", 10, ".2f"),
    ("warm/plain", 10, ".2f"),
    ("pages", 7, "d"),
    ("site MB", 8, ".0f"),
    ("KB/paper", 8, ".1f"),
    ("index MB", 8, ".1f"),
    ("index (s)", 9, ".1f"),
    ("waited (s)", 10, ".1f"),
    ("tags ms/paper", 13, ".2f"),
)


def measure(project: Path, n: int, seed: int) -> list:
    """One row of the table: the project is filled by importing ``n`` papers, then 50 more, then built three ways."""
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", project / "docs")
    shutil.copytree(ROOT / "overrides", project / "overrides")
    imported, import_peak = make_archive(project, n, seed)
    more = project / "fifty-more.json"
    write_response(more, synthetic_items(50, seed, first=n))
    fifty, _, _ = papers_import(project, more)
    more.unlink()
    cold, peak, log = mkdocs(project)
    index_time, index_wait = index_seconds(log)
    warm, _, _ = mkdocs(project)
    plain = plain_build(project)
    site = project / "site"
    pages = sum(1 for _ in site.rglob("*.html"))
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    index = sum(p.stat().st_size for p in (site / "search").rglob("*") if p.is_file())
    total = n + 50
    return [
        *(total, imported, imported * 1000 / n, import_peak / 1e9, fifty),
        *(cold, peak / 1e9, warm, plain, cold / plain, warm / plain),
        *(pages, size / 2**20, size / total / 1024, index / 2**20, index_time, index_wait, tagging_ms(log, total)),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="keep each built project in KEEP/<papers> (for bench_search.py --project)")
    args = parser.parse_args()
    print(" ".join(f"{name:>{width}}" for name, width, _ in COLUMNS), flush=True)
    for n in args.papers:
        with tempfile.TemporaryDirectory() as folder:
            project = Path(folder) if args.keep is None else args.keep / str(n)
            if args.keep is not None:
                shutil.rmtree(project, ignore_errors=True)
                project.mkdir(parents=True)
            row = measure(project, n, args.seed)
            print(" ".join(f"{value:>{width}{spec}}" for (_, width, spec), value in zip(COLUMNS, row, strict=True)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
