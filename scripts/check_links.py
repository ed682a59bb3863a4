"""Check every link of a built site with LinkChecker, offline.

Usage: ``python scripts/check_links.py SITE_DIR`` (``make linkcheck`` runs it on ``site/``).

SITE_DIR is served on a free localhost port and LinkChecker crawls it from the home
page: every internal link must resolve and every ``#anchor`` must exist (LinkChecker's
AnchorCheck plugin). External links are never fetched: LinkChecker only checks their
syntax, which it does for any URL outside the crawled host. Exits 1 with one line per
broken link (page, link, reason), 2 if LinkChecker itself fails, 0 with a summary line.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

# maxrequestspersecond: LinkChecker waits about 0.3 s between two requests to one host
# unless the host answers with a "LinkChecker" header, which our server does.
# Run as root (as CI does), LinkChecker switches to user "nobody" before it lists its
# plugin folder, and "nobody" cannot read a virtualenv in a private folder (a fresh clone
# in `mktemp -d`): the anchor check would be silently off. We only ever crawl our own
# site on localhost, so LinkChecker keeps the caller's user.
LAUNCHER = """\
import sys
import linkcheck.command.linkchecker as command
command.drop_privileges = lambda: None
sys.argv[0] = "linkchecker"
command.linkchecker()
"""

LINKCHECKER_CONFIG = """\
[checking]
maxrequestspersecond=1000
[AnchorCheck]
"""


@dataclass(frozen=True, order=True)
class Problem:
    """A link that does not resolve: the page it is on, the link as written, and why."""

    page: str
    link: str
    reason: str


@dataclass(frozen=True)
class Report:
    """What one run of LinkChecker found."""

    problems: list[Problem]
    pages: int
    links: int


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the site quietly, and tells LinkChecker it may go at full speed."""

    def end_headers(self) -> None:
        self.send_header("LinkChecker", "local test server")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` on a free localhost port in a thread; yield its base URL."""
    handler = functools.partial(_Handler, directory=str(site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/"
        finally:
            server.shutdown()
            thread.join()


def run_linkchecker(base_url: str) -> bytes:
    """Crawl ``base_url`` with LinkChecker; return its verbose XML log (every URL checked)."""
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp, "linkcheckerrc")
        config.write_text(LINKCHECKER_CONFIG, encoding="utf-8")
        # One thread: the crawl, and so the log, comes in the same order every run. -Dplugin logs
        # which plugins were enabled, so a missing anchor check is an error, not a silent pass.
        options = ["--config", str(config), "--threads", "0", "--no-status", "-Dplugin", "--output", "xml/utf-8", "--verbose", base_url]
        command = [sys.executable, "-c", LAUNCHER, *options]
        # Nothing outside localhost is fetched, so a proxy set for the shell must not catch our requests.
        env = {name: value for name, value in os.environ.items() if not name.lower().endswith("_proxy")}
        # Exit status 1 only means "problems found": the log says which.
        result = subprocess.run(command, capture_output=True, env=env, check=False)
    if result.returncode not in (0, 1) or not result.stdout.strip():
        raise RuntimeError(f"linkchecker failed (exit {result.returncode}):\n{result.stderr.decode(errors='replace')}")
    if b"Enable content plugin AnchorCheck" not in result.stderr:
        raise RuntimeError("LinkChecker's AnchorCheck plugin did not load: anchors would go unchecked")
    return result.stdout


def parse_log(xml_log: bytes, base_url: str, site: Path) -> Report:
    """Turn LinkChecker's XML log into problems and counts; pages are named by their site path."""

    def page_of(url: str) -> str:
        path = urldefrag(url).url.removeprefix(base_url.rstrip("/"))
        return path.removesuffix("index.html") or "/"

    problems: set[Problem] = set()
    checked: set[str] = set()
    pages: set[Path] = set()
    for entry in ET.fromstring(xml_log).iter("urldata"):
        link = entry.findtext("url", "")
        parent = entry.findtext("parent") or ""
        realurl = entry.findtext("realurl") or ""
        checked.add(realurl or link)
        valid = entry.find("valid")
        reasons = [w.text or "" for w in entry.iter("warning")]
        if valid is not None and valid.text == "0":
            reasons.insert(0, valid.get("result", "invalid"))
        for reason in reasons:
            problems.add(Problem(page_of(parent) if parent else "(start)", link, reason))
        if entry.findtext("extern") == "0" and realurl:
            file = site / unquote(urlsplit(realurl).path).lstrip("/")
            file = file / "index.html" if file.is_dir() else file
            if file.suffix == ".html" and file.is_file():
                pages.add(file)
    return Report(sorted(problems), len(pages), len(checked))


def check_site(site: Path) -> Report:
    """Serve ``site`` and check all its links."""
    with serve(site) as base_url:
        xml_log = run_linkchecker(base_url)
    return parse_log(xml_log, base_url, site)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built site, e.g. site/")
    args = parser.parse_args(argv)
    site: Path = args.site.resolve()
    if not (site / "index.html").is_file():
        print(f"check_links: {args.site}/index.html not found: build the site first (make site)", file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        report = check_site(site)
    except RuntimeError as error:
        print(f"check_links: {error}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - start
    if report.problems:
        print(f"check_links: {len(report.problems)} broken link(s) in {args.site}:", file=sys.stderr)
        for problem in report.problems:
            print(f"  {problem.page}: {problem.link} -> {problem.reason}", file=sys.stderr)
        return 1
    print(f"check_links: {report.pages} pages, {report.links} links checked, no broken link ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
