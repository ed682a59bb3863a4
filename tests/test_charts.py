"""Charts: inline SVG drawn from the catalog, bounded in size, every text escaped, every link named."""

from __future__ import annotations

import itertools
import re
import unicodedata
from datetime import date

from bs4 import BeautifulSoup, element
from conftest import make_record

from generator.catalog import Paper, Related, Tag, new_catalog
from generator.charts import HOP, MONTHLY_SPAN, Bar, Node, archive_months, date_bars, linked_bars, months_between, paper_graph, related_graph, tag_months

HOSTILE = 'A </title><script>alert(1)</script> & "quotes" <b>'


def svg(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


def test_months_run_across_year_ends() -> None:
    assert months_between((2024, 11), (2025, 2)) == [(2024, 11), (2024, 12), (2025, 1), (2025, 2)]
    assert months_between((2025, 3), (2025, 2)) == []


def test_date_bars_span_the_data_a_bar_per_month_and_say_so_in_words() -> None:
    figure = svg(date_bars("c", "Papers by date of publication", {(2024, 12): 1, (2025, 3): 2, (2025, 1): 4}))
    bars = figure.select("rect")
    assert [b.title.get_text() for b in bars] == ["December 2024: 1 paper", "January 2025: 4 papers", "March 2025: 2 papers"]
    assert float(bars[1]["height"]) == 2 * float(bars[2]["height"])
    # The axis starts and ends with the data, not a fixed year: four months, the first and the last bar in the outer quarters.
    assert float(bars[0]["x"]) < 480 / 4 and float(bars[2]["x"]) > 480 * 3 / 4
    assert figure.svg["role"] == "img" and figure.svg["aria-labelledby"] == "c-title"
    assert figure.figcaption.get_text() == "Papers by date of publication, December 2024 to March 2025: 7 papers in all; the most, 4, in January 2025."
    assert [t.get_text() for t in figure.select("text")] == ["2024", "2025", "4 papers at most"]


def test_a_long_span_draws_a_bar_per_year_with_labels_that_do_not_collide() -> None:
    counts = {(1995, 3): 1, (2015, 6): 2, (2015, 9): 1, (2025, 1): 5}
    figure = svg(date_bars("c", "Papers", counts))
    assert [b.title.get_text() for b in figure.select("rect")] == ["1995: 1 paper", "2015: 3 papers", "2025: 5 papers"]
    assert len(figure.select("line")) == 1 and MONTHLY_SPAN == 36
    labels = [t for t in figure.select("text") if t.get_text().isdigit()]
    xs = [float(t["x"]) for t in labels]
    assert labels[0].get_text() == "1995" and all(b - a >= 40 for a, b in itertools.pairwise(xs))  # a year's label is about 40 units wide
    assert figure.figcaption.get_text() == "Papers, 1995 to 2025: 9 papers in all; the most, 5, in 2025."


def test_a_chart_with_no_papers_says_none() -> None:
    assert svg(date_bars("c", "Papers", {})).figcaption.get_text() == "Papers: none yet."


def test_linked_bars_escape_every_label_and_name_every_link() -> None:
    figure = svg(linked_bars("c", f"With {HOSTILE}", [Bar(HOSTILE, 3, '../x/"><script>'), Bar("Other", 1, "../other/")]))
    assert figure.find("script") is None and figure.find("b") is None
    first, second = figure.select("a")
    assert first["aria-label"] == f"{HOSTILE}: 3 papers" and first["href"] == '../x/"><script>'
    assert second["aria-label"] == "Other: 1 paper"
    assert figure.svg["role"] == "group"  # links inside: a group, not an image (whose insides are hidden)
    assert figure.svg.title.get_text() == f"With {HOSTILE}"


def shown(link: element.Tag) -> str:
    """The text a link shows, read as browsers and axe-core read it: its text nodes as they stand, joined; a <title> is a tooltip."""
    return "".join(text for text in link.find_all(string=True) if text.parent.name != "title")


def words(text: str) -> list[str]:
    """The words speech input matches a link by: letters and digits, with punctuation and (parentheticals) left out, as axe-core does."""
    text = unicodedata.normalize("NFKD", text)
    while (shorter := re.sub(r"\([^()]*\)", "", text)) != text:
        text = shorter
    return re.findall(r"[^\W_]+", text)


def assert_each_link_shows_the_first_words_of_its_name(figure: BeautifulSoup) -> None:
    """WCAG 2.5.3, label in name: speech input users say what a link shows, so its name must begin with those words."""
    for link in figure.select("a"):
        label, name = words(shown(link)), words(link["aria-label"])
        assert label and name[: len(label)] == label, (shown(link), link["aria-label"])


def test_each_graph_point_shows_its_key_in_the_list_below_and_its_link_is_named_by_key_and_title() -> None:
    titles = ["Self-Rectifying Diffusion Sampling", "LoRA (Low-Rank Adaptation) of Large Language Models"]
    ring = [(Node(str(i), t, f"../{i}/", str(i + 1)), [Node(f"f{i}", "Far", f"../f{i}/", f"{i + 1}a")]) for i, t in enumerate(titles)]
    graph = svg(related_graph("g", Node("c", "This one", ""), ring, set()))
    assert [t.get_text() for t in graph.select("a text")] == ["1a", "2a", "1", "2"]  # the outer ring is drawn first, under the inner
    assert [a["aria-label"] for a in graph.select("a")][2:] == [f"1. {titles[0]}", f"2. {titles[1]}"]
    assert_each_link_shows_the_first_words_of_its_name(graph)


def test_a_companion_bar_links_its_tags_name_and_says_the_count_in_the_links_name() -> None:
    bars = svg(
        linked_bars("c", "With", [Bar("Computer vision", 18, "../cv/"), Bar("Evaluation (benchmarks, metrics and leaderboards) of models", 2, "../ev/")])
    )
    assert [shown(a) for a in bars.select("a")] == ["Computer vision", "Evaluation…"]  # cut after a whole word outside the parentheses
    assert [t.get_text() for t in bars.select("svg > text")] == ["18", "2"]  # drawn after each bar, and already in its link's name
    assert_each_link_shows_the_first_words_of_its_name(bars)


def _catalog(related: dict[str, list[str]]):
    papers = [Paper(make_record(pid, HOSTILE if pid == "p0" else None), related=[Related(r, 1.0) for r in rel]) for pid, rel in related.items()]
    return new_catalog(papers, {})


def test_the_graph_holds_the_paper_its_related_papers_and_a_few_of_theirs_each_once() -> None:
    related = {"p0": ["a", "b"], "a": ["p0", "b", "a1", "a2", "a3", "a4"], "b": ["a", "a1", "b1"]}
    related |= {pid: [] for pid in ("a1", "a2", "a3", "a4", "b1")}
    catalog = _catalog(related)
    figure = svg(paper_graph(catalog.by_id["p0"], catalog, lambda pid: f"../{pid}/"))
    links = [a["href"] for a in figure.select("a")]
    assert sorted(links) == ["../a/", "../a1/", "../a2/", "../a3/", "../b/", "../b1/"]  # a4: beyond HOP = 3; a1 once
    assert HOP == 3
    assert figure.find("script") is None and figure.select_one("circle.papers-chart__self").title.get_text() == HOSTILE
    assert figure.figcaption.get_text() == (
        "This paper and its 2 related papers, with 4 more papers related to those; each point is a link to its paper, numbered as in the list below."
    )
    assert [t.get_text() for t in figure.select("a text")] == ["1a", "1b", "1c", "2a", "1", "2"]
    lines = figure.select("line")
    assert len(lines) == 2 + 4 + 1  # to each related paper, to each of theirs, and between a and b, related to each other


def test_the_graph_is_the_same_whatever_else_the_archive_holds() -> None:
    small = _catalog({"p0": ["a"], "a": ["p0"]})
    large = _catalog({"p0": ["a"], "a": ["p0"], **{f"x{i}": [] for i in range(200)}})
    draw = lambda c: paper_graph(c.by_id["p0"], c, lambda pid: f"../{pid}/")  # noqa: E731
    assert draw(small) == draw(large)


def test_date_charts_count_papers_by_publication_never_by_the_day_they_were_added() -> None:
    papers = [
        Paper(make_record("dated", added=date(2026, 3, 1), published=date(2024, 5, 2)), tags=["t"]),
        Paper(make_record("from-id", added=date(2026, 3, 1), arxiv="1506.03134"), tags=["t"]),
        Paper(make_record("unknown", added=date(2026, 3, 1)), tags=["t"]),
    ]
    catalog = new_catalog(papers, {"t": Tag("t", "T")})
    for figure in (svg(tag_months(catalog, catalog.tags["t"])), svg(archive_months(catalog))):
        assert [r.title.get_text() for r in figure.select("rect")] == ["2015: 1 paper", "2024: 1 paper"]  # 2026, the day added, is nowhere
