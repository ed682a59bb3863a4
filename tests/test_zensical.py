"""The Zensical host's pure parts, and choosing an engine: what `papers build --engine zensical` writes, and how it says a build failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import copy_project, papers

from generator import engines
from generator.config import Settings
from generator.engines import ENGINES, FEATURES, EngineError
from generator.pages import front_matter, page_url, with_front_matter
from generator.zensical import ZensicalError, _prune, _put, check_site_dir, explain_failure, source_relative, write_config, write_theme

ROOT = Path(__file__).resolve().parent.parent


# --- links: Zensical resolves a page's HTML links from its source file, MkDocs leaves them alone ---


def test_a_paper_pages_links_are_made_relative_to_its_source_file() -> None:
    page = '<li><a href="../other/">Other</a> <a href="../../tags/x/">x</a></li>\n'
    assert source_relative(page, "papers/this.md") == '<li><a href="other/">Other</a> <a href="../tags/x/">x</a></li>\n'


def test_an_index_page_keeps_its_links_as_written() -> None:
    page = '<a href="../x/">x</a>'
    assert source_relative(page, "tags/diffusion/index.md") == page
    assert source_relative(page, "index.md") == page


def test_anchors_absolute_and_site_rooted_links_and_markdown_links_are_left_alone() -> None:
    page = '<a href="#bibtex">a</a> <a href="https://arxiv.org/abs/1">b</a> <a href="/x/">c</a> <a href="mailto:a@b">d</a> [e](../archive/2015/06/index.md)'
    assert source_relative(page, "papers/this.md") == page


def test_a_link_with_a_scheme_in_capitals_is_left_alone() -> None:
    page = '<a class="md-button" href="HTTPS://Example.org/x">x</a>'
    assert source_relative(page, "papers/this.md") == page


def test_only_links_of_a_tags_are_rewritten_not_text_that_reads_like_one() -> None:
    page = '<p>A note: set href="style.css" in the theme</p>\n<link href="../feed.xml">'
    assert source_relative(page, "papers/this.md") == page


def test_a_link_below_the_page_gains_the_pages_own_folder() -> None:
    assert source_relative('<a href="cite/">c</a>', "papers/page/2.md") == '<a href="2/cite/">c</a>'


def test_text_that_only_looks_like_a_link_is_not_touched() -> None:
    page = front_matter('A title with href="../x/" in it') + "<p>href=&quot;../x/&quot;</p>"
    assert source_relative(page, "papers/this.md") == page


# --- front matter: what the head gets travels in the page ---


def test_the_head_joins_a_pages_front_matter_every_character_intact() -> None:
    head = '<script type="application/ld+json">{"name": "A \\u2028 \\"quoted\\" </script>"}</script>'
    page = with_front_matter(front_matter("A & B: <i>x</i>", "Its abstract") + "# Title\n", papers_head=head)
    meta = yaml.safe_load(page.split("---\n")[1])
    assert meta == {"title": "A &amp; B: &lt;i&gt;x&lt;/i&gt;", "description": "Its abstract", "papers_head": head}
    assert page.endswith("\n---\n\n# Title\n")


def test_a_page_without_front_matter_gets_one() -> None:
    page = with_front_matter("# Home\n", papers_head="<link>")
    assert page == '---\n{"papers_head": "<link>"}\n---\n\n# Home\n'


# --- the build folder ---


def sync(folder: Path, files: dict[str, bytes]) -> None:
    written: set[str] = set()
    for src, content in files.items():
        _put(folder, src, content, written)
    _prune(folder, written)


def test_only_changed_files_are_written_and_files_no_longer_made_are_removed(tmp_path: Path) -> None:
    sync(tmp_path, {"a.md": b"a", "papers/b.md": b"b", "papers/old/c.md": b"c"})
    before = (tmp_path / "a.md").stat().st_mtime_ns
    (tmp_path / "a.md").touch()
    touched = (tmp_path / "a.md").stat().st_mtime_ns
    sync(tmp_path, {"a.md": b"a", "papers/b.md": b"B"})
    assert (tmp_path / "a.md").stat().st_mtime_ns == touched >= before  # same bytes: not written again
    assert (tmp_path / "papers/b.md").read_bytes() == b"B"
    assert not (tmp_path / "papers/old").exists()


def test_the_config_inherits_the_projects_and_turns_zensicals_own_search_off(tmp_path: Path) -> None:
    folder = tmp_path / ".cache" / "papers" / "zensical"
    folder.mkdir(parents=True)
    settings = Settings(site_url="https://example.org/papers/", site_name='A "quoted" & name')
    config = yaml.safe_load(write_config(tmp_path / "mkdocs.yml", folder, settings).read_text(encoding="utf-8"))
    assert config["INHERIT"] == "../../../mkdocs.yml"
    assert (config["docs_dir"], config["site_dir"], config["theme"]) == ("docs", "site", {"custom_dir": "overrides"})
    assert config["plugins"] == [{"search": {"enabled": False}}]
    assert config["extra"]["papers_links"] == (
        '<link rel="alternate feed" type="application/rss+xml" title="A &quot;quoted&quot; &amp; name (RSS)" href="https://example.org/papers/feed.xml">'
    )


def test_the_theme_is_the_projects_overrides_and_a_main_template_that_prints_the_head(tmp_path: Path) -> None:
    (tmp_path / "theme" / "stale.html").parent.mkdir(parents=True)
    (tmp_path / "theme" / "stale.html").write_text("from an earlier build")
    write_theme(ROOT / "overrides", tmp_path / "theme")
    overrides = sorted(p.relative_to(ROOT / "overrides").as_posix() for p in (ROOT / "overrides").rglob("*") if p.is_file())
    theme = sorted(p.relative_to(tmp_path / "theme").as_posix() for p in (tmp_path / "theme").rglob("*") if p.is_file())
    assert theme == sorted([*overrides, "main.html"])
    assert all((tmp_path / "theme" / name).read_bytes() == (ROOT / "overrides" / name).read_bytes() for name in overrides)
    assert "{{ page.meta.papers_head | safe }}" in (tmp_path / "theme/main.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("site_dir", [".", "..", "docs", "docs/site", "archive", ".cache/papers/out", "/"])
def test_a_site_folder_whose_emptying_would_delete_the_project_is_refused(tmp_path: Path, site_dir: str) -> None:
    project = tmp_path / "project"
    sources = [project / "docs", project / "archive", project / ".cache" / "papers"]
    with pytest.raises(ZensicalError, match="build into a folder of its own"):
        check_site_dir((project / site_dir).resolve(), project / "mkdocs.yml", sources)


@pytest.mark.parametrize("site_dir", ["site", "public/site", "../elsewhere"])
def test_a_site_folder_of_its_own_is_accepted(tmp_path: Path, site_dir: str) -> None:
    project = tmp_path / "project"
    check_site_dir((project / site_dir).resolve(), project / "mkdocs.yml", [project / "docs", project / "archive", project / ".cache" / "papers"])


def test_building_into_the_project_folder_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    result = papers(project, "build", "--engine", "zensical", "-d", str(project))
    assert result.returncode == 1 and "build into a folder of its own" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before


def test_page_urls_are_directory_urls() -> None:
    assert [page_url(src) for src in ("index.md", "about.md", "notes/index.md", "notes/x.md")] == ["", "about/", "notes/", "notes/x/"]


# --- a failed build: Zensical's warnings, at the curator's file and line, without its traceback ---

ZENSICAL_SAID = """Build started
Warning: page does not exist
    ╭─[ about.md:35:10 ]
    │
 35 │ [broken](nowhere.md) and more
    │          ─────┬────
    │               ╰────── page does not exist
────╯
1 issue found
Traceback (most recent call last):
  File "zensical/main.py", line 81, in execute_build
RuntimeError: Aborted because --strict flag is set"""


def test_a_failed_build_names_each_warnings_file_and_line_and_hides_the_traceback() -> None:
    said = explain_failure(ZENSICAL_SAID, lambda src: f"docs/{src}")
    assert said.splitlines()[1] == "  docs/about.md:35: page does not exist: [broken](nowhere.md) and more"
    assert "Traceback" not in said and said.endswith("Fix each, then build again.")


def test_a_failure_that_is_not_a_warning_shows_what_zensical_said_before_its_traceback() -> None:
    said = explain_failure("Build started\nError: could not render include\nTraceback (most recent call last):\n  File x\nRuntimeError: y", str)
    assert "Error: could not render include" in said and "Traceback" not in said and "RuntimeError" not in said


# --- choosing an engine ---


def test_an_unknown_engine_is_a_clear_error() -> None:
    with pytest.raises(EngineError, match="unknown engine 'hugo'; use one of: mkdocs, properdocs, zensical"):
        engines.build("hugo", ROOT / "mkdocs.yml")


def test_an_engine_not_installed_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engines, "installed", lambda chosen: False)
    said = r"ProperDocs is not installed: run `make engine ENGINE=properdocs` \(or pip install 'papers-archive\[properdocs\]'\)"
    with pytest.raises(EngineError, match=said):
        engines.build("properdocs", ROOT / "mkdocs.yml")


def test_each_engine_is_an_extra_with_its_own_pinned_hashed_lock_and_zensicals_needs_no_mkdocs() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    default = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    for engine in ENGINES.values():
        assert f'\n{engine.extra} = ["{engine.module}' in pyproject
        lock = (ROOT / engine.lock).read_text(encoding="utf-8")
        assert f"\n{engine.module}==" in lock and "--hash=sha256:" in lock and "\npytest==" in lock
        if engine.name != "mkdocs":  # the default install does not grow
            assert f"\n{engine.module}==" not in default
    zensical = (ROOT / ENGINES["zensical"].lock).read_text(encoding="utf-8")
    assert "\nmkdocs==" not in zensical and "\nmkdocs-material==" not in zensical
    assert "mkdocs" not in pyproject.split("dependencies = [")[1].split("]")[0]  # the core needs no engine


def test_the_readmes_engine_table_says_what_the_code_says() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for feature, says in FEATURES.items():
        row = next((line for line in readme.splitlines() if line.startswith(f"| {feature} |")), None)
        assert row is not None, feature
        cells = [cell.strip() for cell in row.strip("|").split("|")][1:]
        assert cells == [says[name] for name in ENGINES], (feature, cells)


def test_features_are_said_for_every_engine() -> None:
    assert all(set(says) == set(ENGINES) for says in FEATURES.values())
    assert json.dumps(FEATURES)  # plain data: the README and the tests read it
