"""Fault injection: an import killed (SIGKILL) anywhere leaves the archive with all of it or none of it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT


@pytest.mark.slow
@pytest.mark.loaded  # kills on both cores at once: run after the rest, alone
def test_16_kills_across_staging_journal_renames_and_clean_up_never_leave_half_an_import(trained_model: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fault_injection.py"), "--papers", "2000", "--kills", "16", "--timed", "3", "--cached", str(trained_model)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if re.match(r"\s*\d+  [a-z]", line)]
    assert len(rows) == 16
    phases = {row[1] for row in rows}
    assert phases == {"stage", "journal-write", "journal-done", "rename", "cleanup", "timed"}
    # Every injected kill really died by SIGKILL; a timed one, sent from outside at a random moment, may come after a quick import ended.
    assert all(row[3] == "yes" for row in rows if row[1] != "timed")
    assert {row[4] for row in rows if row[1] == "stage"} == {"0"}  # killed before the journal: rolled back
    assert {row[4] for row in rows if row[1] == "rename"} == {"2000"}  # killed after it: completed
    assert "broken: 0" in result.stdout


@pytest.mark.slow
@pytest.mark.loaded  # kills on both cores at once: run after the rest, alone
def test_kills_never_leave_half_an_import_when_every_shard_is_on_another_file_system(elsewhere: Path, trained_model: Path) -> None:
    command = ["--papers", "400", "--kills", "8", "--timed", "2", "--other-fs", str(elsewhere), "--cached", str(trained_model)]
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "fault_injection.py"), *command],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if re.match(r"\s*\d+  [a-z]", line)]
    assert len(rows) == 8 and all(row[3] == "yes" for row in rows if row[1] != "timed")
    assert {row[4] for row in rows if row[1] == "stage"} == {"0"}
    assert {row[4] for row in rows if row[1] in ("journal-done", "rename", "cleanup")} == {"400"}
    assert "broken: 0" in result.stdout
