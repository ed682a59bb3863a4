"""Benchmark related papers on a synthetic archive: time and peak memory, cold and cached.

    .venv/bin/python scripts/bench_related.py [--papers 100000 10000 ...]

Each synthetic paper mixes the words of two seed papers (so topics overlap like real
ones) and carries their tags. Each size runs in a fresh process so peak memory is its own.
Budget (issue 21): 100,000 papers within 1.5 × the 114 s measured before each paper had its own SVM (171 s), and 8 GB, on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def synthetic(n: int, seed: int = 12) -> list:
    from generator.archive import Archive
    from generator.config import DEFAULT_TAXONOMY
    from generator.related import document
    from generator.tagging import auto_tags, load_taxonomy

    taxonomy = load_taxonomy(DEFAULT_TAXONOMY)
    base = [(r.abstract.split(), auto_tags(taxonomy, r.title, r.abstract)) for r in Archive(ROOT / "archive").load()]
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        (words_a, tags_a), (words_b, tags_b) = rng.sample(base, 2)
        words = rng.sample(words_a, min(90, len(words_a))) + rng.sample(words_b, min(50, len(words_b)))
        docs.append(document(f"p{i:07d}", " ".join(words[:10]), " ".join(words[10:]), sorted(set(tags_a) | set(tags_b[:1]))))
    return docs


def measure(n: int) -> dict:
    from generator.related import cached_related

    docs = synthetic(n)
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        result, hit = cached_related(docs, Path(cache), k=5)
        cold = time.perf_counter() - start
        start = time.perf_counter()
        _, hit_again = cached_related(docs, Path(cache), k=5)
        warm = time.perf_counter() - start
    assert not hit and hit_again and all(len(rows) == 5 for rows in result.values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"papers": n, "cold_s": cold, "cached_s": warm, "peak_mb": peak_mb}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # run a single size in this process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one)))
        return 0
    print(f"{'papers':>8} {'cold (s)':>9} {'cached (s)':>10} {'peak RSS (MB)':>13}  budget: 100k in <= 171 s and <= 8192 MB")
    for n in args.papers:
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True, cwd=ROOT)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{row['papers']:8} {row['cold_s']:9.1f} {row['cached_s']:10.1f} {row['peak_mb']:13.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
