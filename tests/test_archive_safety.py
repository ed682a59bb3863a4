"""The archive never silently loses or corrupts a paper: each hostile case found once, and what it gets now."""

from __future__ import annotations

import functools
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from conftest import ROOT, SEED, make_record, papers, small_training, synthetic_listing

from generator.archive import Archive
from generator.catalog import Catalog, Paper
from generator.config import Settings
from generator.errors import ProblemsError
from generator.feeds import FeedError, render_feed
from generator.ingest import import_sources
from generator.journal import JOURNAL, STAGING
from generator.sources import read_source

TODAY = date(2026, 11, 26)


# --- 2. interrupted imports ------------------------------------------------------------


def test_ctrl_c_during_an_import_is_one_line_exit_130_and_nothing_half_done(project: Path) -> None:
    listing = synthetic_listing(project / "big.txt", 3000)
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "-f", str(project / "mkdocs.yml"), "import", str(listing)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=project,
    )
    deadline = time.monotonic() + 60
    while not _staging(project / "archive") and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the import finished before it could be interrupted")
    assert process.returncode == 130
    assert stderr.strip().splitlines()[-1] == "papers import: interrupted; nothing was left half-done"
    assert "Traceback" not in stderr
    count = len(Archive(project / "archive").load()) if (project / "archive").exists() else 0
    assert count in (0, 3000)
    assert [p for p in (project / "archive").rglob("*.tmp")] == [] if (project / "archive").exists() else True


def _staging(archive: Path) -> bool:
    """Whether a write is staging: a staging folder in some shard folder."""
    try:
        return any((folder / STAGING).exists() for folder in archive.iterdir())
    except FileNotFoundError:
        return False


# --- 3. control characters ------------------------------------------------------------------


def test_nul_bytes_in_a_listing_are_refused_with_file_and_line(project: Path) -> None:
    listing = project / "nul.txt"
    listing.write_bytes(b"Mar 12\n\nA Good Title\n\nAn abstract with a NUL \x00 byte in it.\n")
    result = papers(project, "import", str(listing), "--skip-invalid")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{listing}:5: contains NUL bytes" in result.stderr
    assert not (project / "archive").exists()


def test_a_control_character_written_into_a_record_by_hand_is_named_with_file_line_and_key(project: Path) -> None:
    assert papers(project, "import", str(SEED)).returncode == 0
    record = next((project / "archive").rglob("pointer-networks.yaml"))
    text = record.read_text().replace("title: Pointer Networks", 'title: "Pointer\\vNetworks"')
    record.write_text(text, encoding="utf-8")
    line = text.splitlines().index('title: "Pointer\\vNetworks"') + 1
    for command in (("check",), ("generate", "--out", str(project / "out"))):
        result = papers(project, *command)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert f"{Path('archive') / record.parent.name / record.name}:{line}: title: contains U+000B (a control character) at column 8" in result.stderr


def test_a_feed_that_meets_a_control_character_names_the_record(tmp_path: Path) -> None:
    settings = Settings.from_mapping({"site_url": "https://example.org/"}, tmp_path)
    paper = Paper(make_record("bad-bytes", title="Bad\x00Bytes"))  # built directly: validation would refuse it
    catalog = Catalog([paper], {})
    with pytest.raises(FeedError, match="the paper 'bad-bytes' cannot be written to a feed"):
        render_feed([paper], catalog, settings, title="t", description="d", page="", feed="feed.xml")


# --- 4. files that are not UTF-8 ------------------------------------------------------------


@pytest.mark.parametrize("content", [Path("/usr/bin/ls").read_bytes()[:20000], "Mar 12\n\nRésumé of Café\n\nWe study cafés.\n".encode("latin-1")])
def test_a_file_that_is_not_utf8_imports_nothing_even_with_skip_invalid(project: Path, content: bytes) -> None:
    listing = project / "not-utf8.txt"
    listing.write_bytes(content)
    result = papers(project, "import", "--skip-invalid", str(listing))
    assert result.returncode == 1 and "--skip-invalid skips entries, not whole files" in result.stderr
    assert not (project / "archive").exists()


# --- 5. nothing silent -----------------------------------------------------------------------


def test_yml_records_misplaced_shards_and_stray_files_are_problems_with_a_fix(archive: Archive) -> None:
    archive.add([make_record("good"), make_record("renamed-yml"), make_record("moved")])
    yml = archive.path_for("renamed-yml")
    yml.rename(yml.with_suffix(".yml"))
    moved = archive.path_for("moved")
    wrong = archive.root / ("00" if moved.parent.name != "00" else "01")
    wrong.mkdir(exist_ok=True)
    moved.rename(wrong / moved.name)
    (archive.path_for("good").parent / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ProblemsError) as caught:
        archive.load()
    messages = {Path(p.file).name: p.message for p in caught.value.problems}
    assert messages["renamed-yml.yml"].startswith("a record file's name ends in .yaml, or it is not read: rename it to")
    assert messages["moved.yaml"].startswith("is in the wrong shard folder (the id 'moved' belongs in")
    assert messages["notes.txt"].startswith("is not a record")


def test_an_empty_listing_is_a_problem(project: Path) -> None:
    empty = project / "empty.txt"
    empty.write_text("new\nSubscribe\n\nMar 12\n\n", encoding="utf-8")
    result = papers(project, "import", str(empty))
    assert result.returncode == 1 and f"{empty}: has no papers" in result.stderr


# --- 6. smaller ones --------------------------------------------------------------------------


def test_long_id_lists_are_summarised_unless_verbose(project: Path) -> None:
    listing = synthetic_listing(project / "many.txt", 25)
    first = papers(project, "import", str(listing)).stdout.splitlines()[0]
    assert first.startswith("added 25: paper-0-a-study-of-thing-0, ") and first.endswith("… and 15 more (--verbose lists them all)")
    again = papers(project, "import", "--verbose", str(listing)).stdout.splitlines()[1]
    assert again.startswith("already present 25: ") and again.count(", ") == 24


def test_a_cache_path_that_is_a_file_is_a_warning_and_the_build_goes_on(project: Path) -> None:
    assert papers(project, "import", str(SEED)).returncode == 0
    shutil.rmtree(project / ".cache")  # the trained model the fixture put there
    small_training(project)  # no cache: this build trains, and the model's quality is not the point
    (project / ".cache").write_text("not a folder", encoding="utf-8")
    result = papers(project, "check")
    assert result.returncode == 0, result.stderr
    assert "is not a folder (" in result.stderr and "building without the cache" in result.stderr


def test_unknown_tags_and_note_links_are_named_with_their_line(project: Path) -> None:
    small_training(project)  # a correction trains the archive's own model: the quality of it is not the point
    assert papers(project, "import", str(SEED)).returncode == 0
    record = next((project / "archive").rglob("cyclical-curriculum-learning.yaml"))
    text = record.read_text().replace("tags_add: []", "tags_add:\n- nlp\n- robotics").replace("note: ''", "note: |-\n  First line.\n  See [[no-such-paper]].")
    record.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    result = papers(project, "check")
    name = Path("archive") / record.parent.name / record.name
    assert f"{name}:{lines.index('- robotics') + 1}: tags_add: unknown tag 'robotics'" in result.stderr
    assert f"{name}:{lines.index('  See [[no-such-paper]].') + 1}: note: [[no-such-paper]] is not the id" in result.stderr


def test_import_logs_recovery_before_doing_anything_else(archive: Archive, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    archive.add([make_record("before")])
    (archive.root / STAGING).mkdir()
    (archive.root / STAGING / "0.yaml").write_text("half", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="papers"):
        import_sources(archive, [synthetic_listing(tmp_path / "l.txt", 2)], today=TODAY)
    assert "rolled back an interrupted write" in caplog.text
    assert len(archive.load()) == 3


# --- found by an independent review --------------------------------------------------------


@pytest.mark.parametrize("raw", ["\x01", "\x90", "\x85"])
def test_a_raw_control_character_in_a_record_is_named_with_line_and_key(archive: Archive, raw: str) -> None:
    archive.add([make_record("good"), make_record("raw")])
    path = archive.path_for("raw")
    text = path.read_text().replace("title: Raw", f"title: Raw{raw}Title")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProblemsError) as caught:
        archive.load()
    line = next(n for n, content in enumerate(text.split("\n"), 1) if content.startswith("title:"))
    assert [(p.line, p.message.split(" (")[0]) for p in caught.value.problems] == [(line, f"title: contains U+{ord(raw):04X}")]


def test_line_numbers_count_only_newlines_and_survive_a_missing_last_newline(archive: Archive) -> None:
    archive.add([make_record("wide", title="A title with a line\u2028separator and\u2029another")])
    path = archive.path_for("wide")
    text = path.read_text().replace("tags_add: []", "tags_add: [no-such-tag]").rstrip("\n")
    path.write_text(text.replace("featured: false", "featured: maybe"), encoding="utf-8")
    with pytest.raises(ProblemsError) as caught:
        archive.load()
    assert [p.line for p in caught.value.problems] == [text.split("\n").index("featured: false") + 1]


def test_a_bad_byte_in_a_cr_only_listing_is_named_on_its_line(tmp_path: Path) -> None:
    listing = tmp_path / "mac.txt"
    listing.write_bytes(b"Mar 12\r\rTitle\r\rAbstract \xff here.\r")
    source = read_source(listing, today=TODAY)
    assert [p.line for p in source.file_problems] == [5]


def test_a_shard_folder_that_is_a_link_is_read_and_hidden_folders_of_records_are_named(archive: Archive, tmp_path: Path) -> None:
    archive.add([make_record("linked"), make_record("other")])
    shard_folder = archive.path_for("linked").parent
    moved = tmp_path / "elsewhere"
    shard_folder.rename(moved)
    shard_folder.symlink_to(moved)
    (archive.root / ".old").mkdir()
    (archive.root / ".old" / "forgotten.yaml").write_text("id: forgotten\n", encoding="utf-8")
    records, problems = archive.scan()
    assert [r.id for r in records] == ["linked", "other"]
    assert [(Path(p.file).name, p.message.split(":")[0]) for p in problems] == [(".old", "holds records that are not read (records live at <shard>/<id>.yaml)")]


def test_a_dangling_link_as_cache_path_is_a_warning_and_the_build_goes_on(project: Path) -> None:
    assert papers(project, "import", str(SEED)).returncode == 0
    shutil.rmtree(project / ".cache")  # the trained model the fixture put there
    small_training(project)  # no cache: this build trains, and the model's quality is not the point
    (project / ".cache").symlink_to(project / "nowhere" / "x")
    result = papers(project, "check")
    assert result.returncode == 0, result.stderr
    assert "building without the cache" in result.stderr


@pytest.mark.parametrize("wait", ["nan", "inf", "-1", "soon"])
def test_wait_must_be_a_sensible_number_of_seconds(project: Path, wait: str) -> None:
    result = papers(project, "import", "--wait", wait, str(SEED))
    assert result.returncode == 2 and "is not a number of seconds from 0 to 3600" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")
def test_an_archive_you_may_not_write_gives_a_clear_error_and_still_builds(tmp_path: Path) -> None:
    project = Path(tempfile.mkdtemp(prefix="papers-read-only-"))  # pytest's own folders are private to root
    project.chmod(0o755)
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", project / "docs")
    shutil.copytree(ROOT / "overrides", project / "overrides")
    small_training(project)  # no cache it may write: every command trains, and the model's quality is not the point
    assert papers(project, "import", str(SEED)).returncode == 0
    stray = next(p for p in (project / "archive").iterdir() if p.is_dir()) / ".x.tmp"
    stray.write_text("half", encoding="utf-8")
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    env = {**os.environ, "HOME": str(project)}
    run = functools.partial(subprocess.run, capture_output=True, text=True, cwd=project, env=env)
    if run([*nobody, sys.executable, "-c", "import generator.cli"]).returncode != 0:
        shutil.rmtree(project)
        pytest.skip("an unprivileged user cannot read this checkout or its .venv (a private folder)")
    check = run([*nobody, sys.executable, "-m", "generator", "-f", str(project / "mkdocs.yml"), "check"])
    assert check.returncode == 0 and "temporary file(s) left by an interrupted write: its owner should run papers check" in check.stderr
    imported = run([*nobody, sys.executable, "-m", "generator", "-f", str(project / "mkdocs.yml"), "import", str(SEED)])
    assert imported.returncode == 1 and "you may not write the archive (permission denied)" in imported.stderr
    shutil.rmtree(project)


def test_a_shard_linked_to_a_disk_that_is_not_mounted_is_a_problem_not_missing_papers(archive: Archive, tmp_path: Path) -> None:
    archive.add([make_record("linked"), make_record("other")])
    folder = archive.path_for("linked").parent
    disk = tmp_path / "disk"
    disk.mkdir()
    folder.rename(disk / folder.name)
    folder.symlink_to(disk / folder.name)
    disk.rename(tmp_path / "unmounted")
    records, problems = archive.scan()
    assert [r.id for r in records] == ["other"]
    assert [(p.file, p.message) for p in problems] == [
        (archive.display(folder), f"is a link to {disk / folder.name}, which does not exist: mount it, or fix or delete the link")
    ]


# --- a read-only archive (issue 19, finding 7) ----------------------------------------------------

#: Mounts the archive read-only in a mount namespace of the command's own (nothing outside sees it), then runs the command.
READ_ONLY = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'


@pytest.fixture
def read_only(project: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """A project with three papers; runs a command on it with its archive/ on a read-only mount."""
    Archive(project / "archive").add([make_record(name) for name in ("alpha-paper", "beta-paper", "gamma-paper")])
    # Without root, a user namespace lends the right to mount (GitHub's runners and most desktops allow it).
    own = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["unshare", *own, "--mount", "sh", "-c", READ_ONLY, "archive", *command], capture_output=True, text=True, cwd=project, env=env)

    probe = run("touch", "archive/probe") if shutil.which("unshare") else None
    if probe is None or "Read-only file system" not in probe.stderr:
        pytest.skip(f"cannot mount the archive read-only here (unshare --mount: {probe.stderr.strip() if probe else 'not installed'})")
    return run


def papers_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "generator", "-f", "mkdocs.yml", *args]


def test_a_read_only_archive_is_read_by_check_and_by_a_build_with_or_without_its_lock_file(project: Path, read_only: Callable) -> None:
    lock = project / "archive" / ".lock"
    assert lock.is_file()  # left by the import, as every writer leaves it
    check = read_only(*papers_command("check"))
    assert check.returncode == 0 and check.stdout.startswith("ok: 3 records"), check.stderr
    build = read_only(sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(project / "site"))
    assert build.returncode == 0, build.stderr
    assert (project / "site" / "papers" / "beta-paper" / "index.html").is_file()
    lock.unlink()  # an archive copied without it, or never written where it is mounted
    check = read_only(*papers_command("check"))
    assert check.returncode == 0 and check.stdout.startswith("ok: 3 records"), check.stderr
    assert not lock.exists()


def test_a_read_only_archive_says_what_an_interrupted_write_needs(project: Path, read_only: Callable) -> None:
    staging = Archive(project / "archive").path_for("alpha-paper").parent / STAGING
    staging.mkdir()
    (staging / "0.yaml").write_text("id: half", encoding="utf-8")
    check = read_only(*papers_command("check"))  # staged, never committed: the archive is as before the write
    assert check.returncode == 0 and check.stdout.startswith("ok: 3 records"), check.stderr
    assert "1 staging folder(s) left by an interrupted write: its owner should run papers check (it is on a read-only file system)" in check.stderr
    (project / "archive" / JOURNAL).write_text('{"moves": []}', encoding="utf-8")
    check = read_only(*papers_command("check"))  # committed: reading around it would show half a write
    assert check.returncode == 1 and "Traceback" not in check.stderr
    assert "a write was interrupted after it was committed, and must be completed before the archive can be read" in check.stderr
    assert "but it is on a read-only file system" in check.stderr
    assert "run `papers check` once where it can be written" in check.stderr
    imported = read_only(*papers_command("import", str(SEED)))
    assert imported.returncode == 1 and "cannot write the archive: it is on a read-only file system; remount it writable" in imported.stderr
