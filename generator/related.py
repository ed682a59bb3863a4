"""Related papers: each paper's exemplar SVM over tf-idf re-ranks its best candidates, with shared tags added.

What arxiv-sanity-lite does, made to scale. For each paper a linear SVM is
trained with that paper as the only positive and the others as negatives
(``LinearSVC``, C = ``SVM_C``, balanced classes, a fixed seed): it learns which
of the paper's terms set it apart from the archive, which a cosine cannot. Its
decision values rank the paper's candidates. In an archive of up to
``SHORTLIST + NEGATIVES + 1`` papers every other paper is a candidate and a
negative, exactly as arxiv-sanity-lite; in a larger one the candidates are the
``SHORTLIST`` best by tf-idf cosine (and shared tags) and the negatives are
those plus ``NEGATIVES`` papers drawn with a seed of the paper's own id, so
neither the order of the archive nor its other papers' chunks change a result
(above ``LARGE_ARCHIVE`` papers, ``LARGE_SHORTLIST`` and ``LARGE_NEGATIVES``).

A candidate's score is its decision value as a z-score over the negatives, plus
``TAG_WEIGHT`` × the Jaccard overlap of the two papers' final tags:
``scripts/related_quality.py`` measured each part on hand-labelled neighbours.
Reasons a reader reads at a glance: at most three, from the authors
and tags the papers share and the SVM's strongest terms found in both, as whole
phrases of their text. The n×n similarity matrix is never built: candidates are
found a chunk of rows at a time, and only each row's top k is kept.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse

from .cache import decoded, write_entry
from .catalog import Related
from .text import readable
from .workers import process_pool
from .workers import workers as cores_to_use

#: Weight of shared tags (Jaccard overlap), in standard deviations of the SVM's decision values: chosen on the seed's
#: neighbours among 1, 2, 3 and 4 (R@5 0.52 / 0.58 / 0.61 / 0.61), within 0.01 on the test half's. Shared authors and
#: arXiv categories added nothing measurable (scripts/related_quality.py): authors are a reason a reader sees, not a weight.
TAG_WEIGHT = 3.0
#: The exemplar SVM: arxiv-sanity-lite's regularisation, and a tolerance that ranks as its 1e-6 does (related_quality.py) in half the time.
SVM_C = 0.1
SVM_TOL = 1e-3
#: Candidates per paper re-ranked by its SVM (the best by cosine and shared tags), and the papers drawn as further negatives.
SHORTLIST = 200
NEGATIVES = 300
#: Above this many papers each SVM is trained on half as many rows, to keep the stage's time within its budget;
#: 100 candidates and 150 drawn negatives ranked the test half's neighbours as well (related_quality.py, R@5 within 0.01).
LARGE_ARCHIVE = 20_000
LARGE_SHORTLIST = 100
LARGE_NEGATIVES = 150
#: Shared tags' weight when candidates are shortlisted by cosine: a paper on the same topic in other words stays a candidate.
SHORTLIST_TAG_WEIGHT = 0.1
CHUNK = 512
TOP_TERMS = 60  # above EXACT_LIMIT papers: terms per paper used to find candidates and train its SVM
EXACT_LIMIT = 5_000  # up to this many papers, every term is used
CACHE_VERSION = 8
#: From this many papers, chunks are scored on every core: below, starting the workers costs more than it saves.
PARALLEL_MIN = 2_000
#: Words too general to tell a reader why two papers are related, even when the SVM weighs them.
FILLER = frozenset(
    """approach approaches based better different effective efficient existing experiments framework instead method methods model
    models new novel paper problem problems propose proposed results show shows simple state study task tasks use used using various
    work works large small high low performance art significantly demonstrate achieve achieves introduce present step steps size
    input inputs output outputs final learn learned learning accuracy class classes label labels fail fails predict predicting
    prediction predictions variable variables generalize deep neural network networks training train trained set sets number time
    way ways make makes given good quality level end""".split()
)
#: Of a pair's shared terms, how many (the strongest) are read for phrases: past them, none would make the three shown.
PHRASES_READ = 24
#: A single word is a reason only when at most this share of the archive uses it (phrases always may be): a common word says little.
WORD_SHARE = 0.05


@dataclass(frozen=True)
class Document:
    """What similarity is computed from: a paper's id, text and final tags; its authors, for a reason."""

    id: str
    text: str
    tags: tuple[str, ...]
    authors: tuple[str, ...] = ()


def document(paper_id: str, title: str, abstract: str, tags: Sequence[str], authors: Sequence[str] = ()) -> Document:
    return Document(paper_id, f"{readable(title)}. {readable(abstract)}", tuple(sorted(tags)), tuple(sorted(set(authors))))


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


def _tag_bits(docs: Sequence[Document]) -> np.ndarray:
    """Each paper's tags as a row of 64-bit masks: overlap is then a popcount, however many papers."""
    vocabulary = {t: i for i, t in enumerate(sorted({t for d in docs for t in d.tags}))}
    bits = np.zeros((len(docs), max(1, -(-len(vocabulary) // 64))), dtype=np.uint64)
    for row, doc in enumerate(docs):
        for tag in doc.tags:
            word, bit = divmod(vocabulary[tag], 64)
            bits[row, word] |= np.uint64(1) << np.uint64(bit)
    return bits


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


def _seed_of(paper_id: str) -> int:
    """A paper's own random seed: its negatives do not change when other papers come or go around it in the order."""
    return int.from_bytes(hashlib.sha256(paper_id.encode()).digest()[:8], "big")


def _negatives(i: int, count: int, exclude: np.ndarray, seed: int, size: int) -> np.ndarray:
    """``size`` papers other than ``i`` and ``exclude``, drawn with ``seed``; all of them when there are no more."""
    allowed = np.ones(count, dtype=bool)
    allowed[exclude] = False
    allowed[i] = False
    if count - 1 - len(exclude) <= size:
        return np.flatnonzero(allowed)
    rng = np.random.default_rng(seed)
    taken = np.zeros(0, dtype=np.int64)
    while len(taken) < size:  # a few rounds at most: the excluded papers are a small share of the archive
        draw = rng.integers(0, count, size=2 * size)
        taken = np.concatenate([taken, draw[allowed[draw]]])
        taken = taken[np.sort(np.unique(taken, return_index=True)[1])]  # each paper once, in the order drawn
    return np.sort(taken[:size])


@dataclass(frozen=True)
class Exemplar:
    """A paper's exemplar SVM, over the only terms its papers use: every other weight is zero."""

    terms: np.ndarray  # the archive's term of each column
    rows: sparse.csr_matrix  # the paper (row 0), then each negative
    weights: np.ndarray
    bias: float
    decision: np.ndarray  # of each negative


def exemplar_svm(features: sparse.csr_matrix, i: int, negatives: np.ndarray, slots: np.ndarray | None = None) -> Exemplar:
    """Paper ``i``'s exemplar SVM against ``negatives``, deterministic.

    That is ``LinearSVC(C=SVM_C, tol=SVM_TOL, class_weight="balanced", random_state=0)``,
    as arxiv-sanity-lite trains it, on the terms these papers use only:
    liblinear's work then does not grow with the archive's vocabulary.
    ``features`` must be float64, what liblinear takes; ``slots`` is a scratch
    array of -1 per term (returned as it came), so that numbering the columns needs no sort.
    """
    rows = _rows(features, np.concatenate([[i], negatives]))
    if slots is None:
        slots = np.full(features.shape[1], -1, dtype=np.int32)
    terms, columns = _compact(rows.indices, slots)
    rows = sparse.csr_matrix((rows.data, columns, rows.indptr), shape=(rows.shape[0], len(terms)))
    labels = np.zeros(rows.shape[0])
    labels[0] = 1
    balanced = np.array([rows.shape[0] / (2 * len(negatives)), rows.shape[0] / 2])  # classes 0, 1
    weights, bias = _liblinear(rows, labels, balanced)
    return Exemplar(terms, rows, weights, bias, rows[1:] @ weights + bias)


def _compact(indices: np.ndarray, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each distinct term of ``indices`` numbered from 0 in the order first met: (the terms, ``indices`` renumbered).

    Any numbering trains the same SVM (a column's number is only its name);
    this one costs a few passes over the indices, where ``np.unique`` sorts them.
    """
    at = np.arange(len(indices), dtype=np.int32)
    slots[indices] = at  # of a repeated term, one position is kept: which does not matter
    terms = indices[slots[indices] == at]
    slots[terms] = np.arange(len(terms), dtype=np.int32)
    columns = slots[indices]
    slots[terms] = -1
    return terms, columns


def _rows(matrix: sparse.csr_matrix, picked: np.ndarray) -> sparse.csr_matrix:
    """``matrix[picked]``, without scipy's checks of its arguments (they cost more than the copy, once per paper)."""
    starts, stops = matrix.indptr[picked], matrix.indptr[picked + 1]
    lengths = stops - starts
    indptr = np.zeros(len(picked) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    at = np.repeat(starts - indptr[:-1], lengths) + np.arange(indptr[-1])
    return sparse.csr_matrix((matrix.data[at], matrix.indices[at], indptr), shape=(len(picked), matrix.shape[1]))


def _liblinear(rows: sparse.csr_matrix, labels: np.ndarray, class_weight: np.ndarray) -> tuple[np.ndarray, float]:
    """``LinearSVC.fit`` on 0/1 labels, straight into the liblinear that scikit-learn wraps.

    Its checks of inputs and parameters cost twice the fit itself on a few hundred
    rows, and there is one SVM per paper. scikit-learn is pinned; should the
    wrapper ever move, the public ``LinearSVC`` does the same work, slower.
    ``tests/test_related.py`` checks both give the same weights.
    """
    try:
        from sklearn.svm import _liblinear  # type: ignore[attr-defined]

        train = _liblinear.train_wrap
        _liblinear.set_verbosity_wrap(0)  # liblinear prints its progress unless told not to (as LinearSVC tells it)
    except (ImportError, AttributeError):  # pragma: no cover - another scikit-learn
        return _linear_svc(rows, labels, class_weight)
    raw, _ = train(rows, labels, True, _L2_LOSS_DUAL, SVM_TOL, 1.0, SVM_C, class_weight, 10_000, _SVM_SEED, 0.1, np.ones(len(labels)))
    return raw[0, :-1], float(raw[0, -1])


def _linear_svc(rows: sparse.csr_matrix, labels: np.ndarray, class_weight: np.ndarray) -> tuple[np.ndarray, float]:
    from sklearn.svm import LinearSVC

    svm = LinearSVC(C=SVM_C, class_weight=dict(enumerate(class_weight)), tol=SVM_TOL, max_iter=10_000, random_state=0)
    svm.fit(rows, labels)
    return svm.coef_[0], float(svm.intercept_[0])


#: What LinearSVC hands liblinear: the solver number of an L2-regularised squared-hinge SVM solved in its dual, and
#: the seed ``random_state=0`` becomes.
_L2_LOSS_DUAL = 1
_SVM_SEED = int(np.random.RandomState(0).randint(np.iinfo("i").max))


_WORD = re.compile(r"[a-z][a-z0-9-]+")


@lru_cache(maxsize=4096)  # a paper is a candidate of many: its words are read once
def _spoken(text: str) -> str:
    """``text``'s words, lower-cased, between single spaces: a term is a phrase the text really says when `` term `` is in it."""
    return " " + " ".join(_WORD.findall(text.lower())) + " "


@dataclass(frozen=True)
class _Scoring:
    """Everything a chunk of rows is scored from: picklable, so chunks can be scored in other processes."""

    ids: list[str]
    texts: list[str]
    tags: list[tuple[str, ...]]
    authors: list[tuple[str, ...]]
    features: sparse.csr_matrix  # what each SVM is trained on
    terms: np.ndarray
    similar: sparse.csr_matrix  # the terms candidates are found by
    similar_t: sparse.csr_matrix
    frequency: np.ndarray  # papers using each term
    bits: np.ndarray
    k: int
    shortlist: int  # candidates per paper
    negatives: int  # papers drawn as further negatives
    tag_weight: float
    tag_names: dict[str, str]
    slots: np.ndarray  # scratch for exemplar_svm: each process has its own copy

    def chunk(self, start: int, stop: int) -> list[list[Related]]:
        """The related papers of rows ``start`` to ``stop``."""
        block = (self.similar[start:stop] @ self.similar_t).tocsr()
        block.sort_indices()
        bounds = zip(block.indptr[:-1], block.indptr[1:], strict=True)
        return [self.row(start + row, block.indices[lo:hi], block.data[lo:hi]) for row, (lo, hi) in enumerate(bounds)]

    def candidates(self, i: int, columns: np.ndarray, cosine: np.ndarray) -> np.ndarray:
        """Paper ``i``'s ``shortlist`` best by cosine and shared tags, topped up by shared tags alone, then by id."""
        mine = columns != i
        columns, cosine = columns[mine], cosine[mine].astype(np.float64)
        shortlist = min(self.shortlist, len(self.ids) - 1)
        picked = _rank(columns, (1 - SHORTLIST_TAG_WEIGHT) * cosine + SHORTLIST_TAG_WEIGHT * _jaccard(self.bits, i, columns), shortlist)
        if len(picked) < shortlist:  # too few papers share a term
            everyone = _jaccard(self.bits, i, slice(None))
            everyone[i] = -1.0
            everyone[picked] = -1.0
            picked += _rank(np.arange(len(self.ids)), everyone, shortlist - len(picked))
        return np.sort(np.array(picked, dtype=np.int64))

    def row(self, i: int, columns: np.ndarray, cosine: np.ndarray) -> list[Related]:
        candidates = self.candidates(i, columns, cosine)
        drawn = _negatives(i, len(self.ids), candidates, _seed_of(self.ids[i]), self.negatives)
        negatives = np.sort(np.concatenate([candidates, drawn]))  # the two never overlap
        svm = exemplar_svm(self.features, i, negatives, self.slots)
        spread = float(svm.decision.std()) or 1.0
        at = np.searchsorted(negatives, candidates)
        scores = (svm.decision[at] - svm.decision.mean()) / spread + self.tag_weight * _jaccard(self.bits, i, candidates)
        picks = _rank(candidates, scores, self.k)
        score_of = {int(j): float(scores[np.searchsorted(candidates, j)]) for j in picks}
        return [Related(self.ids[j], round(score_of[j], 4), self.reasons(i, j, svm, 1 + int(np.searchsorted(negatives, j)))) for j in picks]

    def reasons(self, i: int, j: int, svm: Exemplar, row: int) -> tuple[str, ...]:
        """At most three, in words: the authors both papers share, their shared tags, the phrases that most made the SVM pick it."""
        reasons = []
        authors = [a for a in self.authors[i] if a in self.authors[j]]
        if authors:
            reasons.append("also by " + _listing(authors, 3))
        shared = [self.tag_names.get(t, t) for t in self.tags[i] if t in self.tags[j]]
        if shared:
            reasons.append("both tagged " + _listing(shared, 3))
        words = self.shared_phrases(i, j, svm, row)
        if words:
            reasons.append("both about " + _listing(words, 3))
        return tuple(reasons[:3])

    def shared_phrases(self, i: int, j: int, svm: Exemplar, row: int, limit: int = 3) -> list[str]:
        """The terms of both papers that count most for ``i``'s SVM, each a word or phrase both texts say, no filler.

        A term pair of the vectorizer may join words that stop words separated
        ("instead of using" gives "instead using"): only pairs written as such
        in both papers count, and a word already inside a chosen phrase is not repeated.
        ``svm`` is ``i``'s, and ``j`` its negative in row ``row``.
        """
        rows = svm.rows
        a, b = slice(rows.indptr[0], rows.indptr[1]), slice(rows.indptr[row], rows.indptr[row + 1])
        common, _, ib = np.intersect1d(rows.indices[a], rows.indices[b], assume_unique=True, return_indices=True)
        if not len(common):
            return []
        pull = svm.weights[common] * rows.data[b][ib]
        common = svm.terms[common]
        order = np.lexsort((common, -pull))[: (pull > 0).sum()][:PHRASES_READ]  # only terms that pulled towards ``i``
        mine, theirs = _spoken(self.texts[i]), _spoken(self.texts[j])
        common_word = max(2, WORD_SHARE * len(self.ids))
        chosen: list[str] = []
        for c in common[order]:
            term = str(self.terms[c])
            if f" {term} " not in mine or f" {term} " not in theirs or any(word in FILLER for word in term.split()):
                continue
            if " " not in term and self.frequency[c] > common_word:
                continue
            if any(term in _words_of(other) for other in chosen):  # a word of a phrase already chosen
                continue
            inside = [n for n, other in enumerate(chosen) if other in _words_of(term)]
            if inside:  # the phrase says more than its word: it takes the word's place
                chosen[inside[0]] = term
                chosen = [other for n, other in enumerate(chosen) if n not in inside[1:]]
            elif len(chosen) < limit:
                chosen.append(term)
        return chosen


def _words_of(term: str) -> list[str]:
    """A term's words, a hyphenated word's parts included: "sequence" is already said by "sequence-to-sequence"."""
    return term.split() + [part for word in term.split() if "-" in word for part in word.split("-")]


def _listing(items: Sequence[str], limit: int) -> str:
    """``a``, ``a and b``, ``a, b and c``; past ``limit`` items, the first ones and how many more."""
    items = list(items)
    if len(items) > limit:
        return ", ".join(items[:limit]) + f" and {len(items) - limit} more"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


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
    chunk by chunk), topped up by shared tags and then by id, so every paper of
    an archive of two or more gets ``k`` (or all the others), deterministically.
    Above ``EXACT_LIMIT`` papers only each paper's ``TOP_TERMS`` heaviest terms
    are used, for candidates and SVMs alike: that keeps both sparse. From
    ``PARALLEL_MIN`` papers the chunks are scored on every core (``workers``
    overrides); rows do not depend on one another, so the result is the same.
    """
    docs = sorted(docs, key=lambda d: d.id)
    if len(docs) < 2 or k <= 0:
        return {d.id: [] for d in docs}
    matrix, terms = _vectorize(docs)
    if top_terms is None and len(docs) > EXACT_LIMIT:
        top_terms = TOP_TERMS  # every term would make the product dense (quadratic time) and each SVM slow
    similar = matrix if top_terms is None else _keep_top_terms(matrix, top_terms)
    scoring = _Scoring(
        ids=[d.id for d in docs],
        texts=[d.text for d in docs],
        tags=[d.tags for d in docs],
        authors=[d.authors for d in docs],
        features=similar.astype(np.float64),  # what liblinear takes: no copy per SVM
        terms=terms,
        similar=similar,
        similar_t=similar.T.tocsr(),
        frequency=np.bincount(similar.indices, minlength=len(terms)),
        bits=_tag_bits(docs),
        k=min(k, len(docs) - 1),
        shortlist=SHORTLIST if len(docs) <= LARGE_ARCHIVE else LARGE_SHORTLIST,
        negatives=NEGATIVES if len(docs) <= LARGE_ARCHIVE else LARGE_NEGATIVES,
        tag_weight=tag_weight,
        tag_names=tag_names or {},
        slots=np.full(len(terms), -1, dtype=np.int32),
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
        digest.update(json.dumps([doc.id, doc.text, doc.tags, doc.authors]).encode())
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
