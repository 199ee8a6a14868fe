"""Time the topic-targeted audience with many readers and choices. Run by hand, not in CI:

    .venv/bin/python bench/topics.py [--subscribers 50000] [--runs 5] [--database NAME]

Needs PostgreSQL on 127.0.0.1. Loads, once, into the database `solo_topics_bench` (or NAME): N
active subscribers, half taking every topic and half having chosen 3 of 10 topics, each topic tied
to one tag, and a note carrying one topic's tag. Prints, for an issue to everyone and an issue of
that note (its topics), the audience snapshot's reader ids (best of --runs) and
`audience_counts()`, then the dashboard's `audience_per_topic()`, each with its SQL queries.
"""

import argparse
import os
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
    LOG_LEVEL="ERROR",
)
os.environ.pop("REDIS_URL", None)


def timed(function, runs: int):
    """(best seconds, result, queries) of `function` over `runs` runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    best, result, queries = None, None, 0
    for _run in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = function()
            elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
        queries = len(captured)
    return best, result, queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", default="solo_topics_bench")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.database}"

    import django

    django.setup()
    import psycopg
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from newsletter import dispatch, topics
    from newsletter.models import Issue, Subscriber, Topic
    from notes.models import Note, Tag

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as pg:
        found = "SELECT 1 FROM pg_database WHERE datname = %s"
        if not pg.execute(found, [args.database]).fetchone():
            pg.execute(f'CREATE DATABASE "{args.database}"')
    call_command("migrate", verbosity=0)
    if Subscriber.objects.count() != args.subscribers:
        print(f"loading {args.subscribers:,} subscribers…", flush=True)
        Subscriber.objects.all().delete()
        Topic.objects.all().delete()
        Note.objects.filter(slug="bench-topics").delete()
        every = [Topic.objects.create(name=f"Topic {i}", slug=f"topic-{i}") for i in range(10)]
        for i, topic in enumerate(every):
            topic.tags.add(Tag.named(f"bench-tag-{i}"))
        readers = Subscriber.objects.bulk_create(
            (
                Subscriber(email=f"bench{i}@example.com", status="active", all_topics=i % 2 == 0)
                for i in range(args.subscribers)
            ),
            batch_size=5000,
        )
        choice = Subscriber.topics.through
        choice.objects.bulk_create(
            (
                choice(subscriber_id=reader.pk, topic_id=every[(reader.pk + k) % 10].pk)
                for reader in readers[1::2]
                for k in range(3)
            ),
            batch_size=5000,
        )
        note = Note.objects.create(
            title="Bench",
            slug="bench-topics",
            body="Bench.",
            status=Note.Status.PUBLISHED,
            visibility="public",
            published_at=timezone.now(),
        )
        note.tags.add(Tag.named("bench-tag-3"))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    note = Note.objects.get(slug="bench-topics")
    for targeting in (Issue.Targeting.ALL, Issue.Targeting.NOTE):
        issue = Issue(note=note, targeting=targeting)
        seconds, ids, queries = timed(
            lambda issue=issue: list(dispatch.audience(issue).values_list("pk", flat=True)),
            args.runs,
        )
        print(
            f"{targeting:>5}: snapshot of {len(ids):,} readers",
            f"{seconds * 1000:.0f} ms, {queries} query",
        )
        seconds, counts, queries = timed(
            lambda issue=issue: dispatch.audience_counts(issue), args.runs
        )
        print(f"       audience_counts ({counts.total:,}) {seconds * 1000:.0f} ms, {queries} query")
    seconds, rows, queries = timed(topics.audience_per_topic, args.runs)
    print(f"audience_per_topic ({len(rows)} topics) {seconds * 1000:.0f} ms, {queries} query")


if __name__ == "__main__":
    main()
