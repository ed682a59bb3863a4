"""Benchmark the curator's loop: `mkdocs serve` and `mkdocs build --dirty` on a synthetic archive, at growing sizes.

    .venv/bin/python scripts/bench_serve.py [--papers 1000 10000 100000]

Each size gets a fresh project (the real mkdocs.yml, docs/ and overrides/, and a
synthetic archive of N papers made as `bench_build.py` makes them). For each it prints:
- cold build: `mkdocs build --strict` with no cache and no site folder;
- dirty, nothing changed: `mkdocs build --strict --dirty` right after it;
- serve start, cold (no cache) and warm (the cache of the build above): from
  starting `mkdocs serve` to the first paper page served;
- an edited note, and an added tag, until visible: from writing the record to the
  served page (the paper's; the tag's page) showing it, polled every 0.05 s;
- 50 imported papers until visible: `papers import` of a 50-paper listing, then
  the last of them served;
- for the tag and the import, until exact: serve shows them at once with the last
  build's tags and related papers, computes the exact ones on a thread, and builds
  again (`*_exact`: until that build ends);
- peak memory: the whole process tree's proportional set size (PSS: shared pages
  counted once), sampled every 0.25 s, for the cold build and for serve.

Budgets (issue 22): at 10,000 papers an edited note or tag visible in <= 2 s, 50
imported papers in <= 20 s, a dirty build with nothing changed <= 10% of the cold
build; at 100,000 an edit in <= 5 s, 50 imported papers in <= 60 s, memory <= 8 GB.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_build import Peak, make_archive  # noqa: E402

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def build(project: Path, *extra: str) -> tuple[float, int]:
    start = time.perf_counter()
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", *extra]
    process = subprocess.Popen(command, cwd=project, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = Peak(process.pid)
    _, errors = process.communicate()
    memory = peak.stop()
    if process.returncode:
        raise SystemExit(f"mkdocs build {' '.join(extra)} failed:\n{errors[-3000:]}")
    return time.perf_counter() - start, memory


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return ""


def until(predicate: Callable[[], bool], limit: float = 3600) -> float:
    """Seconds until ``predicate`` holds, polled every 0.05 s."""
    start = time.perf_counter()
    while not predicate():
        if time.perf_counter() - start > limit:
            raise SystemExit("gave up waiting")
        time.sleep(0.05)
    return time.perf_counter() - start


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    """``mkdocs serve`` of a project, its log in a file, its memory sampled."""

    def __init__(self, project: Path) -> None:
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
        command = [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{self.port}"]
        self.process = subprocess.Popen(command, cwd=project, env=ENV, stdout=self.log, stderr=subprocess.STDOUT)
        self.peak = Peak(self.process.pid)
        path = re.search(r"site_url: !ENV \[SITE_URL, \"https?://[^/]+(/[^\"]*)\"\]", (project / "mkdocs.yml").read_text())
        self.base = f"http://127.0.0.1:{self.port}{path.group(1) if path else '/'}"

    def text(self) -> str:
        return Path(self.log.name).read_text()

    def builds(self) -> int:
        return self.text().count("Documentation built in")

    def provisional(self) -> int:
        return self.text().count("being computed again")

    def exact(self, settled: int, provisional: int, start: float) -> float:
        """Seconds from ``start`` until the site is exact: the edit's build, and the one after it if that showed provisional tags."""
        until(lambda: self.builds() > settled)
        if self.provisional() > provisional:
            until(lambda: self.builds() > settled + 1)
        return time.perf_counter() - start

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)  # as a curator's Ctrl-C: MkDocs shuts its plugins down (Pagefind stopped)
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.peak.stop()


def measure(n: int, folder: Path) -> dict[str, float]:
    project = folder / str(n)
    project.mkdir(parents=True)
    for name in ("mkdocs.yml", "docs", "overrides"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, project / name)
    make_archive(project, n)
    out: dict[str, float] = {"papers": n}
    out["cold"], out["cold_gb"] = (v if i == 0 else v / 2**30 for i, v in enumerate(build(project)))
    out["dirty"] = build(project, "--dirty")[0]

    cache = project / ".cache"
    shutil.move(cache, folder / "kept-cache")
    serve = Serve(project)
    records = sorted((project / "archive").rglob("*.yaml"))
    paper = re.search(r"(?m)^id: (.*)$", records[len(records) // 2].read_text()).group(1)
    url = serve.base + f"papers/{paper}/"
    out["serve_cold"] = until(lambda: "<title>" in fetch(url))
    serve.stop()
    shutil.rmtree(cache, ignore_errors=True)
    shutil.move(folder / "kept-cache", cache)

    serve = Serve(project)
    url = serve.base + f"papers/{paper}/"  # another port
    out["serve_warm"] = until(lambda: "<title>" in fetch(url))
    record = records[len(records) // 2]
    text = record.read_text()
    settled = serve.builds()
    start = time.perf_counter()
    record.write_text(re.sub(r"(?m)^note: .*$", "note: 'A curator wrote this note just now.'", text))
    until(lambda: "A curator wrote this note just now." in fetch(url))
    out["note"] = time.perf_counter() - start
    until(lambda: serve.builds() > settled)

    settled, provisional = serve.builds(), serve.provisional()
    start = time.perf_counter()
    record.write_text(re.sub(r"(?m)^tags_add: .*$", "tags_add: [surveys]", record.read_text()))
    until(lambda: "tags/surveys/" in fetch(url))  # the paper's page links its new tag
    out["tag"] = time.perf_counter() - start
    out["tag_exact"] = serve.exact(settled, provisional, start)

    listing = folder / f"new-{n}.txt"
    fresh = (f"Freshly Imported Study {i} of Benchmarks\n\nWe study freshly imported benchmark {i} at length." for i in range(50))
    listing.write_text("Mar 13\n\n" + "\n\n".join(fresh) + "\n")
    settled, provisional = serve.builds(), serve.provisional()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "generator", "import", str(listing)], cwd=project, env=ENV, check=True, capture_output=True)
    until(lambda: "<title>" in fetch(serve.base + "papers/freshly-imported-study-49-of-benchmarks/"))
    out["import50"] = time.perf_counter() - start
    out["import_exact"] = serve.exact(settled, provisional, start)
    out["serve_gb"] = serve.stop() / 2**30
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, nargs="+", default=[1000, 10000, 100000])
    args = parser.parse_args()
    columns = ["papers", "cold", "dirty", "serve_cold", "serve_warm", "note", "tag", "tag_exact", "import50", "import_exact", "cold_gb", "serve_gb"]
    print(" ".join(f"{c:>10}" for c in columns) + "   (seconds; GB of PSS)")
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as folder:
        for n in args.papers:
            row = measure(n, Path(folder))
            print(" ".join(f"{row[c]:>10.0f}" if c == "papers" else f"{row[c]:>10.2f}" for c in columns), flush=True)
            print(f"{'':>10} dirty = {row['dirty'] / row['cold']:.0%} of cold", flush=True)
            shutil.rmtree(Path(folder) / str(n), ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
