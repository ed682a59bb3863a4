"""Benchmark `papers import` of a Hugging Face daily-papers JSON into an empty archive: time and peak memory.

    .venv/bin/python scripts/bench_import.py [--items 5000 10000 20000 60000] [--timeout 600]

Each size is a synthetic response with the API's fields (authors with ids,
publication dates, GitHub and project links on some papers), saved as
``papers fetch hf`` saves one, and imported by the real command in a fresh
process into a new site in a temporary folder. Peak RSS is that process's own.
A linear import keeps ms per item flat as the file grows. "again" imports the same
file a second time: every paper is found already present, against an archive of that size.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORDS = (
    "model language vision diffusion transformer attention training data benchmark reasoning agent policy reward "
    "retrieval generation image video audio speech robot planning graph token context memory efficient scaling "
    "evaluation alignment instruction dataset sparse dense latent representation contrastive multimodal fine-tuning"
).split()


def synthetic_items(count: int, seed: int = 19) -> list[dict]:
    """``count`` distinct papers shaped as the daily-papers API returns them."""
    rng = random.Random(seed)
    items = []
    for i in range(count):
        arxiv = f"24{i // 90000 + 1:02d}.{i % 90000 + 10000:05d}"
        title = f"{' '.join(rng.choice(WORDS) for _ in range(6)).title()}: Study {i}"
        sentences = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 24))).capitalize() + "." for _ in range(7)]
        summary = f"We present study {i}. " + " ".join(sentences)
        authors = [{"_id": f"{i:012x}{a:012x}", "name": f"Author{rng.randint(1, 5000)} Surname{a}", "hidden": False} for a in range(rng.randint(2, 8))]
        paper = {
            "id": arxiv,
            "authors": authors,
            "publishedAt": f"2024-03-{i % 28 + 1:02d}T17:43:20.000Z",
            "title": title,
            "summary": summary,
            "upvotes": rng.randint(0, 300),
            "discussionId": f"{i:024x}",
        }
        if i % 3 == 0:
            paper["githubRepo"] = f"https://github.com/lab{i % 97}/project-{i}"
        if i % 5 == 0:
            paper["projectPage"] = f"https://lab{i % 97}.github.io/project-{i}/"
        items.append(
            {
                "paper": paper,
                "publishedAt": f"2024-03-{i % 28 + 1:02d}T01:00:00.000Z",
                "title": title,
                "thumbnail": f"https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/{arxiv}.png",
                "numComments": rng.randint(0, 9),
                "submittedBy": {"_id": f"{rng.randint(0, 2**48):012x}", "fullname": "Curator", "user": "curator", "type": "user"},
            }
        )
    return items


def _papers(site: Path, args: list[str], timeout: float) -> tuple[int, float, float, str]:
    """Run ``papers`` on ``site``: exit code (-9: stopped at the timeout), seconds, peak RSS (MB) of that process, output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "generator", "-f", str(site / "mkdocs.yml"), *args]
    with (site / "out.txt").open("w") as out, (site / "err.txt").open("w") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=site, env=env, stdout=out, stderr=err)
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        _, status, usage = os.wait4(process.pid, 0)  # this one process's own rusage
        seconds = time.perf_counter() - start
        killer.cancel()
    output = (site / "out.txt").read_text() + (site / "err.txt").read_text()
    return os.waitstatus_to_exitcode(status), seconds, usage.ru_maxrss / 1024, output


def _count(output: str, what: str) -> int:
    found = re.search(rf"^{what} (\d+)", output, re.MULTILINE)
    return int(found.group(1)) if found else -1


def run_import(items: int, timeout: float) -> dict:
    """Import ``items`` papers into a new site, then the same file again (every paper already present)."""
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        site = Path(tmp)
        shutil.copy(ROOT / "mkdocs.yml", site / "mkdocs.yml")
        source = site / f"hf-daily-{items}.json"
        source.write_text(json.dumps(synthetic_items(items), ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        row = {"items": items, "mb": source.stat().st_size / 1e6, "again": None}
        args = ["import", str(source), "--today", "2024-03-29"]
        code, row["seconds"], row["peak_mb"], output = _papers(site, args, timeout)
        row["finished"] = code == 0
        if code not in (0, -9) or (code == 0 and _count(output, "added") != items):
            raise SystemExit(f"the import of {items} items failed (exit {code}) or did not add them all:\n{output[:2000]}")
        if row["finished"]:
            code, row["again"], _, output = _papers(site, args, timeout)
            if code != 0 or _count(output, "already present") != items:
                raise SystemExit(f"importing the {items} items again failed (exit {code}) or added some:\n{output[:2000]}")
        return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[5000, 10000, 20000, 60000])
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before an import is stopped (default: %(default)g)")
    args = parser.parse_args()
    print(f"{'items':>7} {'file (MB)':>9} {'seconds':>9} {'ms/item':>8} {'peak RSS (MB)':>13} {'again (s)':>9}")
    for items in args.items:
        row = run_import(items, args.timeout)
        head = f"{row['items']:7} {row['mb']:9.1f}"
        if row["finished"]:
            print(f"{head} {row['seconds']:9.1f} {1000 * row['seconds'] / items:8.2f} {row['peak_mb']:13.0f} {row['again']:9.1f}")
        else:
            print(f"{head} {'> ' + format(args.timeout, 'g'):>9} {'-':>8} {row['peak_mb']:13.0f} {'-':>9}  (stopped: nothing imported)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
