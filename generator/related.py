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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from .cache import decoded, write_entry
from .catalog import Related
from .text import readable
from .workers import process_pool
from .workers import workers as cores_to_use

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
#: From this many papers, chunks are scored on every core: below, starting the workers costs more than it saves.
PARALLEL_MIN = 20_000


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


@dataclass(frozen=True)
class _Members:
    """Each paper's authors (or categories) as integer ids: paper ``i``'s are ``ids[starts[i]:starts[i + 1]]``."""

    starts: np.ndarray
    ids: np.ndarray

    @classmethod
    def of(cls, docs: Sequence[Document], field: str) -> _Members:
        numbers: dict[str, int] = {}
        rows = [[numbers.setdefault(value, len(numbers)) for value in getattr(doc, field)] for doc in docs]
        starts = np.zeros(len(docs) + 1, dtype=np.int64)
        np.cumsum([len(row) for row in rows], out=starts[1:])
        return cls(starts, np.array([n for row in rows for n in row], dtype=np.int64))

    def jaccard(self, i: int, columns: np.ndarray) -> np.ndarray:
        """Overlap of paper ``i``'s set with each of ``columns``' sets.

        Gathered from the candidates' own short lists: a common category (cs.LG)
        has tens of thousands of papers, so looking up its papers would grow with
        the archive.
        """
        mine = self.ids[self.starts[i] : self.starts[i + 1]]
        if not len(mine) or not len(columns):
            return np.zeros(len(columns))
        first, counts = self.starts[columns], self.starts[columns + 1] - self.starts[columns]
        owner = np.repeat(np.arange(len(columns)), counts)
        at = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(first, counts)
        shared = np.bincount(owner, weights=np.isin(self.ids[at], mine), minlength=len(columns))
        union = counts + len(mine) - shared
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


@dataclass(frozen=True)
class _Scoring:
    """Everything a chunk of rows is scored from: picklable, so chunks can be scored in other processes."""

    ids: list[str]
    tags: list[tuple[str, ...]]
    authors: list[tuple[str, ...]]
    matrix: sparse.csr_matrix  # every term: the shared terms a reason names
    terms: np.ndarray
    similar: sparse.csr_matrix  # the terms candidates are found and scored by
    similar_t: sparse.csr_matrix
    bits: np.ndarray
    lsa: np.ndarray | None
    author_sets: _Members
    category_sets: _Members
    k: int
    tag_weight: float
    tag_names: dict[str, str]

    def reasons(self, i: int, j: int) -> tuple[str, ...]:
        reasons = []
        authors = [a for a in self.authors[i] if a in self.authors[j]]
        if authors:
            reasons.append("shared authors: " + ", ".join(authors[:3]) + (" …" if len(authors) > 3 else ""))
        shared = [self.tag_names.get(t, t) for t in self.tags[i] if t in self.tags[j]]
        if shared:
            reasons.append("shared tags: " + ", ".join(shared))
        words = _shared_terms(self.matrix, self.terms, i, j)
        if words:
            reasons.append("shared terms: " + ", ".join(words))
        return tuple(reasons)

    def chunk(self, start: int, stop: int) -> list[list[Related]]:
        """The related papers of rows ``start`` to ``stop``."""
        block = (self.similar[start:stop] @ self.similar_t).tocsr()
        block.sort_indices()  # columns ascending: a pick's score is found by binary search
        bounds = zip(block.indptr[:-1], block.indptr[1:], strict=True)
        return [self.row(start + row, block.indices[lo:hi], block.data[lo:hi]) for row, (lo, hi) in enumerate(bounds)]

    def row(self, i: int, columns: np.ndarray, content: np.ndarray) -> list[Related]:
        content_weight = 1 - self.tag_weight - AUTHOR_WEIGHT - CATEGORY_WEIGHT
        mine = columns != i
        columns, content = columns[mine], content[mine].astype(np.float64)
        tags = _jaccard(self.bits, i, columns)
        if len(columns) > SHORTLIST:  # LSA, authors and categories only re-rank the best candidates by terms and tags
            best = np.sort(_rank(columns, content_weight * content + self.tag_weight * tags, SHORTLIST))
            at = np.searchsorted(columns, best)
            columns, content, tags = best, content[at], tags[at]
        if self.lsa is not None:
            content = (1 - LSA_WEIGHT) * content + LSA_WEIGHT * (self.lsa[columns] @ self.lsa[i])
        scores = (
            content_weight * content
            + self.tag_weight * tags
            + AUTHOR_WEIGHT * self.author_sets.jaccard(i, columns)
            + CATEGORY_WEIGHT * self.category_sets.jaccard(i, columns)
        )
        picks = _rank(columns, scores, self.k)
        score_of = {j: float(scores[np.searchsorted(columns, j)]) for j in picks}
        if len(picks) < self.k:  # too few papers share a term: top up by tag overlap, then id
            everyone = self.tag_weight * _jaccard(self.bits, i, slice(None))
            everyone[i] = -1.0
            everyone[columns] = -1.0
            extra = _rank(np.arange(len(self.ids)), everyone, self.k - len(picks))
            picks += extra
            score_of.update((j, max(0.0, float(everyone[j]))) for j in extra)
        return [Related(self.ids[j], round(score_of[j], 4), self.reasons(i, j)) for j in picks]


def compute_related(
    docs: Sequence[Document],
    *,
    k: int = 5,
    tag_weight: float = TAG_WEIGHT,
    tag_names: dict[str, str] | None = None,
    chunk: int = CHUNK,
    top_terms: int | None = None,
    workers: int | None = None,
) -> dict[str, list[Related]]:
    """The ``k`` most related papers of every paper, best first, with reasons.

    Candidates are the papers sharing at least one term (a sparse product,
    chunk by chunk); each is scored by content and tags. Above ``EXACT_LIMIT``
    papers only each paper's ``TOP_TERMS`` heaviest terms are used, which keeps
    the product sparse. A paper with fewer than ``k`` candidates is topped up
    from the whole archive by tag overlap, then by id, so every paper of an
    archive of two or more gets ``k`` (or all the others), deterministically.
    From ``PARALLEL_MIN`` papers the chunks are scored on every core (``workers``
    overrides); rows do not depend on one another, so the result is the same.
    """
    docs = sorted(docs, key=lambda d: d.id)
    if len(docs) < 2 or k <= 0:
        return {d.id: [] for d in docs}
    matrix, terms = _vectorize(docs)
    if top_terms is None and len(docs) > EXACT_LIMIT:
        top_terms = TOP_TERMS  # exact similarity would make the product dense: quadratic time
    similar = matrix if top_terms is None else _keep_top_terms(matrix, top_terms)
    scoring = _Scoring(
        ids=[d.id for d in docs],
        tags=[d.tags for d in docs],
        authors=[d.authors for d in docs],
        matrix=matrix,
        terms=terms,
        similar=similar,
        similar_t=similar.T.tocsr(),
        bits=_tag_bits(docs),
        lsa=lsa_vectors(matrix) if LSA_WEIGHT and len(docs) <= LSA_LIMIT else None,
        author_sets=_Members.of(docs, "authors"),
        category_sets=_Members.of(docs, "categories"),
        k=min(k, len(docs) - 1),
        tag_weight=tag_weight,
        tag_names=tag_names or {},
    )
    spans = [(start, min(start + chunk, len(docs))) for start in range(0, len(docs), chunk)]
    rows = [row for done in _score(scoring, spans, workers) for row in done]
    return dict(zip(scoring.ids, rows, strict=True))


def _score(scoring: _Scoring, spans: list[tuple[int, int]], workers: int | None) -> Iterator[list[list[Related]]]:
    if workers is None:
        workers = cores_to_use() if len(scoring.ids) >= PARALLEL_MIN else 1
    if workers < 2 or len(spans) < 2:
        yield from (scoring.chunk(start, stop) for start, stop in spans)
        return
    # Each worker receives the scoring once (initializer), then only chunk bounds.
    with process_pool(workers, _worker_init, (scoring,)) as pool:
        yield from pool.map(_worker_chunk, spans)


_WORKER: _Scoring | None = None


def _worker_init(scoring: _Scoring) -> None:
    global _WORKER
    _WORKER = scoring


def _worker_chunk(span: tuple[int, int]) -> list[list[Related]]:
    assert _WORKER is not None
    return _WORKER.chunk(*span)


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
    cached = decoded(path, _loads)  # a damaged entry is said, and computed again
    if cached is not None:
        return cached, True
    result = compute_related(docs, k=k, tag_weight=tag_weight, tag_names=tag_names)
    if path is not None:
        write_entry(path, {pid: [[r.id, r.score, list(r.reasons)] for r in rows] for pid, rows in result.items()})
    return result, False


def _loads(data: bytes) -> dict[str, list[Related]]:
    return {pid: [Related(r[0], r[1], tuple(r[2])) for r in rows] for pid, rows in json.loads(data).items()}
