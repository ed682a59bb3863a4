"""Typed settings of the generator, read from the ``papers`` plugin section of ``mkdocs.yml``.

The same settings serve the MkDocs plugin and the ``papers`` command, so one
file configures the whole site. Every option is documented here and in the README.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .errors import PapersError, read_yaml

DEFAULT_TAXONOMY = Path(__file__).parent / "data" / "taxonomy.yaml"
DEFAULT_TRAINING = Path(__file__).parent / "data" / "training.yaml"


#: Settings that come from mkdocs.yml's top level (site_url…), not from the plugin's options.
SITE_FIELDS = ("site_url", "site_name", "site_description")


class ConfigError(PapersError):
    """A setting is missing or has the wrong type or value."""


@dataclass(frozen=True)
class Settings:
    """Generator settings. Paths are resolved against the folder of ``mkdocs.yml``."""

    #: Folder of paper records (``archive/``), relative to ``mkdocs.yml``.
    archive: Path = Path("archive")
    #: Folder of source files (listings, saved API responses); ``papers fetch hf`` keeps its responses here.
    listings: Path = Path("listings")
    #: Papers per page on the papers index, tag pages and month pages (1–100).
    per_page: int = 50
    #: Number of latest additions shown on the home page.
    home_latest: int = 10
    #: Taxonomy file (tags, names, descriptions, evidence); default: the one shipped with the package.
    taxonomy: Path = DEFAULT_TAXONOMY
    #: Labelled papers the tagger learns from, besides the curator's corrections; default: the set shipped with the package.
    training: Path = DEFAULT_TRAINING
    #: Number of related papers shown on each paper page.
    related_count: int = 5
    #: Folder for caches (related papers), relative to ``mkdocs.yml``; safe to delete.
    cache_dir: Path = Path(".cache/papers")
    #: Items in each RSS feed (newest first).
    feeds_items: int = 50
    #: The feeds' ``ttl``: minutes a reader may cache a feed.
    feeds_ttl: int = 1440
    #: The feeds' language (RFC 5646).
    feeds_language: str = "en"
    #: Absolute URL of the site (``site_url`` of ``mkdocs.yml``); feeds need it.
    site_url: str = ""
    #: Site name and description, shown on the home page and in feeds.
    site_name: str = "Papers Archive"
    site_description: str = ""

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any], base_dir: Path) -> Settings:
        """Validate plugin options (``None`` means "use the default") into settings."""
        fields = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(options) - set(fields))
        if unknown:
            known = ", ".join(name for name in fields if name not in SITE_FIELDS)
            raise ConfigError(f"unknown papers option(s): {', '.join(unknown)}; known: {known}")
        values: dict[str, Any] = {}
        for name, value in options.items():
            if value is None:
                continue
            default = fields[name].default
            if isinstance(default, Path):
                if not isinstance(value, (str, Path)):
                    raise ConfigError(f"papers option {name!r}: expected a path, got {value!r}")
                path = Path(value)
                values[name] = path if path.is_absolute() else base_dir / path
            elif isinstance(value, bool) or not isinstance(value, type(default)):  # True is an int to Python, not to us
                raise ConfigError(f"papers option {name!r}: expected {type(default).__name__}, got {value!r}")
            else:
                values[name] = value
        for name in ("archive", "listings", "cache_dir"):
            values.setdefault(name, base_dir / fields[name].default)
        settings = cls(**values)
        settings._check()
        return settings

    def _check(self) -> None:
        if not 1 <= self.per_page <= 100:
            raise ConfigError(f"papers option 'per_page': expected 1 to 100, got {self.per_page}")
        for name in ("home_latest", "related_count", "feeds_items", "feeds_ttl"):
            if getattr(self, name) < 0:
                raise ConfigError(f"papers option {name!r}: expected 0 or more, got {getattr(self, name)}")

    def require_site_url(self) -> str:
        """The absolute site URL, ending in ``/``; feeds cannot be written without it."""
        parts = urlsplit(self.site_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(
                f"site_url {self.site_url!r} is missing or not absolute: feeds need absolute links; "
                "set site_url in mkdocs.yml (or the SITE_URL environment variable) to e.g. https://you.github.io/papers/"
            )
        return self.site_url if self.site_url.endswith("/") else self.site_url + "/"


class _TolerantLoader(yaml.SafeLoader):
    """Reads ``mkdocs.yml`` without MkDocs: unknown tags such as ``!ENV`` or ``!!python/name`` become plain values."""


def _tolerant(loader: _TolerantLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_TolerantLoader.add_multi_constructor("", _tolerant)


def _env_tag(loader: _TolerantLoader, node: yaml.Node) -> Any:
    """``!ENV [NAME, default]`` as MkDocs reads it, so the CLI sees the same site_url."""
    import os

    items = loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) else [loader.construct_scalar(node)]  # type: ignore[arg-type]
    *names, default = items if len(items) > 1 else (*items, None)
    for name in names:
        if name in os.environ:
            return os.environ[name]
    return default


_TolerantLoader.add_constructor("!ENV", _env_tag)


def read_site_config(mkdocs_yml: Path) -> dict[str, Any]:
    """``mkdocs.yml`` as a mapping, read without MkDocs (``!ENV`` resolved as MkDocs resolves it)."""
    data = read_yaml(mkdocs_yml, ConfigError, missing="run from the site's folder or pass --config-file", loader=_TolerantLoader) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{mkdocs_yml}: expected a mapping of MkDocs settings")
    return data


def load_settings(mkdocs_yml: Path, data: Mapping[str, Any] | None = None) -> Settings:
    """Settings from the ``papers`` plugin section of ``mkdocs.yml`` (or of ``data``, read from it already), for use without MkDocs."""
    data = read_site_config(mkdocs_yml) if data is None else data
    plugins = data.get("plugins") or []
    # MkDocs takes plugins as a list (`- papers: {…}`) or as a mapping (`papers: {…}`).
    entries = [plugins] if isinstance(plugins, dict) else [p for p in plugins if isinstance(p, dict)]
    options: dict[str, Any] = {}
    for entry in entries:
        if "papers" in entry:
            options = dict(entry["papers"] or {})
    misplaced = sorted(set(options) & set(SITE_FIELDS))
    if misplaced:
        raise ConfigError(f"{mkdocs_yml}: {', '.join(misplaced)} belongs at the top level of mkdocs.yml, not in the papers plugin's options")
    options.setdefault("site_url", data.get("site_url") or "")
    options.setdefault("site_name", data.get("site_name") or Settings.site_name)
    options.setdefault("site_description", data.get("site_description") or "")
    return Settings.from_mapping(options, mkdocs_yml.resolve().parent)
