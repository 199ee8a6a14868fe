"""How counts travel from a worker to Redis (analytics/counting.py): buffered a second at most or
50 hits, on a connection that awaits no reply; Redis going away loses views, never a page."""

import logging
import time
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from analytics import counting, flush
from analytics.counting import Hit, count, redis_client, settle
from analytics.models import DailyPageViews
from tests.support.redis_server import RedisServer

pytestmark = [pytest.mark.redis, pytest.mark.django_db]

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
DAY = date(2026, 5, 1)


def views_in_redis(client, field="/|") -> int:
    return int(client.hget(counting.views_key(DAY), field) or 0)


def wait_for(condition, seconds=3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_a_lone_view_reaches_redis_within_the_buffer_time(monkeypatch):
    monkeypatch.setattr(counting._counter, "BUFFER_SECONDS", 0.2)
    client = redis_client()
    count([Hit("view", "/", "", b"a")], DAY)
    assert views_in_redis(client) == 0  # buffered
    assert wait_for(lambda: views_in_redis(client) == 1)


def test_fifty_views_are_sent_at_once(monkeypatch):
    monkeypatch.setattr(counting._counter, "BUFFER_SECONDS", 60)
    client = redis_client()
    count([Hit("view", "/", "", b"a")] * 49, DAY)
    time.sleep(0.2)
    assert views_in_redis(client) == 0
    count([Hit("bot")], DAY)
    assert wait_for(lambda: views_in_redis(client) == 49)
    assert views_in_redis(client, counting.BOTS_FIELD) == 1


def test_redis_going_away_loses_views_not_pages(settings, monkeypatch, make_note, caplog):
    note = make_note(slug="hello")
    url = note.get_absolute_url()
    monkeypatch.setattr(counting._counter, "BUFFER_HITS", 1)  # sent within the request
    server = RedisServer()
    server.start()
    try:
        settings.REDIS_URL = server.url  # the counts' Redis; the page cache stays where it was
        own = redis_client()
        reader = Client(HTTP_USER_AGENT=FIREFOX)
        assert reader.get(url).status_code == 200
        settle()
        assert own.keys("analytics:salt:*")
        salt = own.get(own.keys("analytics:salt:*")[0])

        server.stop()
        with caplog.at_level(logging.WARNING, logger="analytics.counting"):
            for _ in range(3):
                assert reader.get(url).status_code == 200
        assert "page view not counted, Redis unavailable" in caplog.text

        server.start()  # empty: no persistence
        assert reader.get(url).status_code == 200
        settle()
        assert own.hgetall(counting.views_key(counting.today())) == {b"/notes/hello/|": b"1"}
        # The salt this process hashes with is put back: other workers keep using the same.
        assert own.get(own.keys("analytics:salt:*")[0]) == salt
    finally:
        server.cleanup()


def test_counting_adds_no_query_to_a_page(settings, make_note):
    url = make_note(slug="hello").get_absolute_url()
    queries = {}
    for enabled in (False, True):
        settings.ANALYTICS_ENABLED = enabled
        reader = Client(HTTP_USER_AGENT=FIREFOX)
        reader.get(url)
        with CaptureQueriesContext(connection) as rendered:
            reader.get(url + "?utm_source=x")  # rendered, not from the page cache
        with CaptureQueriesContext(connection) as hit:
            assert reader.get(url)["X-Solo-Cache"] == "hit"
        queries[enabled] = (len(rendered), len(hit))
    assert queries[True] == queries[False]
    assert queries[True][1] == 0
    flush.flush()
    assert DailyPageViews.objects.get(source="x").views == 1
