"""Charts: small pictures drawn at build time as inline SVG, with no JavaScript and nothing fetched.

Three kinds: papers per month (bars), a tag's most frequent companions
(horizontal bars, each a link), and a paper among its related papers and
theirs (a graph whose nodes are links). Each is a ``<figure>`` whose SVG has a
``<title>`` and a ``<desc>``, and whose caption says in words what the picture
shows: the text alternative. Colours are Material's CSS variables
(``papers.css``), so a chart reads in both schemes.

The cost of a chart is bounded: a tag's months are its last ``TAG_MONTHS``, a
graph holds at most ``1 + related × (1 + HOP)`` nodes. Nothing per page grows
with the archive.
"""

from __future__ import annotations

import calendar
import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .catalog import Catalog, Paper, Tag
from .text import html_text, plural, readable

Month = tuple[int, int]

#: A tag page's chart covers this many months, up to the archive's newest: the same size on every tag page.
TAG_MONTHS = 24
#: The home page's chart shows the archive's whole life, and at least this many months.
ARCHIVE_MONTHS = 12
#: Related papers of each related paper drawn in a paper's graph (the "one hop").
HOP = 3
#: Characters of a title shown as a node's label (the whole title is its link's name).
LABEL_CHARS = 24


def month_name(month: Month) -> str:
    return f"{calendar.month_name[month[1]]} {month[0]}"


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from ``first`` to ``last``, both included."""
    count = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
    return [(first[0] + (first[1] - 1 + i) // 12, (first[1] - 1 + i) % 12 + 1) for i in range(max(count, 0))]


def last_months(last: Month, count: int) -> list[Month]:
    """The ``count`` months up to ``last``, oldest first."""
    index = last[0] * 12 + last[1] - 1 - (count - 1)
    return months_between((index // 12, index % 12 + 1), last)


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


# --- Papers per month --------------------------------------------------------------------------


def monthly_bars(chart_id: str, title: str, counts: dict[Month, int], months: Sequence[Month]) -> str:
    """Bars of ``counts`` over ``months`` (oldest first; a month without papers is a gap)."""
    width, height, top, bottom, left = 640, 180, 16, 28, 8
    plot = height - top - bottom
    most = max((counts.get(m, 0) for m in months), default=0)
    step = (width - 2 * left) / max(len(months), 1)
    body = [f'<line class="papers-chart__axis" x1="{left}" y1="{height - bottom}" x2="{width - left}" y2="{height - bottom}"/>']
    for i, month in enumerate(months):
        n = counts.get(month, 0)
        x = left + i * step
        if n:
            bar = plot * n / most
            body.append(
                f'<rect class="papers-chart__bar" x="{_number(x + step * 0.1)}" y="{_number(height - bottom - bar)}" '
                f'width="{_number(step * 0.8)}" height="{_number(bar)}"><title>{month_name(month)}: {plural(n)}</title></rect>'
            )
        if month[1] == 1 or i == 0:  # a year's label under its January (and under the first month)
            body.append(f'<text class="papers-chart__label" x="{_number(x + step * 0.1)}" y="{height - bottom + 16}">{month[0]}</text>')
    if most:
        body.append(f'<text class="papers-chart__label" x="{left}" y="{top - 4}">{plural(most)} at most</text>')
    return _figure(chart_id, title, _months_summary(title, counts, months), width, height, body, "papers-chart--months")


def _months_summary(title: str, counts: dict[Month, int], months: Sequence[Month]) -> str:
    total = sum(counts.get(m, 0) for m in months)
    if not months or not total:
        return f"{title}: none yet."
    busiest = max(months, key=lambda m: (counts.get(m, 0), m))  # ties: the latest
    span = month_name(months[0]) if len(months) == 1 else f"{month_name(months[0])} to {month_name(months[-1])}"
    return f"{title}, {span}: {plural(total)} in all; the most, {counts[busiest]}, in {month_name(busiest)}."


# --- A tag's companions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One labelled bar that is a link."""

    label: str
    count: int
    href: str


def linked_bars(chart_id: str, title: str, bars: Sequence[Bar]) -> str:
    """Horizontal bars, most first, each labelled and a link."""
    row, label_width, width, right = 22, 220, 640, 48
    height = row * len(bars) + 8
    most = max((b.count for b in bars), default=1)
    body = []
    for i, bar in enumerate(bars):
        y = 4 + i * row
        length = (width - label_width - right) * bar.count / most
        # The link shows the tag's name only, so that its own name ("Computer vision: 18 papers") begins
        # with all the words it shows (WCAG 2.5.3); the count drawn after it is already in that name.
        body.append(
            f'<a href="{html_text(bar.href)}" aria-label="{html_text(bar.label)}: {plural(bar.count)}">'
            f'<text class="papers-chart__name" x="{label_width - 8}" y="{y + 15}" text-anchor="end">{html_text(_clip(bar.label, 32))}</text>'
            f'<rect class="papers-chart__bar" x="{label_width}" y="{y + 3}" width="{_number(length)}" height="{row - 8}"/></a>'
            f'<text class="papers-chart__label" x="{_number(label_width + length + 6)}" y="{y + 15}" aria-hidden="true">{bar.count}</text>'
        )
    summary = f"{title}: " + ", ".join(f"{b.label} ({b.count})" for b in bars) + "." if bars else f"{title}: none."
    return _figure(chart_id, title, summary, width, height, body, "papers-chart--bars", linked=True)


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
    """A paper in a graph: its title and the link to its page (empty for the page's own paper)."""

    id: str
    title: str
    href: str


def related_graph(chart_id: str, center: Node, ring: Sequence[tuple[Node, Sequence[Node]]], links: set[frozenset[str]]) -> str:
    """The paper in the middle, its related papers around it, and each one's own related papers beyond (one hop).

    ``ring`` is each related paper with its related papers to draw (not yet
    drawn elsewhere); ``links`` are further pairs of related papers that are
    related to each other, drawn as lines too.
    """
    width, height = 640, 360
    cx, cy = width / 2, height / 2
    places: dict[str, tuple[float, float]] = {center.id: (cx, cy)}
    edges: list[tuple[str, str]] = []
    outer: list[tuple[Node, float, float]] = []
    count = max(len(ring), 1)
    for i, (node, hop) in enumerate(ring):
        angle = -math.pi / 2 + 2 * math.pi * i / count
        places[node.id] = (cx + 120 * math.cos(angle), cy + 95 * math.sin(angle))
        edges.append((center.id, node.id))
        spread = min(math.pi / count, 0.6)
        for j, far in enumerate(hop):
            offset = (j - (len(hop) - 1) / 2) * spread / max(len(hop) - 1, 1)
            x, y = cx + 290 * math.cos(angle + offset), cy + 160 * math.sin(angle + offset)
            places[far.id] = (x, y)
            edges.append((node.id, far.id))
            outer.append((far, x, y))
    drawn = {frozenset(e) for e in edges}
    edges += sorted(tuple(sorted(pair)) for pair in links if pair not in drawn and pair <= places.keys())  # type: ignore[misc]
    body = [_line(places[a], places[b]) for a, b in edges]
    for far, x, y in outer:
        body.append(_node(far, x, y, 5, "papers-chart__far", label=False))
    for node, _ in ring:
        x, y = places[node.id]
        body.append(_node(node, x, y, 8, "papers-chart__near", label=True, anchor="start" if x >= cx else "end"))
    body.append(f'<circle class="papers-chart__self" cx="{_number(cx)}" cy="{_number(cy)}" r="11"><title>{html_text(center.title)}</title></circle>')
    body.append(f'<text class="papers-chart__name papers-chart__name--self" x="{_number(cx)}" y="{_number(cy + 26)}" text-anchor="middle">This paper</text>')
    near, far_count = len(ring), len(outer)
    summary = (
        f"This paper and its {plural(near, 'related paper')}"
        + (f", with {plural(far_count, 'more paper')} related to those" if far_count else "")
        + "; each point is a link to its paper."
    )
    return _figure(chart_id, "Related papers, and theirs", summary, width, height, body, "papers-chart--graph", linked=True)


def _line(start: tuple[float, float], end: tuple[float, float]) -> str:
    x1, y1, x2, y2 = (_number(v) for v in (*start, *end))
    return f'<line class="papers-chart__edge" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}"/>'


def _node(node: Node, x: float, y: float, radius: int, css_class: str, *, label: bool, anchor: str = "start") -> str:
    name = html_text(node.title)
    text = ""
    if label:
        dx = radius + 5 if anchor == "start" else -radius - 5
        label_text = html_text(_clip(node.title, LABEL_CHARS))
        text = f'<text class="papers-chart__name" x="{_number(x + dx)}" y="{_number(y + 4)}" text-anchor="{anchor}">{label_text}</text>'
    return (
        f'<a href="{html_text(node.href)}" aria-label="{name}"><circle class="{css_class}" cx="{_number(x)}" cy="{_number(y)}" r="{radius}">'
        f"<title>{name}</title></circle>{text}</a>"
    )


# --- From the catalog --------------------------------------------------------------------------


def archive_months(catalog: Catalog) -> str:
    """The home page's chart: papers added per month over the archive's whole life."""
    counts = {month: len(papers) for month, papers in catalog.by_month.items()}
    # At least a year, so that a young archive's few bars stand in a timeline rather than fill the width.
    months = months_between(min(min(counts), last_months(max(counts), ARCHIVE_MONTHS)[0]), max(counts)) if counts else []
    return monthly_bars("papers-chart-months", "Papers added per month", counts, months)


def tag_months(catalog: Catalog, tag: Tag) -> str:
    """A tag page's chart: its papers per month, over the archive's last ``TAG_MONTHS`` months."""
    counts = Counter((p.record.added.year, p.record.added.month) for p in catalog.by_tag.get(tag.slug, []))
    newest = catalog.newest_date
    months = last_months((newest.year, newest.month), TAG_MONTHS) if newest else []
    return monthly_bars("papers-chart-months", f"Papers tagged {tag.name} per month", counts, months)


def tag_companions(co_tags: Sequence[tuple[Tag, int]], tag: Tag, link: Callable[[str], str]) -> str:
    """A tag page's chart: the tags its papers most often also have (``Catalog.co_tags``), each a link to its page."""
    bars = [Bar(other.name, count, link(other.slug)) for other, count in co_tags]
    return linked_bars("papers-chart-companions", f"Tags most often found with {tag.name}", bars)


def paper_graph(paper: Paper, catalog: Catalog, link: Callable[[str], str]) -> str:
    """A paper page's chart: the paper, its related papers, and up to ``HOP`` of each one's own (one hop, each paper drawn once)."""

    def node(paper_id: str) -> Node:
        return Node(paper_id, readable(catalog.by_id[paper_id].record.title), link(paper_id))

    drawn = {paper.id} | {r.id for r in paper.related}
    ring: list[tuple[Node, list[Node]]] = []
    for related in paper.related:
        hop = []
        for further in catalog.by_id[related.id].related:
            if further.id not in drawn and len(hop) < HOP:
                drawn.add(further.id)
                hop.append(node(further.id))
        ring.append((node(related.id), hop))
    near = {related.id for related in paper.related}
    # Related papers that are related to each other are joined too; lines to the outer ring stay one per point, or the picture is a tangle.
    links = {frozenset((a, b.id)) for a in near for b in catalog.by_id[a].related if b.id in near}
    return related_graph("papers-chart-graph", Node(paper.id, readable(paper.record.title), ""), ring, links)
