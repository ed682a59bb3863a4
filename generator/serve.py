"""What `mkdocs serve` adds for a curator: a banner on every served page while the archive has a problem.

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
