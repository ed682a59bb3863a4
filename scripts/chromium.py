"""The Chromium that browser tests and the search benchmark drive, through Playwright."""

from __future__ import annotations

import shutil

#: Headless in a container: no sandbox (root), no GPU, nothing fetched on its own.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


def launch(playwright):
    """Debian's Chromium where it runs, else the one Playwright installed (`make browser` sees to one of them)."""
    chromium = shutil.which("chromium")
    if chromium:
        try:
            return playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        except Exception:  # installed but unable to start here (Ubuntu's snap stub): Playwright's own
            pass
    return playwright.chromium.launch(args=FLAGS)
