"""What a note's comments fragment costs per request, with 10 and with 200 comments.

    DATABASE_URL=postgres://…/db REDIS_URL=redis://…/n .venv/bin/python bench/comments.py
        [--requests 300]

In one process, through Django's test client (the whole middleware stack, sessions, CSRF), on
the PostgreSQL database and Redis named in the environment (migrated first; its rows stay
untouched: the bench's own note is deleted at the end). For an anonymous reader and a signed-in
member it prints the median milliseconds per request (wall, and this process's CPU: steadier on a
shared machine) and the number of SQL queries, which must
not change with the number of comments (rule constant-sql).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "solo.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnop")
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")  # the test client speaks plain HTTP
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from billing.sync import ensure_user  # noqa: E402
from comments.models import Comment  # noqa: E402
from newsletter.models import Subscriber  # noqa: E402
from notes.models import Note  # noqa: E402

FRAGMENT = {"X-Solo-Fragment": "1"}


def add_comments(note, readers, count: int) -> None:
    """`count` published comments, every other one a reply to the first."""
    have = Comment.objects.filter(note=note).count()
    top = Comment.objects.filter(note=note, parent=None).first()
    rows = []
    for i in range(have, count):
        body = f"Comment {i}: a *short* remark with a [link](https://example.com) and `code`."
        rows.append(
            Comment(
                note=note,
                parent=top if (top and i % 2) else None,
                subscriber=readers[i % len(readers)],
                body=body,
                body_html=f"<p>{body}</p>",
                status="published",
            )
        )
    Comment.objects.bulk_create(rows)


def measure(client, url, requests: int) -> tuple[float, float, int]:
    """Median wall and CPU (this thread's) milliseconds per request, and the SQL queries."""
    client.get(url, headers=FRAGMENT)  # warm: the comment settings come from the cache after
    queries = []
    with connection.execute_wrapper(lambda run, sql, *a: queries.append(sql) or run(sql, *a)):
        response = client.get(url, headers=FRAGMENT)
    assert response.status_code == 200, response.status_code
    walls, cpus = [], []
    for _ in range(requests):
        wall, cpu = time.perf_counter(), time.thread_time()
        client.get(url, headers=FRAGMENT)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.thread_time() - cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000, len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    note = Note(title="Bench comments", slug="bench-comments", body="Text.", status="published")
    note.save()
    readers = [
        Subscriber.objects.create(email=f"bench-commenter-{i}@example.com", name=f"R{i}")
        for i in range(20)
    ]
    member = Subscriber.objects.create(email="bench-member@example.com", status="active")
    signed_in = Client()
    signed_in.force_login(ensure_user(member))
    url = f"/notes/{note.slug}/comments/"
    try:
        print(f"{'comments':>8} {'reader':>10} {'wall ms':>8} {'CPU ms':>8} {'queries':>7}")
        for count in (10, 200):
            add_comments(note, readers, count)
            for name, client in (("anonymous", Client()), ("member", signed_in)):
                wall, cpu, queries = measure(client, url, args.requests)
                print(f"{count:>8} {name:>10} {wall:>8.1f} {cpu:>8.1f} {queries:>7}")
    finally:
        note.delete()
        for subscriber in [*readers, member]:
            if subscriber.user_id:
                subscriber.user.delete()
            subscriber.delete()


if __name__ == "__main__":
    main()
