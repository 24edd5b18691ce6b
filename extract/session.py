"""A polite HTTP session (User-Agent, timeouts, retries, per-host pacing) and redirects kept on allowed hosts."""

from __future__ import annotations

import threading
import time
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from darien.contract import PIPELINE_VERSION
from extract.faults import Refused
from extract.hosts import check_web_url

DEFAULT_USER_AGENT = (
    f"darien-etl/{PIPELINE_VERSION} (statistics pipeline for Panama SNM figures on "
    "irregular transit through the Darien; nightly, one request per second per host)"
)
RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_REDIRECTS = 5


class _PoliteAdapter(HTTPAdapter):
    """An HTTPAdapter that applies a default timeout and spaces requests to one host."""

    def __init__(self, *, timeout: tuple[float, float], min_interval: float, retries: Retry):
        super().__init__(max_retries=retries)
        self._timeout = timeout
        self._min_interval = min_interval
        self._next_turn: dict[str, float] = {}
        self._lock = threading.Lock()

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        self._wait_turn(urlsplit(request.url).netloc.lower())
        return super().send(
            request, stream=stream, timeout=timeout if timeout is not None else self._timeout,
            verify=verify, cert=cert, proxies=proxies,
        )

    def _wait_turn(self, host: str) -> None:
        # Reserve the next slot under the lock, sleep outside it, so threads queue fairly.
        with self._lock:
            now = time.monotonic()
            turn = max(now, self._next_turn.get(host, now))
            self._next_turn[host] = turn + self._min_interval
        if turn > now:
            time.sleep(turn - now)


def make_session(
    user_agent: str | None = None,
    *,
    retries: int = 4,
    backoff_factor: float = 2.0,
    backoff_max: float = 120.0,
    retry_after_max: int = 600,
    timeout: tuple[float, float] = (10.0, 60.0),
    min_interval: float = 1.0,
) -> requests.Session:
    """A requests session that identifies itself, times out, retries with backoff and paces each host."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        allowed_methods=frozenset({"GET", "HEAD"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_max=backoff_max,
        retry_after_max=retry_after_max,
        respect_retry_after_header=True,
        raise_on_status=False,  # the last 5xx/429 comes back as a response, judged by the caller
        raise_on_redirect=False,
        redirect=0,  # redirects are followed by `open_within`, which checks each hop first
    )
    adapter = _PoliteAdapter(timeout=timeout, min_interval=min_interval, retries=retry)
    session = requests.Session()
    session.headers["User-Agent"] = user_agent or DEFAULT_USER_AGENT
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


_shared: requests.Session | None = None
_shared_lock = threading.Lock()


def shared_session() -> requests.Session:
    """One default session per process, so the per-host pacing holds across concurrent fetches."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = make_session()
        return _shared


def open_within(
    session: requests.Session, url: str, allowed: frozenset[str], headers: dict[str, str] | None = None
) -> requests.Response:
    """GET `url` streamed, following redirects only to allowed hosts, each hop checked before connecting."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        check_web_url(current, allowed)
        response = session.get(current, headers=headers, stream=True, allow_redirects=False)
        if not response.is_redirect:
            return response
        location = response.headers["Location"]
        response.close()
        target = urljoin(current, location)
        try:
            check_web_url(target, allowed)
        except Refused as err:
            raise Refused(f"redirect to {target[:200]} refused: {err}") from None
        if urlsplit(current).scheme == "https" and urlsplit(target).scheme != "https":
            raise Refused(f"redirect from https down to {target[:200]} refused")
        current = target
    raise Refused(f"more than {MAX_REDIRECTS} redirects")
