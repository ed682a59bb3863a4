"""Merge the two annotators' labels of the evaluation corpus, report their agreement, and write the settled set.

    .venv/bin/python scripts/label_agreement.py [--write] [--set extra]

Inputs (tests/data/eval/):
- corpus.yaml: the papers (real arXiv titles and abstracts, with their sources);
- labels-a.yaml, labels-b.yaml: each annotator's tags for every paper, and for the test
  half's papers up to 5 neighbours; both labelled from the tag descriptions only,
  independently, before any tuning;
- adjudication.yaml: for every (paper, tag) where they disagreed, a third reader's decision.

Output (--write): labelled.yaml, one entry per paper: its settled tags, each annotator's
tags, the neighbours both chose, and its split. The split is fixed by the paper's id
(parity of its SHA-1), decided before labelling: ``tuning`` (used for training and
thresholds) or ``test`` (never tuned on).

``--set extra`` does the same for the extra training papers (extra-corpus.yaml,
extra-labels-a.yaml, extra-labels-b.yaml, extra-adjudication.yaml -> extra-labelled.yaml):
all of them are split ``extra``, for training only, and have no neighbours. ``--set extra2``:
the second batch of them (extra2-*.yaml), the same way.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "data" / "eval"

HEADER = """\
# The evaluation corpus, labelled. Written by scripts/label_agreement.py from corpus.yaml,
# labels-a.yaml, labels-b.yaml and adjudication.yaml: do not edit by hand.
# tags: settled (both annotators agreed, or the adjudicator decided); tags_a / tags_b: each annotator's.
# neighbours: papers of this corpus both annotators chose as related (test half only).
# split: tuning (training and thresholds) or test (never tuned on), fixed by the id's SHA-1 parity.
"""


def split_of(paper_id: str) -> str:
    return "test" if int(hashlib.sha1(paper_id.encode()).hexdigest(), 16) % 2 else "tuning"


def split_in(paper_id: str, labelled_set: str) -> str:
    return "extra" if labelled_set != "corpus" else split_of(paper_id)


def load(name: str) -> dict[str, dict]:
    return {str(p["id"]): p for p in yaml.safe_load((EVAL / name).read_text(encoding="utf-8"))["papers"]}


def kappa(pairs: list[tuple[bool, bool]]) -> float:
    """Cohen's kappa of two annotators' yes/no decisions."""
    n = len(pairs)
    if not n:
        return 1.0
    observed = sum(a == b for a, b in pairs) / n
    p_a, p_b = sum(a for a, _ in pairs) / n, sum(b for _, b in pairs) / n
    expected = p_a * p_b + (1 - p_a) * (1 - p_b)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write labelled.yaml")
    parser.add_argument("--set", choices=["corpus", "extra", "extra2"], default="corpus", help="the evaluation corpus, or a batch of extra training papers")
    args = parser.parse_args()
    prefix = "" if args.set == "corpus" else f"{args.set}-"
    slugs = [t["slug"] for t in yaml.safe_load((ROOT / "generator" / "data" / "taxonomy.yaml").read_text(encoding="utf-8"))["tags"]]
    corpus, a, b = load(f"{prefix}corpus.yaml"), load(f"{prefix}labels-a.yaml"), load(f"{prefix}labels-b.yaml")
    assert set(a) == set(b) == set(corpus), "every annotator labels every paper"
    decided = {}
    if (EVAL / f"{prefix}adjudication.yaml").is_file():
        for row in yaml.safe_load((EVAL / f"{prefix}adjudication.yaml").read_text(encoding="utf-8"))["decisions"]:
            decided[(str(row["id"]), row["tag"])] = bool(row["has_tag"])

    print(f"{len(corpus)} papers, split: " + ", ".join(f"{s} {sum(split_in(i, args.set) == s for i in corpus)}" for s in ("tuning", "test", "extra")))
    pairs_all = []
    print(f"\n{'tag':26} {'A':>4} {'B':>4} {'both':>4} {'kappa':>6}")
    for slug in slugs:
        pairs = [(slug in a[i]["tags"], slug in b[i]["tags"]) for i in sorted(corpus)]
        pairs_all += pairs
        print(f"{slug:26} {sum(x for x, _ in pairs):4} {sum(y for _, y in pairs):4} {sum(x and y for x, y in pairs):4} {kappa(pairs):6.2f}")
    both = sum(x and y for x, y in pairs_all)
    given = sum(x for x, _ in pairs_all) + sum(y for _, y in pairs_all)
    print(f"\nagreement over {len(pairs_all)} (paper, tag) decisions: Cohen's kappa {kappa(pairs_all):.3f}")
    print(f"positive agreement, 2|A∩B| / (|A|+|B|): {2 * both / given:.3f}")

    tests = [i for i in sorted(corpus) if split_in(i, args.set) == "test"]
    chosen_a = sum(len(a[i].get("neighbours") or []) for i in tests)
    shared = sum(len(set(a[i].get("neighbours") or []) & set(b[i].get("neighbours") or [])) for i in tests)
    with_agreed = sum(bool(set(a[i].get("neighbours") or []) & set(b[i].get("neighbours") or [])) for i in tests)
    chosen_b = sum(len(b[i].get("neighbours") or []) for i in tests)
    print(f"neighbours (test half): A chose {chosen_a}, B {chosen_b}, both {shared}; {with_agreed} of {len(tests)} papers have an agreed neighbour")

    disagreements = [(i, s) for i in sorted(corpus) for s in slugs if (s in a[i]["tags"]) != (s in b[i]["tags"])]
    missing = [d for d in disagreements if d not in decided]
    print(f"disagreements: {len(disagreements)}, adjudicated: {len(disagreements) - len(missing)}")
    if not args.write:
        return 0
    if missing:
        raise SystemExit(f"{len(missing)} disagreement(s) not adjudicated yet, e.g. {missing[:3]}")
    rows = []
    for i in sorted(corpus):
        paper = corpus[i]
        tags = [s for s in slugs if (s in a[i]["tags"] and s in b[i]["tags"]) or decided.get((i, s), False)]
        row = {"id": i, "title": paper["title"], "abstract": paper["abstract"]}
        for key in ("authors", "categories"):
            if key in paper:
                row[key] = paper[key]
        row.update({"tags": tags, "tags_a": sorted(a[i]["tags"]), "tags_b": sorted(b[i]["tags"]), "split": split_in(i, args.set)})
        if split_in(i, args.set) == "test":
            row["neighbours"] = [n for n in a[i].get("neighbours") or [] if n in set(b[i].get("neighbours") or []) and n != i]
        row["source"] = paper["source"]
        rows.append(row)
    header = HEADER.replace("corpus.yaml, labels-a", f"{prefix}corpus.yaml, {prefix}labels-a")
    if prefix:
        header = header.replace("The evaluation corpus", "Extra training papers (never evaluated on)")
    text = header + yaml.safe_dump({"papers": rows}, allow_unicode=True, sort_keys=False, width=10_000)
    (EVAL / f"{prefix}labelled.yaml").write_text(text, encoding="utf-8")
    print(f"wrote {EVAL / f'{prefix}labelled.yaml'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
