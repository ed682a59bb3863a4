"""Related papers: tf-idf content similarity mixed with tag overlap, top-k in chunks, cached.

Similarity of two papers = (1 - tag_weight) × cosine of their tf-idf vectors
(title + abstract, words and word bigrams, sublinear tf) + tag_weight × the
Jaccard overlap of their final tags. ``scripts/related_quality.py`` compares
the two on a hand-labelled neighbour set. The n×n similarity matrix is never
built: rows are scored a chunk at a time and only each row's top k is kept,
so memory stays flat and time grows with the number of non-zeros.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from .catalog import Related
from .text import readable

TAG_WEIGHT = 0.1  # the best of those compared by scripts/related_quality.py
CHUNK = 512
CACHE_VERSION = 1


@dataclass(frozen=True)
class Document:
    """What similarity is computed from: a paper's id, text and final tags."""

    id: str
    text: str
    tags: tuple[str, ...]


def document(paper_id: str, title: str, abstract: str, tags: Sequence[str]) -> Document:
    return Document(paper_id, f"{readable(title)}. {readable(abstract)}", tuple(sorted(tags)))


def _vectorize(docs: Sequence[Document]) -> tuple[sparse.csr_matrix, np.ndarray]:
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        stop_words="english",
        min_df=1 if len(docs) < 1000 else 2,  # a term in one paper links it to nothing
        max_df=0.5 if len(docs) >= 20 else 1.0,  # a term in half the archive says nothing about a pair
        dtype=np.float32,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9-]+\b",
    )
    try:
        matrix = vectorizer.fit_transform(d.text for d in docs)
    except ValueError:  # every term was pruned: no content similarity at all
        return sparse.csr_matrix((len(docs), 1), dtype=np.float32), np.array(["-"])
    return matrix.tocsr(), vectorizer.get_feature_names_out()


def _tag_matrix(docs: Sequence[Document]) -> tuple[sparse.csr_matrix, list[str]]:
    vocabulary = sorted({t for d in docs for t in d.tags})
    index = {t: i for i, t in enumerate(vocabulary)}
    rows, cols = [], []
    for row, doc in enumerate(docs):
        for tag in doc.tags:
            rows.append(row)
            cols.append(index[tag])
    data = np.ones(len(rows), dtype=np.float32)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(docs), max(1, len(vocabulary)))), vocabulary


def _top_k(scores: np.ndarray, first: int, k: int) -> np.ndarray:
    """For each row of a chunk of scores, the columns of its ``k`` best, best first.

    Row ``r`` is paper ``first + r`` and never its own neighbour. Scores are
    rounded to 6 decimals and nudged by a tiny amount that grows with the
    column, so equal scores rank by column, that is by id, and the whole
    selection stays vectorised.
    """
    rows, n = scores.shape
    keyed = np.round(scores.astype(np.float64), 6) - np.arange(n) * 1e-12
    keyed[np.arange(rows), np.arange(first, first + rows)] = -np.inf
    k = min(k, n - 1)
    picked = np.argpartition(-keyed, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(keyed, picked, axis=1), axis=1, kind="stable")
    return np.take_along_axis(picked, order, axis=1)


def _shared_terms(matrix: sparse.csr_matrix, terms: np.ndarray, i: int, j: int, limit: int = 4) -> list[str]:
    """The terms that weigh most in both papers (product of their tf-idf weights)."""
    a = slice(matrix.indptr[i], matrix.indptr[i + 1])
    b = slice(matrix.indptr[j], matrix.indptr[j + 1])
    common, ia, ib = np.intersect1d(matrix.indices[a], matrix.indices[b], assume_unique=True, return_indices=True)
    if not len(common):
        return []
    weight = matrix.data[a][ia] * matrix.data[b][ib]
    best = sorted(zip(-weight, terms[common], strict=True))[:limit]
    return [str(term) for _, term in best]


def _reasons(i: int, j: int, docs: Sequence[Document], matrix: sparse.csr_matrix, terms: np.ndarray, tag_names: dict[str, str]) -> tuple[str, ...]:
    reasons = []
    shared = [tag_names.get(t, t) for t in docs[i].tags if t in docs[j].tags]
    if shared:
        reasons.append("shared tags: " + ", ".join(shared))
    words = _shared_terms(matrix, terms, i, j)
    if words:
        reasons.append("shared terms: " + ", ".join(words))
    return tuple(reasons)


def compute_related(
    docs: Sequence[Document],
    *,
    k: int = 5,
    tag_weight: float = TAG_WEIGHT,
    tag_names: dict[str, str] | None = None,
    chunk: int = CHUNK,
) -> dict[str, list[Related]]:
    """The ``k`` most related papers of every paper, best first, with reasons.

    Every paper of an archive of two or more gets ``k`` (or all the others):
    when nothing is similar the order falls back to id, deterministically.
    """
    docs = sorted(docs, key=lambda d: d.id)
    if len(docs) < 2 or k <= 0:
        return {d.id: [] for d in docs}
    matrix, terms = _vectorize(docs)
    tags, _ = _tag_matrix(docs)
    tag_counts = np.asarray(tags.sum(axis=1)).ravel().astype(np.float32)
    tags_t, matrix_t = tags.T.tocsr(), matrix.T.tocsr()
    result: dict[str, list[Related]] = {}
    for start in range(0, len(docs), chunk):
        stop = min(start + chunk, len(docs))
        scores = (matrix[start:stop] @ matrix_t).toarray()
        scores *= 1 - tag_weight
        inter = (tags[start:stop] @ tags_t).toarray()
        union = tag_counts[start:stop, None] + tag_counts[None, :] - inter
        np.divide(inter, union, out=inter, where=union > 0)
        scores += tag_weight * inter
        del inter, union
        picks = _top_k(scores, start, k)
        for row, columns in enumerate(picks):
            i = start + row
            result[docs[i].id] = [
                Related(docs[j].id, round(float(scores[row, j]), 4), _reasons(i, int(j), docs, matrix, terms, tag_names or {})) for j in columns
            ]
    return result


# --- cache -------------------------------------------------------------------------------


def cache_key(docs: Sequence[Document], k: int, tag_weight: float, tag_names: dict[str, str] | None = None) -> str:
    """Changes whenever anything the result depends on changes, and only then."""
    digest = hashlib.sha256(f"v{CACHE_VERSION}|{k}|{tag_weight}|{sorted((tag_names or {}).items())}".encode())
    for doc in sorted(docs, key=lambda d: d.id):
        digest.update(json.dumps([doc.id, doc.text, doc.tags]).encode())
    return digest.hexdigest()[:24]


def cached_related(
    docs: Sequence[Document],
    cache_dir: Path | None,
    *,
    k: int = 5,
    tag_weight: float = TAG_WEIGHT,
    tag_names: dict[str, str] | None = None,
) -> tuple[dict[str, list[Related]], bool]:
    """``compute_related``, read from ``cache_dir`` when the archive's content is unchanged.

    Returns the result and whether it came from the cache.
    """
    key = cache_key(docs, k, tag_weight, tag_names)
    path = cache_dir / f"related-{key}.json" if cache_dir is not None else None
    if path is not None and path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return {pid: [Related(r[0], r[1], tuple(r[2])) for r in rows] for pid, rows in data.items()}, True
        except (ValueError, KeyError, IndexError, TypeError):
            pass  # a damaged cache is recomputed
    result = compute_related(docs, k=k, tag_weight=tag_weight, tag_names=tag_names)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("related-*.json"):
            old.unlink(missing_ok=True)  # keep one entry: the cache must not grow with every edit
        payload = {pid: [[r.id, r.score, list(r.reasons)] for r in rows] for pid, rows in result.items()}
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
    return result, False
