"""Benchmark whole-site builds: `mkdocs build --strict` of synthetic archives of growing size.

    .venv/bin/python scripts/bench_build.py [--papers 87 1000 2000 5000]

Each size gets a fresh folder with the project's mkdocs.yml and docs/ and an archive of
N papers (the seed's records, repeated with new ids and dates over several months). It
prints build time (cold: no cache; warm: cached tags and related papers), pages and
size, so growth can be read off: it should stay linear in the number of papers.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_archive(target: Path, n: int) -> None:
    from generator.archive import Archive

    seed = Archive(ROOT / "archive").load()
    records = []
    for i in range(n):
        base = seed[i % len(seed)]
        copy = i // len(seed)
        records.append(
            dataclasses.replace(
                base,
                id=base.id if copy == 0 else f"{base.id[:70].rstrip('-')}-{copy}",
                title=base.title if copy == 0 else f"{base.title} ({copy})",
                abstract=base.abstract if copy == 0 else f"{base.abstract} Variant {copy}.",
                added=base.added - timedelta(days=copy),
            )
        )
    Archive(target / "archive").add(records)


def build(project: Path) -> float:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(project / "mkdocs.yml")], env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise SystemExit(f"build of {project} failed:\n{result.stderr[-3000:]}")
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, nargs="+", default=[87, 1000, 2000, 5000])
    args = parser.parse_args()
    print(f"{'papers':>7} {'cold (s)':>9} {'warm (s)':>9} {'HTML pages':>10} {'site (MB)':>9} {'largest page (KB)':>17}")
    for n in args.papers:
        with tempfile.TemporaryDirectory() as folder:
            project = Path(folder)
            shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
            shutil.copytree(ROOT / "docs", project / "docs")
            make_archive(project, n)
            cold = build(project)
            warm = build(project)
            pages = list((project / "site").rglob("*.html"))
            size = sum(p.stat().st_size for p in (project / "site").rglob("*") if p.is_file())
            largest = max(p.stat().st_size for p in pages)
            print(f"{n:7} {cold:9.1f} {warm:9.1f} {len(pages):10} {size / 2**20:9.1f} {largest / 1024:17.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
