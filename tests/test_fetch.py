"""`papers fetch` and the network layer, against a local server that answers as Hugging Face and arXiv document.

Every failure is one line that says what failed and what to do, with a non-zero exit;
an empty day is not a failure.
"""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import pytest
from conftest import DATA, papers
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from generator.archive import Archive
from generator.fetch import USER_AGENT, FetchError, Network, arxiv_by_id, hf_daily

HF_ITEMS = json.loads((DATA / "sources" / "hf-daily-2024-03-12.json").read_text(encoding="utf-8"))
ATOM = (DATA / "sources" / "arxiv-2302.08582-cs-0501001.atom").read_text(encoding="utf-8")


def quick(server: HTTPServer, **options: float) -> Network:
    """A network pointed at the local server, impatient so that tests stay fast."""
    base = server.url_for("").rstrip("/")
    return Network(hf_endpoint=base, arxiv_api=base + "/api/query", **{"backoff": 0.01, "arxiv_delay": 0.0, **options})


def fetch_hf(project: Path, server: HTTPServer, day: str = "2024-03-12") -> tuple[int, str, str]:
    result = papers(project, "fetch", "hf", "--date", day, "--hf-endpoint", server.url_for("").rstrip("/"))
    return result.returncode, result.stdout, result.stderr


def test_a_day_of_hf_papers_is_fetched_kept_and_imported(project: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/daily_papers", query_string={"date": "2024-03-12", "p": "0", "limit": "50"}).respond_with_json(HF_ITEMS)
    code, out, err = fetch_hf(project, httpserver)
    assert code == 0, err
    saved = project / "listings" / "hf-daily-2024-03-12.json"
    assert out.splitlines()[0] == f"fetched 3 paper(s) for 2024-03-12 into {saved}"
    assert json.loads(saved.read_text(encoding="utf-8")) == HF_ITEMS  # the response as the API gave it
    records = {r.arxiv: r for r in Archive(project / "archive").load()}
    assert sorted(records) == ["2006.04558", "2312.12487", "2403.07777"]
    assert records["2006.04558"].added == date(2024, 3, 12) and records["2006.04558"].published == date(2020, 6, 8)
    (request, _), *_ = [entry for entry in httpserver.log if entry[0].path == "/api/daily_papers"]
    assert "papers-archive/0.1.0" in request.headers["User-Agent"] and "Authorization" not in request.headers


def test_a_day_with_no_papers_says_so_and_succeeds(project: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/daily_papers").respond_with_json([])
    code, out, _ = fetch_hf(project, httpserver, "2024-03-16")
    assert code == 0 and out.strip() == "no papers on Hugging Face for 2024-03-16: nothing to import"
    assert not (project / "archive").exists()


def test_a_long_period_is_fetched_page_by_page(httpserver: HTTPServer) -> None:
    page = [HF_ITEMS[0]] * 50
    httpserver.expect_request("/api/daily_papers", query_string={"month": "2024-03", "p": "0", "limit": "50"}).respond_with_json(page)
    httpserver.expect_request("/api/daily_papers", query_string={"month": "2024-03", "p": "1", "limit": "50"}).respond_with_json(HF_ITEMS)
    assert len(hf_daily(quick(httpserver), month="2024-03")) == 53


def test_a_server_error_is_retried_with_backoff(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/api/daily_papers").respond_with_data("busy", status=500)
    httpserver.expect_ordered_request("/api/daily_papers").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/api/daily_papers").respond_with_json(HF_ITEMS)
    assert len(hf_daily(quick(httpserver), day=date(2024, 3, 12))) == 3
    assert len(httpserver.log) == 3


# Each failure of `papers fetch hf`, as the user sees it: (what the server does, the line printed).
FAILURES = [
    (
        lambda s: s.expect_request("/api/daily_papers").respond_with_data("slow down", status=429, headers={"Retry-After": "0"}),
        "rate-limited (HTTP 429 TOO MANY REQUESTS) (4 tries); wait a few minutes and try again",
    ),
    (
        lambda s: s.expect_request("/api/daily_papers").respond_with_data("<html>maintenance</html>", content_type="text/html"),
        "the answer is not JSON (",
    ),
    (
        lambda s: s.expect_request("/api/daily_papers").respond_with_json([{"paper": {"id": "2403.00001", "title": "T"}}]),
        "the answer is not a Hugging Face daily-papers response: a list of items with a 'paper' holding 'id', 'title' and 'summary' "
        "(item 0 has no paper with a text 'id' and 'summary'); the API may have changed: update papers-archive",
    ),
    (
        lambda s: s.expect_request("/api/daily_papers").respond_with_data("no", status=404),
        "answered HTTP 404 NOT FOUND for daily papers",
    ),
]


@pytest.mark.parametrize(("serve", "message"), FAILURES, ids=["rate-limited", "not-json", "shape-changed", "not-found"])
def test_each_failure_is_one_clear_line_and_a_non_zero_exit(project: Path, httpserver: HTTPServer, serve, message: str) -> None:
    serve(httpserver)
    code, _, err = fetch_hf(project, httpserver)
    assert code == 1 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and err.startswith(f"papers fetch: {httpserver.host}:{httpserver.port}: ")
    assert message in err
    assert not (project / "archive").exists()


def test_a_server_error_that_persists_says_to_try_later(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/daily_papers").respond_with_data("down", status=502)
    with pytest.raises(FetchError, match=r"answered HTTP 502 BAD GATEWAY \(4 tries\); the service is having trouble: try again later"):
        hf_daily(quick(httpserver), day=date(2024, 3, 12))


def test_offline_says_so() -> None:
    closed = Network(hf_endpoint="http://127.0.0.1:9", backoff=0.01)  # the discard port: nothing listens
    with pytest.raises(FetchError, match=r"127\.0\.0\.1:9: cannot be reached \(ConnectError.*\(4 tries\); check the network connection"):
        hf_daily(closed, day=date(2024, 3, 12))


def test_a_server_that_never_answers_times_out(httpserver: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1)
        return Response("[]", content_type="application/json")

    httpserver.expect_request("/api/daily_papers").respond_with_handler(slow)
    with pytest.raises(FetchError, match=r"did not answer within 0\.2 s \(2 tries\); try again later"):
        hf_daily(quick(httpserver, timeout=0.2, retries=1), day=date(2024, 3, 12))


# --- arXiv -----------------------------------------------------------------------------------


def test_papers_are_fetched_from_arxiv_by_id(project: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/query").respond_with_data(ATOM, content_type="application/atom+xml")
    result = papers(project, "fetch", "arxiv", "2302.08582v2", "--arxiv-api", httpserver.url_for("/api/query"))
    assert result.returncode == 0, result.stderr
    (record,) = Archive(project / "archive").load()
    assert record.arxiv == "2302.08582" and record.categories == ["cs.CL", "cs.AI", "cs.LG"] and record.published == date(2023, 2, 16)
    (request, _), *_ = [entry for entry in httpserver.log if entry[0].path == "/api/query"]
    assert request.args["id_list"] == "2302.08582" and request.headers["User-Agent"] == USER_AGENT


def test_ids_arxiv_does_not_know_fail_the_fetch(project: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/query").respond_with_data(ATOM, content_type="application/atom+xml")
    result = papers(project, "fetch", "arxiv", "2302.08582", "2401.99999", "--arxiv-api", httpserver.url_for("/api/query"))
    assert result.returncode == 1 and result.stderr.strip() == "papers fetch: arXiv has no paper 2401.99999; check the id(s): nothing imported"


def test_arxiv_errors_are_retried_then_reported(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/api/query").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/api/query").respond_with_data(ATOM, content_type="application/atom+xml")
    found, missing = arxiv_by_id(quick(httpserver), ["2302.08582", "cs/0501001"])
    assert [f.arxiv for f in found] == ["2302.08582", "cs/0501001"] and missing == []
    httpserver.clear()
    httpserver.expect_request("/api/query").respond_with_data("no", status=429)
    with pytest.raises(FetchError, match=r"rate-limited .*\(4 tries\); wait a few minutes"):
        arxiv_by_id(quick(httpserver), ["2302.08582"])


def test_a_bad_id_on_the_command_line_is_refused_before_any_request(project: Path) -> None:
    result = papers(project, "fetch", "arxiv", "not-an-id")
    assert result.returncode == 2 and "'not-an-id' is not an arXiv id" in result.stderr
