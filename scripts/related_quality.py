"""Compare related-paper methods on hand-labelled neighbours: the seed, and the corpus's test half.

    .venv/bin/python scripts/related_quality.py

Sets:
- seed: the 87 bundled papers, neighbours labelled by hand (tests/data/related/neighbours.yaml);
- test: the test half of the evaluation corpus (tests/data/eval/labelled.yaml), searched
  among the whole corpus; the expected neighbours are those both labellers chose.

For each labelled paper, recall@5 is the share of its expected neighbours among the 5
shown; hit@5 whether at least one is. Baselines mix a content similarity (tf-idf cosine,
or BM25 weights) with the Jaccard overlap of the papers' tags (as the tagger gives them),
of their authors, and of their arXiv categories (where the set has them), densely. The
built method is ``generator.related.compute_related`` itself (each paper's exemplar SVM),
run on the set as a build would, with and without its parts.

Targets (issue 21): recall@5 ≥ 0.70 and hit@5 ≥ 0.90 on the hidden sets; the seed no worse than before.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from scipy import sparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator import related  # noqa: E402
from generator.archive import Archive  # noqa: E402
from generator.catalog import curated_tags  # noqa: E402
from generator.config import Settings  # noqa: E402
from generator.related import _vectorize, compute_related, document  # noqa: E402
from generator.tagger import tag_records  # noqa: E402
from generator.tagging import load_taxonomy  # noqa: E402

SEED_NEIGHBOURS = ROOT / "tests" / "data" / "related" / "neighbours.yaml"
CORPUS = ROOT / "tests" / "data" / "eval" / "labelled.yaml"
K = 5


@dataclass
class Pool:
    """Papers to search among, and for some of them the neighbours expected."""

    ids: list[str]
    titles: list[str]
    abstracts: list[str]
    tags: list[list[str]]
    authors: list[list[str]]
    categories: list[list[str]]
    expected: dict[str, set[str]]


def jaccard(sets: list[list[str]]) -> np.ndarray:
    vocabulary = {v: i for i, v in enumerate(sorted({v for s in sets for v in s}))}
    if not vocabulary:
        return np.zeros((len(sets), len(sets)))
    rows = sparse.csr_matrix(
        (np.ones(sum(len(set(s)) for s in sets)), ([i for i, s in enumerate(sets) for _ in set(s)], [vocabulary[v] for s in sets for v in sorted(set(s))])),
        shape=(len(sets), len(vocabulary)),
    )
    inter = (rows @ rows.T).toarray()
    sizes = np.asarray(rows.sum(axis=1)).ravel()
    union = sizes[:, None] + sizes[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def tfidf(pool: Pool) -> np.ndarray:
    docs = [document(i, t, a, []) for i, t, a in zip(pool.ids, pool.titles, pool.abstracts, strict=True)]
    matrix, _ = _vectorize(docs)
    return (matrix @ matrix.T).toarray()


def bm25(pool: Pool, k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    from sklearn.feature_extraction.text import CountVectorizer

    docs = [document(i, t, a, []) for i, t, a in zip(pool.ids, pool.titles, pool.abstracts, strict=True)]
    counts = (
        CountVectorizer(ngram_range=(1, 2), stop_words="english", token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9-]+\b").fit_transform(d.text for d in docs).tocsr()
    )
    counts = counts.astype(np.float64)
    n = counts.shape[0]
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    lengths = np.asarray(counts.sum(axis=1)).ravel()
    scale = k1 * (1 - b + b * lengths / lengths.mean())
    rows = counts.tocoo()
    weights = rows.data * (k1 + 1) / (rows.data + scale[rows.row]) * idf[rows.col]
    matrix = sparse.csr_matrix((weights, (rows.row, rows.col)), shape=counts.shape)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = sparse.diags(1 / np.where(norms == 0, 1, norms)) @ matrix
    return (matrix @ matrix.T).toarray()


def built(pool: Pool, tags: bool = True) -> np.ndarray:
    """``compute_related`` on the whole pool, as a score matrix: its k picks score k..1, everything else 0."""
    docs = [document(i, t, a, tg if tags else []) for i, t, a, tg in zip(pool.ids, pool.titles, pool.abstracts, pool.tags, strict=True)]
    index = {paper_id: n for n, paper_id in enumerate(pool.ids)}
    scores = np.zeros((len(pool.ids), len(pool.ids)))
    for paper_id, rows in compute_related(docs, k=K).items():
        for rank, row in enumerate(rows):
            scores[index[paper_id], index[row.id]] = K - rank
    return scores


def evaluate(pool: Pool, similarity: np.ndarray) -> tuple[float, float]:
    index = {paper_id: i for i, paper_id in enumerate(pool.ids)}
    recalls, hits = [], []
    for paper_id, expected in sorted(pool.expected.items()):
        i = index[paper_id]
        scores = similarity[i].copy()
        scores[i] = -np.inf
        order = np.lexsort((np.arange(len(scores)), -np.round(scores, 6)))[:K]
        shown = {pool.ids[j] for j in order}
        found = len(shown & expected)
        recalls.append(found / len(expected))
        hits.append(found > 0)
    return float(np.mean(recalls)), float(np.mean(hits))


Method = Callable[[Pool, dict[str, np.ndarray]], np.ndarray]


def methods() -> list[tuple[str, Method]]:
    def mix(content: str, tags: float = 0.0, authors: float = 0.0, categories: float = 0.0) -> Method:
        def run(pool: Pool, cached: dict[str, np.ndarray]) -> np.ndarray:
            text = cached[content]
            rest = 1 - tags - authors - categories
            return rest * text + tags * cached["tags"] + authors * cached["authors"] + categories * cached["categories"]

        return run

    def fixed(name: str) -> Method:
        return lambda pool, cached: cached[name]

    return [
        ("tf-idf", mix("tfidf")),
        ("tf-idf + tags 0.1 (before issue 21: no SVM)", mix("tfidf", tags=0.1)),
        ("BM25 + tags 0.1", mix("bm25", tags=0.1)),
        ("tf-idf + tags 0.1 + authors 0.05 + categories 0.05", mix("tfidf", tags=0.1, authors=0.05, categories=0.05)),
        ("exemplar SVM alone", fixed("svm")),
        (f"exemplar SVM + tags {related.TAG_WEIGHT} (built)", fixed("built")),
    ]


def seed_pool() -> Pool:
    records = Archive(ROOT / "archive").load()
    settings = Settings()
    taxonomy = load_taxonomy(settings.taxonomy)
    tagging = tag_records(records, [(list(r.tags_add), list(r.tags_remove)) for r in records], settings, taxonomy, None)
    tags = [curated_tags(r, t) for r, t in zip(records, tagging.automatic(), strict=True)]
    id_of = {r.title: r.id for r in records}
    labelled = yaml.safe_load(SEED_NEIGHBOURS.read_text(encoding="utf-8"))["papers"]
    expected = {id_of[e["title"]]: {id_of[t] for t in e["related"]} for e in labelled}
    return Pool(
        [r.id for r in records], [r.title for r in records], [r.abstract for r in records], tags,
        [list(r.authors) for r in records], [list(r.categories) for r in records], expected,
    )  # fmt: skip


def corpus_pool() -> Pool | None:
    if not CORPUS.is_file():
        return None
    papers = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["papers"]
    # Tags as the build would give them: the model trained without the test half (the shipped one).
    from generator.classifier import predict
    from generator.tagger import training_examples
    from generator.tagging import rules_all

    settings = Settings()
    taxonomy = load_taxonomy(settings.taxonomy)
    from generator.classifier import cached_train

    model, _ = cached_train(training_examples([], [], settings, taxonomy), taxonomy, None)
    pairs = [(p["title"], p["abstract"]) for p in papers]
    tags = predict(model, taxonomy, pairs, rules_all(taxonomy, pairs))
    expected = {p["id"]: set(p["neighbours"]) for p in papers if p["split"] == "test" and p.get("neighbours")}
    return Pool(
        [p["id"] for p in papers], [p["title"] for p in papers], [p["abstract"] for p in papers], tags,
        [p.get("authors", []) for p in papers], [p.get("categories", []) for p in papers], expected,
    )  # fmt: skip


def main() -> int:
    pools = [("seed", seed_pool()), ("test", corpus_pool())]
    cached = {}
    for name, pool in pools:
        if pool is None:
            continue
        cached[name] = {
            "tfidf": tfidf(pool), "bm25": bm25(pool), "tags": jaccard(pool.tags),
            "authors": jaccard(pool.authors), "categories": jaccard(pool.categories),
            "svm": built(pool, tags=False), "built": built(pool),
        }  # fmt: skip
        print(
            f"{name}: {len(pool.expected)} papers with expected neighbours, {sum(len(v) for v in pool.expected.values())} neighbours, pool of {len(pool.ids)}"
        )
    names = [name for name, pool in pools if pool is not None]
    print(f"\n{'method':58} " + " ".join(f"{n + ' R@5':>10} {n + ' hit@5':>10}" for n in names))
    for label, method in methods():
        cells = []
        for name, pool in pools:
            if pool is not None:
                recall, hit = evaluate(pool, method(pool, cached[name]))
                cells.append(f"{recall:10.3f} {hit:10.3f}")
        print(f"{label:58} " + " ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
