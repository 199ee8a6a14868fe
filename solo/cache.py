"""Django's Redis cache, keeping one redis-py client per connection pool.

Django builds a new `redis.Redis` for every cache call, and redis-py's constructor fills a table
of response callbacks each time: on a warm page-cache hit (one cache call) that cost more than
the round trip itself — bench/inprocess.py's "warm" case, with figures in its docstring. A client
is thread-safe over its pool, so one per pool is enough.

It relies on two private parts of Django's backend, `RedisCache._class` and
`RedisCacheClient._get_connection_pool_index`: tests/test_redis_cache_client.py fails when they
change, and when Django starts reusing clients itself (then this module can go).
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class SoloRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient
