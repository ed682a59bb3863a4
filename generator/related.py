"""Related papers: content similarity mixed with shared tags, authors and categories; top-k in chunks, cached.

Similarity of two papers = (1 - tag, author and category weights) × content
+ ``TAG_WEIGHT`` × the Jaccard overlap of their final tags + ``AUTHOR_WEIGHT`` ×
that of their authors + ``CATEGORY_WEIGHT`` × that of their arXiv categories.
Content = (1 - ``LSA_WEIGHT``) × the cosine of their tf-idf vectors (title +
abstract, words and word bigrams, sublinear tf) + ``LSA_WEIGHT`` × the cosine
of their LSA vectors (a truncated SVD of the tf-idf matrix: papers that say the
same in other words). ``scripts/related_quality.py`` compares these and other
mixes on hand-labelled neighbours. The n×n similarity matrix is never built:
candidates are the papers sharing a term, rows are scored a chunk at a time and
only each row's top k is kept, so memory stays flat and time grows with the
number of non-zeros.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from .cache import read_entry, write_entry
from .catalog import Related
from .text import readable

TAG_WEIGHT = 0.1  # the best of those compared by scripts/related_quality.py
#: Share of the content similarity given to LSA (a truncated SVD of the tf-idf matrix), and its dimensions.
LSA_WEIGHT = 0.3
LSA_DIMENSIONS = 100
#: Above this many papers LSA is left out: its SVD would cost more than everything else (scripts/bench_related.py).
LSA_LIMIT = 20_000
#: Weights of shared authors and shared arXiv categories (Jaccard overlap) in a pair's similarity.
AUTHOR_WEIGHT = 0.05
CATEGORY_WEIGHT = 0.05
#: Candidates per paper re-ranked with LSA, authors and categories: the best by shared terms and tags.
SHORTLIST = 200
CHUNK = 1024
TOP_TERMS = 60  # above EXACT_LIMIT papers: terms per paper used to find and score similar papers
EXACT_LIMIT = 5_000  # up to this many papers, similarity uses every term (exact cosine)
CACHE_VERSION = 2


@dataclass(frozen=True)
class Document:
    """What similarity is computed from: a paper's id, text, final tags, authors and arXiv categories."""

    id: str
    text: str
    tags: tuple[str, ...]
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


def document(paper_id: str, title: str, abstract: str, tags: Sequence[str], authors: Sequence[str] = (), categories: Sequence[str] = ()) -> Document:
    return Document(paper_id, f"{readable(title)}. {readable(abstract)}", tuple(sorted(tags)), tuple(sorted(set(authors))), tuple(sorted(set(categories))))


def _vectorize(docs: Sequence[Document]) -> tuple[sparse.csr_matrix, np.ndarray]:
    # Imported here: scikit-learn takes about a second to import, and `papers import` never needs it.
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2),
        sublinear_tf=True,
        stop_words="english",
        min_df=1 if len(docs) < 1000 else 2,  # a term in one paper links it to nothing (small archives keep it: it still shapes the norm)
        max_df=0.5 if len(docs) >= 20 else 1.0,  # a term in half the archive says nothing about a pair
        dtype=np.float32,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9-]+\b",
    )
    try:
        matrix = vectorizer.fit_transform(d.text for d in docs)
    except ValueError:  # every term was pruned: no content similarity at all
        return sparse.csr_matrix((len(docs), 1), dtype=np.float32), np.array(["-"])
    return matrix.tocsr(), vectorizer.get_feature_names_out()


def lsa_vectors(matrix: sparse.csr_matrix, dimensions: int = LSA_DIMENSIONS) -> np.ndarray:
    """Each paper as a unit vector in the ``dimensions`` strongest directions of the tf-idf matrix (a fixed seed)."""
    from sklearn.decomposition import TruncatedSVD

    k = min(dimensions, min(matrix.shape) - 1)
    if k < 1:
        return np.zeros((matrix.shape[0], 1))
    vectors = TruncatedSVD(k, algorithm="randomized", n_iter=7, random_state=0).fit_transform(matrix.astype(np.float64))
    norms = np.linalg.norm(vectors, axis=1)
    return vectors / np.where(norms == 0, 1, norms)[:, None]


def _tag_bits(docs: Sequence[Document]) -> np.ndarray:
    """Each paper's tags as a row of 64-bit masks: overlap is then a popcount, however many papers."""
    vocabulary = {t: i for i, t in enumerate(sorted({t for d in docs for t in d.tags}))}
    bits = np.zeros((len(docs), max(1, -(-len(vocabulary) // 64))), dtype=np.uint64)
    for row, doc in enumerate(docs):
        for tag in doc.tags:
            word, bit = divmod(vocabulary[tag], 64)
            bits[row, word] |= np.uint64(1) << np.uint64(bit)
    return bits


def _sets(docs: Sequence[Document], field: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """For each author (or category), the rows of its papers; and each paper's number of them."""
    rows: dict[str, list[int]] = {}
    for row, doc in enumerate(docs):
        for value in getattr(doc, field):
            rows.setdefault(value, []).append(row)
    return {value: np.array(found) for value, found in rows.items()}, np.array([len(getattr(d, field)) for d in docs])


def _set_jaccard(index: tuple[dict[str, np.ndarray], np.ndarray], values: tuple[str, ...], columns: np.ndarray) -> np.ndarray:
    """Jaccard overlap of a paper's authors (or categories), ``values``, with those of the papers in ``columns``."""
    rows_of, sizes = index
    if not values:
        return np.zeros(len(columns))
    shared = sum(np.isin(columns, rows_of[value], assume_unique=True).astype(np.float64) for value in values)
    union = sizes[columns] + len(values) - shared
    return np.divide(shared, union, out=np.zeros(len(columns)), where=union > 0)


def _jaccard(bits: np.ndarray, i: int, others: np.ndarray | slice) -> np.ndarray:
    """Jaccard overlap of paper ``i``'s tags with those of ``others``."""
    inter = np.bitwise_count(bits[others] & bits[i]).sum(axis=1)
    union = np.bitwise_count(bits[others] | bits[i]).sum(axis=1)
    return np.divide(inter, union, out=np.zeros(len(inter), dtype=np.float64), where=union > 0)


def _keep_top_terms(matrix: sparse.csr_matrix, limit: int) -> sparse.csr_matrix:
    """Each row cut to its ``limit`` heaviest terms, then re-normalised.

    A paper's most distinctive terms carry its similarity; the commonest words
    ("model", "results") weigh little but link every paper to every other, and
    would make the similarity product dense: quadratic in the archive's size.
    """
    pruned = matrix.copy()
    for row in range(pruned.shape[0]):
        lo, hi = pruned.indptr[row], pruned.indptr[row + 1]
        if hi - lo > limit:
            values = pruned.data[lo:hi]
            cut = np.partition(values, hi - lo - limit)[hi - lo - limit]
            keep = values >= cut
            keep[np.flatnonzero(keep)[limit:]] = False  # equal weights at the cut: keep the first ones
            values[~keep] = 0
    pruned.eliminate_zeros()
    norms = np.sqrt(np.asarray(pruned.multiply(pruned).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sparse.csr_matrix(sparse.diags(1 / norms) @ pruned, dtype=np.float32)


def _rank(columns: np.ndarray, scores: np.ndarray, k: int) -> list[int]:
    """The ``k`` best columns, best first; equal scores (to 6 decimals) by column, that is by id."""
    rounded = np.round(scores, 6)
    if len(columns) > 4 * k:  # only the scores at or above the k-th best can make it: sort just those
        kth = np.partition(rounded, len(rounded) - k)[len(rounded) - k]
        keep = rounded >= kth
        columns, rounded = columns[keep], rounded[keep]
    order = np.lexsort((columns, -rounded))[:k]
    return [int(c) for c in columns[order]]


def _shared_terms(matrix: sparse.csr_matrix, terms: np.ndarray, i: int, j: int, limit: int = 4) -> list[str]:
    """The terms that weigh most in both papers (product of their tf-idf weights)."""
    a = slice(matrix.indptr[i], matrix.indptr[i + 1])
    b = slice(matrix.indptr[j], matrix.indptr[j + 1])
    common, ia, ib = np.intersect1d(matrix.indices[a], matrix.indices[b], assume_unique=True, return_indices=True)
    if not len(common):
        return []
    weight = matrix.data[a][ia] * matrix.data[b][ib]
    best = np.lexsort((common, -weight))[:limit]  # heaviest first; equal weights alphabetically (columns are sorted terms)
    return [str(terms[c]) for c in common[best]]


def _reasons(i: int, j: int, docs: Sequence[Document], matrix: sparse.csr_matrix, terms: np.ndarray, tag_names: dict[str, str]) -> tuple[str, ...]:
    reasons = []
    authors = [a for a in docs[i].authors if a in docs[j].authors]
    if authors:
        reasons.append("shared authors: " + ", ".join(authors[:3]) + (" …" if len(authors) > 3 else ""))
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
    top_terms: int | None = None,
) -> dict[str, list[Related]]:
    """The ``k`` most related papers of every paper, best first, with reasons.

    Candidates are the papers sharing at least one term (a sparse product,
    chunk by chunk); each is scored by content and tags. Above ``EXACT_LIMIT``
    papers only each paper's ``TOP_TERMS`` heaviest terms are used, which keeps
    the product sparse. A paper with fewer than ``k`` candidates is topped up
    from the whole archive by tag overlap, then by id, so every paper of an
    archive of two or more gets ``k`` (or all the others), deterministically.
    """
    docs = sorted(docs, key=lambda d: d.id)
    if len(docs) < 2 or k <= 0:
        return {d.id: [] for d in docs}
    k = min(k, len(docs) - 1)
    matrix, terms = _vectorize(docs)
    if top_terms is None and len(docs) > EXACT_LIMIT:
        top_terms = TOP_TERMS  # exact similarity would make the product dense: quadratic time
    similar = matrix if top_terms is None else _keep_top_terms(matrix, top_terms)
    similar_t = similar.T.tocsr()
    bits = _tag_bits(docs)
    lsa = lsa_vectors(matrix) if LSA_WEIGHT and len(docs) <= LSA_LIMIT else None
    authors, categories = _sets(docs, "authors"), _sets(docs, "categories")
    content_weight = 1 - tag_weight - AUTHOR_WEIGHT - CATEGORY_WEIGHT
    names = tag_names or {}
    result: dict[str, list[Related]] = {}
    for start in range(0, len(docs), chunk):
        block = (similar[start : min(start + chunk, len(docs))] @ similar_t).tocsr()
        block.sort_indices()  # columns ascending: a pick's score is found by binary search
        for row in range(block.shape[0]):
            i = start + row
            lo, hi = block.indptr[row], block.indptr[row + 1]
            columns, content = block.indices[lo:hi], block.data[lo:hi].astype(np.float64)
            mine = columns != i
            columns, content = columns[mine], content[mine]
            tags = _jaccard(bits, i, columns)
            if len(columns) > SHORTLIST:  # LSA, authors and categories only re-rank the best candidates by terms and tags
                best = np.sort(_rank(columns, content_weight * content + tag_weight * tags, SHORTLIST))
                at = np.searchsorted(columns, best)
                columns, content, tags = best, content[at], tags[at]
            if lsa is not None:
                content = (1 - LSA_WEIGHT) * content + LSA_WEIGHT * (lsa[columns] @ lsa[i])
            scores = (
                content_weight * content
                + tag_weight * tags
                + AUTHOR_WEIGHT * _set_jaccard(authors, docs[i].authors, columns)
                + CATEGORY_WEIGHT * _set_jaccard(categories, docs[i].categories, columns)
            )
            picks = _rank(columns, scores, k)
            score_of = {j: float(scores[np.searchsorted(columns, j)]) for j in picks}
            if len(picks) < k:  # too few papers share a term: top up by tag overlap, then id
                everyone = tag_weight * _jaccard(bits, i, slice(None))
                everyone[i] = -1.0
                everyone[columns] = -1.0
                extra = _rank(np.arange(len(docs)), everyone, k - len(picks))
                picks += extra
                score_of.update((j, max(0.0, float(everyone[j]))) for j in extra)
            result[docs[i].id] = [Related(docs[j].id, round(score_of[j], 4), _reasons(i, j, docs, matrix, terms, names)) for j in picks]
    return result


# --- cache -------------------------------------------------------------------------------


def cache_key(docs: Sequence[Document], k: int, tag_weight: float, tag_names: dict[str, str] | None = None) -> str:
    """Changes whenever anything the result depends on changes, and only then."""
    digest = hashlib.sha256(f"v{CACHE_VERSION}|{k}|{tag_weight}|{sorted((tag_names or {}).items())}".encode())
    for doc in sorted(docs, key=lambda d: d.id):
        digest.update(json.dumps([doc.id, doc.text, doc.tags, doc.authors, doc.categories]).encode())
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
    data = read_entry(path)
    try:
        return {pid: [Related(r[0], r[1], tuple(r[2])) for r in rows] for pid, rows in data.items()}, True
    except (AttributeError, KeyError, IndexError, TypeError):
        pass  # no entry, or a damaged one: recompute
    result = compute_related(docs, k=k, tag_weight=tag_weight, tag_names=tag_names)
    if path is not None:
        write_entry(path, {pid: [[r.id, r.score, list(r.reasons)] for r in rows] for pid, rows in result.items()})
    return result, False
