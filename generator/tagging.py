"""Tagging: the taxonomy, and an explainable, deterministic tagger over title and abstract.

Each tag's evidence is a list of terms with weights (see the comments at the
top of ``data/taxonomy.yaml``). A term counts fully in the title and with
diminishing returns in the abstract, so a real subject (repeated, or in the
title) outweighs a passing mention; mentions after "unlike", "instead of"…
do not count at all. Tags are computed at build time, never stored in records.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick

try:  # the regular-expression parser: re._parser since Python 3.11, sre_parse before
    from re import _constants as _sre
    from re import _parser
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]

from .cache import read_entry, write_entry
from .errors import PapersError, read_yaml
from .records import TAG_RE
from .text import readable
from .workers import process_pool, workers

TAGGER_VERSION = "2"  # bump when the scoring rules below change, to invalidate cached tags
STRENGTHS = {"title": 2.0, "decisive": 2.0, "strong": 1.0, "weak": 0.5}
TITLE_ONLY = "title"  # terms that are evidence only in a title ("A Survey of…")
TITLE_FACTOR = 1.0
ABSTRACT_FACTORS = (0.6, 0.4, 0.2)  # first, second and third mention; later ones add nothing

# A mention is "in passing" when its clause says it is not the subject.
_PASSING_BEFORE = re.compile(
    r"\b(unlike|instead of|rather than|without|compared (to|with)|than|other than|alternatives? to|as opposed to|in contrast to|"
    r"beyond|outperform\w*|surpass\w*|not|no need for|free of|replac\w+)\b[^,;:.()]*$",
    re.IGNORECASE,
)
_PASSING_AFTER = re.compile(r"^-?free\b", re.IGNORECASE)
_CLAUSE_START = re.compile(r"[,;:.!?()\[\]]")


class TaxonomyError(PapersError):
    """The taxonomy file is missing or malformed."""


@dataclass(frozen=True)
class Term:
    """One piece of evidence: a pattern and its weight."""

    pattern: str
    weight: float
    title_only: bool = False
    #: The pattern compiled as a whole-word, case-insensitive match.
    regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    #: The longest text a match can span, or None when unbounded (``\w+``).
    width: int | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class TagRule:
    """A tag of the taxonomy and the evidence the tagger uses for it."""

    slug: str
    name: str
    description: str
    terms: tuple[Term, ...]
    exclude: tuple[re.Pattern[str], ...] = ()
    implies: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    threshold: float = 1.0
    #: Per term, lower-case texts one of which its every match contains (None: no such texts).
    needles: tuple[frozenset[str] | None, ...] = ()
    #: Per exclude pattern, the same.
    exclude_needles: tuple[frozenset[str] | None, ...] = ()

    def field_terms(self, where: str) -> list[int]:
        """The indexes of the terms that count in a field: all in a title, all but the title-only ones in an abstract."""
        return [i for i, term in enumerate(self.terms) if where == "title" or not term.title_only]


@dataclass(frozen=True)
class Taxonomy:
    """The vocabulary: tags in file order, and old slugs (aliases) pointing to current ones."""

    rules: dict[str, TagRule]
    aliases: dict[str, str]
    path: Path
    #: Every needle of every tag (see ``TagRule.needles``), each looked for once per text.
    all_needles: tuple[str, ...] = field(init=False, compare=False)
    #: One Aho-Corasick automaton over all the needles: a single pass over a text finds every one it holds.
    _automaton: Any = field(init=False, compare=False, repr=False)
    #: Per field: the (tag, term index) pairs each needle may bring in, and the terms with no needle (always scanned).
    _terms_by_needle: dict[str, dict[str, tuple[tuple[str, int], ...]]] = field(init=False, compare=False, repr=False)
    _always: dict[str, dict[str, tuple[int, ...]]] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        found = {n for rule in self.rules.values() for group in (*rule.needles, *rule.exclude_needles) if group for n in group}
        object.__setattr__(self, "all_needles", tuple(sorted(found)))
        automaton = ahocorasick.Automaton()
        for needle in self.all_needles:
            automaton.add_word(needle, needle)
        if self.all_needles:
            automaton.make_automaton()
        object.__setattr__(self, "_automaton", automaton)
        by_needle: dict[str, dict[str, tuple[tuple[str, int], ...]]] = {}
        always: dict[str, dict[str, tuple[int, ...]]] = {}
        for where in ("title", "abstract"):
            index: dict[str, list[tuple[str, int]]] = {}
            always[where] = {}
            for rule in self.rules.values():
                for i in rule.field_terms(where):
                    needles = rule.needles[i]
                    if needles is None:
                        always[where][rule.slug] = (*always[where].get(rule.slug, ()), i)
                    for needle in needles or ():
                        index.setdefault(needle, []).append((rule.slug, i))
            by_needle[where] = {needle: tuple(pairs) for needle, pairs in index.items()}
        object.__setattr__(self, "_terms_by_needle", by_needle)
        object.__setattr__(self, "_always", always)

    def needles_in(self, text: str) -> set[str]:
        """The needles a text holds (case aside): what decides which terms, and so which tags, are worth a scan."""
        if not self.all_needles:
            return set()
        return {needle for _, needle in self._automaton.iter(text.lower())}

    def terms_to_scan(self, where: str, present: set[str]) -> dict[str, list[int]]:
        """Per tag, the indexes of its terms that may match a field holding the needles ``present``.

        A term none of whose needles the text holds cannot match it: a paper
        brings in a handful of the taxonomy's fifty tags, and a few of their terms.
        """
        index = self._terms_by_needle[where]
        found: dict[str, set[int]] = {slug: set(terms) for slug, terms in self._always[where].items()}
        for needle in present:
            for slug, i in index.get(needle, ()):
                found.setdefault(slug, set()).add(i)
        return {slug: sorted(terms) for slug, terms in found.items()}

    def resolve(self, slug: str) -> str | None:
        """The current slug for ``slug`` (itself, or the tag it was renamed to); None if unknown."""
        if slug in self.rules:
            return slug
        return self.aliases.get(slug)


@dataclass(frozen=True)
class Finding:
    """A term found for a tag, where, how often, and the points it scored."""

    term: str
    where: str
    count: int
    passing: int
    points: float


@dataclass
class Verdict:
    """Why a tag was given or refused."""

    slug: str
    score: float
    threshold: float
    findings: list[Finding] = field(default_factory=list)
    implied_by: list[str] = field(default_factory=list)

    @property
    def given(self) -> bool:
        return self.score >= self.threshold or bool(self.implied_by)


# --- loading -------------------------------------------------------------------------------


def _needles(items: Any) -> frozenset[str] | None:
    """Texts one of which every match of a parsed pattern contains (lower-cased), or None if there are none.

    Runs of literal characters are needles; a group, a repeat of at least one,
    or an alternation whose every branch has needles gives its own. Of all the
    candidates, the one whose shortest needle is longest is kept.
    """
    candidates: list[frozenset[str]] = []
    run = ""
    for op, av in [*items, (None, None)]:
        if op is _sre.LITERAL and av < 128:
            run += chr(av).lower()
            continue
        if len(run) >= 2:
            candidates.append(frozenset([run]))
        run = ""
        inner: frozenset[str] | None = None
        if op is _sre.SUBPATTERN:  # a group is matched whole
            inner = _needles(av[-1])
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:
            inner = _needles(av[2])
        elif op is _sre.BRANCH:
            branches = [_needles(branch) for branch in av[1]]
            inner = frozenset().union(*branches) if all(branches) else None  # type: ignore[arg-type]
        if inner:
            candidates.append(inner)
    return max(candidates, key=lambda needles: min(map(len, needles)), default=None)


def needles_of(pattern: str) -> frozenset[str] | None:
    """Lower-case texts one of which every match of ``pattern`` contains, or None."""
    return _needles(_parser.parse(pattern, re.IGNORECASE))


def _width(pattern: str) -> int | None:
    """The most characters a match of ``pattern`` can span, or None if that is unbounded (or huge)."""
    widest = _parser.parse(pattern, re.IGNORECASE).getwidth()[1]
    return widest if widest <= 500 else None


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(rf"(?<![\w])(?:{pattern})(?![\w])", re.IGNORECASE)
    except re.error as exc:
        raise TaxonomyError(f"{where}: {pattern!r} is not a valid regular expression ({exc}); fix or quote it") from None


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TaxonomyError(f"{where}: expected a list of strings, got {value!r}")
    return value


def _rule(data: Any, index: int, file: str, default_threshold: float) -> TagRule:
    where = f"{file}: tags[{index}]"
    if not isinstance(data, dict):
        raise TaxonomyError(f"{where}: expected a mapping with slug, name, description, evidence")
    slug = data.get("slug")
    if not isinstance(slug, str) or not TAG_RE.match(slug):
        raise TaxonomyError(f"{where}.slug: expected a slug of lower-case letters, digits and hyphens, got {slug!r}")
    where = f"{file}: tag {slug}"
    for key in ("name", "description"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise TaxonomyError(f"{where}.{key}: expected non-empty text")
    unknown = set(data) - {"slug", "name", "description", "evidence", "exclude", "implies", "aliases", "threshold"}
    if unknown:
        raise TaxonomyError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    evidence = data.get("evidence") or {}
    if not isinstance(evidence, dict) or set(evidence) - set(STRENGTHS):
        raise TaxonomyError(f"{where}.evidence: expected a mapping with keys {', '.join(STRENGTHS)}")
    excludes = _strings(data.get("exclude"), f"{where}.exclude")
    terms = tuple(
        Term(p, STRENGTHS[strength], strength == TITLE_ONLY, _compile(p, f"{where}.evidence.{strength}"), _width(p))  # an error names its pattern
        for strength in STRENGTHS
        for p in _strings(evidence.get(strength), f"{where}.evidence.{strength}")
    )
    threshold = data.get("threshold", default_threshold)
    if not isinstance(threshold, (int, float)) or isinstance(threshold, bool) or not math.isfinite(threshold) or threshold <= 0:
        raise TaxonomyError(f"{where}.threshold: expected a positive number, got {threshold!r}")
    return TagRule(
        slug=slug,
        name=data["name"].strip(),
        description=data["description"].strip(),
        terms=terms,
        needles=tuple(needles_of(t.pattern) for t in terms),
        exclude=tuple(_compile(p, f"{where}.exclude") for p in excludes),
        exclude_needles=tuple(needles_of(p) for p in excludes),
        implies=tuple(_strings(data.get("implies"), f"{where}.implies")),
        aliases=tuple(_strings(data.get("aliases"), f"{where}.aliases")),
        threshold=float(threshold),
    )


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and validate a taxonomy file; every error names the file and the tag."""
    file = str(path)
    data = read_yaml(path, TaxonomyError, missing="check the papers plugin's taxonomy option")
    if not isinstance(data, dict) or not isinstance(data.get("tags"), list):
        raise TaxonomyError(f"{file}: expected a mapping with a 'tags' list")
    default_threshold = data.get("threshold", 1.0)
    rules: dict[str, TagRule] = {}
    aliases: dict[str, str] = {}
    for index, item in enumerate(data["tags"]):
        rule = _rule(item, index, file, default_threshold)
        if rule.slug in rules:
            raise TaxonomyError(f"{file}: tag {rule.slug} is defined twice")
        if rule.slug in aliases:
            raise TaxonomyError(f"{file}: tag {rule.slug} is also an alias of tag {aliases[rule.slug]}; an old slug cannot be a tag again")
        rules[rule.slug] = rule
        for alias in rule.aliases:
            if not TAG_RE.match(alias) or alias in aliases:
                raise TaxonomyError(f"{file}: tag {rule.slug}.aliases: {alias!r} is not a slug or is used twice")
            aliases[alias] = rule.slug
    for rule in rules.values():
        for target in rule.implies:
            if target not in rules:
                raise TaxonomyError(f"{file}: tag {rule.slug}.implies: unknown tag {target!r}")
    clash = set(aliases) & set(rules)
    if clash:
        raise TaxonomyError(f"{file}: {', '.join(sorted(clash))} is both a tag and an alias")
    return Taxonomy(rules, aliases, path)


# --- scoring -------------------------------------------------------------------------------


def _in_passing(text: str, start: int, end: int) -> bool:
    before = text[max(0, start - 80) : start]
    clause = _CLAUSE_START.split(before)[-1]
    return bool(_PASSING_BEFORE.search(clause)) or bool(_PASSING_AFTER.match(text[end:]))


def _blank(text: str, rule: TagRule, present: frozenset[str] | set[str]) -> str:
    """``text`` with every excluded phrase replaced by spaces (offsets unchanged); only patterns that may occur run."""
    for pattern, needles in zip(rule.exclude, rule.exclude_needles, strict=True):
        if needles is None or not needles.isdisjoint(present):
            text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _search(term: Term, needles: frozenset[str] | None, text: str, lowered: str | None, at: int) -> re.Match[str] | None:
    """The term's first match at or after ``at``, scanning only windows around its needles.

    A match holds one of the term's needles and spans at most ``term.width``
    characters. So around the first needle after ``at``, at position ``first``,
    a search of ``[first - width, first + width]`` decides exactly every start
    up to ``first`` (each attempt reads at most ``width`` characters and the one
    after); if none matches, no match starts before the next needle. A term
    whose needle occurs but that does not match then costs a few short scans,
    not a scan of the whole rest of the text.
    """
    if needles is None or term.width is None or lowered is None:
        return term.regex.search(text, at)  # type: ignore[union-attr]
    regex, width = term.regex, term.width
    while True:
        found = [p for p in (lowered.find(n, at) for n in needles) if p >= 0]
        if not found:
            return None
        first = min(found)
        match = regex.search(text, max(at, first - width), first + width + 1)  # type: ignore[union-attr]
        if match is not None and match.start() <= first:
            return match
        at = first + 1


def _matches(rule: TagRule, indexes: list[int], text: str) -> Iterator[tuple[int, int, int]]:
    """(term index, start, end) of each match, as one alternation of the terms in index order would find them.

    Leftmost match first; at a tie the earlier term (the stronger: terms are in
    strength order) wins, and the scan goes on after the match, so a span
    counts for one term only. Each term keeps its next match until the scan
    passes it: a handful of searches, and no regular expression to compile.
    """
    terms, needles = rule.terms, rule.needles
    lowered = text.lower()
    if len(lowered) != len(text):  # a character whose lower case is longer: offsets differ, scan whole texts
        lowered = None
    pending = {i: _search(terms[i], needles[i], text, lowered, 0) for i in indexes}
    at = 0
    while True:
        best: re.Match[str] | None = None
        chosen = -1
        for i in indexes:
            match = pending[i]
            if match is not None and match.start() < at:
                match = pending[i] = _search(terms[i], needles[i], text, lowered, at)
            if match is not None and (best is None or match.start() < best.start()):
                best, chosen = match, i
        if best is None:
            return
        yield chosen, best.start(), best.end()
        at = best.end() if best.end() > best.start() else best.start() + 1


def _score_field(rule: TagRule, text: str, where: str, present: set[str], indexes: list[int]) -> list[Finding]:
    """The findings of ``rule``'s terms ``indexes`` (those that may match) in one field."""
    text = _blank(text, rule, present)
    counted: dict[int, int] = {}
    passing: dict[int, int] = {}
    for index, start, end in _matches(rule, indexes, text):
        bucket = passing if _in_passing(text, start, end) else counted
        bucket[index] = bucket.get(index, 0) + 1
    findings = []
    for index in sorted(set(counted) | set(passing)):
        term, hits = rule.terms[index], counted.get(index, 0)
        if where == "title":
            points = term.weight * TITLE_FACTOR if hits else 0.0
        else:
            points = term.weight * sum(ABSTRACT_FACTORS[:hits])
        findings.append(Finding(term.pattern, where, hits + passing.get(index, 0), passing.get(index, 0), round(points, 3)))
    return findings


def explain(taxonomy: Taxonomy, title: str, abstract: str) -> list[Verdict]:
    """A verdict for every tag, in taxonomy order: the evidence found, its score and the threshold."""
    title, abstract = readable(title), readable(abstract)
    in_title, in_abstract = taxonomy.needles_in(title), taxonomy.needles_in(abstract)
    scan_title, scan_abstract = taxonomy.terms_to_scan("title", in_title), taxonomy.terms_to_scan("abstract", in_abstract)
    verdicts = {}
    for rule in taxonomy.rules.values():
        findings = []
        if rule.slug in scan_title:
            findings += _score_field(rule, title, "title", in_title, scan_title[rule.slug])
        if rule.slug in scan_abstract:
            findings += _score_field(rule, abstract, "abstract", in_abstract, scan_abstract[rule.slug])
        score = round(sum(f.points for f in findings), 3)
        verdicts[rule.slug] = Verdict(rule.slug, score, rule.threshold, findings)
    for rule in taxonomy.rules.values():
        if verdicts[rule.slug].score >= rule.threshold:
            for target in rule.implies:
                verdicts[target].implied_by.append(rule.slug)
    return list(verdicts.values())


def auto_tags(taxonomy: Taxonomy, title: str, abstract: str) -> list[str]:
    """The tags the tagger gives a paper, sorted."""
    return sorted(v.slug for v in explain(taxonomy, title, abstract) if v.given)


#: What the rules say of a paper: the tags they give, and each tag's score (tags scoring 0 left out).
RuleResult = tuple[list[str], dict[str, float]]


def rule_result(taxonomy: Taxonomy, title: str, abstract: str) -> RuleResult:
    verdicts = explain(taxonomy, title, abstract)
    return sorted(v.slug for v in verdicts if v.given), {v.slug: v.score for v in verdicts if v.score}


def paper_key(title: str, abstract: str) -> str:
    return hashlib.sha1(f"{title}\0{abstract}".encode()).hexdigest()


#: Fewer untagged papers than this are tagged in this process: starting workers costs about half a second.
PARALLEL_MIN = 2000


def _tag_chunk(path: str, pairs: list[tuple[str, str]]) -> list[RuleResult]:
    """Tag a chunk of papers in a worker process, the taxonomy read there once (``lru_cache``)."""
    taxonomy = _worker_taxonomy(path)
    return [rule_result(taxonomy, title, abstract) for title, abstract in pairs]


@functools.lru_cache(maxsize=1)
def _worker_taxonomy(path: str) -> Taxonomy:
    return load_taxonomy(Path(path))


def _tag_many(taxonomy: Taxonomy, pairs: list[tuple[str, str]]) -> list[RuleResult]:
    """``rule_result`` for each pair: on every core when there are many (the results do not depend on it)."""
    count = workers()
    if len(pairs) < PARALLEL_MIN or count < 2:
        return [rule_result(taxonomy, title, abstract) for title, abstract in pairs]
    size = -(-len(pairs) // (count * 4))  # a few chunks per worker, so none waits on a slow one
    chunks = [pairs[i : i + size] for i in range(0, len(pairs), size)]
    with process_pool(count) as pool:
        done = pool.map(_tag_chunk, [str(taxonomy.path)] * len(chunks), chunks)
        return [tags for chunk in done for tags in chunk]


def rules_all(taxonomy: Taxonomy, papers: list[tuple[str, str]], cache_dir: Path | None = None) -> list[RuleResult]:
    """``rule_result`` for many (title, abstract) pairs, reusing earlier results for unchanged papers.

    The cache is keyed by the taxonomy file's content, so editing the taxonomy
    re-tags everything, and editing a paper re-tags that paper only.
    """
    digest = hashlib.sha256(TAGGER_VERSION.encode() + taxonomy.path.read_bytes()).hexdigest()[:16]
    path = cache_dir / f"tags-{digest}.json" if cache_dir is not None else None
    loaded = read_entry(path)
    known: dict[str, list] = loaded if isinstance(loaded, dict) else {}  # a damaged cache is rebuilt
    keys = [paper_key(title, abstract) for title, abstract in papers]
    missing = {key: pair for key, pair in zip(keys, papers, strict=True) if key not in known}
    computed = dict(zip(missing, _tag_many(taxonomy, list(missing.values())), strict=True))
    fresh = {key: known[key] if key in known else list(computed[key]) for key in keys}
    if path is not None and fresh != known:
        write_entry(path, fresh)
    return [(list(fresh[key][0]), dict(fresh[key][1])) for key in keys]


def format_explanation(
    taxonomy: Taxonomy,
    verdicts: list[Verdict],
    *,
    added: list[str],
    removed: list[str],
    given: set[str] | None = None,
    extra: dict[str, list[str]] | None = None,
) -> str:
    """``papers tags explain``: one block per tag, given ones first.

    ``given`` is the automatic decision (the rules' alone by default); ``extra``
    adds lines under a tag (the model's score and words).
    """
    given = {v.slug for v in verdicts if v.given} if given is None else given
    lines = []
    for verdict in sorted(verdicts, key=lambda v: (v.slug not in given, -v.score, v.slug)):
        rule = taxonomy.rules[verdict.slug]
        state = "GIVEN  " if verdict.slug in given else "refused"
        if verdict.slug in removed:
            state = "removed by curator (tags_remove)"
        elif verdict.slug in added and verdict.slug not in given:
            state = "added by curator (tags_add)"
        lines.append(f"{state} {verdict.slug}: score {verdict.score:g} / threshold {verdict.threshold:g}  ({rule.name})")
        for f in verdict.findings:
            suffix = f", {f.passing} in passing (not counted)" if f.passing else ""
            lines.append(f"    {f.where:8} /{f.term}/ ×{f.count}{suffix}: +{f.points:g}")
        if verdict.implied_by:
            lines.append(f"    implied by {', '.join(verdict.implied_by)}")
        lines.extend((extra or {}).get(verdict.slug, []))
    return "\n".join(lines)
