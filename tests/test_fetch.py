"""`papers fetch` and the network layer, against a local server that answers as Hugging Face and arXiv document.

Every failure is one line that says what failed and what to do, with a non-zero exit;
an empty day is not a failure.
"""

from __future__ import annotations

import itertools
import json
import re
import socket
import ssl
import time
from datetime import date
from pathlib import Path

import pytest
import requests
from conftest import DATA, papers
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from generator.archive import Archive
from generator.fetch import USER_AGENT, ArxivClient, FetchError, Network, arxiv_by_id, hf_daily
from generator.sources import read_source

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
    assert out.splitlines()[0] == f"fetched 3 papers for 2024-03-12 into {saved}"
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


def test_offline_says_what_failed_and_which_address_to_check() -> None:
    closed = Network(hf_endpoint="http://127.0.0.1:9", arxiv_api="http://127.0.0.1:9/api/query", backoff=0.01)  # the discard port: nothing listens
    with pytest.raises(FetchError) as hf:
        hf_daily(closed, day=date(2024, 3, 12))
    assert str(hf.value) == (
        "127.0.0.1:9: cannot be reached: connection refused (4 tries); "
        "check the network connection and the address (--hf-endpoint or PAPERS_HF_ENDPOINT), then try again"
    )
    with pytest.raises(FetchError) as arxiv:
        arxiv_by_id(ArxivClient(closed), ["2302.08582"])
    assert str(arxiv.value) == (
        "127.0.0.1:9: cannot be reached: connection refused (4 tries); "
        "check the network connection and the address (--arxiv-api or PAPERS_ARXIV_API), then try again"
    )


def test_huggingface_hub_in_offline_mode_says_what_to_unset(httpserver: HTTPServer, monkeypatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "is_offline_mode", lambda: True)  # what HF_HUB_OFFLINE=1 turns on
    with pytest.raises(FetchError) as offline:
        hf_daily(quick(httpserver), day=date(2024, 3, 12))
    assert str(offline.value) == f"{httpserver.host}:{httpserver.port}: not asked: huggingface_hub is in offline mode; unset HF_HUB_OFFLINE to fetch"


def _wrapped(error: OSError) -> Exception:
    """``error`` as the HTTP libraries hand it over: two wrappers deep, the outer one saying nothing of it."""
    try:
        try:
            raise error
        except OSError as exc:
            raise ValueError("Failed to establish a new connection") from exc
    except ValueError as exc:
        return requests.ConnectionError(exc)


@pytest.mark.parametrize(
    ("error", "cause"),
    [
        (socket.gaierror(-2, "Name or service not known"), "unknown host name"),
        (ssl.SSLCertVerificationError(1, "certificate verify failed"), "its TLS certificate cannot be verified"),
        (ConnectionResetError(104, "Connection reset by peer"), "connection reset"),
        (OSError(101, "Network is unreachable"), "network is unreachable"),
    ],
)
def test_a_connection_failure_is_told_by_the_system_error_under_the_wrappers(httpserver: HTTPServer, error: OSError, cause: str) -> None:
    client = ArxivClient(quick(httpserver, retries=0))
    client.session.get = lambda *args, **kwargs: (_ for _ in ()).throw(_wrapped(error))  # type: ignore[method-assign]
    with pytest.raises(FetchError) as failure:
        arxiv_by_id(client, ["2302.08582"])
    assert str(failure.value).startswith(f"{httpserver.host}:{httpserver.port}: cannot be reached: {cause} (1 try); check the network connection")


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
    assert result.returncode == 1 and result.stderr.strip() == "papers fetch: arXiv has no paper 2401.99999; check the id: nothing imported"


def test_arxiv_errors_are_retried_then_reported(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/api/query").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/api/query").respond_with_data(ATOM, content_type="application/atom+xml")
    found, missing = arxiv_by_id(ArxivClient(quick(httpserver)), ["2302.08582", "cs/0501001"])
    assert [f.arxiv for f in found] == ["2302.08582", "cs/0501001"] and missing == []
    httpserver.clear()
    httpserver.expect_request("/api/query").respond_with_data("no", status=429)
    with pytest.raises(FetchError, match=r"rate-limited .*\(4 tries\); wait a few minutes"):
        arxiv_by_id(ArxivClient(quick(httpserver)), ["2302.08582"])


def test_a_bad_id_on_the_command_line_is_refused_before_any_request(project: Path) -> None:
    result = papers(project, "fetch", "arxiv", "not-an-id")
    assert result.returncode == 2 and "'not-an-id' is not an arXiv id" in result.stderr


# --- found by an independent review ------------------------------------------------------------


def test_an_arxiv_answer_cut_short_is_an_error_never_a_shortened_abstract(project: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/query").respond_with_data(ATOM[: ATOM.index("</summary>") - 40], content_type="application/atom+xml")
    result = papers(project, "fetch", "arxiv", "2302.08582", "--arxiv-api", httpserver.url_for("/api/query"))
    assert result.returncode == 1 and "the answer is not a complete arXiv feed (line" in result.stderr and "try again later" in result.stderr
    assert not (project / "archive").exists()


def test_an_arxiv_answer_that_is_html_says_so(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/query").respond_with_data("<html><body>Maintenance</body></html>", content_type="text/html")
    with pytest.raises(FetchError, match=r"is not an Atom feed \(its root is <html>\)"):
        arxiv_by_id(ArxivClient(quick(httpserver)), ["2302.08582"])


def test_acm_and_msc_classes_are_not_taken_for_arxiv_categories(project: Path, httpserver: HTTPServer) -> None:
    extra = '<category term="68U35" scheme="http://arxiv.org/schemas/atom"/><category term="H.5.4; H.3.5" scheme="http://arxiv.org/schemas/atom"/>'
    httpserver.expect_request("/api/query").respond_with_data(ATOM.replace("</entry>", extra + "</entry>", 1), content_type="application/atom+xml")
    assert papers(project, "fetch", "arxiv", "2302.08582", "--arxiv-api", httpserver.url_for("/api/query")).returncode == 0
    assert papers(project, "check").returncode == 0
    assert Archive(project / "archive").load()[0].categories == ["cs.CL", "cs.AI", "cs.LG"]


def test_one_request_every_few_seconds_whoever_asks(httpserver: HTTPServer) -> None:
    times: list[float] = []

    def answer(request: Request) -> Response:
        times.append(time.monotonic())
        return Response(ATOM, content_type="application/atom+xml")

    httpserver.expect_request("/api/query").respond_with_handler(answer)
    client = ArxivClient(quick(httpserver, arxiv_delay=0.3))
    for _ in range(3):
        arxiv_by_id(client, ["2302.08582"])
    assert len(times) == 3 and min(b - a for a, b in itertools.pairwise(times)) >= 0.29


def test_ids_from_several_files_are_asked_for_once(project: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/query").respond_with_data(ATOM, content_type="application/atom+xml")
    for name in ("a.txt", "b.txt"):
        (project / name).write_text("2302.08582\ncs/0501001\n", encoding="utf-8")
    result = papers(project, "import", str(project / "a.txt"), str(project / "b.txt"), "--arxiv-api", httpserver.url_for("/api/query"))
    assert result.returncode == 0, result.stderr
    assert [e[0].args["id_list"] for e in httpserver.log if e[0].path == "/api/query"] == ["2302.08582,cs/0501001"]
    assert len(Archive(project / "archive").load()) == 2


@pytest.mark.parametrize("retry_after", ["nan", "-5", "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_an_odd_retry_after_falls_back_to_our_backoff(httpserver: HTTPServer, retry_after: str) -> None:
    httpserver.expect_request("/api/daily_papers").respond_with_data("slow down", status=429, headers={"Retry-After": retry_after})
    with pytest.raises(FetchError, match="rate-limited"):
        hf_daily(quick(httpserver), day=date(2024, 3, 12))


def test_json_nested_too_deeply_is_one_clear_error(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/api/daily_papers").respond_with_data("[" * 100_000, content_type="application/json")
    with pytest.raises(FetchError, match=re.escape("the answer is not JSON (nested too deeply")):
        hf_daily(quick(httpserver), day=date(2024, 3, 12))
    saved = tmp_path / "deep.json"
    saved.write_text("[" * 100_000, encoding="utf-8")
    assert "nested too deeply" in read_source(saved, today=date(2024, 3, 12)).file_problems[0].message


def test_an_item_with_an_empty_title_is_a_problem_not_a_crash(project: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/daily_papers").respond_with_json([{"paper": {"id": "2403.00001", "title": "", "summary": "S"}}])
    code, _, err = fetch_hf(project, httpserver)
    assert code == 1 and "Traceback" not in err and "item 0 (2403.00001): has an empty title or summary; remove the item" in err


def test_a_server_that_trickles_is_cut_off_at_the_timeout(httpserver: HTTPServer) -> None:
    def trickle(request: Request) -> Response:
        def body():
            for _ in range(100):  # 10 s in all, each byte well within the timeout
                time.sleep(0.1)
                yield b" "
            yield b"[]"

        return Response(body(), content_type="application/json")

    httpserver.expect_request("/api/daily_papers").respond_with_handler(trickle)
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"did not answer within 0\.5 s"):
        hf_daily(quick(httpserver, timeout=0.5, retries=0), day=date(2024, 3, 12))
    assert time.monotonic() - started < 5  # cut off at 0.5 s, not after the whole 10 s trickle (room for a loaded machine)


def test_a_server_that_ignores_the_page_number_is_caught(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/daily_papers").respond_with_json([HF_ITEMS[0]] * 50)
    with pytest.raises(FetchError, match="page 1 repeats an earlier page"):
        hf_daily(quick(httpserver), month="2024-03")
