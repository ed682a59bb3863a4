"""Every kind of page, in both schemes, on a desktop and a phone: accessible (axe-core), usable by keyboard, nothing hidden focusable."""

from __future__ import annotations

import json

import pytest
from browsing import ROOT, visit
from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]  # one worker builds and serves the site for every browser test

PAGES = {
    "home": "",
    "papers": "papers/",
    "paper": "papers/adaptive-guidance-training-free-acceleration-of-conditional-diffusion-models/",
    "tags": "tags/",
    "tag": "tags/diffusion-models/",
    "month": "archive/2015/06/",
    "about": "about/",
    "404": "404.html",
}
SCHEMES = {"light": "default", "dark": "slate"}
WIDTHS = {"desktop": 1280, "phone": 390}
#: axe-core as package-lock.json pins it (the newest release when last pinned), installed by `make node-deps`.
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: The checks: every rule axe runs by default, and only the violations reported.
AXE_OPTIONS = {"resultTypes": ["violations"]}


def open_page(browser: Browser, url: str, scheme: str, width: str) -> tuple[Page, list[str], list[str]]:
    return visit(browser, url, color_scheme=scheme, viewport={"width": WIDTHS[width], "height": 900})


@pytest.fixture(scope="session")
def axe_js() -> str:
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS.relative_to(ROOT)} is missing: run `make node-deps` (npm ci of package-lock.json)", pytrace=False)
    return AXE_JS.read_text(encoding="utf-8")


def axe(page: Page, axe_js: str) -> dict:
    """axe's results on the page as it stands: injected here, from node_modules/, nothing fetched."""
    page.evaluate(axe_js)
    return page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)


def serious(page: Page, axe_js: str) -> list[str]:
    """axe's serious and critical violations on the page as it stands: "rule: the first offending elements"."""
    results = axe(page, axe_js)
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(node['target']) for node in v['nodes'][:3])}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_axe_that_checks_the_pages_is_the_release_package_lock_pins(base: str, browser: Browser, axe_js: str) -> None:
    pinned = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))["packages"]["node_modules/axe-core"]["version"]
    page, _, _ = open_page(browser, base, "light", "desktop")
    assert axe(page, axe_js)["testEngine"] == {"name": "axe-core", "version": pinned}
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("kind", PAGES)
def test_every_page_has_no_serious_accessibility_violation_loads_clean_and_fits_the_screen(
    base: str, browser: Browser, axe_js: str, kind: str, scheme: str, width: str
) -> None:
    page, errors, outside = open_page(browser, base + PAGES[kind], scheme, width)
    assert page.get_attribute("body", "data-md-color-scheme") == SCHEMES[scheme]
    assert serious(page, axe_js) == []
    assert errors == [] and outside == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_slash_opens_search_and_tab_reaches_it(base: str, browser: Browser, width: str) -> None:
    page, _, _ = open_page(browser, base + PAGES["paper"], "light", width)
    page.keyboard.press("/")
    assert page.is_checked("#__search")
    assert page.evaluate("document.activeElement.classList.contains('md-search__input')")
    page.keyboard.press("Escape")
    page.reload(wait_until="load")  # scripts run before "load"; "networkidle" may wait on search still fetching
    for _ in range(12):  # past the skip link and the logo, within a dozen stops
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.md-search, [for=__search]')"):
            break
    else:
        pytest.fail("Tab never reached search")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('__search').checked")
    page.context.close()


def focused_outside_view(page: Page, stops: int) -> list[str]:
    """Of the first ``stops`` Tab stops, those the reader cannot see: no box, hidden, or off the screen."""
    hidden = []
    for _ in range(stops):
        page.keyboard.press("Tab")
        where = page.evaluate(
            """() => { let e = document.activeElement; if (!e || e === document.body) return null;
                if (e.matches('input.md-option')) e = e.nextElementSibling;  // Material's palette toggle shows its input's focus on the label after it
                const r = e.getBoundingClientRect(), s = getComputedStyle(e);
                const seen = r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && r.right > 0 && r.left < innerWidth;
                return seen ? null : (e.textContent.trim() || e.outerHTML).slice(0, 60); }"""
        )
        if where:
            hidden.append(where)
    return hidden


def test_on_a_phone_no_tab_stop_lands_in_the_closed_navigation_drawer(base: str, browser: Browser) -> None:
    page, _, _ = open_page(browser, base + PAGES["paper"], "light", "phone")
    assert focused_outside_view(page, 40) == []
    page.context.close()


def test_the_palette_toggle_switches_the_scheme_and_the_choice_persists(base: str, browser: Browser) -> None:
    page, _, _ = open_page(browser, base, "light", "desktop")
    assert page.get_attribute("body", "data-md-color-scheme") == "default"
    page.locator("form[data-md-component=palette] label:visible").first.click()
    page.wait_for_function("document.body.dataset.mdColorScheme === 'slate'")
    page.goto(base + PAGES["paper"], wait_until="networkidle")
    assert page.get_attribute("body", "data-md-color-scheme") == "slate"
    page.context.close()


@pytest.mark.parametrize("kind, tab", [("paper", "Papers"), ("papers", "Papers"), ("tag", "Tags"), ("month", "Archive"), ("about", "About")])
def test_the_header_tab_of_the_pages_section_is_marked_active(base: str, browser: Browser, kind: str, tab: str) -> None:
    page, _, _ = open_page(browser, base + PAGES[kind], "light", "desktop")
    assert page.locator(".md-tabs__item--active").all_inner_texts() == [tab]
    page.context.close()
