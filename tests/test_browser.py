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


def test_pointer_networks_is_dated_june_2015_in_its_header_and_in_every_list(base: str, browser: Browser) -> None:
    page, _, _ = visit(browser, base + "papers/pointer-networks/")
    assert " ".join(page.inner_text(".papers-meta").split()).startswith("Published June 2015 · Added 12 March 2026")
    page.click(".papers-meta a:has(time)")  # the month it was published, a page of the archive
    page.wait_for_url("**/archive/2015/06/")
    row = page.locator("ul.papers-list > li", has_text="Pointer Networks")
    assert "Oriol Vinyals, Meire Fortunato, Navdeep Jaitly · June 2015" in row.inner_text()
    page.context.close()


def test_a_tag_page_row_shows_authors_date_tags_and_first_sentence(base: str, browser: Browser) -> None:
    page, _, _ = visit(browser, base + "tags/diffusion-models/")
    row = page.locator("ul.papers-list > li", has_text="Adaptive Guidance").first
    authors = row.locator(".papers-row__authors")
    assert authors.inner_text() == "Angela Castillo, Jonas Kohler, Juan C. Pérez et al."
    assert authors.get_attribute("title").startswith("Angela Castillo, Jonas Kohler, Juan C. Pérez, ")  # the full list, on hover
    assert row.locator("time").inner_text() == "19 December 2023"
    lead = row.locator(".papers-row__lead").inner_text()
    assert lead.startswith("This paper presents a comprehensive study") and lead.endswith(".") and len(lead) <= 201
    page.context.close()


@pytest.mark.parametrize("path", ["", "tags/diffusion-models/", PAPER])
def test_chart_text_is_at_least_11_pixels_on_a_phone(base: str, browser: Browser, path: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(base + path, wait_until="networkidle")
    sizes = page.eval_on_selector_all(
        "figure.papers-chart svg text", "ts => ts.map(t => parseFloat(getComputedStyle(t).fontSize) * t.closest('svg').getScreenCTM().a)"
    )
    assert sizes and min(sizes) >= 11, sorted(sizes)[:3]
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
    assert results[0]["byline"] == "Oriol Vinyals, Meire Fortunato, Navdeep Jaitly · June 2015"  # its own date (from its arXiv id), not the day it was added
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


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


def published(byline: str) -> tuple[int, int]:
    """``… · 9 June 2015`` or ``… · June 2015`` -> (2015, 6); (0, 0) for a result without a date."""
    words = byline.rsplit(" · ", 1)[-1].split()
    return (int(words[-1]), MONTHS.index(words[-2]) + 1) if len(words) >= 2 and words[-2] in MONTHS else (0, 0)


def test_sorting_by_newest_orders_the_same_results_by_publication_date(base: str, browser: Browser) -> None:
    page, _, _ = open_search(browser, base)
    by_relevance = search(page, "diffusion")
    page.select_option(".papers-search__filters select[name=sort]", "newest")
    by_date = search(page, "diffusion")
    assert len(by_date) == len(by_relevance) > 2 and by_date != by_relevance
    dates = [published(r["byline"]) for r in by_date]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) > 2  # every bundled paper was added the same day, published over years
    page.close()


def test_initials_match_no_words_and_papers_come_before_hand_written_pages(base: str, browser: Browser) -> None:
    page, _, _ = open_search(browser, base)
    results = search(page, "Samuel R. Bowman")
    assert results and all(r["href"].startswith(PREFIX + "papers/") for r in results)  # the About page's "reward", "rate"… are not his
    bold = page.eval_on_selector_all(".md-search-result__item .papers-search__authors strong", "els => els.map(e => e.textContent)")
    assert bold and set(bold) == {"Samuel R. Bowman"}  # the author who matched, shown even past the first three
    assert all(not marked or set(marked) <= {"samuel", "bowman"} for marked in (r["marked"] for r in results))
    assert search(page, "r")  # a query of one letter still searches
    about = search(page, "taxonomy hand-curated record")
    assert [r["title"] for r in about][-1] == "About"  # a page ranks after every paper found
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
    years = page.eval_on_selector_all(".papers-search__filters select[name=year] option", "os => os.map(o => o.value)")
    assert years[0] == "" and "2015" in years and "2026" not in years  # the years the seed's papers were published, not added
    assert years[1:] == sorted(years[1:], reverse=True)
    page.select_option(".papers-search__filters select[name=year]", "2023")
    in_2023 = search(page, "diffusion")
    assert 0 < found(page) < count and all(published(r["byline"])[0] == 2023 for r in in_2023)
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
