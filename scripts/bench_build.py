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
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = os.sysconf("SC_PAGE_SIZE")
sys.path.insert(0, str(ROOT))


def make_archive(target: Path, n: int, seed: int = 7) -> None:
    """``n`` synthetic papers, deterministic for a seed, written as one import."""
    from generator.archive import Archive
    from generator.records import Record, Source, base_id, unique_id

    papers = Archive(ROOT / "archive").load()
    rng = random.Random(seed)
    sentences = [s for p in papers for s in re.split(r"(?<=[.!?])\s+", p.abstract) if len(s.split()) > 4]
    words = sorted({w for p in papers for w in re.findall(r"[A-Za-z][a-z]{3,}", p.abstract)})
    names = sorted({a for p in papers for a in p.authors}) or ["A. Author"]
    records, taken = [], set()
    for i in range(n):
        title = " ".join(rng.choice(words).capitalize() if k == 0 else rng.choice(words) for k in range(rng.randint(4, 11)))
        abstract = " ".join(_vary(rng.choice(sentences), words, rng) for _ in range(rng.randint(4, 9)))
        record_id = unique_id(base_id(title, abstract), taken)
        taken.add(record_id)
        added = date(2026, 3, 12) - timedelta(days=i // 40)  # about 40 a day, as a busy daily listing
        records.append(
            Record(
                id=record_id,
                title=title,
                abstract=abstract,
                added=added,
                sources=[Source("synthetic.txt", added, 1 + 4 * i)],
                arxiv=f"{added.strftime('%y%m')}.{10000 + i % 90000:05d}",
                authors=rng.sample(names, k=min(len(names), rng.randint(1, 14))),
                published=added - timedelta(days=rng.randint(0, 30)),
            )
        )
    Archive(target / "archive").add(records)


def _vary(sentence: str, words: list[str], rng: random.Random) -> str:
    """A seed sentence with about one word in six replaced: new text, same shape."""
    return " ".join(rng.choice(words) if len(w) > 4 and rng.random() < 0.17 else w for w in sentence.split())


def tree_rss(root: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc (the kernel's lists of children)."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
    return total


def run(command: list[str], cwd: Path) -> tuple[float, int, str]:
    """Seconds, peak memory of the process tree (bytes) and the log of one command; it must succeed."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss(process.pid))
            time.sleep(0.25)
        elapsed = time.perf_counter() - start
        log.seek(0)
        output = log.read()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{output[-3000:]}")
    return elapsed, peak, output


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="keep each built project in KEEP/<papers> (for bench_search.py --project)")
    args = parser.parse_args()
    print(
        f"{'papers':>7} {'cold (s)':>9} {'warm (s)':>9} {'plain (s)':>9} {'ratio':>6} {'peak (MB)':>9} "
        f"{'HTML pages':>10} {'site (MB)':>9} {'KB/paper':>8} {'largest (KB)':>12} {'index (MB)':>10} {'index (s)':>9} {'waited (s)':>10} "
        f"{'tags (ms/paper)':>15}"
    )
    for n in args.papers:
        with tempfile.TemporaryDirectory() as folder:
            project = Path(folder) if args.keep is None else args.keep / str(n)
            if args.keep is not None:
                shutil.rmtree(project, ignore_errors=True)
                project.mkdir(parents=True)
            shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
            shutil.copytree(ROOT / "docs", project / "docs")
            shutil.copytree(ROOT / "overrides", project / "overrides")
            make_archive(project, n, args.seed)
            cold, peak, log = mkdocs(project)
            index_time, index_wait = index_seconds(log)
            warm, _, _ = mkdocs(project)
            plain = plain_build(project)
            pages = list((project / "site").rglob("*.html"))
            size = sum(p.stat().st_size for p in (project / "site").rglob("*") if p.is_file())
            largest = max(p.stat().st_size for p in pages)
            index = sum(p.stat().st_size for p in (project / "site" / "search").rglob("*") if p.is_file())
            print(
                f"{n:7} {cold:9.1f} {warm:9.1f} {plain:9.1f} {cold / plain:6.2f} {peak / 2**20:9.0f} "
                f"{len(pages):10} {size / 2**20:9.1f} {size / n / 1024:8.1f} {largest / 1024:12.0f} {index / 2**20:10.1f} {index_time:9.1f} {index_wait:10.1f} "
                f"{tagging_ms(log, n):15.2f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
