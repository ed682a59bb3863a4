"""Take the README's screenshots of the built site (`make screenshots`, after `make site`).

    .venv/bin/python scripts/screenshots.py [--site site] [--out .github]

Serves ``site/`` on localhost, as GitHub Pages would (under /papers-archive/),
and photographs it with the browser the tests use (scripts/chromium.py): the
home page, a paper page, search open on a query, and the home page in dark
mode. Nothing leaves this machine: the repository facts Material asks GitHub
for are answered here.
"""

from __future__ import annotations

import argparse
import functools
import socket
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from tempfile import TemporaryDirectory

from chromium import launch
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "papers-archive"
PAPER = "papers/adaptive-guidance-training-free-acceleration-of-conditional-diffusion-models/"
QUERY = "diffusion distillation"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def serve(site: Path, folder: Path) -> tuple[ThreadingHTTPServer, str]:
    (folder / PREFIX).symlink_to(site.resolve())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{port}/{PREFIX}/"


def shoot(base: str, out: Path) -> list[Path]:
    shots = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for name, path, scheme, search in [
            ("screenshot.png", "", "light", False),
            ("screenshot-paper.png", PAPER, "light", False),
            ("screenshot-search.png", "papers/", "light", True),
            ("screenshot-dark.png", "", "dark", False),
        ]:
            context = browser.new_context(viewport={"width": 1280, "height": 860}, color_scheme=scheme, device_scale_factor=1)
            page = context.new_page()
            page.route("https://api.github.com/**", lambda route: route.fulfill(json={"stargazers_count": 1, "forks_count": 1}))
            page.route(lambda url: not url.startswith(("http://127.0.0.1", "data:")), lambda route: route.abort())
            page.goto(base + path, wait_until="networkidle")
            if search:
                page.keyboard.press("/")
                page.keyboard.type(QUERY, delay=40)
                page.wait_for_function(
                    "q => { const l = document.querySelector('.md-search-result__list'); "
                    "return l.dataset.papersQuery === q && l.dataset.papersComplete === 'true'; }",
                    arg=QUERY,
                    timeout=15000,
                )
                page.wait_for_selector(".md-search-result__item")
            page.screenshot(path=str(out / name))
            shots.append(out / name)
            context.close()
        browser.close()
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site")
    parser.add_argument("--out", type=Path, default=ROOT / ".github")
    args = parser.parse_args()
    if not (args.site / "index.html").exists():
        print(f"{args.site}: no built site here; run `make site` first", file=sys.stderr)
        return 1
    with TemporaryDirectory() as folder:
        server, base = serve(args.site, Path(folder))
        try:
            for shot in shoot(base, args.out):
                print(shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot)
        finally:
            server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
