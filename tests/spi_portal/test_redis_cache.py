import uuid

import redis

from spi_portal.redis_cache import SharedClientRedisCache
from tests.servers import REDIS_URL


def shared_cache():
    return SharedClientRedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})


def test_one_client_serves_every_call():
    client = shared_cache()._cache
    first = client.get_client("a")
    assert isinstance(first, redis.Redis)
    assert client.get_client("b") is first
    assert client.get_client("c", write=True) is first  # one server: reads and writes share a pool


def test_values_round_trip_through_the_shared_client():
    cache = shared_cache()
    try:
        cache.set("plain", {"html": "<p>ok</p>", "count": 3}, 30)
        assert cache.get("plain") == {"html": "<p>ok</p>", "count": 3}
        assert cache.get("missing") is None
    finally:
        cache.delete("plain")
