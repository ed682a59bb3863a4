"""The built bundled site in a real browser (Chromium, driven by Playwright): pages load clean and stay on localhost."""

from __future__ import annotations

import json

import pytest
from browsing import GITHUB_API, LOCAL, PREFIX, visit
from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]  # one worker builds and serves the site for every browser test

PAPER = "papers/adaptive-guidance-training-free-acceleration-of-conditional-diffusion-models/"


@pytest.mark.parametrize("path", ["", "papers/", "tags/", "tags/diffusion-models/", "archive/", PAPER, "about/"])
def test_pages_load_with_no_console_error_and_no_request_leaving_localhost(base: str, browser: Browser, path: str) -> None:
    page, errors, outside = visit(browser, base + path)
    assert page.title().endswith("Papers Archive")
    assert errors == [] and outside == []
    page.context.close()


def test_feed_readers_discover_the_feeds_and_material_fetches_no_sitemap_for_them(base: str, browser: Browser) -> None:
    requested: list[str] = []
    context = browser.new_context()
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.goto(base + "tags/diffusion-models/", wait_until="networkidle")
    feeds = page.eval_on_selector_all(
        "link", "ls => ls.filter(l => l.relList.contains('alternate') && l.type === 'application/rss+xml').map(l => l.getAttribute('href'))"
    )
    assert [f[len(base) :] for f in feeds] == ["feed.xml", "tags/diffusion-models/feed.xml"]
    assert [url for url in requested if "sitemap" in url] == []
    context.close()


def test_a_paper_page_shows_its_authors_dates_links_and_a_citation_to_copy(base: str, browser: Browser) -> None:
    page, _, _ = visit(browser, base + PAPER)
    assert page.inner_text(".papers-authors").startswith("Angela Castillo, Jonas Kohler")
    assert page.get_attribute(".papers-meta time", "datetime") == "2023-12-19"
    assert [page.get_attribute(f"a.papers-link-{kind}", "href") for kind in ("arxiv", "pdf")] == [
        "https://arxiv.org/abs/2312.12487",
        "https://arxiv.org/pdf/2312.12487",
    ]
    assert page.locator("pre.papers-bibtex").inner_text().startswith("@misc{castillo2023adaptive,")
    page.locator("pre.papers-bibtex").scroll_into_view_if_needed()
    copy = page.locator('pre.papers-bibtex button[data-md-type="copy"]')  # Material's copy button, added as the block shows
    copy.wait_for(timeout=5000)
    assert copy.get_attribute("title") == "Copy to clipboard"
    data = json.loads(page.locator('script[type="application/ld+json"]').inner_text())
    assert data["@type"] == "ScholarlyArticle" and data["sameAs"] == "https://arxiv.org/abs/2312.12487"
    page.close()


# --- Search ----------------------------------------------------------------


def open_search(browser: Browser, base: str, *, color_scheme: str = "light") -> tuple[Page, list[str], list[str]]:
    """A page with nothing of search loaded, then search opened with "/"; returns the page, errors, outside requests."""
    page = browser.new_page(color_scheme=color_scheme)
    errors: list[str] = []
    outside: list[str] = []
    searched: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.route(GITHUB_API + "**", lambda route: route.fulfill(json={"stargazers_count": 1, "forks_count": 1}))
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(LOCAL) else None)
    page.on("request", lambda r: searched.append(r.url) if "/search/" in r.url or "papers-search" in r.url else None)
    page.goto(base + "papers/", wait_until="networkidle")
    assert searched == [], "search must load nothing before it is opened"
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.classList.contains('md-search__input')")
    assert page.is_checked("#__search")
    return page, errors, outside


def search(page: Page, query: str) -> list[dict[str, str]]:
    """Type ``query``; once every shard has answered, the results shown: title, byline, tags and link."""
    page.eval_on_selector(".md-search-result__list", "l => { delete l.dataset.papersQuery; }")  # not the last search's
    page.fill(".md-search__input", query)
    page.wait_for_function(
        "q => { const l = document.querySelector('.md-search-result__list'); return l.dataset.papersQuery === q && l.dataset.papersComplete === 'true'; }",
        arg=query,
        timeout=10000,
    )
    return page.eval_on_selector_all(
        ".md-search-result__item:has(a)",
        """items => items.map(i => ({
            title: i.querySelector('h1').textContent,
            byline: i.querySelector('.papers-search__authors')?.textContent || '',
            tags: [...i.querySelectorAll('.papers-search__tag')].map(t => t.textContent),
            href: i.querySelector('a').getAttribute('href'),
            marked: [...i.querySelectorAll('mark')].map(m => m.textContent.toLowerCase()),
        }))""",
    )


def test_slash_opens_search_and_a_title_finds_that_paper_first(base: str, browser: Browser) -> None:
    page, errors, outside = open_search(browser, base)
    results = search(page, "pointer networks")
    assert results[0]["title"] == "Pointer Networks" and results[0]["href"] == PREFIX + "papers/pointer-networks/"
    assert results[0]["byline"] == "March 12, 2026 · Oriol Vinyals, Meire Fortunato, Navdeep Jaitly"
    assert "pointer" in results[0]["marked"]
    page.click(".md-search-result__link")
    page.wait_for_url("**/papers/pointer-networks/")
    assert not page.is_checked("#__search"), "following a result closes search"
    assert errors == [] and outside == []
    page.close()


def test_an_authors_name_finds_their_papers(base: str, browser: Browser) -> None:
    page, _, _ = open_search(browser, base)
    hrefs = {r["href"] for r in search(page, "David Duvenaud")}
    assert {
        PREFIX + "papers/alignment-faking-in-large-language-models/",
        PREFIX + "papers/experts-don-t-cheat-learning-what-you-don-t-know-by-predicting-pairs/",
    } <= hrefs
    page.close()


def test_a_long_title_pasted_whole_finds_that_paper_first(base: str, browser: Browser) -> None:
    page, _, _ = open_search(browser, base)
    results = search(page, "Experts Don't Cheat: Learning What You Don't Know By Predicting Pairs")
    assert results[0]["href"] == PREFIX + "papers/experts-don-t-cheat-learning-what-you-don-t-know-by-predicting-pairs/"
    page.close()


def test_sorting_by_newest_orders_the_same_results_by_date_then_path(base: str, browser: Browser) -> None:
    page, _, _ = open_search(browser, base)
    by_relevance = search(page, "diffusion")
    page.select_option(".papers-search__filters select[name=sort]", "newest")
    by_date = search(page, "diffusion")
    assert len(by_date) == len(by_relevance) > 2 and by_date != by_relevance
    # Every bundled paper was added on the same day: the newest are the last by path.
    hrefs = [r["href"] for r in by_date]
    assert hrefs == sorted(hrefs, reverse=True)
    page.close()


def found(page: Page) -> int:
    """The number of matches the search box reports ("12 matching papers")."""
    meta = page.inner_text(".md-search-result__meta")
    return 0 if meta.startswith("No ") else int(meta.split()[0])


def test_a_tag_filter_narrows_the_results(base: str, browser: Browser) -> None:
    page, _, _ = open_search(browser, base)
    search(page, "diffusion")
    everything = found(page)
    page.select_option(".papers-search__filters select[name=tag]", "Image generation")
    narrowed = search(page, "diffusion")
    count = found(page)
    assert 0 < count < everything
    assert narrowed and all("Image generation" in r["tags"] for r in narrowed)
    page.select_option(".papers-search__filters select[name=year]", "2026")  # every bundled paper was added in 2026
    search(page, "diffusion")
    assert found(page) == count
    years = page.eval_on_selector_all(".papers-search__filters select[name=year] option", "os => os.map(o => o.value)")
    assert years == ["", "2026"]
    page.close()


def test_search_shows_results_in_dark_mode_in_materials_colours(base: str, browser: Browser) -> None:
    page, _, _ = open_search(browser, base, color_scheme="dark")
    assert page.get_attribute("body", "data-md-color-scheme") == "slate"
    assert search(page, "alignment faking")[0]["href"] == PREFIX + "papers/alignment-faking-in-large-language-models/"
    title = page.locator(".md-search-result__item h1").first
    assert title.is_visible()
    colour = title.evaluate("e => getComputedStyle(e).color")
    background = page.locator(".md-search__output").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour != background and background != "rgb(255, 255, 255)"
    page.close()


def test_escape_closes_search_and_nothing_typed_shows_no_results(base: str, browser: Browser) -> None:
    page, _, _ = open_search(browser, base)
    search(page, "pointer networks")
    page.fill(".md-search__input", "")
    page.wait_for_function("document.querySelector('.md-search-result__list').dataset.papersQuery === ''")
    assert page.locator(".md-search-result__item").count() == 0
    page.keyboard.press("Escape")
    assert not page.is_checked("#__search")
    page.close()


def test_a_hand_written_page_is_found_as_a_page(base: str, browser: Browser) -> None:
    page, errors, _ = open_search(browser, base)
    results = search(page, "taxonomy hand-curated record")
    assert {"href": PREFIX + "about/", "title": "About"}.items() <= next(r for r in results if r["title"] == "About").items()
    assert errors == []
    page.close()
