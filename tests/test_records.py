"""Records: ids that are URL-safe and stable, validation with one message per problem."""

from __future__ import annotations

from datetime import date

import pytest

from generator.records import MAX_AUTHOR_LENGTH, MAX_AUTHORS, MAX_LENGTHS, RecordInvalid, base_id, fingerprint, record_from_mapping, unique_id


def test_id_is_the_slug_of_the_title() -> None:
    assert base_id("NitroFusion: High-Fidelity Single-Step Diffusion", "x") == "nitrofusion-high-fidelity-single-step-diffusion"


def test_long_titles_are_cut_at_a_word_boundary() -> None:
    title = "A Very Long Title " * 12
    assert len(base_id(title, "x")) <= 80 and not base_id(title, "x").endswith("-")


def test_non_latin_titles_get_a_transliterated_url_safe_id() -> None:
    assert base_id("深度学习的新方法", "x") == "shen-du-xue-xi-de-xin-fang-fa"
    assert base_id("Обучение с подкреплением", "x") == "obuchenie-s-podkrepleniem"


def test_emoji_only_titles_get_a_stable_hash_id() -> None:
    first = base_id("🚀🔥", "An abstract.")
    assert first.startswith("paper-") and first == base_id("🚀🔥", "An abstract.")
    assert first != base_id("🚀🔥", "Another abstract.")


def test_colliding_ids_get_the_next_free_suffix() -> None:
    assert unique_id("gan-a-study", set()) == "gan-a-study"
    assert unique_id("gan-a-study", {"gan-a-study"}) == "gan-a-study-2"
    assert unique_id("gan-a-study", {"gan-a-study", "gan-a-study-2"}) == "gan-a-study-3"


def test_fingerprint_ignores_case_punctuation_and_spacing() -> None:
    assert fingerprint("We  study, GANs.") == fingerprint("we study gans")


VALID = {"id": "a-paper", "title": "A Paper", "abstract": "Text.", "added": date(2025, 3, 12)}


def test_minimal_record_is_valid_with_empty_curator_fields() -> None:
    record = record_from_mapping(dict(VALID))
    assert (record.tags_add, record.tags_remove, record.note, record.featured) == ([], [], "", False)


def test_every_problem_is_reported_with_its_key() -> None:
    data = {
        "id": "Not Safe",
        "title": 12,
        "added": "12 March",
        "tags_add": "nlp",
        "tags_remove": ["Computer Vision"],
        "featured": "yes",
        "links": [{"url": "ftp://x", "kind": "code"}],
        "colour": "red",
    }
    with pytest.raises(RecordInvalid) as caught:
        record_from_mapping(data)
    keys = [key for key, _ in caught.value.problems]
    assert keys == ["colour", "id", "featured", "title", "abstract", "added", "links", "tags_add", "tags_remove"]
    messages = dict(caught.value.problems)
    assert "YYYY-MM-DD" in messages["added"]
    assert "true or false" in messages["featured"]
    assert "missing" in messages["abstract"]


def test_a_date_with_a_time_is_a_problem_not_a_crash() -> None:
    from datetime import datetime

    with pytest.raises(RecordInvalid, match="no time"):
        record_from_mapping({**VALID, "added": datetime(2025, 3, 12, 10, 0)})


def test_links_must_be_whole_urls() -> None:
    with pytest.raises(RecordInvalid, match="links"):
        record_from_mapping({**VALID, "links": [{"url": 'https://ex.org/"><script>x</script>', "kind": "project"}]})


def test_note_references_take_anything_between_double_brackets() -> None:
    from generator.records import note_references

    assert note_references("See [[a-b]], [[Not An Id]] and [[a-b]] again.") == ["a-b", "Not An Id"]


# --- limits -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("title", "T" * (MAX_LENGTHS["title"] + 1)),
        ("abstract", "A" * (MAX_LENGTHS["abstract"] + 1)),
        ("note", "N" * (MAX_LENGTHS["note"] + 1)),
        ("authors", ["Ada Lovelace"] * (MAX_AUTHORS + 1)),
        ("authors", ["Ada Lovelace", "x" * (MAX_AUTHOR_LENGTH + 1)]),
    ],
    ids=["title", "abstract", "note", "authors", "author"],
)
def test_a_text_longer_than_a_record_may_hold_is_a_short_problem(key: str, value: object) -> None:
    with pytest.raises(RecordInvalid) as caught:
        record_from_mapping({**VALID, key: value})
    [(where, message)] = caught.value.problems
    assert where == key and "more than the" in message and "allowed" in message and len(message) < 300


def test_texts_at_the_limits_are_valid() -> None:
    at_limits = {key: "x" * maximum for key, maximum in MAX_LENGTHS.items()}
    record = record_from_mapping({**VALID, **at_limits, "authors": ["y" * MAX_AUTHOR_LENGTH] * MAX_AUTHORS})
    assert len(record.abstract) == MAX_LENGTHS["abstract"] and len(record.authors) == MAX_AUTHORS


def test_problems_never_spell_out_a_huge_value() -> None:
    nested: list = ["lol"] * 9
    for _ in range(6):  # nine lists of nine lists…: 43 million strings, as nine aliases in YAML make
        nested = [nested] * 9
    huge = {
        "tags_add": nested,
        "tags_remove": ["Not A Slug " * 1000] * 1000,
        "categories": ["Not A Category"] * 100_000,
        "links": ["https://" + "x" * 1_000_000],
        "featured": "maybe " * 100_000,
        "colour " * 10_000: "red",
    }
    with pytest.raises(RecordInvalid) as caught:
        record_from_mapping({**VALID, **huge})
    assert len(caught.value.problems) == 6
    assert all(len(message) < 500 for _, message in caught.value.problems), caught.value.problems
