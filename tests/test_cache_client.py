"""The Redis cache reuses one client per connection pool (webapp/cache.py)."""

import pytest
from django.core.cache import caches

from tests.conftest import require_service


@pytest.fixture
def redis_cache():
    from webapp.cache import SharedClientRedisCache

    cache = caches["default"]
    require_service(isinstance(cache, SharedClientRedisCache), "needs Redis: set REDIS_URL")
    return cache


def test_every_operation_uses_the_same_client(redis_cache):
    client = redis_cache._cache.get_client()
    redis_cache.set("test-cache-client:a", 1)
    assert redis_cache.get_many(["test-cache-client:a", "test-cache-client:b"]) == {
        "test-cache-client:a": 1
    }
    assert redis_cache.incr("test-cache-client:a") == 2
    assert (
        redis_cache.delete("test-cache-client:a") and redis_cache.get("test-cache-client:a") is None
    )
    assert redis_cache._cache.get_client("test-cache-client:a", write=True) is client
