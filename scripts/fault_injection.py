"""Kill imports with SIGKILL at chosen and random points; prove the archive holds all of each import or none.

    .venv/bin/python scripts/fault_injection.py [--papers 2000] [--kills 24] [--timed 4] [--seed 7] [--other-fs DIR] [--cached FILE ...]

A fresh project holds a small base archive. For each kill, a copy of it gets a
`papers import` of N new papers that dies with SIGKILL:

- injected kills, spread over the phases of a write: while staging the records
  (a file half written), while writing the journal (half written), with the
  journal complete and nothing renamed, after k of the N renames, and during
  the clean-up;
- timed kills: SIGKILL from outside after a random delay within the import's
  own duration, wherever that lands.

After each kill the next command (`papers check`) must pass and leave the
archive with none of the import or all of it, and no temporary file; then
re-running the import must complete it. With ``--other-fs DIR`` every shard
folder of each copy is a link to a folder in DIR, on another file system (say
/dev/shm), as the README allows. Prints one row per kill (its point:
the k-th file or rename, or for a timed kill the delay in ms) and a summary;
exits 1 if any kill broke the rule. `tests/test_faults.py` runs it.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE_PAPERS = 20
PHASES = ("stage", "journal-write", "journal-done", "rename", "cleanup")


# --- the child: an import that kills itself at one point ------------------------------------


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(phase: str, point: int) -> None:
    """Patch the journal's file operations so that the process dies at ``point`` of ``phase``."""
    import generator.journal as journal

    real_write, real_replace, real_rmtree = journal.write_new, os.replace, shutil.rmtree
    count = {"n": 0}

    def write_new(path: Path, data: bytes, **options: bool) -> None:
        staged = path.parent.name == journal.STAGING
        if (phase == "stage" and staged) or (phase == "journal-write" and path.name.startswith(journal.JOURNAL)):
            count["n"] += 1
            if count["n"] == point:
                path.write_bytes(data[: len(data) // 2])  # a torn write, then death
                _die()
        real_write(path, data, **options)

    def replace(source: str | os.PathLike, target: str | os.PathLike) -> None:
        renaming = Path(source).parent.name == journal.STAGING
        if phase == "journal-done" and renaming:
            _die()
        real_replace(source, target)
        if phase == "rename" and renaming:
            count["n"] += 1
            if count["n"] == point:
                _die()

    def rmtree(path: str | os.PathLike, *args: object, **kwargs: object) -> None:
        if phase == "cleanup" and Path(path).name == journal.STAGING and point == 0:
            _die()
        real_rmtree(path, *args, **kwargs)  # type: ignore[arg-type]
        if phase == "cleanup" and Path(path).name == journal.STAGING and point == 1:
            _die()  # staging gone, journal still there

    journal.write_new = write_new  # type: ignore[assignment]
    journal.os.replace = replace  # type: ignore[assignment]
    journal.shutil.rmtree = rmtree  # type: ignore[assignment]


def child(phase: str, point: int, argv: list[str]) -> int:
    if phase != "timed":
        _arm(phase, point)
    from generator.cli import main

    return main(argv)


# --- the parent: set up, kill, check ---------------------------------------------------------


@dataclass
class Outcome:
    phase: str
    point: int
    killed: bool
    recovery: str  # what the next command said it did
    after_kill: int  # papers of the import present after the next command
    after_rerun: int
    temp_files: int
    check_ok: bool
    papers: int  # in the import

    @property
    def ok(self) -> bool:
        return self.check_ok and self.after_kill in (0, self.papers) and self.after_rerun == self.papers and self.temp_files == 0


def _listing(path: Path, count: int, prefix: str) -> Path:
    paper = "{p} {i}: Learning Thing {i} with Networks\n\nWe study thing {i} of the {kind} set with neural networks, on benchmark {i}."
    body = "\n\n".join(paper.format(p=prefix, i=i, kind=prefix.lower()) for i in range(count))
    path.write_text(f"Mar 12\n\n{body}\n", encoding="utf-8")
    return path


def _papers(project: Path, *args: str, phase: str | None = None, point: int = 0) -> subprocess.Popen[str]:
    command = [sys.executable, __file__, "--child", phase or "none", str(point), "--", "-f", str(project / "mkdocs.yml"), *args]
    return subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    process = _papers(project, *args)
    out, err = process.communicate()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _names(archive: Path) -> list[str]:
    """Every file and folder name in the archive, shard folders followed when they are links."""
    return [name for _, folders, files in os.walk(archive, followlinks=True) for name in folders + files]


def _leftovers(archive: Path) -> int:
    return sum(1 for name in _names(archive) if name.endswith(".tmp") or name in (".staging", ".journal"))


def _imported(archive: Path) -> int:
    return sum(1 for name in _names(archive) if name.startswith("kill-") and name.endswith(".yaml"))


def link_shards(archive: Path, elsewhere: Path) -> None:
    """Move every shard folder (all 256, made if missing) into ``elsewhere`` and leave a link to it in its place."""
    elsewhere.mkdir(parents=True)
    for name in (f"{n:02x}" for n in range(256)):
        folder = archive / name
        folder.mkdir(exist_ok=True)
        shutil.move(str(folder), str(elsewhere / name))
        folder.symlink_to(elsewhere / name)


def make_template(workdir: Path, papers: int, cached: list[Path]) -> Path:
    template = workdir / "template"
    template.mkdir()
    (workdir / "cache").mkdir()
    for entry in cached:  # a trained model, say: every kill's `papers check` would otherwise train it first
        shutil.copy(entry, workdir / "cache" / entry.name)
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    # One cache for every copy: after a kill the archive is in one of two states, both cached after the first time.
    text = text.replace("      archive: archive\n", f"      archive: archive\n      cache_dir: {workdir / 'cache'}\n")
    (template / "mkdocs.yml").write_text(text, encoding="utf-8")
    shutil.copytree(ROOT / "docs", template / "docs")
    shutil.copytree(ROOT / "overrides", template / "overrides")
    base = _run(template, "import", str(_listing(workdir / "base.txt", BASE_PAPERS, "Base")))
    if base.returncode != 0:
        raise SystemExit(f"base import failed: {base.stderr}")
    _listing(workdir / "kill.txt", papers, "Kill")
    return template


def one_kill(workdir: Path, template: Path, papers: int, n: int, phase: str, point: int, other_fs: Path | None = None) -> Outcome:
    project = workdir / f"run-{n}"
    shutil.copytree(template, project)
    if other_fs is not None:
        link_shards(project / "archive", other_fs / f"run-{n}")
    listing = str(workdir / "kill.txt")
    process = _papers(project, "import", listing, phase=phase, point=point)
    if phase == "timed":
        time.sleep(point / 1000)
        process.send_signal(signal.SIGKILL)
    process.communicate()
    killed = process.returncode == -signal.SIGKILL
    check = _run(project, "check")
    recovery = next((line.split(": ", 2)[-1] for line in check.stderr.splitlines() if "interrupted write" in line), "nothing to recover")
    after_kill, temps = _imported(project / "archive"), _leftovers(project / "archive")
    rerun = _run(project, "import", listing)
    after_rerun, ok = _imported(project / "archive"), check.returncode == 0 and rerun.returncode == 0
    outcome = Outcome(phase, point, killed, recovery, after_kill, after_rerun, temps, ok, papers)
    shutil.rmtree(project)
    if other_fs is not None:
        shutil.rmtree(other_fs / f"run-{n}")
    return outcome


def plan(kills: int, timed: int, papers: int, rng: random.Random) -> list[tuple[str, int]]:
    """Injected kill points: most in the two long phases (staging, renames), the rest at the journal and clean-up."""
    injected = kills - timed
    fixed = [("journal-write", 1), ("journal-done", 0), ("cleanup", 0), ("cleanup", 1)]
    long = injected - len(fixed)
    points = [("stage", rng.randint(1, papers)) for _ in range(long // 2)]
    points += [("rename", rng.randint(1, papers - 1)) for _ in range(long - long // 2)]
    return sorted(points + fixed, key=lambda p: (PHASES.index(p[0]), p[1])) + [("timed", 0)] * timed


@contextmanager
def _elsewhere(parent: Path | None) -> Iterator[Path | None]:
    """A fresh folder in ``parent`` (None: none), removed afterwards."""
    if parent is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="papers-faults-", dir=parent) as folder:
        yield Path(folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--papers", type=int, default=2000, help="papers in the killed import (default: %(default)s)")
    parser.add_argument("--kills", type=int, default=24, help="kills in all, timed ones included (default: %(default)s)")
    parser.add_argument("--timed", type=int, default=4, help="of those, kills at a random moment from outside (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--jobs", type=int, default=2, help="kills run at once (default: %(default)s, one per core here)")
    parser.add_argument("--other-fs", type=Path, help="link every shard folder to a folder here, on another file system (say /dev/shm)")
    parser.add_argument("--cached", type=Path, nargs="*", default=[], help="cache entries to start from (a model-*.npz the tests trained once)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="papers-faults-") as tmp, _elsewhere(args.other_fs) as other_fs:
        workdir = Path(tmp)
        if other_fs is not None and other_fs.stat().st_dev == workdir.stat().st_dev:
            raise SystemExit(f"--other-fs {args.other_fs} is on the same file system as {workdir}: name a folder on another one")
        template = make_template(workdir, args.papers, args.cached)
        started = time.monotonic()
        _run(shutil.copytree(template, workdir / "timing"), "import", str(workdir / "kill.txt"))
        duration = time.monotonic() - started
        shutil.rmtree(workdir / "timing")
        print(f"{args.papers}-paper import into a {BASE_PAPERS}-paper archive; an uninterrupted import takes {duration:.2f} s\n")
        print(f"{'#':>3}  {'phase':<13} {'point':>5}  {'killed':<6}  {'after kill':>10}  {'after rerun':>11}  {'temps':>5}  next command said")
        # A timed kill's point is its delay in milliseconds.
        kills = [(p, q if p != "timed" else round(rng.uniform(0, duration) * 1000)) for p, q in plan(args.kills, args.timed, args.papers, rng)]
        with ThreadPoolExecutor(args.jobs) as pool:  # each kill has its own copy of the project
            jobs = [(n, p, q, other_fs) for n, (p, q) in enumerate(kills, start=1)]
            outcomes = list(pool.map(lambda job: one_kill(workdir, template, args.papers, *job), jobs))
        for n, outcome in enumerate(outcomes, start=1):
            flag = "" if outcome.ok else "   <-- BROKEN"
            print(
                f"{n:>3}  {outcome.phase:<13} {outcome.point:>5}  {'yes' if outcome.killed else 'no':<6}  {outcome.after_kill:>10}  "
                f"{outcome.after_rerun:>11}  {outcome.temp_files:>5}  {outcome.recovery}{flag}"
            )
    rolled_back = sum(1 for o in outcomes if o.after_kill == 0)
    completed = sum(1 for o in outcomes if o.after_kill == args.papers)
    broken = [o for o in outcomes if not o.ok]
    killed = sum(1 for o in outcomes if o.killed)
    print(f"\nkills: {killed} of {len(outcomes)} runs died by SIGKILL; import absent after: {rolled_back}; complete after: {completed}; broken: {len(broken)}")
    return 1 if broken or killed < len(outcomes) - args.timed else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        _, _, phase, point, _, *rest = sys.argv
        raise SystemExit(child(phase, int(point), rest))
    raise SystemExit(main())
