"""The tagger's model: trained deterministically, cached by content, moved by a curator's corrections, explained, and asked for suggestions."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from conftest import SEED, papers

from generator.classifier import Example, Model, cached_train, correction, document_text, fully_labelled, neighbour_votes, predict, train
from generator.config import DEFAULT_TAXONOMY
from generator.tagging import load_taxonomy, rule_result, rules_all

TAXONOMY = load_taxonomy(DEFAULT_TAXONOMY)
SLUGS = list(TAXONOMY.rules)
THRESHOLDS = {slug: rule.threshold for slug, rule in TAXONOMY.rules.items()}

# A small world: papers about message passing on graphs have the tag "graphs"; papers about
# pictures do not; papers about molecules are not labelled at all, and use none of the words.
GRAPH_WORDS = ["message passing", "node embeddings", "graph neural networks", "edge features", "link prediction", "node classification"]
IMAGE_WORDS = ["convolutional filters", "pixel intensities", "image patches", "photographs", "segmentation masks", "texture statistics"]
MOLECULE_WORDS = ["molecules", "atoms", "bond lengths", "protein pockets", "ligand affinity", "conformers"]


def paper_about(words: list[str], seed: int) -> tuple[str, str]:
    rng = random.Random(seed)
    picked = rng.sample(words, 4)
    title = f"On {picked[0]} and {picked[1]}"
    abstract = (
        f"We study {picked[0]}, {picked[1]} and {picked[2]}. Our method relates {picked[3]} to {picked[0]} and improves {picked[2]} in experiments {seed}."
    )
    return title, abstract


def world() -> list[Example]:
    graphs = [fully_labelled(*paper_about(GRAPH_WORDS, i), ["graphs"], SLUGS) for i in range(12)]
    images = [fully_labelled(*paper_about(IMAGE_WORDS, 100 + i), ["computer-vision"], SLUGS) for i in range(12)]
    return graphs + images


def rules_of(examples: list[Example]) -> list[dict[str, float]]:
    return [rule_result(TAXONOMY, e.title, e.abstract)[1] for e in examples]


def tags_of(model, title: str, abstract: str) -> list[str]:
    return predict(model, TAXONOMY, [(title, abstract)], [rule_result(TAXONOMY, title, abstract)])[0]


def test_training_is_deterministic_whatever_the_order_of_the_examples() -> None:
    examples = world()
    shuffled = examples[::-1]
    assert train(examples, rules_of(examples), THRESHOLDS).dumps() == train(shuffled, rules_of(shuffled), THRESHOLDS).dumps()


def test_the_model_learns_a_tag_from_labelled_papers_and_refuses_it_elsewhere() -> None:
    model = train(world(), rules_of(world()), THRESHOLDS)
    assert "graphs" in model.tags and "audio-speech" not in model.tags  # no labelled paper has audio: the rules decide it
    assert "graphs" in tags_of(model, *paper_about(GRAPH_WORDS, 999))
    assert "graphs" not in tags_of(model, *paper_about(IMAGE_WORDS, 998))


def test_with_no_labelled_papers_nothing_is_learned_and_the_rules_decide(tmp_path: Path) -> None:
    taxonomy = load_taxonomy(DEFAULT_TAXONOMY)
    model, _ = cached_train([], taxonomy, tmp_path)
    assert model.tags == {} and model.vectorize(["any text"]).shape == (1, 0)
    again = Model.loads(model.dumps())
    papers = [("Image classification with convolutional networks", "We study image classification on ImageNet.")]
    ((rule_tags, _),) = rules_all(taxonomy, papers)
    assert "computer-vision" in rule_tags and predict(again, taxonomy, papers, rules_all(taxonomy, papers)) == [sorted(rule_tags)]


def test_a_trained_model_is_cached_by_content_and_retrained_when_an_example_changes(tmp_path: Path) -> None:
    from generator import classifier

    classifier._TRAINED.clear()  # as a fresh process: nothing trained yet
    examples = world()
    first, trained = cached_train(examples, TAXONOMY, tmp_path)
    again, trained_again = cached_train(list(reversed(examples)), TAXONOMY, tmp_path)
    assert trained and not trained_again and again.dumps() == first.dumps()
    assert len(list(tmp_path.glob("model-*.npz"))) == 1
    classifier._TRAINED.clear()
    assert not cached_train(examples, TAXONOMY, tmp_path)[1]  # read back from the cache folder
    _, retrained = cached_train([*examples[:-1], fully_labelled("A new paper", "About pixels.", [], SLUGS)], TAXONOMY, tmp_path)
    assert retrained and len(list(tmp_path.glob("model-*.npz"))) == 1  # the old entry is replaced, not kept


def test_a_truncated_model_in_the_cache_is_said_once_and_trained_again(tmp_path: Path, cache_log: list[str]) -> None:
    from generator import classifier

    classifier._TRAINED.clear()
    first, _ = cached_train(world(), TAXONOMY, tmp_path)
    (entry,) = tmp_path.glob("model-*.npz")
    entry.write_bytes(entry.read_bytes()[:100])  # as a full disk or a killed copy of .cache leaves it
    classifier._TRAINED.clear()  # a fresh process: the model must come from the cache folder
    again, trained = cached_train(world(), TAXONOMY, tmp_path)
    assert trained and again.dumps() == first.dumps()
    assert len(cache_log) == 1 and str(entry) in cache_log[0] and "truncated" in cache_log[0], cache_log
    classifier._TRAINED.clear()
    assert not cached_train(world(), TAXONOMY, tmp_path)[1] and len(cache_log) == 1  # the new entry is whole


def test_a_few_curator_corrections_teach_the_model_about_their_neighbours() -> None:
    unseen = paper_about(MOLECULE_WORDS, 500)
    before = train(world(), rules_of(world()), THRESHOLDS)
    assert "graphs" not in tags_of(before, *unseen)
    corrected = [correction(*paper_about(MOLECULE_WORDS, 600 + i), added=["graphs"], removed=[]) for i in range(3)]
    examples = world() + [c for c in corrected if c is not None]
    after = train(examples, rules_of(examples), THRESHOLDS)
    assert "graphs" in tags_of(after, *unseen)


def test_the_nearest_labelled_papers_vote_by_similarity_and_a_correction_counts_more() -> None:
    from scipy import sparse

    labelled = sparse.csr_matrix(np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]]))
    labels = np.array([[1.0, 0.0], [0.0, np.nan], [0.0, 1.0]])  # the second paper is labelled for the first tag only
    near_first = sparse.csr_matrix(np.array([[0.8, 0.6]]))
    plain = neighbour_votes(near_first, labelled, labels, np.ones(3))
    corrected = neighbour_votes(near_first, labelled, labels, np.array([1.0, 3.0, 1.0]))
    assert 0 < corrected[0, 0] < plain[0, 0] < 1  # the second paper's "no" weighs three times as much
    assert plain[0, 1] == corrected[0, 1] > 0  # it has no say on the second tag
    themselves = neighbour_votes(labelled, labelled, labels, np.ones(3), exclude_self=True)
    assert themselves[0, 0] == 0.0  # the first paper's own "yes" does not count for itself


def test_neighbour_votes_do_not_depend_on_how_the_rows_are_split(monkeypatch) -> None:
    from generator import classifier

    examples = world()
    model = train(examples, rules_of(examples), THRESHOLDS)
    rows = model.vectorize([document_text(*paper_about(GRAPH_WORDS + IMAGE_WORDS, 900 + i)) for i in range(7)])
    whole = model.votes(rows)
    monkeypatch.setattr(classifier, "NEIGHBOUR_BLOCK", 2)
    assert np.array_equal(model.votes(rows), whole) and whole.max() > 0
    assert np.array_equal(Model.loads(model.dumps()).votes(rows), whole)


def test_a_curator_removal_is_a_negative_example_for_that_tag_only() -> None:
    example = correction("T", "A.", added=["theory"], removed=["gans"])
    assert example is not None and example.labels == (("gans", False), ("theory", True)) and example.weight > 1
    assert correction("T", "A.", added=[], removed=[]) is None


def test_explain_shows_rules_model_score_words_threshold_and_override(project: Path) -> None:
    papers(project, "import", str(SEED))
    record = next((project / "archive").rglob("pointer-networks.yaml"))
    record.write_text(record.read_text().replace("tags_add: []", "tags_add: [theory]"))
    result = papers(project, "tags", "explain", "pointer-networks")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "pointer-networks: Pointer Networks" and lines[1].startswith("final tags: ") and "theory" in lines[1]
    assert any(line.startswith("added by curator (tags_add) theory: score") or line.startswith("GIVEN   theory") for line in lines)
    model_lines = [line for line in lines if line.startswith("    model: P = ")]
    assert len(model_lines) >= 10 and all("/ threshold 0." in line and "; rules " in line for line in model_lines)
    assert any("; words: " in line for line in model_lines)


def test_suggest_lists_untagged_papers_most_likely_first_and_names_unknown_tags(project: Path) -> None:
    papers(project, "import", str(SEED))
    result = papers(project, "tags", "suggest", "reasoning", "--limit", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("papers without reasoning most likely to deserve it")
    scores = [float(line.split()[0]) for line in lines[1:]]
    assert 1 <= len(scores) <= 3 and scores == sorted(scores, reverse=True)
    bad = papers(project, "tags", "suggest", "no-such-tag")
    assert bad.returncode == 1 and "unknown tag 'no-such-tag'" in bad.stderr and "Traceback" not in bad.stderr


def test_probabilities_are_the_same_on_every_core_and_from_the_cache(tmp_path: Path, monkeypatch) -> None:
    from generator import classifier

    model = train(world(), rules_of(world()), THRESHOLDS)
    pairs = [paper_about(GRAPH_WORDS if i % 2 else IMAGE_WORDS, 300 + i) for i in range(12)]
    results = [rule_result(TAXONOMY, *p) for p in pairs]
    alone = classifier.probabilities(model, TAXONOMY, pairs, results)
    monkeypatch.setattr(classifier, "PARALLEL_MIN", 4)
    monkeypatch.setattr(classifier, "workers", lambda: 2)
    shared = classifier._probabilities_many(model, TAXONOMY, pairs, results)
    assert np.array_equal(alone, shared, equal_nan=True)
    cached = classifier.cached_probabilities(model, "key", TAXONOMY, pairs, results, tmp_path)
    again = classifier.cached_probabilities(model, "key", TAXONOMY, pairs, results, tmp_path)
    assert np.array_equal(cached, alone, equal_nan=True) and np.array_equal(again, alone, equal_nan=True)
