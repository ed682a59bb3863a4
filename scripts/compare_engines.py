"""Build the archive with every engine and compare what readers get: the same URLs, the same text on every paper page.

    python scripts/compare_engines.py                     # builds the project here with mkdocs, properdocs and zensical
    python scripts/compare_engines.py --engines mkdocs zensical
    python scripts/compare_engines.py --sites mkdocs=site properdocs=/tmp/pd   # compares sites built already

Prints two tables. URLs: every path one engine's output has and another's lacks,
with its cause where it is known (an engine's own files). Paper text: each paper
page whose visible article text, white space normalised, differs from the first
engine's, with the first difference. Also: whether the feeds and the search
index are byte for byte the same. Exits 1 when a paper's text differs, or when a
page or feed URL differs without a known cause.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent

#: Files an engine writes of its own accord, by pattern, and why they differ between engines.
KNOWN = [
    (r"^assets/(javascripts|stylesheets|images)/", "the theme's own assets: Material's (MkDocs, ProperDocs) and Zensical's bundles are named by their content"),
    (r"^search\.json$", "Zensical writes its own search index (empty: its search is off; the site searches with Pagefind)"),
    (r"^sitemap\.xml\.gz$", "MkDocs and ProperDocs also write a gzipped copy of sitemap.xml"),
    (r"^\.papers-status\.json$", "written by `mkdocs serve` only"),
]


def build(engine: str, config: Path, site: Path) -> float:
    """``papers build --engine <engine>`` into ``site``; its seconds."""
    start = time.perf_counter()
    command = [sys.executable, "-m", "generator", "--config-file", str(config), "build", "--engine", engine, "--site-dir", str(site)]
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    if result.returncode != 0:
        sys.exit(f"{engine}: the build failed:\n{result.stdout}{result.stderr}")
    return time.perf_counter() - start


def files(site: Path) -> set[str]:
    return {path.relative_to(site).as_posix() for path in site.rglob("*") if path.is_file()}


def url(path: str) -> str:
    return path.removesuffix("index.html") if path.endswith("index.html") else path


def cause(path: str) -> str:
    return next((why for pattern, why in KNOWN if re.search(pattern, path)), "")


def visible_text(page: Path) -> str:
    """The article's text as a reader sees it: no scripts, no permalink signs, white space normalised."""
    soup = BeautifulSoup(page.read_bytes(), "lxml")
    article = soup.select_one("article.md-content__inner") or soup
    for hidden in article.select("script, style, a.headerlink"):
        hidden.decompose()
    return " ".join(article.get_text(" ").split())


def first_difference(a: str, b: str, context: int = 40) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"…{a[max(0, at - context) : at + context]}… vs …{b[max(0, at - context) : at + context]}…"


def compare(sites: dict[str, Path]) -> int:
    names = list(sites)
    present = {name: files(site) for name, site in sites.items()}
    everything = sorted(set().union(*present.values()))
    differing = [path for path in everything if not all(path in present[name] for name in names)]
    unexplained = 0
    print("## URLs\n")
    pages = {name: {p for p in present[name] if p.endswith(".html")} for name in names}
    print(f"{len(everything)} paths in all; HTML pages: " + ", ".join(f"{name} {len(pages[name])}" for name in names) + "\n")
    print("| path | " + " | ".join(names) + " | cause |")
    print("|---|" + "---|" * len(names) + "---|")
    for group in _grouped(differing, present, names):
        path, count, row = group
        why = cause(path)
        if not why and (path.endswith((".html", ".xml")) or path.startswith("search/")):
            unexplained += 1
        label = f"{url(path)} (and {count - 1} more like it)" if count > 1 else url(path)
        print(f"| `{label}` | " + " | ".join("yes" if has else "**no**" for has in row) + f" | {why or '**unknown**'} |")
    if not differing:
        print("| (none) |" + " |" * len(names) + " |")

    print("\n## Paper pages: visible text\n")
    base = names[0]
    papers = sorted(p for p in present[base] if p.startswith("papers/") and p.count("/") == 2 and p.endswith("/index.html") and "/page/" not in p)
    rows = []
    for path in papers:
        text = visible_text(sites[base] / path)
        for name in names[1:]:
            if path not in present[name]:
                rows.append((url(path), name, "missing"))
                continue
            other = visible_text(sites[name] / path)
            if other != text:
                rows.append((url(path), name, first_difference(text, other)))
    print(f"{len(papers)} paper pages compared, {base} against " + ", ".join(names[1:]) + f": {len({r[0] for r in rows})} differ\n")
    print("| page | engine | difference |\n|---|---|---|")
    for page, name, what in rows or [("(none)", "", "")]:
        cell = what.replace("|", "\\|")
        print(f"| `{page}` | {name} | {cell} |")

    print("\n## Byte for byte\n\n| output | " + " | ".join(names[1:]) + " |\n|---|" + "---|" * (len(names) - 1))
    for label, select in (("feeds (*.xml but sitemaps)", _feeds), ("search index (search/)", lambda p: p.startswith("search/"))):
        cells = []
        for name in names[1:]:
            same = [p for p in present[base] if select(p)]
            equal = all(p in present[name] and (sites[base] / p).read_bytes() == (sites[name] / p).read_bytes() for p in same)
            cells.append("identical" if equal else "**differs**")
        print(f"| {label} | " + " | ".join(cells) + " |")
    return 1 if rows or unexplained else 0


def _feeds(path: str) -> bool:
    return path.endswith(".xml") and not path.startswith("sitemap")


def _grouped(paths: list[str], present: dict[str, set[str]], names: list[str]) -> list[tuple[str, int, tuple[bool, ...]]]:
    """Differing paths, those of one folder with the same presence counted as one row (an engine's assets are many files)."""
    groups: dict[tuple[str, tuple[bool, ...]], list[str]] = {}
    for path in paths:
        row = tuple(path in present[name] for name in names)
        folder = path.rsplit("/", 1)[0] if "/" in path and cause(path) else path
        groups.setdefault((folder, row), []).append(path)
    return [(members[0], len(members), row) for (_, row), members in groups.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config-file", type=Path, default=ROOT / "mkdocs.yml")
    parser.add_argument("--engines", nargs="+", default=["mkdocs", "properdocs", "zensical"])
    parser.add_argument("--sites", nargs="+", metavar="ENGINE=DIR", help="compare these built sites instead of building")
    args = parser.parse_args()
    if args.sites:
        sites = {name: Path(folder) for name, _, folder in (item.partition("=") for item in args.sites)}
        return compare(sites)
    with tempfile.TemporaryDirectory(prefix="compare-engines-") as temporary:
        sites = {}
        for engine in args.engines:
            sites[engine] = Path(temporary) / engine
            print(f"{engine}: built in {build(engine, args.config_file, sites[engine]):.1f} s", file=sys.stderr)
        return compare(sites)


if __name__ == "__main__":
    sys.exit(main())
