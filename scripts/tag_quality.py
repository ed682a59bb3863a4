"""Score the tagger on the hand-labelled set: micro precision and recall, and a per-tag table.

    .venv/bin/python scripts/tag_quality.py [--taxonomy FILE] [--split seed|extra] [--errors]

The labelled set (tests/data/tagging/labelled.yaml) was labelled from the tag meanings
before the tagger was tuned. `seed` is the bundled listing; `extra` holds papers the
tagger was not tuned on.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import yaml

from generator.config import DEFAULT_TAXONOMY
from generator.tagging import auto_tags, load_taxonomy

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "tagging" / "labelled.yaml"


def score(papers: list[dict], predicted: list[list[str]]) -> tuple[Counter, Counter, Counter]:
    tp, fp, fn = Counter(), Counter(), Counter()
    for paper, tags in zip(papers, predicted, strict=True):
        gold, got = set(paper["tags"]), set(tags)
        tp.update(gold & got)
        fp.update(got - gold)
        fn.update(gold - got)
    return tp, fp, fn


def ratio(a: int, b: int) -> float:
    return a / b if b else 1.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taxonomy", type=Path, default=DEFAULT_TAXONOMY)
    parser.add_argument("--split", choices=["seed", "extra"])
    parser.add_argument("--errors", action="store_true", help="list every wrong tag, paper by paper")
    args = parser.parse_args()
    taxonomy = load_taxonomy(args.taxonomy)
    papers = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["papers"]
    predicted = [auto_tags(taxonomy, p["title"], p["abstract"]) for p in papers]
    print(f"{'split':8} {'papers':>6} {'precision':>9} {'recall':>6} {'F1':>5}")
    for split in ("seed", "extra", None):
        pairs = [(p, t) for p, t in zip(papers, predicted, strict=True) if split in (None, p["split"])]
        tp, fp, fn = score([p for p, _ in pairs], [t for _, t in pairs])
        precision = ratio(sum(tp.values()), sum(tp.values()) + sum(fp.values()))
        recall = ratio(sum(tp.values()), sum(tp.values()) + sum(fn.values()))
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"{split or 'all':8} {len(pairs):6} {precision:9.3f} {recall:6.3f} {f1:5.3f}")
    selected = [(p, t) for p, t in zip(papers, predicted, strict=True) if args.split in (None, p["split"])]
    tp, fp, fn = score([p for p, _ in selected], [t for _, t in selected])
    print(f"\n{'tag':26} {'tp':>4} {'fp':>4} {'fn':>4} {'precision':>9} {'recall':>6}")
    for slug in taxonomy.rules:
        print(f"{slug:26} {tp[slug]:4} {fp[slug]:4} {fn[slug]:4} {ratio(tp[slug], tp[slug] + fp[slug]):9.2f} {ratio(tp[slug], tp[slug] + fn[slug]):6.2f}")
    if args.errors:
        print()
        for paper, tags in selected:
            gold, got = set(paper["tags"]), set(tags)
            if gold != got:
                print(f"{paper['title'][:70]}\n    extra: {sorted(got - gold)}  missing: {sorted(gold - got)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
