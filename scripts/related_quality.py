"""Compare related-paper methods on the hand-labelled neighbour set of the seed.

    .venv/bin/python scripts/related_quality.py

For each labelled paper, recall@5 is the share of its expected neighbours found among
the 5 related papers shown; precision@5 the share of the 5 that are expected. Methods:
plain tf-idf, and tf-idf mixed with the overlap of the papers' final tags.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from generator.archive import Archive
from generator.catalog import curated_tags
from generator.config import DEFAULT_TAXONOMY
from generator.related import TAG_WEIGHT, compute_related, document
from generator.tagging import auto_tags, load_taxonomy

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "related" / "neighbours.yaml"


def evaluate(tag_weight: float, docs, labelled, id_of) -> tuple[float, float]:
    related = compute_related(docs, k=5, tag_weight=tag_weight)
    recalls, precisions = [], []
    for entry in labelled:
        expected = {id_of[t] for t in entry["related"]}
        shown = {r.id for r in related[id_of[entry["title"]]]}
        recalls.append(len(expected & shown) / len(expected))
        precisions.append(len(expected & shown) / 5)
    return sum(recalls) / len(recalls), sum(precisions) / len(precisions)


def main() -> int:
    records = Archive(ROOT / "archive").load()
    taxonomy = load_taxonomy(DEFAULT_TAXONOMY)
    docs = [document(r.id, r.title, r.abstract, curated_tags(r, auto_tags(taxonomy, r.title, r.abstract))) for r in records]
    id_of = {r.title: r.id for r in records}
    labelled = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["papers"]
    print(f"{len(labelled)} labelled papers, {sum(len(e['related']) for e in labelled)} expected neighbours\n")
    print(f"{'method':34} {'recall@5':>8} {'precision@5':>11}")
    for name, weight in [("tf-idf only", 0.0), *((f"tf-idf + tags (tag weight {w})", w) for w in (0.05, TAG_WEIGHT, 0.2, 0.5))]:
        recall, precision = evaluate(weight, docs, labelled, id_of)
        mark = "  <- used" if weight == TAG_WEIGHT else ""
        print(f"{name:34} {recall:8.3f} {precision:11.3f}{mark}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
