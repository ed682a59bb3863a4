"""Score the tagger on papers it was not tuned on: the seed, the corpus's test half, a learning curve, and its speed.

    .venv/bin/python scripts/tag_quality.py [--errors]

Sets (tests/data):
- seed: the 87 bundled papers (tagging/labelled.yaml, split ``seed``);
- test: the test half of the evaluation corpus (eval/labelled.yaml), never tuned on.

Systems:
- rules: the taxonomy's evidence rules alone;
- model: rules + the learned model. For the test half it is trained as shipped
  (seed + tuning half + extra training papers); for the seed, on the tuning half
  and the extra papers only, so that no figure is measured on papers the model
  was trained on.

Learning curve (issue 21): the shipped model plus curator corrections of 0, 10,
25 and 50 papers drawn from the test half (a correction fixes what the tagger
got wrong on that paper: tags_add the missing tags, tags_remove the wrong ones),
scored on the rest of the test half; then, as a ceiling, the same 50 papers
fully labelled.

Targets (issue 11): micro precision ≥ 0.85 and recall ≥ 0.80 on the test half, every
tag with at least 5 expected papers at recall ≥ 0.6; the seed no worse than P 0.85, R 0.80.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.classifier import Example, _probabilities_many, correction, fully_labelled, predict, train  # noqa: E402
from generator.config import DEFAULT_TAXONOMY  # noqa: E402
from generator.tagging import Taxonomy, load_taxonomy, rule_result, rules_all  # noqa: E402

SEED = ROOT / "tests" / "data" / "tagging" / "labelled.yaml"
CORPUS = ROOT / "tests" / "data" / "eval" / "labelled.yaml"
EXTRA = [ROOT / "tests" / "data" / "eval" / f"{batch}-labelled.yaml" for batch in ("extra", "extra2")]
CURVE = (0, 10, 25, 50)


def load(path: Path, split: str) -> list[dict]:
    return [p for p in yaml.safe_load(path.read_text(encoding="utf-8"))["papers"] if p["split"] == split]


def score(gold: list[list[str]], got: list[list[str]]) -> tuple[Counter, Counter, Counter]:
    tp, fp, fn = Counter(), Counter(), Counter()
    for want, have in zip(gold, got, strict=True):
        tp.update(set(want) & set(have))
        fp.update(set(have) - set(want))
        fn.update(set(want) - set(have))
    return tp, fp, fn


def ratio(a: float, b: float) -> float:
    return a / b if b else 1.0


def micro(gold: list[list[str]], got: list[list[str]]) -> tuple[float, float, float]:
    tp, fp, fn = (sum(c.values()) for c in score(gold, got))
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    return precision, recall, ratio(2 * precision * recall, precision + recall)


class Tagger:
    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.slugs = list(taxonomy.rules)

    def examples(self, papers: list[dict]) -> list[Example]:
        return [fully_labelled(p["title"], p["abstract"], p["tags"], self.slugs) for p in papers]

    def train(self, examples: list[Example]):
        rules = [rule_result(self.taxonomy, e.title, e.abstract)[1] for e in examples]
        return train(examples, rules, {s: r.threshold for s, r in self.taxonomy.rules.items()})

    def rules(self, papers: list[dict]) -> list[list[str]]:
        return [tags for tags, _ in rules_all(self.taxonomy, [(p["title"], p["abstract"]) for p in papers])]

    def model(self, model, papers: list[dict]) -> list[list[str]]:
        pairs = [(p["title"], p["abstract"]) for p in papers]
        return predict(model, self.taxonomy, pairs, rules_all(self.taxonomy, pairs))


def corrections(tagger: Tagger, model, papers: list[dict]) -> list[Example]:
    """What a curator does on each paper: add the tags the tagger missed, remove the ones it got wrong."""
    out = []
    for paper, got in zip(papers, tagger.model(model, papers), strict=True):
        fix = correction(paper["title"], paper["abstract"], sorted(set(paper["tags"]) - set(got)), sorted(set(got) - set(paper["tags"])))
        if fix is not None:
            out.append(fix)
    return out


def table_row(name: str, papers: list[dict], got: list[list[str]]) -> str:
    precision, recall, f1 = micro([p["tags"] for p in papers], got)
    return f"{name:34} {len(papers):6} {precision:9.3f} {recall:6.3f} {f1:5.3f}"


def per_tag(taxonomy: Taxonomy, papers: list[dict], got: list[list[str]]) -> list[str]:
    tp, fp, fn = score([p["tags"] for p in papers], got)
    lines = [f"{'tag':26} {'expected':>8} {'found':>5} {'wrong':>5} {'precision':>9} {'recall':>6}"]
    for slug in taxonomy.rules:
        expected = tp[slug] + fn[slug]
        flag = "  < 0.6" if expected >= 5 and ratio(tp[slug], expected) < 0.6 else ""
        lines.append(f"{slug:26} {expected:8} {tp[slug]:5} {fp[slug]:5} {ratio(tp[slug], tp[slug] + fp[slug]):9.2f} {ratio(tp[slug], expected):6.2f}{flag}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every wrong tag on the test half, paper by paper")
    args = parser.parse_args()
    taxonomy = load_taxonomy(DEFAULT_TAXONOMY)
    tagger = Tagger(taxonomy)
    seed, tuning, test = load(SEED, "seed"), load(CORPUS, "tuning"), load(CORPUS, "test")
    extra = [paper for path in EXTRA if path.is_file() for paper in load(path, "extra")]

    start = time.perf_counter()
    shipped = tagger.train(tagger.examples(seed + tuning + extra))
    train_seconds = time.perf_counter() - start
    without_seed = tagger.train(tagger.examples(tuning + extra))

    print(f"{'set / system':34} {'papers':>6} {'precision':>9} {'recall':>6} {'F1':>5}")
    print(table_row("seed / rules", seed, tagger.rules(seed)))
    print(table_row("seed / model (trained without seed)", seed, tagger.model(without_seed, seed)))
    print(table_row("test / rules", test, tagger.rules(test)))
    test_tags = tagger.model(shipped, test)
    print(table_row("test / model (seed + tuning + extra)", test, test_tags))
    if extra:
        print(table_row("test / model (seed + tuning, no extra)", test, tagger.model(tagger.train(tagger.examples(seed + tuning)), test)))

    print("\nTest half, per tag (model):")
    print("\n".join(per_tag(taxonomy, test, test_tags)))

    print(
        f"\nLearning curve: the shipped model plus curator corrections of N test papers (order fixed, seed 0),"
        f" scored on the other {len(test) - max(CURVE)} test papers"
    )
    order = sorted(test, key=lambda p: p["id"])
    random.Random(0).shuffle(order)
    corrected, rest = order[: max(CURVE)], order[max(CURVE) :]
    shipped_examples = tagger.examples(seed + tuning + extra)
    gold = [p["tags"] for p in rest]
    print(f"{'corrected papers':>16} {'corrections':>11} {'precision':>9} {'recall':>6} {'F1':>5}")
    for n in CURVE:
        fixes = corrections(tagger, shipped, corrected[:n])
        model = tagger.train(shipped_examples + fixes) if fixes else shipped
        precision, recall, f1 = micro(gold, tagger.model(model, rest))
        print(f"{n:16} {sum(len(f.labels) for f in fixes):11} {precision:9.3f} {recall:6.3f} {f1:5.3f}")
    # The ceiling of what corrections can teach: the same papers labelled for every tag, not only where the tagger erred.
    model = tagger.train(shipped_examples + tagger.examples(corrected))
    precision, recall, f1 = micro(gold, tagger.model(model, rest))
    print(f"{'(all ' + str(max(CURVE)) + ' fully labelled)':>28} {precision:9.3f} {recall:6.3f} {f1:5.3f}")

    print(f"\nSpeed: training {train_seconds:.1f} s on {len(seed) + len(tuning) + len(extra)} papers")
    everything = seed + tuning + test
    pairs = [(f"{p['title']} ({n})", p["abstract"]) for n in range(-(-10_000 // len(everything))) for p in everything][:10_000]
    start = time.perf_counter()
    results = rules_all(taxonomy, pairs)
    rules_seconds = time.perf_counter() - start
    start = time.perf_counter()
    _probabilities_many(shipped, taxonomy, pairs, results)
    model_seconds = time.perf_counter() - start
    total = (rules_seconds + model_seconds) * 1000 / len(pairs)
    print(
        f"cold tagging of {len(pairs):,} papers, every core: rules {rules_seconds:.1f} s + model {model_seconds:.1f} s = {total:.2f} ms per paper (budget 1 ms)"
    )

    if args.errors:
        print()
        for paper, got in zip(test, test_tags, strict=True):
            if set(paper["tags"]) != set(got):
                print(
                    f"{paper['id']} {paper['title'][:70]}\n    extra: {sorted(set(got) - set(paper['tags']))}  missing: {sorted(set(paper['tags']) - set(got))}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
