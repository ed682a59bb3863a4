"""The network: Hugging Face's daily papers and the arXiv API. Used by `papers fetch`, `resolve` and id-list imports only.

Never by a build or a test: tests point both base addresses at a local server.

- Hugging Face: ``huggingface_hub``'s HTTP session, headers and error type. The
  JSON is read by ``sources.hf`` rather than by ``HfApi.list_daily_papers``,
  whose ``PaperInfo`` drops each paper's ``githubRepo`` and ``projectPage`` and
  accepts any shape; ours keeps the links and refuses a response whose shape
  changed, exactly as it does for a saved file.
- arXiv: plain HTTP (``requests``), read by the strict ``sources.atom`` parser.
  The ``arxiv`` package gets in the way: it parses with ``recover=True``, so a
  response cut short is imported with a shortened abstract and no authors, and
  neither the caller nor the user hears of it; it also sends its own
  User-Agent and no timeout. One ``ArxivClient`` per command keeps arXiv's one
  request every three seconds across all of that command's requests.

Every call is retried with exponential backoff on what may pass (timeouts,
connection errors, HTTP 429 and 5xx); each failure ends as one ``FetchError``
line that says what failed and what to do. ``timeout`` bounds a whole request,
not each read: a server that trickles bytes is cut off too.
"""

from __future__ import annotations

import json
import math
import os
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx2
import requests
from huggingface_hub.errors import OfflineModeIsEnabled
from huggingface_hub.utils import HfHubHTTPError, build_hf_headers, get_session, hf_raise_for_status

from . import __version__
from .errors import PapersError
from .sources import Found
from .sources.atom import parse_atom
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


#: What to check when a service cannot be reached: the network, and the address the command used.
HF_ADVICE = "check the network connection and the address (--hf-endpoint or PAPERS_HF_ENDPOINT), then try again"
ARXIV_ADVICE = "check the network connection and the address (--arxiv-api or PAPERS_ARXIV_API), then try again"


def _cause(exc: BaseException) -> str:
    """Why a connection failed, in plain words, from the system's error under the library's wrappers.

    ``requests`` and ``httpx`` each wrap it two or three deep (``ConnectionError``
    around ``MaxRetryError`` around ``NewConnectionError``…): their own names say
    nothing a user can act on, the system's error does.
    """
    system = _system_error(exc)
    if isinstance(system, socket.gaierror):
        return "unknown host name"
    if isinstance(system, ssl.SSLCertVerificationError):
        return "its TLS certificate cannot be verified"
    if isinstance(system, ssl.SSLError):
        return "the TLS handshake failed"
    if isinstance(system, ConnectionRefusedError):
        return "connection refused"
    if isinstance(system, ConnectionResetError):
        return "connection reset"
    if system is not None and system.strerror:
        return system.strerror[0].lower() + system.strerror[1:]  # "Network is unreachable" -> "network is unreachable"
    return str(exc) or exc.__class__.__name__


def _system_error(exc: BaseException) -> OSError | None:
    """The first error with an ``errno`` in what caused ``exc``: its arguments, its ``reason``, its cause and context."""
    pending, seen = [exc], set()
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno is not None:
            return current
        inner = [*current.args, getattr(current, "reason", None), current.__cause__, current.__context__]
        pending += [e for e in inner if isinstance(e, BaseException)]
    return None


def _retry_after(headers: Any) -> float | None:
    """A ``Retry-After`` in seconds we can honour; anything else (a date, nan, negative) means our own backoff."""
    try:
        seconds = float(headers.get("retry-after"))
    except (TypeError, ValueError):
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _read_within(chunks: Iterable[bytes], deadline: float, timeout: float) -> bytes:
    """The whole body, or ``_Transient`` once the request as a whole has taken longer than ``timeout``."""
    body = bytearray()
    for chunk in chunks:
        body += chunk
        if time.monotonic() > deadline:
            raise _Transient(f"did not answer within {timeout:g} s", "try again later")
    return bytes(body)


def _json(content: bytes) -> Any:
    try:
        return json.loads(content)
    except RecursionError:
        raise ValueError("nested too deeply to be a daily-papers response") from None


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
    deadline = time.monotonic() + network.timeout
    try:
        with get_session().stream("GET", url, params=params, headers=headers, timeout=network.timeout) as response:
            if response.status_code >= 400:
                response.read()
                hf_raise_for_status(response)
            content = _read_within(response.iter_bytes(), deadline, network.timeout)
    except HfHubHTTPError as exc:
        status = exc.response.status_code
        raise _http_failure(host, status, exc.response.reason_phrase, _retry_after(exc.response.headers), f"daily papers {params}") from None
    except httpx2.TimeoutException:
        raise _Transient(f"did not answer within {network.timeout:g} s", "try again later") from None
    except httpx2.TransportError as exc:
        raise _Transient(f"cannot be reached: {_cause(exc)}", HF_ADVICE) from None
    except OfflineModeIsEnabled:
        raise FetchError(f"{host}: not asked: huggingface_hub is in offline mode; unset HF_HUB_OFFLINE to fetch") from None
    except OSError as exc:
        raise FetchError(f"{host}: cannot be asked: {_cause(exc)}; {HF_ADVICE}") from None
    try:
        return items_of(_json(content))
    except ShapeChanged as exc:
        raise FetchError(f"{host}: the answer is not {SHAPE} ({exc}); the API may have changed: update papers-archive") from None
    except ValueError as exc:
        raise FetchError(f"{host}: the answer is not JSON ({exc}); the API may be down or changed: try again later") from None


def hf_daily(network: Network, *, day: date | None = None, week: str | None = None, month: str | None = None) -> list[dict[str, Any]]:
    """Every item of Hugging Face's daily papers for a day, an ISO week (``2024-W11``) or a month (``2024-03``)."""
    when = {"date": day.isoformat()} if day else {"week": week} if week else {"month": month}
    host = _host(network.hf_endpoint)
    items: list[dict[str, Any]] = []
    seen_pages: set[str] = set()
    for page in range(HF_MAX_PAGES):
        params = {**when, "p": page, "limit": HF_PAGE_SIZE}
        batch = network.with_retries(lambda params=params: _hf_page(network, params), host)
        signature = json.dumps(batch, sort_keys=True)
        if batch and signature in seen_pages:
            raise FetchError(f"{host}: page {page} repeats an earlier page; the API's paging may have changed: update papers-archive")
        seen_pages.add(signature)
        items += batch
        if len(batch) < HF_PAGE_SIZE:
            return items
    raise FetchError(f"{host}: more than {HF_MAX_PAGES} pages of {HF_PAGE_SIZE} papers; fetch a shorter period (--date or --week)")


def save_items(items: list[dict[str, Any]]) -> bytes:
    """A response as saved beside the listings: the API's own JSON, readable and diffable."""
    return (json.dumps(items, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


# --- arXiv -----------------------------------------------------------------------------------


@dataclass
class ArxivClient:
    """Requests to the arXiv API for one command: one every ``arxiv_delay`` seconds, whoever asks."""

    network: Network
    session: requests.Session = field(default_factory=requests.Session)
    last_request: float | None = None

    def _wait_turn(self) -> None:
        if self.last_request is not None:
            pause = self.last_request + self.network.arxiv_delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self.last_request = time.monotonic()

    def _get(self, params: dict[str, Any]) -> bytes:
        host, timeout = _host(self.network.arxiv_api), self.network.timeout
        self._wait_turn()
        deadline = time.monotonic() + timeout
        try:
            with self.session.get(self.network.arxiv_api, params=params, headers={"User-Agent": USER_AGENT}, timeout=timeout, stream=True) as response:
                if response.status_code != 200:
                    raise _http_failure(host, response.status_code, response.reason or "", _retry_after(response.headers), f"the query {params}")
                return _read_within(response.iter_content(65536), deadline, timeout)
        except requests.Timeout:
            raise _Transient(f"did not answer within {timeout:g} s", "try again later") from None
        except requests.ConnectionError as exc:
            raise _Transient(f"cannot be reached: {_cause(exc)}", ARXIV_ADVICE) from None
        except requests.RequestException as exc:  # a malformed address, a body shorter than announced…
            raise FetchError(f"{host}: the request failed ({exc.__class__.__name__}: {exc}); check the address (--arxiv-api or PAPERS_ARXIV_API)") from None

    def query(self, params: dict[str, Any]) -> list[Found]:
        """The papers of one API query; an answer that is not a whole, well-formed feed is an error, never half-read."""
        host = _host(self.network.arxiv_api)
        content = self.network.with_retries(lambda: self._get(params), host)
        source = parse_atom(content, host, "arXiv API")
        problems = source.file_problems + source.problems
        if problems:
            first = problems[0]
            where = f" (line {first.line})" if first.line else ""
            raise FetchError(f"{host}: the answer is not a complete arXiv feed{where}: {first.message}; try again later")
        return source.entries


def arxiv_by_id(client: ArxivClient, ids: list[str]) -> tuple[list[Found], list[str]]:
    """The papers with these (versionless) ids, and the ids arXiv does not know."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, Found] = {}
    for start in range(0, len(wanted), 100):  # arXiv takes id lists of a hundred comfortably
        chunk = wanted[start : start + 100]
        for paper in client.query({"id_list": ",".join(chunk), "max_results": len(chunk)}):
            if paper.arxiv in chunk:
                found[paper.arxiv] = paper
    return [found[i] for i in wanted if i in found], [i for i in wanted if i not in found]


def arxiv_by_title(client: ArxivClient, titles: list[str], *, per_title: int = 5) -> Iterator[tuple[str, list[Found]]]:
    """For each title, the papers arXiv finds with those words in their title (at most ``per_title``)."""
    for title in titles:
        phrase = " ".join(title.replace('"', " ").split())
        yield title, client.query({"search_query": f'ti:"{phrase}"', "max_results": per_title})
