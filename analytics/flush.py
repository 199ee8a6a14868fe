"""Moving the counts from Redis into PostgreSQL, exactly once, and folding old sources away.

A flush renames each day's views hash to a batch key first (RENAME is atomic: views counted from
then on start a new hash, none is lost), then adds the batch to DailyPageViews and DailyTotals
and records its key in FlushedBatch in one transaction, and only then deletes the batch from
Redis. A crash before the commit leaves the batch in Redis for the next flush; a crash after it
leaves a batch the next flush finds in FlushedBatch and just deletes. Either way each view is
added once. Views counted while Redis is unreachable are not counted (the page is still served).
"""

import uuid
from datetime import date, timedelta

import redis
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone

from notes.models import Note

from .counting import BOTS_FIELD, FEEDS_FIELD, PREFIX, redis_client, settle, visitors_key
from .models import DailyPageViews, DailyTotals, FlushedBatch

BATCH_PREFIX = f"{PREFIX}batch:"
# Sources of days older than ANALYTICS_RAW_DAYS are folded into this one (see fold_old_sources).
FOLDED_SOURCE = "*"


def _batch_day(key: str) -> date:
    return date.fromisoformat(key.removeprefix(BATCH_PREFIX).split(":")[0])


def flush(client=None) -> int:
    """Moves every day's counters into the tables; returns the number of views added."""
    client = client or redis_client()
    settle()  # what this process counted is in Redis (a no-op where nothing was counted)
    for key in client.scan_iter(match=f"{PREFIX}views:*"):
        day = key.decode().removeprefix(f"{PREFIX}views:")
        try:
            client.rename(key, f"{BATCH_PREFIX}{day}:{uuid.uuid4().hex}")
        except redis.ResponseError:  # gone since the scan: another flush took it
            continue
    added = 0
    for key in client.scan_iter(match=f"{BATCH_PREFIX}*"):
        key = key.decode()
        added += _apply(client, key)
        client.delete(key)
    return added


def _apply(client, key: str) -> int:
    day = _batch_day(key)
    counts = {field.decode(): int(value) for field, value in client.hgetall(key).items()}
    visitors = client.pfcount(visitors_key(day))  # the day's estimate so far (it only grows)
    bots, feeds = counts.pop(BOTS_FIELD, 0), counts.pop(FEEDS_FIELD, 0)
    rows = []
    for field, views in counts.items():
        path, _, source = field.rpartition("|")
        rows.append((path, source, views))
    notes = _notes_by_path({path for path, _, _ in rows})
    try:
        with transaction.atomic():
            FlushedBatch.objects.create(key=key)
            add_page_views(day, [(p, s, notes.get(p), v) for p, s, v in rows])
            add_totals(day, sum(v for _, _, v in rows), visitors, feeds, bots)
    except IntegrityError:
        return 0  # FlushedBatch has it: added before a crash, or by a concurrent flush
    return sum(v for _, _, v in rows)


def _notes_by_path(paths: set[str]) -> dict[str, int]:
    """The note each note page's path belongs to: one query for the whole batch."""
    slugs = {}
    for path in paths:
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if match.view_name == "notes:detail":
            slugs[match.kwargs["slug"]] = path
    found = Note.objects.filter(slug__in=slugs).values_list("slug", "pk")
    return {slugs[slug]: pk for slug, pk in found}


# The one place SQL is written by hand: Django's bulk_create(update_conflicts=True) can only
# replace a column, and these upserts add to it (tests/analytics/test_flush.py pins them).
def add_page_views(day: date, rows: list[tuple[str, str, int | None, int]]) -> None:
    """Adds (path, source, note id, views) to the day's rows, creating those that are missing."""
    table = DailyPageViews._meta.db_table
    sql = (
        f"INSERT INTO {table} (day, path, source, note_id, views) VALUES (%s, %s, %s, %s, %s) "
        "ON CONFLICT (day, path, source) DO UPDATE SET "
        f"views = {table}.views + excluded.views, "
        f"note_id = COALESCE(excluded.note_id, {table}.note_id)"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(day, p, s, n, v) for p, s, n, v in rows])


def add_totals(day: date, views: int, visitors: int, feeds: int, bots: int) -> None:
    table = DailyTotals._meta.db_table
    sql = (
        f"INSERT INTO {table} (day, views, visitors, feed_fetches, bots) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (day) DO UPDATE SET "
        f"views = {table}.views + excluded.views, "
        f"visitors = CASE WHEN excluded.visitors > {table}.visitors "
        f"THEN excluded.visitors ELSE {table}.visitors END, "
        f"feed_fetches = {table}.feed_fetches + excluded.feed_fetches, "
        f"bots = {table}.bots + excluded.bots"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, views, visitors, feeds, bots])


def fold_old_sources(today: date | None = None) -> int:
    """Days older than ANALYTICS_RAW_DAYS keep each page's views, not where they came from.

    A row like "one view of this note from mail.some-company.example on 3 May" could point at a
    person; a page's views per day cannot. Returns the number of rows folded.
    """
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=settings.ANALYTICS_RAW_DAYS)
    old = DailyPageViews.objects.filter(day__lt=cutoff).exclude(source=FOLDED_SOURCE)
    with transaction.atomic():
        sums: dict[tuple[date, str], list] = {}
        for day, path, note_id, views in old.values_list("day", "path", "note_id", "views"):
            entry = sums.setdefault((day, path), [note_id, 0])
            entry[0] = entry[0] or note_id
            entry[1] += views
        folded = old.delete()[0]
        by_day: dict[date, list] = {}
        for (day, path), (note_id, views) in sums.items():
            by_day.setdefault(day, []).append((path, FOLDED_SOURCE, note_id, views))
        for day, rows in by_day.items():
            add_page_views(day, rows)
        # Batches are needed only until their Redis key is gone (the next flush).
        FlushedBatch.objects.filter(flushed_at__lt=timezone.now() - timedelta(days=7)).delete()
    return folded
