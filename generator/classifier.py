"""The tagger's learned half: a linear classifier per tag over tf-idf features, with the rules' score as one more feature.

Hand-written evidence rules generalise poorly: every new phrasing needs a new
rule. So each tag also gets a logistic regression over the words and word pairs
of title and abstract, trained on labelled papers, plus two more signals of
every tag as features: the rules' score, and the votes of the paper's nearest
labelled papers (by tf-idf cosine). The rules stay one signal, the model learns
how far to trust each, and a tag can lean on another's evidence (image
generation on computer vision). The votes let a paper follow labelled papers
much like it, a curator's corrections included, where its words alone would not
(scripts/tune_tagger.py: F1 0.797 -> 0.813 on held-out tuning papers). A tag is given when the model's probability reaches the tag's
threshold, calibrated on held-out predictions (cross-validation) of the
labelled papers. A tag with too few labelled papers keeps the rules' verdict.

Training data:

- labelled papers shipped with the package (``data/training.yaml``: the tuning half
  of the evaluation corpus and the seed, labelled from the tag descriptions);
- the curator's corrections: every ``tags_add`` is a paper that has the tag,
  every ``tags_remove`` one that has not. Correcting a few papers moves the
  model, so their neighbours change at the next build.

Training is deterministic (sorted examples, fixed seeds, a deterministic
solver) and cached by the digest of everything it reads. Predicting needs only
numpy: the model is a vocabulary, idf weights and one weight vector per tag.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

from .cache import decoded, read_entry, write_bytes, write_entry
from .errors import PapersError, read_yaml
from .tagging import PARALLEL_MIN, TAGGER_VERSION, RuleResult, Taxonomy, load_taxonomy, paper_key, rule_result
from .text import readable
from .workers import process_pool, workers

CLASSIFIER_VERSION = "2"  # bump when features or training change, to invalidate cached models
#: A tag needs this many labelled papers with it, and without it, to be learned; else the rules decide.
MIN_EXAMPLES = 4
#: A curator's correction counts as this many labelled papers: it is the archive's own truth.
CORRECTION_WEIGHT = 3.0
#: Words (1) and word pairs (2) are features.
NGRAMS = (1, 2)
#: Inverse regularisation strength of the logistic regressions, and their class weights.
C = 4.0
CLASS_WEIGHT: str | None = "balanced"
#: The rules' score enters as min(score / threshold, RULE_CAP).
RULE_CAP = 2.0
#: A paper's nearest labelled papers that vote on its tags, each by its cosine similarity to this power (times its weight:
#: a correction counts more), chosen by scripts/tune_tagger.py among 10, 20, 40 and powers 1, 2.
NEIGHBOURS = 20
NEIGHBOUR_POWER = 1.0
#: Rows of papers whose neighbours are found at once: a block of similarities is this many × the labelled papers.
NEIGHBOUR_BLOCK = 2048
#: Folds of the cross-validation that calibrates the thresholds.
FOLDS = 5
#: Thresholds are kept in this range, so that no tag is given to everything or to nothing.
THRESHOLD_RANGE = (0.15, 0.85)
#: A tag's threshold is the one with the best F1 among those reaching this precision on held-out papers (if any does):
#: a wrong tag in a tag's feed costs its subscribers more than a missed one.
TARGET_PRECISION = 0.85


class TrainingDataError(PapersError):
    """A training file cannot be read."""


@dataclass(frozen=True)
class Example:
    """A labelled paper: for some tags (all of them for a fully labelled paper) whether it has the tag."""

    title: str
    abstract: str
    labels: tuple[tuple[str, bool], ...]
    weight: float = 1.0

    @property
    def key(self) -> str:
        return hashlib.sha1(f"{self.title}\0{self.abstract}\0{self.labels}\0{self.weight}".encode()).hexdigest()


def fully_labelled(title: str, abstract: str, tags: Iterable[str], slugs: Sequence[str]) -> Example:
    """A paper labelled for every tag: it has ``tags`` and none of the others."""
    have = set(tags)
    return Example(title, abstract, tuple((slug, slug in have) for slug in slugs))


def correction(title: str, abstract: str, added: Iterable[str], removed: Iterable[str]) -> Example | None:
    """A curator's correction as an example (None when there is none)."""
    labels = tuple(sorted([(slug, True) for slug in added] + [(slug, False) for slug in removed]))
    return Example(title, abstract, labels, CORRECTION_WEIGHT) if labels else None


def load_training(path: Path, taxonomy: Taxonomy) -> list[Example]:
    """Fully labelled papers from a YAML file: ``papers: [{title, abstract, tags: [...]}, ...]``; renamed tags followed."""
    data = read_yaml(path, TrainingDataError, missing="set the papers option 'training' to a labelled set, or leave it out to use the shipped one")
    papers = data.get("papers") if isinstance(data, dict) else None
    if not isinstance(papers, list):
        raise TrainingDataError(f"{path}: expected a mapping with a 'papers' list")
    slugs = list(taxonomy.rules)
    examples = []
    for i, paper in enumerate(papers, 1):
        if not (isinstance(paper, dict) and isinstance(paper.get("title"), str) and isinstance(paper.get("abstract"), str)):
            raise TrainingDataError(f"{path}: paper {i} needs a title and an abstract")
        tags = [taxonomy.resolve(tag) or tag for tag in paper.get("tags") or []]
        unknown = sorted(set(tags) - set(slugs))
        if unknown:
            raise TrainingDataError(f"{path}: paper {i} ({paper['title'][:60]!r}) has unknown tag(s) {', '.join(unknown)}; use the taxonomy's slugs")
        examples.append(fully_labelled(paper["title"], paper["abstract"], tags, slugs))
    return examples


def document_text(title: str, abstract: str) -> str:
    """What the model reads: the title twice (a title word says more than an abstract word), then the abstract."""
    title = readable(title)
    return f"{title}. {title}. {readable(abstract)}"


def rule_signal(score: float, threshold: float) -> float:
    return min(score / threshold, RULE_CAP) if threshold > 0 else 0.0


# --- The model ---------------------------------------------------------------------------


@dataclass
class TagModel:
    """One tag's weights: each word's, each tag's rules signal's and neighbours' vote's, the bias; and the probability that gives the tag."""

    words: np.ndarray
    rules: np.ndarray
    bias: float
    threshold: float
    votes: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass
class Model:
    vocabulary: dict[str, int]
    idf: np.ndarray
    tags: dict[str, TagModel] = field(default_factory=dict)
    #: The labelled papers that vote: their tf-idf rows, their labels per tag (taxonomy order; NaN: not labelled), their weights.
    labelled: sparse.csr_matrix = field(default_factory=lambda: sparse.csr_matrix((0, 0)))
    labels: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def vectorize(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """tf-idf rows (sublinear tf, l2-normalised), over the trained vocabulary."""
        if not self.vocabulary:  # trained on nothing
            return sparse.csr_matrix((len(texts), 0))
        vectorizer = _vectorizer(vocabulary=self.vocabulary)
        counts = vectorizer.fit_transform(texts).astype(np.float64)  # a fixed vocabulary: fitting only counts
        counts.data = 1.0 + np.log(counts.data)
        weighted = counts @ sparse.diags(self.idf)
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ weighted)

    def votes(self, matrix: sparse.csr_matrix, exclude_self: bool = False) -> np.ndarray:
        """Each row's neighbours' vote on each tag (0 to 1): ``neighbour_votes`` over the labelled papers."""
        return neighbour_votes(matrix, self.labelled, self.labels, self.weights, exclude_self)

    def probabilities(self, matrix: sparse.csr_matrix, rules: np.ndarray, slugs: Sequence[str]) -> np.ndarray:
        """P(tag) for each row and each of ``slugs`` (NaN where a tag was not learned); ``rules`` is rows × slugs."""
        out = np.full((matrix.shape[0], len(slugs)), np.nan)
        votes = self.votes(matrix)
        for j, slug in enumerate(slugs):
            model = self.tags.get(slug)
            if model is not None:
                out[:, j] = _sigmoid(matrix @ model.words + rules @ model.rules + votes @ model.votes + model.bias)
        return out

    def contributions(self, row: sparse.csr_matrix, slug: str, limit: int = 5) -> list[tuple[str, float]]:
        """The words that pushed the tag's score most, up or down: (word, contribution)."""
        model = self.tags[slug]
        terms = {index: term for term, index in self.vocabulary.items()}
        pairs = [(terms[i], float(v * model.words[i])) for i, v in zip(row.indices, row.data, strict=True)]
        pairs.sort(key=lambda pair: (-abs(pair[1]), pair[0]))
        return pairs[:limit]

    # Serialised as one .npz: arrays, and the vocabulary as JSON.
    def dumps(self) -> bytes:
        slugs = sorted(self.tags)
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            idf=self.idf,
            words=np.array([self.tags[s].words for s in slugs]) if slugs else np.zeros((0, len(self.idf))),
            rules=np.array([self.tags[s].rules for s in slugs]) if slugs else np.zeros((0, 0)),
            votes=np.array([self.tags[s].votes for s in slugs]) if slugs else np.zeros((0, 0)),
            scalars=np.array([[self.tags[s].bias, self.tags[s].threshold] for s in slugs]).reshape(-1, 2),
            labelled_data=self.labelled.data,
            labelled_indices=self.labelled.indices,
            labelled_indptr=self.labelled.indptr,
            labelled_shape=np.array(self.labelled.shape),
            labels=self.labels,
            weights=self.weights,
            meta=np.frombuffer(json.dumps({"vocabulary": self.vocabulary, "slugs": slugs}).encode(), dtype=np.uint8),
        )
        return buffer.getvalue()

    @classmethod
    def loads(cls, data: bytes) -> Model:
        arrays = np.load(io.BytesIO(data))
        meta = json.loads(arrays["meta"].tobytes().decode())
        tags = {
            slug: TagModel(arrays["words"][i], arrays["rules"][i], float(bias), float(threshold), arrays["votes"][i])
            for i, (slug, (bias, threshold)) in enumerate(zip(meta["slugs"], arrays["scalars"], strict=True))
        }
        labelled = sparse.csr_matrix((arrays["labelled_data"], arrays["labelled_indices"], arrays["labelled_indptr"]), shape=tuple(arrays["labelled_shape"]))
        return cls(meta["vocabulary"], arrays["idf"], tags, labelled, arrays["labels"], arrays["weights"])


def neighbour_votes(matrix: sparse.csr_matrix, labelled: sparse.csr_matrix, labels: np.ndarray, weights: np.ndarray, exclude_self: bool = False) -> np.ndarray:
    """For each row, each tag's share among its ``NEIGHBOURS`` most similar labelled papers that are labelled for it.

    Each neighbour counts its cosine similarity to ``NEIGHBOUR_POWER`` times its
    weight (a correction counts more), so a near twin outweighs a loose match.
    ``exclude_self``: the rows are the labelled papers themselves, and none votes
    for itself (how the model learns what a vote is worth). Only the set of the
    nearest counts, not their order, so the result is the same however the
    rows are split.
    """
    out = np.zeros((matrix.shape[0], labels.shape[1] if labels.ndim == 2 else 0))
    if labelled.shape[0] == 0 or out.shape[1] == 0:
        return out
    known = ~np.isnan(labels)
    positive = np.where(known, labels, 0.0)
    take = min(NEIGHBOURS, labelled.shape[0] - (1 if exclude_self else 0))
    if take <= 0:
        return out
    for start in range(0, matrix.shape[0], NEIGHBOUR_BLOCK):
        similarity = (matrix[start : start + NEIGHBOUR_BLOCK] @ labelled.T).toarray()
        if exclude_self:
            rows = np.arange(similarity.shape[0])
            similarity[rows, rows + start] = -np.inf
        nearest = np.argpartition(-similarity, take - 1, axis=1)[:, :take]
        strength = np.clip(np.take_along_axis(similarity, nearest, axis=1), 0.0, None) ** NEIGHBOUR_POWER * weights[nearest]
        votes = np.einsum("rk,rkt->rt", strength, positive[nearest])
        counted = np.einsum("rk,rkt->rt", strength, known[nearest].astype(np.float64))
        out[start : start + len(similarity)] = np.divide(votes, counted, out=np.zeros_like(votes), where=counted > 0)
    return out


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def _vectorizer(vocabulary: dict[str, int] | None = None):
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer(
        vocabulary=vocabulary,
        ngram_range=NGRAMS,
        min_df=1 if vocabulary else 2,
        max_features=None if vocabulary else 30000,
        stop_words="english",
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9]+\b",
        lowercase=True,
        dtype=np.float64,
    )


# --- Training ------------------------------------------------------------------------------


def train(examples: Sequence[Example], rules: Sequence[dict[str, float]], thresholds: dict[str, float]) -> Model:
    """A model from ``examples``; ``rules[i]`` holds the rules' score per tag for example i, ``thresholds`` each tag's rule threshold.

    Deterministic: examples are taken in the order of their keys, and every
    random choice has a fixed seed.
    """
    order = sorted(range(len(examples)), key=lambda i: examples[i].key)
    examples = [examples[i] for i in order]
    rules = [rules[i] for i in order]
    texts = [document_text(e.title, e.abstract) for e in examples]
    try:
        counts = _vectorizer().fit(texts)
    except ValueError:  # no term in two examples (no examples, or a handful): nothing to learn, the rules decide every tag
        return Model({}, np.zeros(0))
    vocabulary = {term: int(index) for term, index in sorted(counts.vocabulary_.items())}
    documents = len(texts)
    frequency = np.asarray((counts.transform(texts) > 0).sum(axis=0)).ravel()
    idf = np.log((1 + documents) / (1 + frequency)) + 1.0
    model = Model(vocabulary, idf)
    matrix = model.vectorize(texts)
    slugs = list(thresholds)
    model.labelled, model.labels, model.weights = matrix, label_table(examples, slugs), np.array([e.weight for e in examples])
    signal = np.array([[rule_signal(r.get(slug, 0.0), threshold) for slug, threshold in thresholds.items()] for r in rules]).reshape(len(rules), -1)
    signal = np.hstack([signal, model.votes(matrix, exclude_self=True)])
    for slug in thresholds:
        learned = _train_tag(slug, examples, matrix, signal)
        if learned is not None:
            model.tags[slug] = learned
    return model


def label_table(examples: Sequence[Example], slugs: Sequence[str]) -> np.ndarray:
    """Each example's label per tag, in ``slugs``' order: 1, 0, or NaN where it is not labelled for the tag (a correction)."""
    table = np.full((len(examples), len(slugs)), np.nan)
    column = {slug: j for j, slug in enumerate(slugs)}
    for i, example in enumerate(examples):
        for slug, label in example.labels:
            if slug in column:
                table[i, column[slug]] = float(label)
    return table


def _train_tag(slug: str, examples: Sequence[Example], matrix: sparse.csr_matrix, signal: np.ndarray) -> TagModel | None:
    rows, labels, weights, full = [], [], [], []
    for i, example in enumerate(examples):
        label = dict(example.labels).get(slug)
        if label is not None:
            rows.append(i)
            labels.append(int(label))
            weights.append(example.weight)
            full.append(example.weight == 1.0 and len(example.labels) > 1)
    y = np.array(labels)
    if y.sum() < MIN_EXAMPLES or (len(y) - y.sum()) < MIN_EXAMPLES:
        return None
    features = sparse.hstack([matrix[rows], sparse.csr_matrix(signal[rows])]).tocsr()
    weight = np.array(weights)
    fitted = _fit(features, y, weight)
    threshold = _calibrate(features, y, weight, np.array(full))
    words, tags = matrix.shape[1], signal.shape[1] // 2
    coef = fitted.coef_[0]
    return TagModel(coef[:words].copy(), coef[words : words + tags].copy(), float(fitted.intercept_[0]), threshold, coef[words + tags :].copy())


def _fit(features: sparse.csr_matrix, y: np.ndarray, weight: np.ndarray):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, class_weight=CLASS_WEIGHT, solver="liblinear", random_state=0, max_iter=1000).fit(features, y, sample_weight=weight)


def _calibrate(features: sparse.csr_matrix, y: np.ndarray, weight: np.ndarray, full: np.ndarray) -> float:
    """The probability with the best F1 among those precise enough (``TARGET_PRECISION``), on held-out predictions of the fully labelled papers."""
    from sklearn.model_selection import StratifiedKFold

    folds = min(FOLDS, int(y.sum()), int(len(y) - y.sum()))
    if folds < 2:
        return 0.5
    held_out = np.zeros(len(y))
    for train_rows, test_rows in StratifiedKFold(folds, shuffle=True, random_state=0).split(np.zeros(len(y)), y):
        fitted = _fit(features[train_rows], y[train_rows], weight[train_rows])
        held_out[test_rows] = fitted.predict_proba(features[test_rows])[:, 1]
    scores, truth = held_out[full], y[full]
    if truth.sum() == 0:
        return 0.5
    candidates = []
    for threshold in np.round(np.arange(THRESHOLD_RANGE[0], THRESHOLD_RANGE[1] + 1e-9, 0.025), 3):
        given = scores >= threshold
        tp = float((given & (truth == 1)).sum())
        f1 = round(2 * tp / (given.sum() + truth.sum()), 9)
        precise = bool(given.sum()) and tp / given.sum() >= TARGET_PRECISION
        candidates.append(((precise, f1), float(threshold)))
    best = max(key for key, _ in candidates)
    tied = [threshold for key, threshold in candidates if key == best]
    return tied[len(tied) // 2]  # the middle of the best range: the safest margin either way


# --- Cached training and prediction ---------------------------------------------------------


def _thresholds(taxonomy: Taxonomy) -> dict[str, float]:
    return {slug: rule.threshold for slug, rule in taxonomy.rules.items()}


def digest(examples: Sequence[Example], taxonomy: Taxonomy) -> str:
    """What a trained model depends on: the examples, the taxonomy (the rules' scores follow from both) and the settings."""
    settings = (CLASSIFIER_VERSION, TAGGER_VERSION, MIN_EXAMPLES, CORRECTION_WEIGHT, NGRAMS, C, CLASS_WEIGHT)
    settings += (RULE_CAP, FOLDS, THRESHOLD_RANGE, TARGET_PRECISION, NEIGHBOURS, NEIGHBOUR_POWER)
    sha = hashlib.sha256(repr(settings).encode() + taxonomy.path.read_bytes())
    for key in sorted(e.key for e in examples):
        sha.update(key.encode())
    return sha.hexdigest()[:16]


def cached_train(examples: Sequence[Example], taxonomy: Taxonomy, cache_dir: Path | None) -> tuple[Model, bool]:
    """``train`` on ``examples``, reusing the cached model of the same inputs; (model, whether it was trained now)."""
    key = digest(examples, taxonomy)
    if key in _TRAINED:  # this process trained it already (`mkdocs serve` rebuilds, a test session)
        return _TRAINED[key], False
    path = cache_dir / f"model-{key}.npz" if cache_dir is not None else None
    model = decoded(path, Model.loads)  # a damaged entry is said, and trained again
    if model is not None:
        _remember(key, model)
        return model, False
    rules = [rule_result(taxonomy, e.title, e.abstract)[1] for e in examples]
    model = train(examples, rules, _thresholds(taxonomy))
    if path is not None:
        write_bytes(path, model.dumps())
    _remember(key, model)
    return model, True


_TRAINED: dict[str, Model] = {}
#: Models kept in memory (a few MB each): a curator who adds a correction and takes it back again finds both.
KEPT_MODELS = 4


def _remember(key: str, model: Model) -> None:
    _TRAINED.pop(key, None)
    _TRAINED[key] = model  # the newest last
    while len(_TRAINED) > KEPT_MODELS:
        del _TRAINED[next(iter(_TRAINED))]


def signals(taxonomy: Taxonomy, results: Sequence[RuleResult]) -> np.ndarray:
    """The rules' signal for each paper (rows) and tag (columns, in taxonomy order)."""
    rules = list(taxonomy.rules.values())
    return np.array([[rule_signal(scores.get(rule.slug, 0.0), rule.threshold) for rule in rules] for _, scores in results]).reshape(len(results), len(rules))


def probabilities(model: Model, taxonomy: Taxonomy, papers: Sequence[tuple[str, str]], results: Sequence[RuleResult]) -> np.ndarray:
    """P(tag) of each (title, abstract) for each tag in taxonomy order, to 6 decimals; NaN where the model did not learn the tag.

    Rounded so that a probability read back from the cache decides exactly as a fresh one.
    """
    if not papers:
        return np.zeros((0, len(taxonomy.rules)))
    table = model.probabilities(model.vectorize([document_text(t, a) for t, a in papers]), signals(taxonomy, results), list(taxonomy.rules))
    return np.round(table, 6)


def _probabilities_chunk(papers: list[tuple[str, str]], results: list[RuleResult]) -> np.ndarray:
    model, taxonomy = _WORKER
    return probabilities(model, taxonomy, papers, results)


_WORKER: tuple[Model, Taxonomy] = None  # type: ignore[assignment]  # set in each worker process


def _start_worker(model: bytes, taxonomy: str) -> None:
    global _WORKER
    _WORKER = (Model.loads(model), load_taxonomy(Path(taxonomy)))


def _probabilities_many(model: Model, taxonomy: Taxonomy, papers: list[tuple[str, str]], results: list[RuleResult]) -> np.ndarray:
    """``probabilities``, on every core when there are many papers (the results do not depend on it)."""
    count = workers()
    if len(papers) < PARALLEL_MIN or count < 2:
        return probabilities(model, taxonomy, papers, results)
    size = -(-len(papers) // (count * 4))
    starts = range(0, len(papers), size)
    with process_pool(count, _start_worker, (model.dumps(), str(taxonomy.path))) as pool:
        chunks = pool.map(_probabilities_chunk, [papers[i : i + size] for i in starts], [results[i : i + size] for i in starts])
        return np.vstack(list(chunks))


def cached_probabilities(
    model: Model, model_key: str, taxonomy: Taxonomy, papers: list[tuple[str, str]], results: list[RuleResult], cache_dir: Path | None
) -> np.ndarray:
    """``probabilities`` of many papers, reusing those of unchanged papers under the same model (``model_key``)."""
    path = cache_dir / f"probabilities-{model_key}.json" if cache_dir is not None else None
    loaded = read_entry(path)
    known: dict[str, list] = loaded if isinstance(loaded, dict) else {}
    keys = [paper_key(title, abstract) for title, abstract in papers]
    todo = [i for i, key in enumerate(keys) if key not in known]
    fresh = _probabilities_many(model, taxonomy, [papers[i] for i in todo], [results[i] for i in todo])
    rows = {keys[i]: [None if np.isnan(v) else float(v) for v in row] for i, row in zip(todo, fresh, strict=True)}
    table = np.array([[np.nan if v is None else v for v in (rows.get(key) or known[key])] for key in keys], dtype=np.float64)
    table = table.reshape(len(keys), len(taxonomy.rules))
    current = {key: rows.get(key) or known[key] for key in keys}
    if path is not None and current != known:
        write_entry(path, current)
    return table


def decide(model: Model, taxonomy: Taxonomy, row: np.ndarray, rule_tags: Sequence[str]) -> list[str]:
    """A paper's automatic tags: the model's where it learned the tag, the rules' elsewhere; then the tags these imply."""
    given = {slug for slug, p in zip(taxonomy.rules, row, strict=True) if (p >= model.tags[slug].threshold if slug in model.tags else slug in rule_tags)}
    todo = sorted(given)
    while todo:  # implied tags, and theirs
        for target in taxonomy.rules[todo.pop()].implies:
            if target not in given:
                given.add(target)
                todo.append(target)
    return sorted(given)


def predict(model: Model, taxonomy: Taxonomy, papers: Sequence[tuple[str, str]], results: Sequence[RuleResult]) -> list[list[str]]:
    """The automatic tags of each (title, abstract) (``decide``)."""
    table = probabilities(model, taxonomy, papers, results)
    return [decide(model, taxonomy, row, rule_tags) for row, (rule_tags, _) in zip(table, results, strict=True)]
