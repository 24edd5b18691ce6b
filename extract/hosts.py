"""The allow-list of hosts a crawl may talk to, and the checks a URL passes before any connection."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from extract.faults import Refused

MAX_URL_LENGTH = 2048
_DEFAULT_PORTS = {"http": 80, "https": 443}


def host_key(url: str) -> str:
    """`host` on the scheme's default port, else `host:port`: the unit the allow-list speaks in."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port  # ValueError for a malformed port: callers treat it as a refusal
    if port is None or port == _DEFAULT_PORTS.get(parts.scheme.lower()):
        return host
    return f"{host}:{port}"


def allowed_set(sources: Iterable[str], extra: Iterable[str]) -> frozenset[str]:
    """The web sources' hosts plus the configured extra hosts (`DARIEN_ALLOWED_HOSTS`)."""
    keys = {host_key(s) for s in sources if urlsplit(s).scheme.lower() in _DEFAULT_PORTS}
    keys |= {h.strip().lower() for h in extra if h.strip()}
    return frozenset(k for k in keys if k)


def check_web_url(url: str, allowed: frozenset[str]) -> None:
    """Raise Refused unless `url` is a plain http(s) URL on an allowed host."""
    if len(url) > MAX_URL_LENGTH:
        raise Refused(f"URL is {len(url)} characters long (limit {MAX_URL_LENGTH})")
    if any(ord(c) < 0x20 or c == "\x7f" for c in url):
        raise Refused("URL contains control characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise Refused(f"scheme {parts.scheme or '(none)'!r} is not http or https")
    if parts.username or parts.password:
        raise Refused("URL carries credentials")
    try:
        key = host_key(url)
    except ValueError:
        raise Refused("URL has a malformed port") from None
    if key not in allowed:
        raise Refused(f"host {key or '(none)'} is outside the allowed hosts {sorted(allowed)}")
