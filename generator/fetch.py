"""The network: Hugging Face's daily papers and the arXiv API. Used by `papers fetch`, `resolve` and id-list imports only.

Never by a build or a test: tests point both base addresses at a local server.

- Hugging Face: ``huggingface_hub``'s HTTP session, headers and error type. The
  JSON is read by ``sources.hf`` rather than by ``HfApi.list_daily_papers``,
  whose ``PaperInfo`` drops each paper's ``githubRepo`` and ``projectPage`` and
  accepts any shape; ours keeps the links and refuses a response whose shape
  changed, exactly as it does for a saved file.
- arXiv: the ``arxiv`` package's client, which keeps arXiv's one request per
  three seconds. Its session is replaced by one that names this project and
  has a timeout (the package sends its own User-Agent and none).

Every call is retried with exponential backoff on what may pass (timeouts,
connection errors, HTTP 429 and 5xx); each failure ends as one ``FetchError``
line that says what failed and what to do.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlsplit

import arxiv
import httpx2
import requests
from huggingface_hub.utils import HfHubHTTPError, build_hf_headers, get_session, hf_raise_for_status

from . import __version__
from .errors import PapersError
from .identity import parse_arxiv_id
from .sources import Found, one_line
from .sources.hf import SHAPE, ShapeChanged, items_of

HF_ENDPOINT = "https://huggingface.co"
ARXIV_API = "https://export.arxiv.org/api/query"
USER_AGENT = f"papers-archive/{__version__} (+https://github.com/papers-archive/papers-archive)"
HF_PAGE_SIZE = 50  # the API's default page; pages are asked for until one comes back short
HF_MAX_PAGES = 200

T = TypeVar("T")


class FetchError(PapersError):
    """A request failed for good: one line, what failed and what to do."""


class _Transient(Exception):
    """A failure worth trying again: ``reason`` says what happened, ``wait`` how long the server asked us to wait."""

    def __init__(self, reason: str, advice: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.advice, self.wait = reason, advice, wait


@dataclass(frozen=True)
class Network:
    """Where and how we ask: base addresses (option or environment variable), patience, politeness."""

    hf_endpoint: str = HF_ENDPOINT
    arxiv_api: str = ARXIV_API
    timeout: float = 30.0
    retries: int = 3
    backoff: float = 2.0  # seconds before the first retry, doubled each time
    arxiv_delay: float = 3.0  # arXiv asks for one request every three seconds

    @classmethod
    def from_environment(cls, hf_endpoint: str | None = None, arxiv_api: str | None = None) -> Network:
        """Options win over ``PAPERS_HF_ENDPOINT`` / ``PAPERS_ARXIV_API``, which win over the real services."""
        return cls(
            hf_endpoint=(hf_endpoint or os.environ.get("PAPERS_HF_ENDPOINT") or HF_ENDPOINT).rstrip("/"),
            arxiv_api=arxiv_api or os.environ.get("PAPERS_ARXIV_API") or ARXIV_API,
        )

    def with_retries(self, call: Callable[[], T], host: str) -> T:
        """``call()``, tried again after a pause while it fails in a way that may pass."""
        for attempt in range(self.retries + 1):
            try:
                return call()
            except _Transient as failure:
                if attempt == self.retries:
                    tries = f"{self.retries + 1} tries" if self.retries else "1 try"
                    raise FetchError(f"{host}: {failure.reason} ({tries}); {failure.advice}") from None
                pause = failure.wait if failure.wait is not None else self.backoff * 2**attempt
                time.sleep(min(pause, 60.0))
        raise AssertionError("unreachable")


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _retry_after(headers: Any) -> float | None:
    try:
        return float(headers.get("retry-after"))
    except (TypeError, ValueError):
        return None


def _http_failure(host: str, status: int, reason: str, retry_after: float | None, what: str) -> Exception:
    """What an HTTP status means for us: worth another try, or a final error."""
    if status == 429:
        return _Transient(f"rate-limited (HTTP 429 {reason})", "wait a few minutes and try again", retry_after)
    if status >= 500:
        return _Transient(f"answered HTTP {status} {reason}", "the service is having trouble: try again later", retry_after)
    return FetchError(f"{host}: answered HTTP {status} {reason} for {what}; check it (a date in the future, a mistyped id?)")


# --- Hugging Face ----------------------------------------------------------------------------


def _hf_page(network: Network, params: dict[str, Any]) -> list[dict[str, Any]]:
    url = f"{network.hf_endpoint}/api/daily_papers"
    host = _host(network.hf_endpoint)
    headers = build_hf_headers(token=False, library_name="papers-archive", library_version=__version__, user_agent=USER_AGENT)
    try:
        response = get_session().get(url, params=params, headers=headers, timeout=network.timeout)
        hf_raise_for_status(response)
    except HfHubHTTPError as exc:
        status = exc.response.status_code
        raise _http_failure(host, status, exc.response.reason_phrase, _retry_after(exc.response.headers), f"daily papers {params}") from None
    except httpx2.TimeoutException:
        raise _Transient(f"did not answer within {network.timeout:g} s", "try again later") from None
    except httpx2.TransportError as exc:
        raise _Transient(f"cannot be reached ({exc.__class__.__name__}: {exc})", "check the network connection, then try again") from None
    try:
        return items_of(response.json())
    except ValueError as exc:
        if isinstance(exc, ShapeChanged):
            raise FetchError(f"{host}: the answer is not {SHAPE} ({exc}); the API may have changed: update papers-archive") from None
        raise FetchError(f"{host}: the answer is not JSON ({exc}); the API may be down or changed: try again later") from None


def hf_daily(network: Network, *, day: date | None = None, week: str | None = None, month: str | None = None) -> list[dict[str, Any]]:
    """Every item of Hugging Face's daily papers for a day, an ISO week (``2024-W11``) or a month (``2024-03``)."""
    when = {"date": day.isoformat()} if day else {"week": week} if week else {"month": month}
    items: list[dict[str, Any]] = []
    for page in range(HF_MAX_PAGES):
        params = {**when, "p": page, "limit": HF_PAGE_SIZE}
        batch = network.with_retries(lambda params=params: _hf_page(network, params), _host(network.hf_endpoint))
        items += batch
        if len(batch) < HF_PAGE_SIZE:
            break
    return items


def save_items(items: list[dict[str, Any]]) -> bytes:
    """A response as saved beside the listings: the API's own JSON, readable and diffable."""
    return (json.dumps(items, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


# --- arXiv -----------------------------------------------------------------------------------


class _ProjectSession(requests.Session):
    """A session that names this project and never waits forever, whatever the caller passes."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs["headers"] = {**(kwargs.get("headers") or {}), "User-Agent": USER_AGENT}
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


def _arxiv_client(network: Network) -> arxiv.Client:
    client = arxiv.Client(page_size=100, delay_seconds=network.arxiv_delay, num_retries=0)  # retries are ours
    client.query_url_format = network.arxiv_api + "?{}"
    client._session = _ProjectSession(network.timeout)  # the package has no option for either
    return client


def _arxiv_results(network: Network, search: arxiv.Search, client: arxiv.Client) -> list[arxiv.Result]:
    host = _host(network.arxiv_api)

    def attempt() -> list[arxiv.Result]:
        try:
            return list(client.results(search))
        except arxiv.HTTPError as exc:
            raise _http_failure(host, exc.status, "", None, f"the query {search.query or search.id_list}") from None
        except arxiv.UnexpectedEmptyPageError:
            raise _Transient("returned an empty page in the middle of the results", "try again later") from None
        except requests.Timeout:
            raise _Transient(f"did not answer within {network.timeout:g} s", "try again later") from None
        except requests.ConnectionError as exc:
            raise _Transient(f"cannot be reached ({exc.__class__.__name__})", "check the network connection, then try again") from None

    return network.with_retries(attempt, host)


def found_from_result(result: arxiv.Result) -> Found | None:
    """A paper from the ``arxiv`` package's result; None when arXiv sent something that is not one."""
    arxiv_id = parse_arxiv_id(result.entry_id)
    title, abstract = one_line(result.title), one_line(result.summary)
    if arxiv_id is None or not title or not abstract:
        return None
    return Found(
        title=title,
        abstract=abstract,
        date=None,
        line=None,
        arxiv=arxiv_id,
        authors=tuple(one_line(a.name) for a in result.authors if a.name.strip()),
        published=result.published.date() if result.published else None,
        categories=tuple(dict.fromkeys(c for c in (result.primary_category, *result.categories) if c)),
    )


def arxiv_by_id(network: Network, ids: list[str]) -> tuple[list[Found], list[str]]:
    """The papers with these (versionless) ids, and the ids arXiv does not know."""
    client = _arxiv_client(network)
    found: dict[str, Found] = {}
    for start in range(0, len(ids), 100):  # arXiv takes id lists of a hundred comfortably
        chunk = ids[start : start + 100]
        for result in _arxiv_results(network, arxiv.Search(id_list=chunk, max_results=len(chunk)), client):
            paper = found_from_result(result)
            if paper is not None and paper.arxiv in chunk:
                found[paper.arxiv] = paper
    return [found[i] for i in ids if i in found], [i for i in ids if i not in found]


def arxiv_by_title(network: Network, titles: list[str], *, per_title: int = 5) -> Iterator[tuple[str, list[Found]]]:
    """For each title, the papers arXiv finds with those words in their title (at most ``per_title``)."""
    client = _arxiv_client(network)
    for title in titles:
        phrase = " ".join(w for w in one_line(title).replace('"', " ").split())
        results = _arxiv_results(network, arxiv.Search(query=f'ti:"{phrase}"', max_results=per_title), client)
        yield title, [f for f in map(found_from_result, results) if f is not None]
