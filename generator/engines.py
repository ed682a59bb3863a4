"""The engines that build the site (MkDocs, ProperDocs, Zensical), how ``papers build`` runs each, and what each can do.

MkDocs 1.x has had no release since 2024 and Material is in maintenance mode;
ProperDocs continues MkDocs 1.x and runs the same plugin, and Zensical reads
the same ``mkdocs.yml`` but runs no plugin (``generator.zensical`` hosts the
core there), and needs neither MkDocs nor Material. Each engine is an optional
dependency of the core with a pinned, hashed lock of its own; MkDocs' is the default.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import PapersError


class EngineError(PapersError):
    """An unknown engine, or one that is not installed."""


@dataclass(frozen=True)
class Engine:
    name: str
    #: What it is called in prose, and the module ``python -m`` runs.
    title: str
    module: str
    #: How its build names it in each page's ``<meta name="generator">`` (a prefix).
    generator: str
    #: Its pinned, hashed lock: the core, the test tools and the engine (``make engine ENGINE=<name>`` installs it).
    lock: str

    @property
    def extra(self) -> str:
        """The optional dependency group of pyproject.toml that installs it."""
        return self.name


ENGINES = {
    "mkdocs": Engine("mkdocs", "MkDocs", "mkdocs", "mkdocs-1.", "requirements.lock"),
    "properdocs": Engine("properdocs", "ProperDocs", "properdocs", "mkdocs-ProperDocs ", "requirements-properdocs.lock"),
    "zensical": Engine("zensical", "Zensical", "zensical", "zensical-", "requirements-zensical.lock"),
}
DEFAULT = "mkdocs"

#: What each engine does with this project: "yes", or why not. The README's engine table says the same (a test compares).
FEATURES: dict[str, dict[str, str]] = {
    "Every page, feed and redirect the archive makes": {"mkdocs": "yes", "properdocs": "yes", "zensical": "yes"},
    "Pagefind search, feed links, Scholar and Open Graph tags": {"mkdocs": "yes", "properdocs": "yes", "zensical": "yes"},
    "Strict build: a warning fails it": {"mkdocs": "yes", "properdocs": "yes", "zensical": "yes"},
    "Links and anchors checked at build time": {"mkdocs": "yes", "properdocs": "yes", "zensical": "yes"},
    "Incremental builds (`--dirty`)": {
        "mkdocs": "yes",
        "properdocs": "yes",
        "zensical": "partly: `--dirty` does not apply; the archive is generated whole each build, "
        "only changed files are rewritten, and Zensical keeps its own cache",
    },
    "`serve` rebuilds on archive edits": {
        "mkdocs": "yes",
        "properdocs": "yes",
        "zensical": "no: Zensical runs no plugin; run `papers build --engine zensical` again after an edit",
    },
}


def engine(name: str) -> Engine:
    try:
        return ENGINES[name]
    except KeyError:
        raise EngineError(f"unknown engine {name!r}; use one of: {', '.join(ENGINES)}") from None


def installed(chosen: Engine) -> bool:
    return importlib.util.find_spec(chosen.module) is not None


def require(chosen: Engine) -> None:
    if not installed(chosen):
        raise EngineError(f"{chosen.title} is not installed: run `make engine ENGINE={chosen.name}` (or pip install 'papers-archive[{chosen.extra}]')")


def build(name: str, config_file: Path, site_dir: Path | None = None, *, dirty: bool = False) -> int:
    """Build the site of ``config_file`` with engine ``name``, strictly (a warning fails the build). Returns the exit status.

    MkDocs and ProperDocs run their own ``build`` command, which loads the ``papers``
    plugin; Zensical is hosted by ``generator.zensical``.
    """
    chosen = engine(name)
    require(chosen)
    if chosen.name == "zensical":
        from .zensical import build as zensical_build

        zensical_build(config_file, site_dir)  # always incremental: Zensical keeps its own cache
        return 0
    command = [sys.executable, "-m", chosen.module, "build", "--strict", "-f", str(config_file)]
    command += ["-d", str(site_dir)] if site_dir is not None else []
    command += ["--dirty"] if dirty else []
    return subprocess.run(command).returncode
