"""What `mkdocs serve` adds for a curator: the archive watched without polling it, and a banner on every served page while it has a problem.

MkDocs watches files by polling: every half second it lists and stats each file it
watches, in Python, in the serving process. At 10,000 records that took a third of
a core and slowed every rebuild for the interpreter lock. So the archive is watched
by the system's notifications (``Watcher``: inotify on Linux), which touch one small
file that MkDocs polls: a change is seen as soon, for almost nothing.

A broken record (a key written twice, an unknown tag…) must not leave the
browser waiting on a build that failed. The served site keeps its last good
build; the host writes the problem (the file, the line, what to do) to
``STATUS_FILE`` after each build, and every served page reads it on load (the
live reload reloads it after each build): a banner while there is a problem,
none once it is fixed. Pages need no rendering again for it. Only served sites
carry this: a built site never has the script or the file.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

STATUS_FILE = "papers-status.json"

_SCRIPT = """<script>
document.addEventListener("DOMContentLoaded", function () {
  fetch(%s, {cache: "no-store"}).then(function (r) { return r.ok ? r.json() : null; }).then(function (status) {
    var problem = status && status.problem;
    document.documentElement.setAttribute("data-papers-status", problem ? "problem" : "ok");  // read: a test can wait for it
    if (!problem) return;
    var banner = document.createElement("pre");
    banner.className = "papers-problem";
    banner.setAttribute("role", "alert");
    banner.style.cssText = "margin:0;padding:.8em 1em;background:#b00020;color:#fff;white-space:pre-wrap;font-size:.8rem;position:relative;z-index:10";
    banner.textContent = "This site is not up to date: the archive has a problem. Fix it and save; this page reloads.\\n\\n" + problem;
    document.body.prepend(banner);
  }).catch(function () {});
});
</script>"""


def problem_banner(status_url: str) -> str:
    """The ``<script>`` that shows the archive's problem, read from ``status_url``, at the top of a served page."""
    return _SCRIPT % json.dumps(status_url).replace("<", "\\u003c")


class Watcher(FileSystemEventHandler):
    """Watches ``paths`` (folders, recursively, or files) and writes ``trigger`` on any change to a file in them."""

    def __init__(self, paths: list[Path], trigger: Path) -> None:
        self.trigger = trigger.resolve()
        self._folders = [p.resolve() for p in paths if p.is_dir()]
        self._files = {p.resolve() for p in paths if p.is_file()}
        self._count = 0
        self._lock = threading.Lock()
        trigger.parent.mkdir(parents=True, exist_ok=True)
        trigger.write_text("0", encoding="utf-8")
        self.observer = Observer()
        for folder in self._folders:
            self.observer.schedule(self, str(folder), recursive=True)
        for folder in {f.parent for f in self._files}:  # a file's folder: an editor may save by renaming another file onto it
            self.observer.schedule(self, str(folder), recursive=False)
        self.observer.daemon = True
        self.observer.start()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if (event.is_directory and event.event_type == "modified") or event.event_type in ("opened", "closed_no_write"):
            return
        paths = [os.fsdecode(event.src_path), os.fsdecode(getattr(event, "dest_path", "") or "")]
        if any(path and self._wanted(Path(path).resolve()) for path in paths):
            self.poke()

    def poke(self) -> None:
        """Have MkDocs build again (it polls ``trigger``); a cache folder deleted meanwhile is made again."""
        with self._lock:
            self._count += 1
            try:
                self.trigger.parent.mkdir(parents=True, exist_ok=True)
                self.trigger.write_text(str(self._count), encoding="utf-8")
            except OSError:  # the next edit builds anyway
                pass

    def _wanted(self, path: Path) -> bool:
        if path == self.trigger:
            return False
        return path in self._files or any(folder == path or folder in path.parents for folder in self._folders)

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join()
