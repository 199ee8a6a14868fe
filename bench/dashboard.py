"""Time the author's dashboard (/admin/) with 100,000 subscribers. Run by hand, not in CI:

    .venv/bin/python bench/dashboard.py [--subscribers 100000] [--runs 5]

Needs PostgreSQL on 127.0.0.1. Loads, once, into the database `solo_dash_bench`: N subscribers
(all statuses, sign-ups spread over 400 days), N/10 Stripe subscriptions (monthly and yearly,
some cancelled), N/100 comps, 10 sent issues with a delivery per active subscriber (1 in 50
failed). Then renders /admin/ as a signed-in superuser and prints the render time (median of
--runs, after one warm-up) and the number of SQL queries.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    DJANGO_SETTINGS_MODULE="solo.settings",
    DEBUG="false",
    SECRET_KEY="bench-only-secret-key-0123456789abcdefghijklmnop",
    SECURE_SSL_REDIRECT="false",
    ALLOWED_HOSTS="testserver",
    DATABASE_URL="postgres://postgres@127.0.0.1:5432/solo_dash_bench",
    LOG_LEVEL="ERROR",
)
os.environ.pop("REDIS_URL", None)

LOAD = """
INSERT INTO newsletter_subscriber
    (email, name, status, source, language, created_at, hard_bounces, imported)
SELECT 'bench' || i || '@example.com', '',
       (ARRAY['active','active','active','active','active','active','pending','unsubscribed',
              'bounced','active'])[1 + i %% 10],
       'import', 'en', now() - (i %% 400) * interval '1 day' - (i %% 24) * interval '1 hour', 0,
       '{}'
FROM generate_series(1, %(n)s) AS i;

INSERT INTO billing_customer (stripe_id, subscriber_id, email, created_at)
SELECT 'cus_bench' || s.id, s.id, s.email, now()
FROM newsletter_subscriber s WHERE s.id %% 10 = 0;

INSERT INTO billing_subscription
    (stripe_id, customer_id, subscriber_id, status, price_id, amount, currency, interval,
     cancel_at_period_end, canceled_at, stripe_created, state_at, updated_at)
SELECT 'sub_bench' || c.id, c.id, c.subscriber_id,
       CASE WHEN c.id %% 7 = 0 THEN 'canceled' ELSE 'active' END, '',
       CASE WHEN c.id %% 3 = 0 THEN 5000 ELSE 500 END, 'eur',
       CASE WHEN c.id %% 3 = 0 THEN 'year' ELSE 'month' END, false,
       CASE WHEN c.id %% 7 = 0 THEN now() - (c.id %% 200) * interval '1 day' END,
       now() - (200 + c.id %% 200) * interval '1 day', now(), now()
FROM billing_customer c;

INSERT INTO billing_comp (subscriber_id, until, note, created_at)
SELECT s.id, NULL, 'bench', now() - interval '30 days'
FROM newsletter_subscriber s WHERE s.id %% 100 = 1;

INSERT INTO newsletter_issue
    (subject, body, audience, status, scheduled_at, started_at, finished_at,
     recipients_count, created_at)
SELECT 'Bench issue ' || k, '', 'all', 'sent', now() - k * interval '7 days',
       now() - k * interval '7 days', now() - k * interval '7 days', 0, now()
FROM generate_series(1, 10) AS k;

INSERT INTO newsletter_delivery
    (issue_id, subscriber_id, status, attempts, last_error, queued_at, sent_at, message_id)
SELECT i.id, s.id, CASE WHEN s.id %% 50 = 0 THEN 'failed' ELSE 'sent' END, 1, '', now(),
       now(), ''
FROM newsletter_issue i CROSS JOIN newsletter_subscriber s WHERE s.status = 'active';
ANALYZE;
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    import psycopg
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from newsletter.models import Delivery, Subscriber

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as pg:
        if not pg.execute("SELECT 1 FROM pg_database WHERE datname='solo_dash_bench'").fetchone():
            pg.execute("CREATE DATABASE solo_dash_bench")
    call_command("migrate", verbosity=0)
    if Subscriber.objects.count() != args.subscribers:
        print(f"loading {args.subscribers:,} subscribers…", flush=True)
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE newsletter_subscriber, newsletter_issue, billing_customer CASCADE"
            )
            cursor.execute(LOAD, {"n": args.subscribers})
    user = get_user_model().objects.filter(username="bench").first()
    if user is None:
        user = get_user_model().objects.create_superuser("bench", "bench@example.com", "bench")

    setup_test_environment()
    client = Client()
    client.force_login(user)
    client.get("/admin/")  # warm-up: templates, content types, connection
    timings = []
    for _run in range(args.runs):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get("/admin/")
            timings.append(time.perf_counter() - start)
        assert response.status_code == 200, response.status_code
    in_sql = sum(float(q["time"]) for q in queries.captured_queries)
    print(
        f"subscribers={Subscriber.objects.count():,} deliveries={Delivery.objects.count():,}\n"
        f"/admin/ render: median {statistics.median(timings) * 1000:.0f} ms, "
        f"best {min(timings) * 1000:.0f} ms over {args.runs} runs; "
        f"{len(queries)} SQL queries, {in_sql * 1000:.0f} ms in SQL (last run). Slowest:"
    )
    for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:4]:
        print(f"  {float(query['time']) * 1000:5.0f} ms  {query['sql'][:110]}")


if __name__ == "__main__":
    main()
