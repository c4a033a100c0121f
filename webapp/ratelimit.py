"""Fixed-window counters in the cache (Redis in production, shared by every web process), and
the client address they count per."""

import ipaddress

from django.conf import settings
from django.core.cache import cache


def count_in_window(name: str, period: int, now: float) -> tuple[int, int]:
    """Count one event under `name` in the current `period`-second window.

    Returns (events so far in this window, the window's number); the window ends at
    (number + 1) * period.
    """
    window = int(now // period)
    key = f"{name}:{window}"
    cache.add(key, 0, timeout=period + 5)
    try:
        return cache.incr(key), window
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 5)
        return 1, window


def client_ip(request) -> str:
    """The address of the person making the request, for every per-address limit.

    Behind a proxy REMOTE_ADDR is the proxy, so every visitor would share one counter (ten
    wrong passwords from anyone would lock out everyone). CLIENT_IP_HEADER names a header that
    a trusted proxy sets to the client's address (CF-Connecting-IP, X-Real-IP);
    TRUSTED_PROXY_COUNT says how many proxies of ours append to X-Forwarded-For, so the entry
    that many places from the right is the one our outermost proxy saw; entries to its left
    are whatever the client sent and are never trusted. allauth's limits use this too
    (webapp/accounts/adapter.py), so there is one answer to "who is this".
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR", "")) or ""
    header = settings.CLIENT_IP_HEADER
    if header:
        return _valid_ip(request.headers.get(header, "").split(",")[0]) or remote
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.headers.get("X-Forwarded-For", "")
    if count > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        # Fewer hops than proxies: the request skipped some of them; the leftmost hop was
        # still written by one of ours.
        return _valid_ip(hops[-count] if len(hops) >= count else hops[0]) or remote
    return remote


def _valid_ip(text: str) -> str | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
