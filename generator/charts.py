"""Charts: small pictures drawn at build time as inline SVG, with no JavaScript and nothing fetched.

Three kinds: papers by publication date (bars), a tag's most frequent
companions (bars, each a link), and a paper among its related papers and
theirs (a graph whose nodes are links, keyed to the list below it). Each is a
``<figure>`` whose SVG has a ``<title>`` and a ``<desc>``, and whose caption
says in words what the picture shows: the text alternative. Colours are
Material's CSS variables (``papers.css``), so a chart reads in both schemes.

Sized for a phone: every chart is ``WIDTH`` units wide and ``papers.css``
draws it at most ``WIDTH`` pixels wide, with text of at least 15 units, so no
label is smaller than 11 pixels on a 390-pixel screen, nor larger than 17 on a
desktop.

The cost of a chart is bounded: a date chart has a bar per month for a span of
up to ``MONTHLY_SPAN`` months, else a bar per year; a graph holds at most
``1 + related × (1 + HOP)`` nodes. Nothing per page grows with the archive but
the years it spans.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .catalog import Catalog, Paper, Tag
from .dates import Month, month_text
from .text import html_text, plural

#: Every chart's width, in SVG units: drawn at most this many pixels wide (``papers.css``).
WIDTH = 480
#: A date chart with a longer span of months draws a bar per year.
MONTHLY_SPAN = 36
#: Related papers of each related paper drawn in a paper's graph (the "one hop").
HOP = 3
#: Characters of a tag's name shown on its bar (the whole name is its link's name).
LABEL_CHARS = 40


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from ``first`` to ``last``, both included."""
    count = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
    return [(first[0] + (first[1] - 1 + i) // 12, (first[1] - 1 + i) % 12 + 1) for i in range(max(count, 0))]


def _number(value: float) -> str:
    """Coordinates with at most one decimal: short, and the same on every machine."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _figure(chart_id: str, title: str, summary: str, width: int, height: int, body: list[str], css_class: str, *, linked: bool = False) -> str:
    """A figure holding the SVG and its caption, as one raw HTML block (no blank line inside).

    A chart whose parts are links is a group, not an image: an image's
    insides are hidden from assistive technology, links included.
    """
    role = "group" if linked else "img"
    svg = (
        f'<svg class="papers-chart__svg" viewBox="0 0 {width} {height}" role="{role}" aria-labelledby="{chart_id}-title">'
        f'<title id="{chart_id}-title">{html_text(title)}</title><desc id="{chart_id}-desc">{html_text(summary)}</desc>'
    )
    caption = f"<figcaption>{html_text(summary)}</figcaption>"
    return f'<figure class="papers-chart {css_class}">\n' + svg + "\n" + "\n".join(body) + "\n</svg>\n" + caption + "\n</figure>\n"


# --- Papers by date ------------------------------------------------------------------------


def date_bars(chart_id: str, title: str, counts: dict[Month, int]) -> str:
    """Bars of ``counts`` over the span of its months, oldest first: a bar per month, or per year for a long span.

    The axis spans the data, from its first month to its last: a young archive's
    few months fill the width, an archive of old papers shows their decades.
    """
    if not counts:
        return _figure(chart_id, title, f"{title}: none yet.", WIDTH, 60, [], "papers-chart--months")
    months = months_between(min(counts), max(counts))
    if len(months) <= MONTHLY_SPAN:
        slots = [(month_text(m), counts.get(m, 0), str(m[0]) if m[1] == 1 or i == 0 else "") for i, m in enumerate(months)]
        summary = _span_summary(title, [(month_text(m), counts.get(m, 0)) for m in months])
    else:
        years = range(months[0][0], months[-1][0] + 1)
        per_year = Counter[int]()
        for (year, _), n in counts.items():
            per_year[year] += n
        every = max(1, math.ceil(len(years) * 44 / (WIDTH - 16)))  # a year's label is about 40 units wide
        slots = [(str(y), per_year[y], str(y) if (y - years[0]) % every == 0 else "") for y in years]
        summary = _span_summary(title, [(str(y), per_year[y]) for y in years])
    return _figure(chart_id, title, summary, WIDTH, 190, _bars(slots), "papers-chart--months")


def _bars(slots: Sequence[tuple[str, int, str]]) -> list[str]:
    """Vertical bars for ``(name, count, label under it)``, with the most at the top left."""
    height, top, bottom, left = 190, 24, 30, 8
    plot = height - top - bottom
    most = max(n for _, n, _ in slots)
    step = (WIDTH - 2 * left) / len(slots)
    body = [f'<line class="papers-chart__axis" x1="{left}" y1="{height - bottom}" x2="{WIDTH - left}" y2="{height - bottom}"/>']
    width = min(max(step * 0.8, 1), 40)  # a few slots make bars, not blocks
    for i, (name, n, label) in enumerate(slots):
        x = left + i * step + (step - width) / 2
        if n:
            bar = plot * n / most
            body.append(
                f'<rect class="papers-chart__bar" x="{_number(x)}" y="{_number(height - bottom - bar)}" '
                f'width="{_number(width)}" height="{_number(bar)}"><title>{name}: {plural(n)}</title></rect>'
            )
        if label:
            body.append(f'<text class="papers-chart__label" x="{_number(x)}" y="{height - bottom + 20}">{label}</text>')
    body.append(f'<text class="papers-chart__label" x="{left}" y="{top - 8}">{plural(most)} at most</text>')
    return body


def _span_summary(title: str, slots: Sequence[tuple[str, int]]) -> str:
    total = sum(n for _, n in slots)
    busiest_name, busiest = max(reversed(slots), key=lambda slot: slot[1])  # ties: the latest
    span = slots[0][0] if len(slots) == 1 else f"{slots[0][0]} to {slots[-1][0]}"
    return f"{title}, {span}: {plural(total)} in all; the most, {busiest}, in {busiest_name}."


# --- A tag's companions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One labelled bar that is a link."""

    label: str
    count: int
    href: str


def linked_bars(chart_id: str, title: str, bars: Sequence[Bar]) -> str:
    """Horizontal bars, most first, each with its name above it, and each a link."""
    row, left, right = 44, 8, 48
    height = row * len(bars) + 8
    most = max((b.count for b in bars), default=1)
    body = []
    for i, bar in enumerate(bars):
        y = 4 + i * row
        length = max((WIDTH - left - right) * bar.count / most, 2)
        # The link shows the tag's name only, so that its own name ("Computer vision: 18 papers") begins
        # with all the words it shows (WCAG 2.5.3); the count drawn after it is already in that name.
        body.append(
            f'<a href="{html_text(bar.href)}" aria-label="{html_text(bar.label)}: {plural(bar.count)}">'
            f'<text class="papers-chart__name" x="{left}" y="{y + 17}">{html_text(_clip(bar.label, LABEL_CHARS))}</text>'
            f'<rect class="papers-chart__bar" x="{left}" y="{y + 24}" width="{_number(length)}" height="14"/></a>'
            f'<text class="papers-chart__label" x="{_number(left + length + 6)}" y="{y + 37}" aria-hidden="true">{bar.count}</text>'
        )
    summary = f"{title}: " + ", ".join(f"{b.label} ({b.count})" for b in bars) + "." if bars else f"{title}: none."
    return _figure(chart_id, title, summary, WIDTH, height, body, "papers-chart--bars", linked=True)


def _clip(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: cut after a whole word outside parentheses, the cut marked "…".

    A clipped label is its link's name (the whole text) begun: speech input
    users say the words they see (WCAG 2.5.3), and a word cut in half
    ("Diffusi…") or a parenthesis cut open (a name's parentheticals are left
    out of that match) are not in the name. A first word longer than
    ``limit`` is shown whole.
    """
    if len(text) <= limit:
        return text
    ends = _word_ends(text)
    cut = max((end for end in ends if end < limit), default=min(ends, default=len(text)))
    return text if cut == len(text) else text[:cut] + "…"


def _word_ends(text: str) -> list[int]:
    """Where a word of ``text`` ends (letters and digits end, something else follows), outside any parentheses."""
    ends, depth = [], 0
    for i in range(1, len(text)):
        before = text[i - 1]
        if before == "(":
            depth += 1
        elif before == ")":
            depth = max(depth - 1, 0)
        elif not depth and _in_word(before) and not _in_word(text[i]):
            ends.append(i)
    return ends


def _in_word(char: str) -> bool:
    return char.isalnum() or bool(unicodedata.combining(char))


# --- A paper among its related papers ----------------------------------------------------------


@dataclass(frozen=True)
class Node:
    """A paper in a graph: its title, the link to its page (empty for the page's own paper) and its key in the list below."""

    id: str
    title: str
    href: str
    key: str = ""


def related_graph(chart_id: str, center: Node, ring: Sequence[tuple[Node, Sequence[Node]]], links: set[frozenset[str]]) -> str:
    """The paper in the middle, its related papers around it, and each one's own related papers beyond (one hop).

    Each point shows its key (``1``, ``1a``…), the number of its entry in the list
    of related papers below the graph, where its title is: a title drawn in the
    picture would be too small to read on a phone. ``ring`` is each related paper
    with its related papers to draw (not yet drawn elsewhere); ``links`` are further
    pairs of related papers that are related to each other, drawn as lines too.
    """
    width, height = WIDTH, 380
    cx, cy = width / 2, height / 2
    places: dict[str, tuple[float, float]] = {center.id: (cx, cy)}
    edges: list[tuple[str, str]] = []
    outer: list[tuple[Node, float, float, float]] = []
    count = max(len(ring), 1)
    for i, (node, hop) in enumerate(ring):
        angle = -math.pi / 2 + 2 * math.pi * i / count
        places[node.id] = (cx + 105 * math.cos(angle), cy + 88 * math.sin(angle))
        edges.append((center.id, node.id))
        spread = min(math.pi / count, 0.6)
        for j, far in enumerate(hop):
            offset = (j - (len(hop) - 1) / 2) * spread / max(len(hop) - 1, 1)
            x, y = cx + 190 * math.cos(angle + offset), cy + 150 * math.sin(angle + offset)
            places[far.id] = (x, y)
            edges.append((node.id, far.id))
            outer.append((far, x, y, angle + offset))
    drawn = {frozenset(e) for e in edges}
    edges += sorted(tuple(sorted(pair)) for pair in links if pair not in drawn and pair <= places.keys())  # type: ignore[misc]
    body = [_line(places[a], places[b]) for a, b in edges]
    for far, x, y, angle in outer:
        body.append(_far_node(far, x, y, angle))
    for node, _ in ring:
        body.append(_near_node(node, *places[node.id]))
    body.append(f'<circle class="papers-chart__self" cx="{_number(cx)}" cy="{_number(cy)}" r="12"><title>{html_text(center.title)}</title></circle>')
    body.append(f'<text class="papers-chart__name papers-chart__name--self" x="{_number(cx)}" y="{_number(cy + 32)}" text-anchor="middle">This paper</text>')
    near, far_count = len(ring), len(outer)
    summary = (
        f"This paper and its {plural(near, 'related paper')}"
        + (f", with {plural(far_count, 'more paper')} related to those" if far_count else "")
        + "; each point is a link to its paper, numbered as in the list below."
    )
    return _figure(chart_id, "Related papers, and theirs", summary, width, height, body, "papers-chart--graph", linked=True)


def _line(start: tuple[float, float], end: tuple[float, float]) -> str:
    x1, y1, x2, y2 = (_number(v) for v in (*start, *end))
    return f'<line class="papers-chart__edge" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>'


def _near_node(node: Node, x: float, y: float) -> str:
    """A related paper: a disc with its number inside; its link is named by the number and the title."""
    return (
        f'<a href="{html_text(node.href)}" aria-label="{html_text(node.key)}. {html_text(node.title)}">'
        f'<circle class="papers-chart__near" cx="{_number(x)}" cy="{_number(y)}" r="15"><title>{html_text(node.title)}</title></circle>'
        f'<text class="papers-chart__key" x="{_number(x)}" y="{_number(y + 6)}" text-anchor="middle">{html_text(node.key)}</text></a>'
    )


def _far_node(node: Node, x: float, y: float, angle: float) -> str:
    """A related paper's related paper: a dot with its key beside it, away from the middle."""
    dx, dy = 14 * math.cos(angle), 14 * math.sin(angle) + 5
    anchor = "start" if math.cos(angle) > 0.3 else "end" if math.cos(angle) < -0.3 else "middle"
    return (
        f'<a href="{html_text(node.href)}" aria-label="{html_text(node.key)}. {html_text(node.title)}">'
        f'<circle class="papers-chart__far" cx="{_number(x)}" cy="{_number(y)}" r="7"><title>{html_text(node.title)}</title></circle>'
        f'<text class="papers-chart__label" x="{_number(x + dx)}" y="{_number(y + dy)}" text-anchor="{anchor}">{html_text(node.key)}</text></a>'
    )


# --- From the catalog --------------------------------------------------------------------------


def archive_months(catalog: Catalog) -> str:
    """The home page's chart: the archive's papers by when they were published, over the span of their dates."""
    counts = {month: len(papers) for month, papers in catalog.by_month.items()}
    return date_bars("papers-chart-months", "Papers by date of publication", counts)


def tag_months(catalog: Catalog, tag: Tag) -> str:
    """A tag page's chart: its papers by when they were published, over the span of their dates."""
    counts = Counter(p.published.month_key for p in catalog.by_tag.get(tag.slug, []) if p.published)
    return date_bars("papers-chart-months", f"Papers tagged {tag.name} by date of publication", counts)


def tag_companions(co_tags: Sequence[tuple[Tag, int]], tag: Tag, link: Callable[[str], str]) -> str:
    """A tag page's chart: the tags its papers most often also have (``Catalog.co_tags``), each a link to its page."""
    bars = [Bar(other.name, count, link(other.slug)) for other, count in co_tags]
    return linked_bars("papers-chart-companions", f"Tags most often found with {tag.name}", bars)


def related_keys(paper: Paper, catalog: Catalog) -> list[tuple[str, list[str]]]:
    """Each related paper's id with up to ``HOP`` of its own related papers not drawn yet (each paper drawn once)."""
    drawn = {paper.id} | {r.id for r in paper.related}
    keyed = []
    for related in paper.related:
        hop = []
        for further in catalog.by_id[related.id].related:
            if further.id not in drawn and len(hop) < HOP:
                drawn.add(further.id)
                hop.append(further.id)
        keyed.append((related.id, hop))
    return keyed


def hop_key(number: int, index: int) -> str:
    """The key of the ``index``-th paper beyond related paper ``number``: ``1a``, ``1b``…"""
    return f"{number}{chr(ord('a') + index)}"


def paper_graph(paper: Paper, catalog: Catalog, link: Callable[[str], str], keyed: list[tuple[str, list[str]]] | None = None) -> str:
    """A paper page's chart: the paper, its related papers, and up to ``HOP`` of each one's own (``related_keys``)."""

    def node(paper_id: str, key: str) -> Node:
        return Node(paper_id, catalog.by_id[paper_id].title, link(paper_id), key)

    keyed = related_keys(paper, catalog) if keyed is None else keyed
    ring = [(node(rid, str(n)), [node(fid, hop_key(n, j)) for j, fid in enumerate(hop)]) for n, (rid, hop) in enumerate(keyed, 1)]
    near = {related.id for related in paper.related}
    # Related papers that are related to each other are joined too; lines to the outer ring stay one per point, or the picture is a tangle.
    links = {frozenset((a, b.id)) for a in near for b in catalog.by_id[a].related if b.id in near}
    return related_graph("papers-chart-graph", Node(paper.id, paper.title, ""), ring, links)
