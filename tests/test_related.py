"""Related papers: deterministic, never empty in an archive of two or more, explained, cached by content."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from conftest import make_record

from generator.config import Settings
from generator.errors import ProblemsError
from generator.related import Document, cached_related, compute_related, document
from generator.site import generate

DOCS = [
    document("diffusion-a", "Fast Diffusion Sampling", "We speed up diffusion sampling for image generation with fewer steps.", ["diffusion-models"]),
    document("diffusion-b", "Diffusion Distillation", "We distil a diffusion model into a one-step image generator.", ["diffusion-models", "efficiency"]),
    document("speech-a", "Streaming Speech Recognition", "We transcribe speech audio with a streaming recognizer.", ["audio-speech"]),
    document("speech-b", "Speech Synthesis in Real Time", "We synthesise speech audio in real time with a vocoder.", ["audio-speech", "efficiency"]),
    document("lonely", "Protein Folding", "We predict protein structures.", []),
]


def test_most_similar_paper_comes_first_with_reasons_in_words() -> None:
    related = compute_related(DOCS, k=2, tag_names={"audio-speech": "Audio and speech"})
    assert related["diffusion-a"][0].id == "diffusion-b"
    assert related["speech-a"][0].id == "speech-b"
    assert related["speech-a"][0].reasons == ("both tagged Audio and speech", "both about speech audio")


def test_shared_authors_are_a_reason() -> None:
    a = document("a", "Speech Models", "We train speech models on audio.", ["audio-speech"], ["Ana Ruiz", "Bo Li"])
    same_team = document("b", "Speech Data", "We collect speech data from audio books.", ["audio-speech"], ["Bo Li"])
    strangers = document("c", "Speech Data", "We collect speech data from audio books.", ["audio-speech"], ["Cy Doe"])
    related = compute_related([a, same_team, strangers], k=2)["a"]
    assert [r.id for r in related] == ["b", "c"]  # the same text: tied, by id
    assert related[0].reasons[0] == "also by Bo Li" and not any(r.startswith("also by") for r in related[1].reasons)


def test_a_reason_names_only_phrases_both_papers_say_never_filler_or_joined_fragments() -> None:
    pointer = document(
        "pointer", "Pointer Networks", "We learn the conditional probability of an output sequence instead of using a fixed output dictionary, "
        "with neural attention over the input, for the convex hull and the travelling salesman problem.", [],
    )  # fmt: skip
    hull = document(
        "hull", "Learning Convex Hulls", "Instead of using handcrafted rules, we predict the convex hull of points with neural attention "
        "and solve the travelling salesman problem.", [],
    )  # fmt: skip
    other = document("other", "Image Denoising", "We remove noise from photographs using a small convolutional network.", [])
    (reason,) = compute_related([pointer, hull, other], k=1)["pointer"][0].reasons
    about = reason.removeprefix("both about ").replace(" and ", ", ").split(", ")
    assert reason.startswith("both about ") and 1 <= len(about) <= 3
    assert all(phrase in pointer.text.lower() and phrase in hull.text.lower() for phrase in about), about
    assert not {"instead", "using", "instead using"} & set(about) and "convex hull" in about


def test_a_word_a_hyphenated_phrase_already_says_is_not_a_reason_of_its_own() -> None:
    from generator.related import _words_of

    assert "sequence" in _words_of("sequence-to-sequence") and "sequence" in _words_of("sequence-to-sequence models")
    assert "sequence" not in _words_of("sequences") and _words_of("convex hull") == ["convex", "hull"]


def test_at_most_three_reasons_each_short() -> None:
    a = document("a", "Speech A", "Speech audio recognition.", ["audio-speech", "efficiency", "nlp", "theory"], [f"Author {n}" for n in range(6)])
    b = document("b", "Speech B", "Speech audio recognition again.", ["audio-speech", "efficiency", "nlp", "theory"], [f"Author {n}" for n in range(6)])
    reasons = compute_related([a, b], k=1)["a"][0].reasons
    assert len(reasons) == 3 and reasons[0] == "also by Author 0, Author 1, Author 2 and 3 more"
    assert reasons[1] == "both tagged audio-speech, efficiency, nlp and 1 more"


def test_every_paper_gets_related_papers_even_with_nothing_in_common() -> None:
    related = compute_related(DOCS, k=3)
    assert all(len(rows) == 3 for rows in related.values())
    lonely = [r.id for r in related["lonely"]]  # no term in common: ranked by its SVM (the others least like its negatives)
    assert len(set(lonely)) == 3 and "lonely" not in lonely and all(not r.reasons for r in related["lonely"])


def test_two_papers_are_each_others_related() -> None:
    related = compute_related(DOCS[:2], k=5)
    assert [r.id for r in related["diffusion-a"]] == ["diffusion-b"] and [r.id for r in related["diffusion-b"]] == ["diffusion-a"]


def test_one_paper_has_none() -> None:
    assert compute_related(DOCS[:1], k=5) == {"diffusion-a": []}


def test_result_does_not_depend_on_input_order_or_chunking() -> None:
    shuffled = DOCS[:]
    random.Random(7).shuffle(shuffled)
    assert compute_related(shuffled, k=3, chunk=2) == compute_related(DOCS, k=3)


def test_chunks_scored_in_worker_processes_give_the_same_result() -> None:
    assert compute_related(DOCS, k=3, chunk=2, workers=2) == compute_related(DOCS, k=3, workers=1)


def test_identical_scores_are_ordered_by_id() -> None:
    twins = [Document(f"twin-{c}", "same words here", ("t",)) for c in "cab"] + [Document("query", "same words here", ("t",))]
    assert [r.id for r in compute_related(twins, k=3)["query"]] == ["twin-a", "twin-b", "twin-c"]


def test_cache_is_used_when_nothing_changed_and_refreshed_when_something_did(tmp_path: Path) -> None:
    first, hit = cached_related(DOCS, tmp_path, k=2)
    assert not hit
    again, hit = cached_related(DOCS, tmp_path, k=2)
    assert hit and again == first
    edited = [*DOCS[:-1], document("lonely", "Protein Folding", "We predict protein structures from speech.", [])]
    _, hit = cached_related(edited, tmp_path, k=2)
    assert not hit
    assert len(list(tmp_path.glob("related-*.json"))) == 1  # the cache does not grow with every edit


def test_damaged_cache_is_said_once_and_recomputed(tmp_path: Path, cache_log: list[str]) -> None:
    cached_related(DOCS, tmp_path, k=2)
    entry = next(tmp_path.glob("related-*.json"))
    entry.write_bytes(entry.read_bytes().replace(b"diffusion-b", b"diffusion-x"))  # still JSON, but not what was computed
    result, hit = cached_related(DOCS, tmp_path, k=2)
    assert not hit and result == compute_related(DOCS, k=2)
    assert len(cache_log) == 1 and str(entry) in cache_log[0], cache_log
    assert cached_related(DOCS, tmp_path, k=2) == (result, True) and len(cache_log) == 1  # written again, whole


# --- note links -----------------------------------------------------------------------


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_mapping({"cache_dir": str(tmp_path / "cache"), "site_url": "https://example.org/"}, tmp_path)


def test_note_links_point_to_the_paper_and_are_listed_on_it(tmp_path: Path) -> None:
    records = [
        make_record("citing", "Citing Paper", note="Builds on [[cited]]; see also [[cited]]."),
        make_record("cited", "Cited *Paper*"),
    ]
    site = generate(_settings(tmp_path), records)
    assert "Builds on [Cited &#42;Paper&#42;](cited.md); see also [Cited &#42;Paper&#42;](cited.md)." in site.pages["papers/citing.md"]
    cited = site.pages["papers/cited.md"]
    assert "## Referenced by" in cited and '<a href="../citing/">Citing Paper</a>' in cited
    assert site.catalog.by_id["cited"].referenced_by == ["citing"]


def test_unknown_note_link_is_an_error_naming_the_record_and_id(tmp_path: Path) -> None:
    with pytest.raises(ProblemsError) as caught:
        generate(_settings(tmp_path), [make_record("citing", note="See [[no-such-paper]].")])
    problem = caught.value.problems[0]
    assert problem.file.endswith("citing.yaml") and "[[no-such-paper]] is not the id of any paper" in problem.message


def test_each_papers_svm_is_exactly_scikit_learns_linear_svc() -> None:
    from scipy import sparse

    from generator.related import _liblinear, _linear_svc

    for seed in range(3):
        rows = sparse.random(301, 5000, density=0.02, format="csr", random_state=seed, dtype=np.float64)
        labels = np.zeros(301)
        labels[0] = 1
        weights = np.array([301 / 600, 301 / 2])
        (direct, bias), (public, public_bias) = _liblinear(rows, labels, weights), _linear_svc(rows, labels, weights)
        assert np.array_equal(direct, public) and bias == public_bias and np.abs(direct).max() > 0


def test_each_papers_svm_on_its_own_terms_is_the_svm_on_every_term() -> None:
    from scipy import sparse

    from generator.related import _linear_svc, exemplar_svm

    features = sparse.random(400, 3000, density=0.01, format="csr", random_state=7, dtype=np.float64)
    negatives = np.arange(100, 400, 2)
    svm = exemplar_svm(features, 3, negatives)
    labels = np.zeros(1 + len(negatives))
    labels[0] = 1
    weights, bias = _linear_svc(features[np.concatenate([[3], negatives])], labels, np.array([len(labels) / (2 * len(negatives)), len(labels) / 2]))
    assert set(np.flatnonzero(weights)) <= set(svm.terms) and len(svm.terms) < features.shape[1]
    assert np.allclose(weights[svm.terms], svm.weights, atol=1e-12) and np.isclose(bias, svm.bias)
    assert np.allclose(features[negatives] @ weights + bias, svm.decision, atol=1e-12)


def test_in_a_large_archive_each_papers_negatives_are_its_own_whatever_the_order_or_chunks() -> None:
    from generator import related

    topics = ["speech audio", "diffusion image", "graph node", "policy reward", "protein fold", "token language"]
    rng = random.Random(3)
    docs = [
        document(f"p{n:03d}", f"Paper {n}", " ".join(rng.choice(topics) for _ in range(6)) + f" word{n % 37} item{n % 11}", [])
        for n in range(related.SHORTLIST + related.NEGATIVES + 60)  # more than a paper's candidates and negatives
    ]
    shuffled = docs[:]
    rng.shuffle(shuffled)
    assert compute_related(shuffled, k=3, chunk=97) == compute_related(docs, k=3, chunk=512)
