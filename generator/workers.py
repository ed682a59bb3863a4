"""Work spread over the machine's cores: worker processes for the build's CPU-bound stages.

A build is one Python process, and MkDocs renders pages on one core; reading
the archive, tagging and related papers run before it, so they may use every
core. Each stage cuts its work into chunks whose results do not depend on the
number of workers, so the output is the same on any machine.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

#: Imported once by the fork server, so that each worker it forks has them already: without this every
#: pool's workers import numpy, scipy and scikit-learn again, about a second per pool on this machine.
PRELOAD = ["generator.archive", "generator.classifier", "generator.related", "sklearn.feature_extraction.text"]

#: More workers than this gain nothing at our sizes and cost memory (each holds its stage's data).
MAX_WORKERS = 8


def cores() -> int:
    """The cores this process may run on (a container's limit, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def workers() -> int:
    return min(cores(), MAX_WORKERS)


def process_pool(count: int, initializer: Callable[..., Any] | None = None, initargs: tuple = ()) -> ProcessPoolExecutor:
    """``count`` worker processes started by a fork server.

    Not plain fork: under `mkdocs serve` the build's process has threads, and a
    forked copy of a process with threads can deadlock on a lock one of them held.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)  # no effect once the server runs: it is the same for every pool
    return ProcessPoolExecutor(count, mp_context=context, initializer=initializer, initargs=initargs)
