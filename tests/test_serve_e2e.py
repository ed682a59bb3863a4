"""`mkdocs serve`: an edit under archive/ shows on the served site, and serving settles (no rebuild loop)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def wait_for(predicate, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def test_serve_rebuilds_on_archive_edits_and_then_settles(tmp_path: Path) -> None:
    for name in ("mkdocs.yml", "docs", "archive"):
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, tmp_path / name)
    record = next((tmp_path / "archive").rglob("pointer-networks.yaml"))
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}/papers-archive/papers/pointer-networks/"
    try:
        assert wait_for(lambda: "Pointer Networks" in fetch(url)), log.read_text()
        record.write_text(record.read_text().replace("title: Pointer Networks", "title: A Revisit of Pointer Networks"))
        assert wait_for(lambda: "A Revisit of Pointer Networks" in fetch(url)), log.read_text()
        feed = f"http://127.0.0.1:{port}/papers-archive/feed.xml"
        assert "<title>A Revisit of Pointer Networks</title>" in fetch(feed)  # feeds are regenerated under serve too
        builds = log.read_text().count("Building documentation")
        time.sleep(4)  # a rebuild loop would keep building with no edit
        assert log.read_text().count("Building documentation") == builds, log.read_text()
    finally:
        server.terminate()
        server.wait(timeout=10)
