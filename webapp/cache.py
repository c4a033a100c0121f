"""Django's Redis cache with one client object per connection pool instead of one per call.

Django builds a new `redis.Redis` for every cache operation; redis-py 8 fills ~170 response
callbacks into a fresh dict each time, which made it the largest single cost of a status poll
(three cache reads: session, points check, estimate). A client holds no per-call state (its
pool hands each command a connection), and Django keeps one cache object per thread anyway.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
