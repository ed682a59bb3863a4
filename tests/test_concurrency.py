"""Writers at once: no paper lost or stored twice; the second writer waits, or fails naming the first; readers never see half."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, fetch, papers, serving, wait_for, with_model
from conftest import synthetic_listing as listing

from generator.archive import Archive

# Loaded: its busy loops would slow every test running beside it, so `make test` runs these after the rest, alone.
pytestmark = [pytest.mark.slow, pytest.mark.loaded]
#: How long a writer may take under load before the test gives up on it: a bound, never a wait.
PATIENCE = 600


@pytest.fixture(autouse=True)
def busy_machine() -> Iterator[None]:
    """A busy loop on every core for the whole test: these tests must hold on a loaded machine, not only on a quiet one."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


def start_import(project: Path, path: Path, *options: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "generator", "-f", str(project / "mkdocs.yml"), "import", *options, str(path)]
    return subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=PATIENCE)
    return process.returncode, out, err


def test_two_imports_at_once_lose_nothing_and_store_nothing_twice(project: Path) -> None:
    first = start_import(project, listing(project / "a.txt", 3000, kind="Alpha"))
    second = start_import(project, listing(project / "b.txt", 3000, kind="Beta"))
    for process in (first, second):
        code, out, err = finish(process)
        assert code == 0, err
        assert out.startswith("added 3000: ")
    records = Archive(project / "archive").load()
    assert len(records) == len({r.id for r in records}) == 6000


def test_the_same_papers_under_other_titles_imported_at_once_are_stored_once(project: Path) -> None:
    one = start_import(project, listing(project / "a.txt", 2000, kind="Gamma"))
    other = start_import(project, listing(project / "b.txt", 2000, kind="Gamma", title="A Retitled Study of Thing {i}"))
    outputs = [finish(p) for p in (one, other)]
    assert all(code == 0 for code, _, _ in outputs), outputs
    assert sorted(out.splitlines()[0].split(":")[0] for _, out, _ in outputs) == ["added 0", "added 2000"]
    assert len(Archive(project / "archive").load()) == 2000


def test_a_writer_that_cannot_wait_fails_naming_the_one_it_waited_for(project: Path) -> None:
    archive = Archive(project / "archive")
    with archive.writing("papers import big.txt"):  # this test process is the first writer
        code, _, err = finish(start_import(project, listing(project / "small.txt", 5, kind="Epsilon"), "--wait", "0.2"))
    assert code == 1 and "Traceback" not in err
    assert f"cannot write the archive: PID {os.getpid()} is writing it (papers import big.txt); waited 0.2 s" in err, err
    assert archive.load() == []


def test_an_import_during_serve_is_seen_whole_or_not_at_all(project: Path, trained_model: Path) -> None:
    shutil.copytree(ROOT / "archive", project / "archive")
    with_model(project, trained_model)  # the model is not what this test is about: train it once per run, not under the busy loops
    log = project / "serve.log"
    with serving(project, log) as base:

        def count() -> int:
            match = re.search(r"(\d+) papers, newest published first", fetch(base + "papers/"))
            return int(match.group(1)) if match else -1

        assert wait_for(lambda: count() == 87, PATIENCE), log.read_text()
        process = start_import(project, listing(project / "new.txt", 1500, kind="Zeta"))
        seen = set()
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline and 1587 not in seen:
            try:
                seen.add(count())
            except OSError:
                pass  # the server is between builds
            time.sleep(0.2)
        assert finish(process)[0] == 0
        assert seen <= {87, 1587} and 1587 in seen, seen
        assert "Traceback" not in log.read_text() and "ERROR" not in log.read_text(), log.read_text()


# A hook in the built project: both builds end their slow start (tags, related papers) before
# either touches site/, so that they race for it; each says when it starts and ends writing it.
RACE_HOOK = """
import os
import time
from pathlib import Path

from mkdocs.plugins import event_priority

EVENTS = Path(os.environ["RACE_EVENTS"])


def on_config(config):
    EVENTS.joinpath(f"ready-{os.getpid()}").touch()
    deadline = time.monotonic() + 600
    while len(list(EVENTS.glob("ready-*"))) < 2:
        if time.monotonic() > deadline:
            raise RuntimeError("the other build never got ready")
        time.sleep(0.05)
    return config


def say(event):
    with EVENTS.joinpath("events").open("a") as events:
        events.write(f"{event} {os.getpid()}\\n")


@event_priority(-100)  # after the papers plugin's: from here on, site/ is this build's
def on_pre_build(config):
    say("start")


@event_priority(100)  # before the papers plugin's, whose search index is the last thing written
def on_post_build(config):
    say("end")
"""


def test_two_builds_into_the_same_site_both_succeed_one_after_the_other(project: Path, trained_model: Path) -> None:
    assert papers(project, "import", str(listing(project / "five.txt", 5))).returncode == 0
    with_model(project, trained_model)
    (project / "race.py").write_text(RACE_HOOK, encoding="utf-8")
    with (project / "mkdocs.yml").open("a", encoding="utf-8") as config:
        config.write("hooks:\n  - race.py\n")
    events = project / "events"
    events.mkdir()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "RACE_EVENTS": str(events)}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(project / "mkdocs.yml")]
    builds = [subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    try:
        errors = [build.communicate(timeout=1200)[1] for build in builds]
    finally:
        for build in builds:
            build.kill()
    for build, err in zip(builds, errors, strict=True):
        assert build.returncode == 0 and "Traceback" not in err, err
    said = [tuple(line.split()) for line in (events / "events").read_text().splitlines()]
    assert [event for event, _ in said] == ["start", "end", "start", "end"], said  # never both at once
    assert said[0][1] == said[1][1] != said[2][1] == said[3][1], said
    site = project / "site"
    assert (site / "404.html").is_file() and (site / "search" / "index.json").is_file()
    assert len(list((site / "papers").glob("paper-*/index.html"))) == 5
