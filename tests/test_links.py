"""scripts/check_links.py: the real site has no broken link, and a broken one is named."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK_LINKS = ROOT / "scripts" / "check_links.py"


def check_links(site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(CHECK_LINKS), str(site)], capture_output=True, text=True, timeout=600, check=False)


def write_page(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'<!doctype html>\n<html><head><meta charset="utf-8"><title>t</title></head><body>\n{body}\n</body></html>\n', encoding="utf-8")


@pytest.mark.e2e
@pytest.mark.slow
def test_built_site_has_no_broken_link(bundled_site: Path) -> None:
    site = bundled_site
    result = check_links(site)

    assert result.returncode == 0, result.stderr
    summary = re.fullmatch(r"check_links: (\d+) pages, (\d+) links checked, no broken link \([\d.]+ s\)\n", result.stdout)
    assert summary, result.stdout
    # Every HTML page but 404.html is reachable from the home page.
    assert int(summary[1]) == sum(1 for page in site.rglob("*.html") if page.name != "404.html")


def test_broken_internal_link_and_anchor_fail_naming_them(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_page(
        site / "index.html",
        '<h1 id="top">Home</h1>\n<a href="papers/a/">A</a>\n<a href="papers/a/#abstract">A, abstract</a>\n'
        '<a href="papers/missing/">gone</a>\n<a href="https://example.org/never-fetched">elsewhere</a>',
    )
    write_page(site / "papers" / "a" / "index.html", '<h2 id="abstract">Abstract</h2>\n<a href="../../#nowhere">home</a>')

    result = check_links(site)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "/: papers/missing/ -> 404" in result.stderr
    assert "/papers/a/: ../../#nowhere -> Anchor `nowhere'" in result.stderr
    assert len(re.findall(r"^  ", result.stderr, flags=re.MULTILINE)) == 2, result.stderr


def test_external_links_are_only_syntax_checked(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_page(site / "index.html", '<a href="https://example.invalid/not-fetched">fine</a>\n<a href="https://example.org:99999/">bad port</a>')

    result = check_links(site)

    assert result.returncode == 1
    assert "https://example.org:99999/ -> URL host 'example.org:99999' has invalid port" in result.stderr
    assert "example.invalid" not in result.stderr


def test_a_clean_site_passes_with_a_summary(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_page(site / "index.html", '<a href="about/#team">About</a>\n<a href="mailto:editors@example.org">Mail</a>')
    write_page(site / "about" / "index.html", '<h2 id="team">Team</h2>\n<a href="../">Home</a>')

    result = check_links(site)

    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"check_links: 2 pages, \d+ links checked, no broken link \([\d.]+ s\)\n", result.stdout)


def test_a_missing_site_is_an_error(tmp_path: Path) -> None:
    result = check_links(tmp_path / "nothing")

    assert result.returncode == 2
    assert "build the site first" in result.stderr
