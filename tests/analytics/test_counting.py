"""Page views counted on the server (analytics): what is counted, where from, and what is kept.

Requests go through the real middleware stack (early page-cache hits included) into Redis, then
the flush moves them into PostgreSQL; the big load drives the same counting function directly,
with the day passed in instead of waited for.
"""

import random
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from analytics import flush
from analytics.counting import Hit, count, redis_client, settle, source_of
from analytics.models import DailyPageViews, DailyTotals, FlushedBatch
from analytics.tasks import flush_page_views, fold_old_page_views
from billing.models import PrivateFeed
from newsletter.models import Subscriber
from tests.billing.readers import make_reader

pytestmark = [pytest.mark.redis, pytest.mark.django_db]

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def reader(user_agent=FIREFOX, address="203.0.113.7") -> Client:
    return Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)


def views() -> dict[tuple[str, str], int]:
    return {(r.path, r.source): r.views for r in DailyPageViews.objects.all()}


def test_reader_pages_are_counted_with_cache_hits_and_sources(make_note):
    note = make_note("Hello", slug="hello", tags=["Tea"])
    url = note.get_absolute_url()
    ana, bob = reader(), reader(CHROME, "198.51.100.2")

    assert "X-Solo-Cache" not in ana.get(url)  # rendered
    assert ana.get(url)["X-Solo-Cache"] == "hit"  # the early cache: counted all the same
    assert bob.get(url)["X-Solo-Cache"] == "hit"
    bob.get(url, HTTP_REFERER="https://www.google.com/search?q=hello")
    bob.get(url, HTTP_REFERER="http://testserver/")  # within the site: no source
    ana.get(url + "?utm_source=Mastodon")
    ana.get(url + "?ref=hn&utm_campaign=x")
    ana.get("/", HTTP_REFERER="android-app://com.google.android.gm/")
    for path in ("/tags/", "/tags/tea/", "/archive/", "/?page=1"):
        assert ana.get(path).status_code == 200

    assert flush.flush() == 12
    assert views() == {
        ("/notes/hello/", ""): 4,
        ("/notes/hello/", "google.com"): 1,
        ("/notes/hello/", "mastodon"): 1,
        ("/notes/hello/", "hn"): 1,
        ("/", "com.google.android.gm"): 1,
        ("/", ""): 1,
        ("/tags/", ""): 1,
        ("/tags/tea/", ""): 1,
        ("/archive/", ""): 1,
    }
    assert set(DailyPageViews.objects.filter(path=url).values_list("note", flat=True)) == {note.pk}
    assert DailyPageViews.objects.filter(note=None).count() == 5
    totals = DailyTotals.objects.get()
    assert (totals.views, totals.visitors, totals.bots, totals.feed_fetches) == (12, 2, 0, 0)


def test_bots_head_prefetch_errors_staff_and_feeds_are_not_page_views(make_note, staff_client):
    note = make_note("Hello", slug="hello")
    url = note.get_absolute_url()
    ana = reader()
    ana.get(url)  # the one view
    ana.get(url)  # a hit, warm for the bots below
    reader(GOOGLEBOT).get(url)  # a crawler, from the cache
    reader(user_agent="").get(url)  # no user agent: no browser
    ana.head(url)
    ana.get(url, HTTP_SEC_PURPOSE="prefetch;prerender")
    ana.get(url, HTTP_PURPOSE="prefetch")
    ana.get(url, HTTP_X_MOZ="prefetch")
    assert ana.get("/notes/missing/").status_code == 404
    assert ana.get(url, HTTP_IF_NONE_MATCH=ana.get(url)["ETag"]).status_code == 304
    assert staff_client.get(url, HTTP_USER_AGENT=FIREFOX).status_code == 200  # the author
    ana.get("/account/login/")  # not a reader page
    for feed in ("/feed/", "/feed/atom/", "/feed/"):
        assert ana.get(feed).status_code == 200
    reader(user_agent="Feedly/1.0 (+http://www.feedly.com/fetcher.html)").get("/feed/")

    flush.flush()
    assert views() == {("/notes/hello/", ""): 3}
    totals = DailyTotals.objects.get()
    assert (totals.views, totals.visitors, totals.bots, totals.feed_fetches) == (3, 1, 2, 4)


def test_counting_is_off_without_the_setting(settings, make_note):
    settings.ANALYTICS_ENABLED = False
    reader().get(make_note(slug="hello").get_absolute_url())
    assert flush.flush() == 0
    assert not DailyTotals.objects.exists()


def test_nothing_that_identifies_a_reader_is_kept(make_note):
    url = make_note(slug="hello").get_absolute_url()
    address, agent = "203.0.113.99", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) UniqueAgent/7.7"
    for _ in range(2):
        reader(agent, address).get(url, HTTP_REFERER="https://news.example.org/item?id=1")
    client = redis_client()
    settle()
    stored_in_redis = b"".join(
        key + (client.dump(key) or b"") for key in client.scan_iter(match="analytics:*")
    )
    flush.flush()

    assert client.keys("analytics:salt:*") and client.keys("analytics:visitors:*")
    for key in client.scan_iter(match="analytics:*"):
        assert 0 < client.ttl(key) <= 2 * 24 * 3600  # the salt and the sketch: gone in 2 days
    rows = [
        *DailyPageViews.objects.values_list(),
        *DailyTotals.objects.values_list(),
        *FlushedBatch.objects.values_list("key"),
    ]
    stored_in_postgres = repr(rows).encode()
    for secret in (address.encode(), agent.encode(), b"UniqueAgent", b"item?id=1"):
        assert secret not in stored_in_redis
        assert secret not in stored_in_postgres
    salt = client.get(client.keys("analytics:salt:*")[0])
    assert salt.hex() not in stored_in_postgres.decode() and repr(salt) not in repr(rows)
    assert views() == {("/notes/hello/", "news.example.org"): 2}


@pytest.mark.parametrize(
    "query, referer, expected",
    [
        ("utm_source=Twitter", "https://google.com/", "twitter"),
        ("ref=ana@example.com", "https://www.bing.com/search", "bing.com"),  # not a word
        ("utm_source=" + "x" * 51, "", ""),  # too long
        ("ref=my-site.example_1", "", "my-site.example_1"),
        ("", "https://WWW.Example.ORG:8443/a?b=c", "example.org"),
        ("", "http://testserver/notes/x/", ""),  # the site itself
        ("", "not a url", ""),
        ("", "https://[broken/", ""),
    ],
)
def test_sources_are_short_words_or_domains(query, referer, expected):
    assert source_of(query, referer) == expected


def test_a_hundred_thousand_views_over_thirty_days_count_exactly(make_note):
    """100,000 views (and bots) over 30 simulated days through the counting function, flushed as
    time goes: exact counts per day, page and source; visitors within 3 standard errors."""
    make_note(slug="note-0")
    rng = random.Random(18)
    paths = [f"/notes/note-{i}/" for i in range(40)] + ["/", "/archive/", "/tags/"]
    sources = ["", "", "", "google.com", "news.ycombinator.com", "mastodon", "newsletter"]
    first = date(2026, 1, 1)
    expected, visitors_per_day, bots_per_day = Counter(), {}, {}
    total = 0
    client = redis_client()
    for offset in range(30):
        day = first + timedelta(days=offset)
        n_views = 100_000 // 30 + (1 if offset < 100_000 % 30 else 0)
        n_visitors = rng.randint(1_500, 3_000)
        visitors_per_day[day] = n_visitors
        bots_per_day[day] = rng.randint(0, 300)
        hits = [Hit("bot")] * bots_per_day[day] + [Hit("feed")] * 7
        for i in range(n_views):
            path, source = rng.choice(paths), rng.choice(sources)
            # Every visitor at least once, then at random: the same reader on different days.
            who = i if i < n_visitors else rng.randrange(n_visitors)
            hits.append(Hit("view", path, source, f"198.51.{who // 250}.{who % 250}\nUA".encode()))
            expected[(day, path, source)] += 1
        rng.shuffle(hits)
        for start in range(0, len(hits), 2_000):
            count(hits[start : start + 2_000], day=day)
            if start % 6_000 == 0:  # flushes land in the middle of days too
                flush.flush(client)
        total += n_views
    flush.flush(client)

    assert total == 100_000
    stored = Counter(
        {
            (r.day, r.path, r.source): r.views
            for r in DailyPageViews.objects.all().only("day", "path", "source", "views")
        }
    )
    assert stored == expected
    assert DailyPageViews.objects.filter(path="/notes/note-0/").exclude(note=None).exists()
    assert not DailyPageViews.objects.filter(path="/notes/note-1/").exclude(note=None).exists()
    errors = []
    for totals in DailyTotals.objects.order_by("day"):
        assert totals.views == sum(v for (d, _, _), v in expected.items() if d == totals.day)
        assert (totals.bots, totals.feed_fetches) == (bots_per_day[totals.day], 7)
        errors.append(
            abs(totals.visitors - visitors_per_day[totals.day]) / visitors_per_day[totals.day]
        )
    assert len(errors) == 30
    # Redis's HyperLogLog: 0.81 % standard error; every day within 3 of them.
    assert max(errors) < 3 * 0.0081, errors
    assert sum(errors) / len(errors) < 0.0081 * 1.5


def test_a_batch_is_added_once_whenever_the_flush_dies(make_note):
    """The flush renames a day's hash to a batch, commits it with its key, then deletes it."""
    client = redis_client()
    day = date(2026, 3, 1)
    count([Hit("view", "/", "", b"a")] * 3, day=day)
    settle()  # Redis has run what was sent (counting awaits no reply)
    batch = "analytics:batch:2026-03-01:died-before-commit"
    client.rename("analytics:views:2026-03-01", batch)
    flush.flush(client)  # the next flush finds the batch left in Redis
    assert DailyTotals.objects.get(day=day).views == 3

    count([Hit("view", "/", "", b"a")] * 2, day=day)
    settle()
    batch = "analytics:batch:2026-03-01:died-after-commit"
    client.rename("analytics:views:2026-03-01", batch)
    assert flush._apply(client, batch) == 2  # committed; then the process died: key still there
    assert client.exists(batch)
    flush.flush(client)
    assert not client.exists(batch)
    assert DailyTotals.objects.get(day=day).views == 5
    assert views() == {("/", ""): 5}


def test_the_flush_runs_the_same_queries_for_ten_or_five_hundred_pages(make_note):
    client = redis_client()
    counted = []
    for n_paths in (10, 500):
        day = date(2026, 4, 1) + timedelta(days=n_paths)
        count([Hit("view", f"/notes/n-{i}/", "", b"x") for i in range(n_paths)], day)
        with CaptureQueriesContext(connection) as queries:
            flush.flush(client)
        counted.append(len(queries))
    assert counted[0] == counted[1]
    assert DailyPageViews.objects.count() == 510


def test_old_days_keep_their_views_per_page_not_their_sources(settings, make_note):
    settings.ANALYTICS_RAW_DAYS = 30
    note = make_note(slug="hello")
    today = date(2026, 6, 1)
    old, recent = today - timedelta(days=31), today - timedelta(days=30)
    for day in (old, recent):
        flush.add_page_views(
            day,
            [
                ("/notes/hello/", "", note.pk, 5),
                ("/notes/hello/", "mail.some-company.example", note.pk, 1),
                ("/notes/hello/", "google.com", note.pk, 4),
                ("/", "", None, 7),
            ],
        )
        flush.add_totals(day, 17, 9, 3, 2)

    assert flush.fold_old_sources(today) == 4
    assert flush.fold_old_sources(today) == 0  # once
    rows = {(r.day, r.path, r.source, r.note_id, r.views) for r in DailyPageViews.objects.all()}
    assert rows == {
        (old, "/notes/hello/", "*", note.pk, 10),
        (old, "/", "*", None, 7),
        (recent, "/notes/hello/", "", note.pk, 5),
        (recent, "/notes/hello/", "mail.some-company.example", note.pk, 1),
        (recent, "/notes/hello/", "google.com", note.pk, 4),
        (recent, "/", "", None, 7),
    }
    assert [t.views for t in DailyTotals.objects.order_by("day")] == [17, 17]  # kept for good


def test_a_private_feed_counts_as_a_fetch_and_its_secret_address_is_kept_nowhere(
    django_user_model,
):
    user = make_reader("paid", django_user_model)
    feed, _ = PrivateFeed.objects.get_or_create(subscriber=Subscriber.objects.get(user=user))
    assert reader().get(f"/feed/private/{feed.token}/").status_code == 200
    settle()
    client = redis_client()
    in_redis = b"".join(
        key + (client.dump(key) or b"") for key in client.scan_iter(match="analytics:*")
    )
    assert feed.token.encode() not in in_redis

    flush_page_views.delay()  # the beat's task (eager in tests)
    assert not DailyPageViews.objects.exists()
    totals = DailyTotals.objects.get()
    assert (totals.views, totals.feed_fetches) == (0, 1)


def test_the_beat_runs_the_flush_every_minute_and_the_fold_daily(settings):
    schedule = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert schedule["analytics.tasks.flush_page_views"] == 60.0
    assert schedule["analytics.tasks.fold_old_page_views"] == 24 * 3600.0
    settings.ANALYTICS_RAW_DAYS = 0
    flush.add_page_views(date(2020, 1, 1), [("/", "google.com", None, 2)])
    fold_old_page_views.delay()
    assert views() == {("/", "*"): 2}
