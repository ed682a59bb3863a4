"""Shared fixtures: the project's paths, golden files, small archives."""

from __future__ import annotations

import fcntl
import functools
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import yaml

from generator.archive import Archive
from generator.records import Record

ROOT = Path(__file__).resolve().parent.parent

# No test reaches the real network: unless a test names its local server, the papers command
# (in this process or in any it starts) asks the discard port, where nothing answers.
os.environ["PAPERS_HF_ENDPOINT"] = "http://127.0.0.1:9"
os.environ["PAPERS_ARXIV_API"] = "http://127.0.0.1:9/api/query"
SEED = ROOT / "listings" / "hf-papers-listing-mar-12.txt"
GOLDEN = Path(__file__).parent / "golden"
DATA = Path(__file__).parent / "data"


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """Compare text with ``tests/golden/NAME``; ``make golden`` (UPDATE_GOLDEN=1) rewrites the file."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if os.environ.get("UPDATE_GOLDEN"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no golden file {path}; run `make golden` and review it"
        assert text == path.read_text(encoding="utf-8"), f"output differs from {path}; if intended, run `make golden` and review the diff"

    return check


def make_record(record_id: str, title: str | None = None, *, added: date = date(2025, 3, 12), **fields) -> Record:
    """A valid record with sensible defaults, for tests."""
    return Record(
        id=record_id,
        title=title or record_id.replace("-", " ").title(),
        abstract=fields.pop("abstract", f"The abstract of {record_id}, long enough to be an abstract of a research paper."),
        added=added,
        **fields,
    )


@pytest.fixture
def cache_log() -> Iterator[list[str]]:
    """What the build cache says (logger ``papers.cache``), message by message.

    A handler of its own, not caplog: an in-process ``papers`` command stops the
    ``papers`` loggers from propagating to the root logger caplog listens to.
    """
    said: list[str] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: said.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("papers.cache")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        yield said
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    return Archive(tmp_path / "archive")


@pytest.fixture
def project(tmp_path: Path, trained_model: Path) -> Path:
    """An empty site: the real mkdocs.yml and docs/, no archive; its cache holds the run's ``trained_model``."""
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copytree(ROOT / "overrides", tmp_path / "overrides")
    with_model(tmp_path, trained_model)
    return tmp_path


def copy_project(target: Path, names: tuple[str, ...] = ("mkdocs.yml", "docs", "overrides", "archive")) -> Path:
    """The bundled project (config, hand-written pages, theme overrides, archive) copied into ``target``.

    Its cache holds the run's trained model once a test has asked for ``trained_model``.
    """
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, target / name)
    for model in _MODEL:
        with_model(target, model)
    return target


def build_site(project: Path, site: Path, *, dirty: bool = False, **env: str) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of ``project`` into ``site``, as CI builds it (``dirty``: with ``--dirty``, as a curator may)."""
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **env}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(project / "mkdocs.yml"), "-d", str(site)] + (["--dirty"] if dirty else [])
    return subprocess.run(command, capture_output=True, text=True, env=environment)


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this run that every xdist worker shares (pytest's own base folder when there are none)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory: pytest.TempPathFactory, trained_model: Path) -> Path:
    """The bundled archive built once for the whole run, as a clean clone builds it: read it, never change it.

    ``make test`` runs the tests on both cores (pytest-xdist); every worker shares this one build,
    made by whichever asks first while the others wait on a file lock.
    """
    shared = run_folder(tmp_path_factory)
    with (shared / "bundled-site.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        project, site = shared / "bundled-project", shared / "bundled-project" / "site"
        if not (shared / "bundled-site.built").exists():
            shutil.rmtree(project, ignore_errors=True)
            result = build_site(copy_project(project), site)
            assert result.returncode == 0 and "WARNING" not in result.stderr, result.stderr
            (shared / "bundled-site.built").touch()
    return site


#: The run's ``trained_model``, once made: ``copy_project`` puts it in every project it copies.
_MODEL: list[Path] = []


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tagger's model trained once on the shipped labelled papers, as a cache entry (``model-*.npz``).

    A project without curator corrections has this very model: ``project`` and
    ``copy_project`` put it into ``.cache/papers/`` instead of every build
    training again (about 10 s on an idle machine, minutes on a loaded one). The
    cache is keyed by content: a project with corrections trains its own model.
    """
    from generator.cache import write_bytes
    from generator.classifier import cached_train, digest
    from generator.config import Settings
    from generator.tagger import training_examples
    from generator.tagging import load_taxonomy

    folder = run_folder(tmp_path_factory) / "model"
    folder.mkdir(exist_ok=True)
    settings = Settings.from_mapping({}, folder)
    taxonomy = load_taxonomy(settings.taxonomy)
    examples = training_examples([], [], settings, taxonomy)
    path = folder / f"model-{digest(examples, taxonomy)}.npz"
    with (folder / "train.lock").open("w") as lock:  # one worker trains, the others wait and read its file
        fcntl.flock(lock, fcntl.LOCK_EX)
        model, _ = cached_train(examples, taxonomy, folder)
        if not path.exists():  # this worker had trained it already, in memory (another test's build), and so wrote no file
            write_bytes(path, model.dumps())
    _MODEL.append(path)
    return path


def small_training_set(folder: Path, papers: int = 40) -> Path:
    """The first ``papers`` of the shipped labelled set, as a training file in ``folder``.

    A test about feeds, caches or corrections needs a model trained in its own
    build, not the shipped one's quality: this one trains in about a second, not ten.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "training.yaml"
    path.write_text(yaml.safe_dump({"papers": _shipped_papers()[:papers] if papers else []}, sort_keys=False), encoding="utf-8")
    return path


@functools.cache
def _shipped_papers() -> list[dict]:
    """The shipped labelled set, read once per process (1.5 MB of YAML: seconds to parse)."""
    from generator.config import DEFAULT_TRAINING

    return yaml.safe_load(DEFAULT_TRAINING.read_text(encoding="utf-8"))["papers"]


def small_training(project: Path) -> Path:
    """Point ``project``'s tagger at a ``small_training_set``, for tests whose builds must train."""
    path = small_training_set(project)
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "      archive: archive\n" in text
    config.write_text(text.replace("      archive: archive\n", "      archive: archive\n      training: training.yaml\n", 1), encoding="utf-8")
    return path


def with_model(project: Path, model: Path) -> None:
    """Put the ``trained_model`` in the project's cache, as an earlier build would have."""
    cache = project / ".cache" / "papers"
    cache.mkdir(parents=True, exist_ok=True)
    shutil.copy(model, cache / model.name)


@pytest.fixture
def elsewhere(tmp_path: Path) -> Iterator[Path]:
    """A fresh folder on another file system than ``tmp_path``'s, where a shard folder can be linked to.

    No mount needed: /dev/shm is a tmpfs on most Linux systems, GitHub's runners included.
    """
    here, folder = tmp_path.stat().st_dev, None
    for candidate in (Path("/dev/shm"), Path("/run/shm"), Path("/var/tmp")):
        if candidate.is_dir() and os.access(candidate, os.W_OK) and candidate.stat().st_dev != here:
            folder = Path(tempfile.mkdtemp(prefix="papers-elsewhere-", dir=candidate))
            break
    if folder is None:
        pytest.skip(f"no second file system to link a shard folder to: /dev/shm, /run/shm and /var/tmp are absent or on {tmp_path}'s")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def link_shard(root: Path, name: str, elsewhere: Path) -> Path:
    """Move the shard folder ``root/name`` (made if missing) into ``elsewhere`` and leave a link to it in its place."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    moved = Path(shutil.move(str(folder), str(elsewhere / name)))
    folder.symlink_to(moved)
    return moved


def papers(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the ``papers`` command on ``project``, as a user would (``env``: variables set besides the process's own)."""
    command = [sys.executable, "-m", "generator", "-f", str(project / "mkdocs.yml"), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=project, env={**os.environ, **env} if env else None)


def synthetic_listing(path: Path, count: int, *, kind: str = "Paper", title: str = "{kind} {i}: A Study of Thing {i}") -> Path:
    """A listing of ``count`` distinct papers; ``kind`` keeps two listings' papers apart."""
    abstract = "We study thing {i} of the {kind} kind with care and report results on benchmark {i}."
    papers = (f"{title.format(kind=kind, i=i)}\n\n{abstract.format(kind=kind.lower(), i=i)}" for i in range(count))
    path.write_text("Mar 12\n\n" + "\n\n".join(papers) + "\n", encoding="utf-8")
    return path


# --- mkdocs serve ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def wait_for(predicate: Callable[[], bool], seconds: float = 300) -> bool:
    """Poll ``predicate`` until it holds; ``seconds`` bounds a test that would otherwise hang on a loaded machine, it is never waited out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


@contextmanager
def serving(project: Path, log: Path, engine: str = "mkdocs", config: str = "mkdocs.yml") -> Iterator[str]:
    """``<engine> serve`` of ``project`` (``mkdocs serve`` by default) on a free port, its output in ``log``; yields the site's base URL."""
    port = free_port()
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", engine, "serve", "-f", config, "--dev-addr", f"127.0.0.1:{port}"],
            cwd=project,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        )
    try:
        yield f"http://127.0.0.1:{port}/papers-archive/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:  # still inside a build on a loaded machine
            server.kill()
            server.wait()


# --- The built bundled site in a browser (tests/browsing.py) --------------------------------


@pytest.fixture(scope="session")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bundled site, built once for every browser test and served on localhost under a path."""
    from browsing import served_site

    with served_site(tmp_path_factory.mktemp("browser"), free_port()) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from browsing import launch
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()
