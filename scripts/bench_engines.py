"""Time and memory of each engine building the same synthetic archive, cold and warm; then the comparison of their sites.

    .venv/bin/python scripts/bench_engines.py --papers 1000 10000
    .venv/bin/python scripts/bench_engines.py --papers 10000 --engines mkdocs zensical

For each size, ``n`` synthetic papers are imported (as ``bench_build.py`` does),
then each engine builds the site with ``papers build --engine <name>``: cold (no
cache: tags, related papers and the search index computed again), then warm
(the same archive again). Memory is the peak PSS of the whole process tree. After
the builds, ``compare_engines.py``'s comparison of the sites is printed: the same
URLs, and the same visible text on every paper page.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_build import ROOT, make_archive, run
from compare_engines import compare

COLUMNS = (("papers", 7, "d"), ("engine", 10, "s"), ("cold (s)", 9, ".1f"), ("cold GB", 7, ".2f"), ("warm (s)", 9, ".1f"), ("warm GB", 7, ".2f"))


def build(project: Path, engine: str, site: Path) -> tuple[float, int]:
    seconds, peak, _ = run([sys.executable, "-m", "generator", "-f", str(project / "mkdocs.yml"), "build", "--engine", engine, "-d", str(site)], project)
    return seconds, peak


def measure(project: Path, n: int, engines: list[str]) -> dict[str, Path]:
    for name in ("mkdocs.yml", "docs", "overrides"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, project / name)
    make_archive(project, n)
    sites = {}
    for engine in engines:
        shutil.rmtree(project / ".cache", ignore_errors=True)  # cold: nothing computed before, by any engine
        sites[engine] = project / f"site-{engine}"
        cold, cold_peak = build(project, engine, sites[engine])
        warm, warm_peak = build(project, engine, sites[engine])
        row = (n, engine, cold, cold_peak / 1e9, warm, warm_peak / 1e9)
        print(" ".join(f"{value:>{width}{spec}}" for (_, width, spec), value in zip(COLUMNS, row, strict=True)), flush=True)
    return sites


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, nargs="+", default=[1000])
    parser.add_argument("--engines", nargs="+", default=["mkdocs", "properdocs", "zensical"])
    args = parser.parse_args()
    print(" ".join(f"{name:>{width}}" for name, width, _ in COLUMNS), flush=True)
    comparisons = []
    for n in args.papers:
        with tempfile.TemporaryDirectory() as folder:
            sites = measure(Path(folder), n, args.engines)
            said = io.StringIO()
            with contextlib.redirect_stdout(said):
                status = compare(sites)
            comparisons.append((n, status, said.getvalue()))
    for n, status, said in comparisons:
        print(f"\n# {n} papers: {'the same site' if status == 0 else 'DIFFERENCES'}\n\n{said}")
    return max((status for _, status, _ in comparisons), default=0)


if __name__ == "__main__":
    raise SystemExit(main())
