"""The tagger: deterministic, explainable, tolerant of phrasing, deaf to passing mentions; the curator wins."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from conftest import DATA, ROOT, make_record

from generator.archive import Archive
from generator.catalog import curated_tags
from generator.config import DEFAULT_TAXONOMY, Settings
from generator.errors import ProblemsError
from generator.site import generate
from generator.tagging import TaxonomyError, auto_tags, explain, format_explanation, load_taxonomy, needles_of, rules_all

TAXONOMY = load_taxonomy(DEFAULT_TAXONOMY)
CASES = yaml.safe_load((DATA / "tagging" / "cases.yaml").read_text(encoding="utf-8"))


def test_default_vocabulary_is_exactly_the_29_tags() -> None:
    assert list(TAXONOMY.rules) == [
        "computer-vision", "nlp", "audio-speech", "video", "multimodal", "graphs", "reinforcement-learning", "diffusion-models",
        "gans", "image-generation", "controllable-generation", "large-language-models", "pretraining", "fine-tuning",
        "alignment-safety", "reasoning", "training-data", "knowledge-distillation", "self-supervised-learning",
        "semi-supervised-learning", "few-shot-learning", "adversarial-robustness", "efficiency", "benchmarks-datasets",
        "surveys", "theory", "architectures", "interpretability", "optimization",
    ]  # fmt: skip
    assert all(rule.description and rule.name for rule in TAXONOMY.rules.values())


@pytest.mark.parametrize("case", CASES, ids=[c["tag"] for c in CASES])
def test_crafted_positive_gets_the_tag(case: dict) -> None:
    assert case["tag"] in auto_tags(TAXONOMY, **case["positive"])


@pytest.mark.parametrize("case", CASES, ids=[c["tag"] for c in CASES])
def test_crafted_negative_does_not(case: dict) -> None:
    assert case["tag"] not in auto_tags(TAXONOMY, **case["negative"])


def test_every_tag_has_a_crafted_case() -> None:
    assert sorted(c["tag"] for c in CASES) == sorted(TAXONOMY.rules)


def test_golden_seed_tags(golden) -> None:
    records = Archive(ROOT / "archive").load()
    lines = [f"{r.id}: {' '.join(auto_tags(TAXONOMY, r.title, r.abstract))}" for r in records]
    golden("seed-tags.txt", "\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("title", "tag"),
    [
        ("Pre-training Language Models on Code", "pretraining"),
        ("Pretraining Language Models on Code", "pretraining"),
        ("LLMs as Judges", "large-language-models"),
        ("Stabilising GANs", "gans"),
        ("RL for Robot Control", "reinforcement-learning"),
        ("CoT Distillation", "reasoning"),
        ("Expressive TTS", "audio-speech"),
        ("Fast I2V Generation", "video"),
        ("Self-supervised Learning of Audio", "self-supervised-learning"),
    ],
)
def test_phrasing_variants_and_abbreviations_in_a_title_are_enough(title: str, tag: str) -> None:
    assert tag in auto_tags(TAXONOMY, title, "We study it.")


def test_a_single_passing_mention_is_not_a_subject() -> None:
    abstract = "Unlike GANs, our diffusion model is stable. Our diffusion model samples images with a diffusion process."
    tags = auto_tags(TAXONOMY, "A Stable Generator", abstract)
    assert "diffusion-models" in tags and "gans" not in tags


def test_tagging_is_deterministic() -> None:
    case = CASES[0]["positive"]
    assert {tuple(auto_tags(TAXONOMY, **case)) for _ in range(3)} == {tuple(auto_tags(TAXONOMY, **case))}


def test_explain_shows_evidence_score_and_threshold() -> None:
    verdicts = {v.slug: v for v in explain(TAXONOMY, "Training GANs with Limited Data", "Unlike GANs, we also use a discriminator.")}
    gans = verdicts["gans"]
    assert gans.given and gans.threshold == 2.0
    text = format_explanation(TAXONOMY, list(verdicts.values()), added=[], removed=[])
    assert "GIVEN   gans: score" in text and "/ threshold 2" in text
    assert "in passing (not counted)" in text
    assert "refused graphs: score 0 / threshold 2" in text


def test_curator_tags_always_win() -> None:
    record = make_record("p", tags_add=["theory"], tags_remove=["gans"])
    assert curated_tags(record, ["gans", "computer-vision"]) == ["computer-vision", "theory"]


def tag_all(taxonomy, papers, cache_dir=None) -> list[list[str]]:
    """The tags the rules alone give each paper."""
    return [tags for tags, _ in rules_all(taxonomy, papers, cache_dir)]


def test_tag_cache_reuses_results_and_follows_taxonomy_edits(tmp_path: Path) -> None:
    papers = [(c["positive"]["title"], c["positive"]["abstract"]) for c in CASES]
    first = tag_all(TAXONOMY, papers, tmp_path)
    assert len(list(tmp_path.glob("tags-*.json"))) == 1
    assert tag_all(TAXONOMY, papers, tmp_path) == first == [auto_tags(TAXONOMY, *p) for p in papers]


def _taxonomy_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_renamed_tag_keeps_its_old_slug_as_alias(tmp_path: Path) -> None:
    text = DEFAULT_TAXONOMY.read_text(encoding="utf-8").replace("  - slug: gans\n", "  - slug: adversarial-generators\n    aliases: [gans]\n")
    settings = Settings.from_mapping(
        {"taxonomy": str(_taxonomy_file(tmp_path, text)), "cache_dir": str(tmp_path / "c"), "site_url": "https://example.org/"}, tmp_path
    )
    site = generate(settings, [make_record("p", "Training GANs with Limited Data", tags_add=["gans"])])
    assert site.catalog.papers[0].tags == ["adversarial-generators"]
    assert b"url=../adversarial-generators/" in site.files["tags/gans/index.html"]
    assert "tags/adversarial-generators/index.md" in site.pages


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tags: [{slug: Bad Slug, name: x, description: y}]", "expected a slug"),
        ("tags: [{slug: a, name: x, description: y, evidence: {strong: ['(unclosed']}}]", "not a valid regular expression"),
        ("tags: [{slug: a, name: x, description: y, implies: [b]}]", "unknown tag 'b'"),
        ("tags: [{slug: a, name: x}]", "a.description: expected non-empty text"),
        ("nope: 1", "expected a mapping with a 'tags' list"),
    ],
)
def test_taxonomy_errors_name_the_file_and_tag(tmp_path: Path, text: str, message: str) -> None:
    path = _taxonomy_file(tmp_path, text)
    with pytest.raises(TaxonomyError, match=message) as caught:
        load_taxonomy(path)
    assert str(path) in str(caught.value)


def test_unknown_curator_tag_is_an_error_naming_the_record(tmp_path: Path) -> None:
    settings = Settings.from_mapping({"cache_dir": str(tmp_path / "c"), "site_url": "https://example.org/"}, tmp_path)
    with pytest.raises(ProblemsError, match="tags_add: unknown tag 'robotics'"):
        generate(settings, [make_record("p", tags_add=["robotics"])])


def test_damaged_tag_cache_is_rebuilt(tmp_path: Path) -> None:
    papers = [(c["positive"]["title"], c["positive"]["abstract"]) for c in CASES[:3]]
    tag_all(TAXONOMY, papers, tmp_path)
    next(tmp_path.glob("tags-*.json")).write_text("[1, 2]", encoding="utf-8")
    assert tag_all(TAXONOMY, papers, tmp_path) == [auto_tags(TAXONOMY, *p) for p in papers]


def test_threshold_must_be_a_finite_positive_number(tmp_path: Path) -> None:
    path = _taxonomy_file(tmp_path, "tags: [{slug: a, name: x, description: y, threshold: .nan}]")
    with pytest.raises(TaxonomyError, match="positive number"):
        load_taxonomy(path)


def test_non_utf8_taxonomy_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(TaxonomyError, match="not UTF-8"):
        load_taxonomy(path)


@pytest.mark.parametrize(
    ("pattern", "needles"),
    [
        ("text-to-image", {"text-to-image"}),
        ("(semantic|instance|image|medical image) segmentation", {" segmentation"}),
        ("(?-i:LSUN|CelebA(-HQ)?|FFHQ|MNIST)", {"lsun", "celeba", "ffhq", "mnist"}),
        ("denois\\w+ images?", {"denois"}),
        ("(?-i:QA)", {"qa"}),
        ("\\w+ization", {"ization"}),
        ("(\\w+[- ]){0,4}benchmark", {"benchmark"}),
        ("x?\\w+", None),  # nothing every match must hold: the term is always scanned
    ],
)
def test_needles_are_texts_every_match_holds(pattern: str, needles: set[str] | None) -> None:
    assert needles_of(pattern) == (None if needles is None else frozenset(needles))


def test_skipping_terms_a_text_cannot_hold_changes_no_tag() -> None:
    """The fast path (scan only for terms whose needles the text holds) against a full scan of every term."""
    rules = {slug: dataclasses.replace(rule, needles=tuple(None for _ in rule.terms)) for slug, rule in TAXONOMY.rules.items()}
    full_scan = dataclasses.replace(TAXONOMY, rules=rules)
    labelled = yaml.safe_load((DATA / "tagging" / "labelled.yaml").read_text(encoding="utf-8"))
    papers = [(r.title, r.abstract) for r in Archive(ROOT / "archive").load()] + [(p["title"], p["abstract"]) for p in labelled["papers"]]
    papers += [(case[side]["title"], case[side]["abstract"]) for case in CASES for side in ("positive", "negative")]
    assert [explain(TAXONOMY, *p) for p in papers] == [explain(full_scan, *p) for p in papers]


def _alternation(rule, indexes: list[int], text: str) -> list[tuple[int, int, int]]:
    """What one regular expression of the terms, in order, finds: the reference the fast scan must equal."""
    import re

    alternatives = "|".join(f"(?P<t{i}>{rule.terms[i].pattern})" for i in indexes)
    regex = re.compile(rf"(?<![\w])(?:{alternatives})(?![\w])", re.IGNORECASE)
    return [(int(m.lastgroup[1:]), m.start(), m.end()) for m in regex.finditer(text)]


def test_the_needle_guided_scan_finds_what_one_alternation_of_the_terms_finds() -> None:
    from generator.tagging import _matches

    texts = [p.abstract for p in Archive(ROOT / "archive").load()]
    texts += ["Image generation and images; super-resolution of IMAGES, image segmentation by semantic segmentation.", "İstanbul images"]
    for text in texts:
        scan = TAXONOMY.terms_to_scan("abstract", TAXONOMY.needles_in(text))
        for rule in TAXONOMY.rules.values():
            for indexes in (scan.get(rule.slug, []), list(range(len(rule.terms)))):
                if indexes:
                    assert list(_matches(rule, indexes, text)) == _alternation(rule, indexes, text), (rule.slug, text[:60])


def test_tagging_on_every_core_gives_the_same_tags_as_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import tagging

    papers = [(p.title, p.abstract) for p in Archive(ROOT / "archive").load()]
    alone = tag_all(TAXONOMY, papers)
    monkeypatch.setattr(tagging, "PARALLEL_MIN", 10)
    monkeypatch.setattr(tagging, "workers", lambda: 2)
    assert tag_all(TAXONOMY, papers) == alone
