"""The bundled site built and served on localhost, and a Chromium to look at it: shared by the browser tests."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from chromium import launch  # noqa: E402,F401  # shared with scripts/bench_search.py and scripts/screenshots.py
from conftest import copy_project  # noqa: E402

#: Where the site is served: under a path, as GitHub Pages serves a project's site.
PREFIX = "/papers-archive/"
#: The one request allowed to leave localhost: the repository facts (stars, forks) that repo_url asks GitHub for.
GITHUB_API = "https://api.github.com/"
LOCAL = ("http://127.0.0.1", "data:", GITHUB_API)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def served_site(project: Path, port: int) -> Iterator[str]:
    """The bundled site, built for and served at ``http://127.0.0.1:<port>/papers-archive/``, so that every link of it stays here."""
    copy_project(project)
    url = f"http://127.0.0.1:{port}{PREFIX}"
    env = {**os.environ, "SITE_URL": url, "NO_MKDOCS_2_WARNING": "1"}
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(project / "mkdocs.yml")], env=env, capture_output=True, text=True
    )
    if build.returncode != 0:
        raise RuntimeError(f"mkdocs build failed:\n{build.stderr}")
    with served_folder(project / "site", project / "root", port) as served:
        yield served


@contextmanager
def served_folder(site: Path, root: Path, port: int) -> Iterator[str]:
    """A built ``site`` served at ``http://127.0.0.1:<port>/papers-archive/`` (from ``root``, made here); yields that URL."""
    root.mkdir()
    (root / PREFIX.strip("/")).symlink_to(site)
    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}{PREFIX}"
    finally:
        server.shutdown()
        server.server_close()


def visit(browser: Browser, url: str, **context: object) -> tuple[Page, list[str], list[str]]:
    """Open ``url`` in a fresh context (``color_scheme``, ``viewport``…); return the page, its console errors and every request that left localhost."""
    page = browser.new_context(**context).new_page()  # type: ignore[arg-type]
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route(GITHUB_API + "**", lambda route: route.fulfill(json={"stargazers_count": 1, "forks_count": 1}))  # answered here
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith(LOCAL) else None)
    page.goto(url, wait_until="networkidle")
    return page, errors, outside
