"""Charts: inline SVG drawn from the catalog, bounded in size, every text escaped, every link named."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from bs4 import BeautifulSoup, element
from conftest import make_record

from generator.catalog import Paper, Related, Tag, new_catalog
from generator.charts import HOP, Bar, Node, last_months, linked_bars, monthly_bars, months_between, paper_graph, related_graph, tag_months

HOSTILE = 'A </title><script>alert(1)</script> & "quotes" <b>'


def svg(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


def test_months_run_across_year_ends() -> None:
    assert months_between((2024, 11), (2025, 2)) == [(2024, 11), (2024, 12), (2025, 1), (2025, 2)]
    assert last_months((2025, 2), 3) == [(2024, 12), (2025, 1), (2025, 2)]
    assert months_between((2025, 3), (2025, 2)) == []


def test_monthly_bars_draw_one_bar_per_month_with_papers_and_say_so_in_words() -> None:
    figure = svg(monthly_bars("c", "Papers added per month", {(2025, 1): 4, (2025, 3): 2}, months_between((2024, 12), (2025, 3))))
    bars = figure.select("rect")
    assert [b.title.get_text() for b in bars] == ["January 2025: 4 papers", "March 2025: 2 papers"]
    assert float(bars[0]["height"]) == 2 * float(bars[1]["height"])
    assert figure.svg["role"] == "img" and figure.svg["aria-labelledby"] == "c-title"
    assert figure.figcaption.get_text() == "Papers added per month, December 2024 to March 2025: 6 papers in all; the most, 4, in January 2025."
    assert [t.get_text() for t in figure.select("text")] == ["2024", "2025", "4 papers at most"]


def test_a_chart_with_no_papers_says_none() -> None:
    assert svg(monthly_bars("c", "Papers", {}, [(2025, 1)])).figcaption.get_text() == "Papers: none yet."


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


def test_a_graph_node_shows_its_title_cut_after_a_whole_word_outside_parentheses() -> None:
    titles = [
        "Self-Rectifying Diffusion Sampling with Perturbed-Attention Guidance",
        "LoRA (Low-Rank Adaptation) of Large Language Models",
        "Supercalifragilisticexpialidocious: a first word longer than a label",
        "Café au lait",
    ]
    graph = svg(related_graph("g", Node("c", "This one", ""), [(Node(str(i), t, f"../{i}/"), []) for i, t in enumerate(titles)], set()))
    assert [t.get_text() for t in graph.select("a text")] == ["Self-Rectifying…", "LoRA…", "Supercalifragilisticexpialidocious…", "Café au lait"]
    assert_each_link_shows_the_first_words_of_its_name(graph)


def test_a_companion_bar_links_its_tags_name_and_says_the_count_in_the_links_name() -> None:
    bars = svg(linked_bars("c", "With", [Bar("Computer vision", 18, "../cv/"), Bar("Evaluation (benchmarks and metrics) of models", 2, "../ev/")]))
    assert [shown(a) for a in bars.select("a")] == ["Computer vision", "Evaluation…"]
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
    assert figure.figcaption.get_text() == "This paper and its 2 related papers, with 4 more papers related to those; each point is a link to its paper."
    lines = figure.select("line")
    assert len(lines) == 2 + 4 + 1  # to each related paper, to each of theirs, and between a and b, related to each other


def test_the_graph_is_the_same_whatever_else_the_archive_holds() -> None:
    small = _catalog({"p0": ["a"], "a": ["p0"]})
    large = _catalog({"p0": ["a"], "a": ["p0"], **{f"x{i}": [] for i in range(200)}})
    draw = lambda c: paper_graph(c.by_id["p0"], c, lambda pid: f"../{pid}/")  # noqa: E731
    assert draw(small) == draw(large)


def test_a_tag_chart_covers_the_archives_last_two_years() -> None:
    papers = [Paper(make_record("new", added=date(2026, 3, 1)), tags=["t"]), Paper(make_record("old", added=date(2020, 1, 1)), tags=["t"])]
    catalog = new_catalog(papers, {"t": Tag("t", "T")})
    figure = svg(tag_months(catalog, catalog.tags["t"]))
    assert [r.title.get_text() for r in figure.select("rect")] == ["March 2026: 1 paper"]  # 2020 is beyond the chart's 24 months
    assert figure.figcaption.get_text().startswith("Papers tagged T per month, April 2024 to March 2026: 1 paper in all")
