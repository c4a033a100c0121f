"""Fixed-window counters in the cache (Redis in production, shared by every web process)."""

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
