"""The GitHub workflows: valid against GitHub's workflow schema (offline), and doing what they promise."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.engines import ENGINES

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / ".github" / "workflows" / "ci.yml"
DEPLOY = ROOT / ".github" / "workflows" / "deploy.yml"
FETCH = ROOT / ".github" / "workflows" / "fetch.yml"
PAGES_ACTIONS = ("actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages")


def load(path: Path) -> dict[str, Any]:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean True.
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def step_using(workflow: dict[str, Any], action: str) -> dict[str, Any]:
    found = [step for step in steps(workflow) if step.get("uses", "").split("@")[0] == action]
    assert len(found) == 1, f"expected one step using {action}, found {len(found)}"
    return found[0]


def commands(workflow: dict[str, Any]) -> list[str]:
    return [step["run"].strip() for step in steps(workflow) if "run" in step]


def makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w-]*)\s*:(?!=)", text, flags=re.MULTILINE))


@pytest.mark.parametrize("path", [CI, DEPLOY, FETCH], ids=lambda p: p.name)
def test_workflow_is_valid_against_github_schema(path: Path) -> None:
    # check-jsonschema's vendored copy of the schema: nothing is fetched.
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", [CI, DEPLOY, FETCH], ids=lambda p: p.name)
def test_actions_are_pinned_to_a_major_version(path: Path) -> None:
    for step in steps(load(path)):
        if "uses" in step:
            assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+", step["uses"]), step["uses"]


def test_python_is_311_with_pip_cache_keyed_on_the_lock() -> None:
    for path in (CI, DEPLOY, FETCH):
        setups = [step["with"] for step in steps(load(path)) if step.get("uses", "").startswith("actions/setup-python@")]
        assert setups and all(s == {"python-version": "3.11", "cache": "pip", "cache-dependency-path": "requirements.lock"} for s in setups), path.name


def test_ci_runs_on_push_and_pull_request() -> None:
    assert set(load(CI)["on"]) == {"push", "pull_request"}


def job_commands(workflow: dict[str, Any], job: str) -> list[str]:
    return [step["run"].strip() for step in workflow["jobs"][job]["steps"] if "run" in step]


def test_ci_tests_builds_and_checks_links_with_make() -> None:
    assert job_commands(load(CI), "test") == ["make test", "make site", "make linkcheck"]


def test_ci_builds_and_checks_the_archive_with_every_engine_in_a_matrix() -> None:
    job = load(CI)["jobs"]["engines"]
    assert job["strategy"]["matrix"]["engine"] == list(ENGINES) and job["strategy"]["fail-fast"] is False
    engine = "ENGINE=${{ matrix.engine }}"
    expected = [f"make engine {engine}", f"make site {engine}", f"make linkcheck {engine}", "make no-mkdocs", f"make test-engine {engine}"]
    assert job_commands(load(CI), "engines") == expected
    assert {"engine", "site", "linkcheck", "no-mkdocs", "test-engine"} <= makefile_targets()
    only_zensical = [step for step in job["steps"] if step.get("run") == "make no-mkdocs"]
    assert only_zensical[0]["if"] == "${{ matrix.engine == 'zensical' }}"


def test_ci_uploads_the_built_site_of_each_job() -> None:
    uploads = [step for step in steps(load(CI)) if step.get("uses", "").startswith("actions/upload-artifact@")]
    assert [step["with"]["name"] for step in uploads] == ["site", "site-${{ matrix.engine }}"]
    assert all(step["with"]["path"].rstrip("/") == "site" for step in uploads)


def test_deploy_runs_on_push_to_main_by_hand_and_when_called() -> None:
    on = load(DEPLOY)["on"]
    assert on["push"] == {"branches": ["main"]}
    assert "workflow_dispatch" in on
    assert on["workflow_call"]["inputs"]["ref"]["type"] == "string"
    checkout = step_using(load(DEPLOY), "actions/checkout")
    assert checkout["with"] == {"ref": "${{ inputs.ref }}"}  # a caller's commit is older than the one it pushed


def test_fetch_runs_daily_and_by_hand_with_a_date() -> None:
    on = load(FETCH)["on"]
    assert [entry["cron"].split()[2:] for entry in on["schedule"]] == [["*", "*", "*"]]
    assert on["workflow_dispatch"]["inputs"]["date"]["type"] == "string"


def test_fetch_fetches_checks_commits_and_then_deploys_itself() -> None:
    fetch = load(FETCH)
    runs = commands(fetch)
    assert runs[0] == "make install" and "papers fetch hf --date" in runs[1] and runs[2] == "make check"
    assert "date -u -d yesterday +%F" in runs[1]  # no date given: yesterday's
    assert "git add archive listings" in runs[3] and "git push origin HEAD:main" in runs[3] and "gh pr create" in runs[3]
    # A push made with GITHUB_TOKEN starts no workflow: the deploy is called, and only after a commit.
    deploy = fetch["jobs"]["deploy"]
    assert deploy["uses"] == "./.github/workflows/deploy.yml" and deploy["needs"] == "fetch"
    assert deploy["if"] == "${{ needs.fetch.outputs.deploy == 'true' }}" and deploy["with"] == {"ref": "main"}
    assert deploy["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert "install" in makefile_targets() and "check" in makefile_targets()


def test_fetch_fails_red_when_the_api_fails() -> None:
    # No `|| true`, no continue-on-error: a failed fetch fails the job.
    fetch = load(FETCH)
    assert not any("|| true" in run for run in commands(fetch))
    assert not any(step.get("continue-on-error") for step in steps(fetch))


def test_deploy_uses_the_official_pages_actions() -> None:
    deploy = load(DEPLOY)
    for action in PAGES_ACTIONS:
        step_using(deploy, action)


def test_deploy_permissions_and_concurrency() -> None:
    deploy = load(DEPLOY)
    assert deploy["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}


def test_deploy_job_publishes_to_the_github_pages_environment() -> None:
    jobs = load(DEPLOY)["jobs"]
    [job] = [job for job in jobs.values() if any(s.get("uses", "").startswith("actions/deploy-pages@") for s in job["steps"])]
    assert job["environment"] == {"name": "github-pages", "url": "${{ steps.deployment.outputs.page_url }}"}
    assert step_using({"jobs": {"deploy": job}}, "actions/deploy-pages")["id"] == "deployment"


def test_deploy_builds_with_the_local_make_target() -> None:
    assert commands(load(DEPLOY)) == [DEPLOY_BUILD]
    assert "site" in makefile_targets() and "$(MKDOCS_FLAGS)" in (ROOT / "Makefile").read_text(encoding="utf-8")


#: The deploy's build: incremental, from the last deploy's cache and site (exact: tests/test_incremental.py).
DEPLOY_BUILD = "make site MKDOCS_FLAGS=--dirty"


def test_deploy_starts_from_the_last_build_and_a_new_generator_or_config_starts_clean() -> None:
    deploy = load(DEPLOY)
    names = [step.get("uses", step.get("run", "")) for step in steps(deploy)]
    restore = step_using(deploy, "actions/cache")
    assert names.index(restore["uses"]) < names.index(DEPLOY_BUILD)  # restored before the build
    assert set(restore["with"]["path"].split()) == {".cache/papers", "site"}
    prefix = restore["with"]["restore-keys"]
    assert restore["with"]["key"].startswith(prefix) and "github.run_id" in restore["with"]["key"]  # each deploy saves its own
    for changes_start_clean in ("mkdocs.yml", "generator/**", "requirements*.lock", "pyproject.toml", "Makefile"):  # the engine too
        assert changes_start_clean in prefix


def test_deploy_site_url_comes_from_pages_unless_the_repository_sets_it() -> None:
    deploy = load(DEPLOY)
    assert step_using(deploy, "actions/configure-pages")["id"] == "pages"
    [build] = [step for step in steps(deploy) if step.get("run", "").strip() == DEPLOY_BUILD]
    assert build["env"] == {"SITE_URL": "${{ vars.SITE_URL || format('{0}/', steps.pages.outputs.base_url) }}"}
    mkdocs_yml = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^site_url:\s*!ENV\s*\[\s*SITE_URL\s*,", mkdocs_yml, flags=re.MULTILINE)


@pytest.mark.parametrize("target", ["test", "site", "linkcheck"])
def test_every_make_target_the_workflows_run_exists(target: str) -> None:
    used = {command.split()[1] for path in (CI, DEPLOY) for command in commands(load(path)) if command.startswith("make ")}
    assert target in used
    assert target in makefile_targets()
