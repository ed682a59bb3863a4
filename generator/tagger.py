"""The tagger over a whole archive: the rules' evidence and the learned model together, with explanations and suggestions.

``generator.tagging`` holds the rules, ``generator.classifier`` the model; this
module trains the model on the shipped labelled papers and the archive's own
corrections, tags every record, and answers a curator's questions: why a paper
has a tag (``papers tags explain``) and which papers most likely deserve one
(``papers tags suggest``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .classifier import Example, Model, cached_probabilities, cached_train, correction, decide, digest, document_text, load_training, signals
from .config import Settings
from .records import Record
from .tagging import RuleResult, Taxonomy, explain, format_explanation, rules_all

#: A record's curated tags, resolved: (tags_add, tags_remove).
Curated = tuple[list[str], list[str]]


@dataclass
class Tagging:
    """The rules' results and the model's probabilities for every record, in the records' order."""

    taxonomy: Taxonomy
    model: Model
    records: list[Record]
    results: list[RuleResult]
    table: np.ndarray  # records × tags (taxonomy order): P(tag), NaN where the rules decide

    def automatic(self) -> list[list[str]]:
        return [decide(self.model, self.taxonomy, row, tags) for row, (tags, _) in zip(self.table, self.results, strict=True)]

    def explanation(self, index: int, curated: Curated) -> str:
        """``papers tags explain``: for each tag, the rules' evidence, the model's score and its top words, the threshold, the override."""
        record = self.records[index]
        added, removed = curated
        verdicts = explain(self.taxonomy, record.title, record.abstract)
        row = self.model.vectorize([document_text(record.title, record.abstract)])
        rule_signals = signals(self.taxonomy, [self.results[index]])[0]
        votes = self.model.votes(row)[0]
        model_lines = {}
        for j, slug in enumerate(self.taxonomy.rules):
            tag_model = self.model.tags.get(slug)
            if tag_model is None:
                model_lines[slug] = ["    model: not learned (too few labelled papers); the rules decide"]
                continue
            words = ", ".join(f"{term} {weight:+.2f}" for term, weight in self.model.contributions(row, slug))
            rules = float(rule_signals @ tag_model.rules)
            neighbours = float(votes @ tag_model.votes)
            model_lines[slug] = [
                f"    model: P = {self.table[index, j]:.2f} / threshold {tag_model.threshold:.2f}; rules {rules:+.2f}; "
                f"nearest labelled papers {neighbours:+.2f} ({votes[j]:.0%} of their votes)" + (f"; words: {words}" if words else "")
            ]
        return format_explanation(self.taxonomy, verdicts, added=added, removed=removed, given=set(self.automatic_of(index)), extra=model_lines)

    def automatic_of(self, index: int) -> list[str]:
        return decide(self.model, self.taxonomy, self.table[index], self.results[index][0])

    def suggestions(self, slug: str, final_tags: Sequence[Sequence[str]], limit: int = 10) -> list[tuple[Record, float]]:
        """Records without ``slug`` that most likely deserve it, most likely first (ties by id)."""
        j = list(self.taxonomy.rules).index(slug)
        if slug not in self.model.tags:
            scores = [min(scores.get(slug, 0.0) / self.taxonomy.rules[slug].threshold, 1.0) for _, scores in self.results]
        else:
            scores = [float(p) for p in self.table[:, j]]
        ranked = sorted(
            ((record, score) for record, score, tags in zip(self.records, scores, final_tags, strict=True) if slug not in tags and score > 0),
            key=lambda pair: (-pair[1], pair[0].id),
        )
        return ranked[:limit]


def training_examples(records: Sequence[Record], curated: Sequence[Curated], settings: Settings, taxonomy: Taxonomy) -> list[Example]:
    """What the model learns from: the labelled papers of ``settings.training`` and every curator's correction."""
    examples = load_training(settings.training, taxonomy)
    for record, (add, remove) in zip(records, curated, strict=True):
        example = correction(record.title, record.abstract, add, remove)
        if example is not None:
            examples.append(example)
    return examples


def tag_records(records: list[Record], curated: Sequence[Curated], settings: Settings, taxonomy: Taxonomy, cache_dir: Path | None) -> Tagging:
    """Train (or load) the model, then score every record with the rules and the model."""
    pairs = [(r.title, r.abstract) for r in records]
    results = rules_all(taxonomy, pairs, cache_dir)
    examples = training_examples(records, curated, settings, taxonomy)
    model, _ = cached_train(examples, taxonomy, cache_dir)
    table = cached_probabilities(model, digest(examples, taxonomy), taxonomy, pairs, results, cache_dir)
    return Tagging(taxonomy, model, records, results, table)
