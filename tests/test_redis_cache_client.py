"""solo.cache reuses one Redis client per pool, through private parts of Django's Redis cache.

These tests pin those parts: when one fails after a Django upgrade, solo/cache.py must follow
it (or go, if Django reuses its clients by then).
"""

import inspect

import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from solo.cache import SoloRedisCache, _ReusingClient


def test_django_still_has_the_private_redis_cache_parts_solo_overrides():
    backend = RedisCache("redis://127.0.0.1:6379/0", {})
    assert backend._class is RedisCacheClient  # replaced by SoloRedisCache.__init__
    assert isinstance(backend._cache, RedisCacheClient)  # built from `_class`
    assert list(inspect.signature(RedisCacheClient._get_connection_pool_index).parameters) == [
        "self",
        "write",
    ]
    get_client = inspect.signature(RedisCacheClient.get_client).parameters
    assert list(get_client) == ["self", "key", "write"]
    assert get_client["write"].kind is inspect.Parameter.KEYWORD_ONLY


def test_django_still_builds_a_client_per_call_so_reusing_one_is_worth_it():
    client = RedisCacheClient(["redis://127.0.0.1:6379/0"])
    assert client.get_client() is not client.get_client()


def test_the_site_cache_reuses_one_client_per_pool():
    backend = SoloRedisCache("redis://127.0.0.1:6379/0", {})
    assert isinstance(backend._cache, _ReusingClient)
    assert backend._cache.get_client("a") is backend._cache.get_client("b")
    assert backend._cache.get_client(write=True) is backend._cache.get_client("c", write=True)


@pytest.mark.redis
def test_the_site_cache_stores_and_reads_through_the_reused_client():
    backend = SoloRedisCache(settings.REDIS_URL, {})
    backend.set("solo-cache-pin", {"a": 1}, 10)
    assert backend.get("solo-cache-pin") == {"a": 1}
    assert backend.get_many(["solo-cache-pin", "missing"]) == {"solo-cache-pin": {"a": 1}}
    assert len(backend._cache._clients) == 1
    backend.delete("solo-cache-pin")
