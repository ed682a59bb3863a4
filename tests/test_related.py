"""Related papers: deterministic, never empty in an archive of two or more, explained, cached by content."""

from __future__ import annotations

import random
from pathlib import Path

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


def test_most_similar_paper_comes_first_with_reasons() -> None:
    related = compute_related(DOCS, k=2)
    assert related["diffusion-a"][0].id == "diffusion-b"
    assert related["speech-a"][0].id == "speech-b"
    reasons = related["speech-a"][0].reasons
    assert reasons[0] == "shared tags: audio-speech" and reasons[1].startswith("shared terms: ") and "speech" in reasons[1]


def test_shared_authors_and_categories_bring_papers_closer_and_authors_are_a_reason() -> None:
    a = document("a", "Speech Models", "We train speech models on audio.", ["audio-speech"], ["Ana Ruiz", "Bo Li"], ["cs.SD"])
    same_team = document("b", "Speech Data", "We collect speech data from audio books.", ["audio-speech"], ["Bo Li"], ["cs.SD"])
    strangers = document("c", "Speech Data", "We collect speech data from audio books.", ["audio-speech"], ["Cy Doe"], ["cs.CL"])
    related = compute_related([a, same_team, strangers], k=2)["a"]
    assert [r.id for r in related] == ["b", "c"] and related[0].score > related[1].score
    assert related[0].reasons[0] == "shared authors: Bo Li" and not any(r.startswith("shared authors") for r in related[1].reasons)


def test_every_paper_gets_related_papers_even_with_nothing_in_common() -> None:
    related = compute_related(DOCS, k=3)
    assert all(len(rows) == 3 for rows in related.values())
    assert [r.id for r in related["lonely"]] == ["diffusion-a", "diffusion-b", "speech-a"]  # no similarity: ties broken by id


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
