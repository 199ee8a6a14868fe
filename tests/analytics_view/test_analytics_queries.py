"""rule constant-sql: the dashboard's and a note's statistics page's SQL do not grow with traffic.

Views are kept per day, path and source, so "a million views" is the views column, and a busy
year is many rows: 365 days × 50 paths × 2 sources here.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analytics.models import DailyPageViews, DailyTotals
from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _year_of_traffic(notes, views_per_row: int) -> None:
    today = timezone.localdate()
    paths = [note.get_absolute_url() for note in notes] + [f"/tag/t{i}/" for i in range(40)]
    DailyPageViews.objects.bulk_create(
        DailyPageViews(
            day=today - timedelta(days=d),
            path=path,
            note=notes[i] if i < len(notes) else None,
            source=source,
            views=views_per_row,
        )
        for d in range(365)
        for i, path in enumerate(paths)
        for source in ("", f"site{i}.example")
    )
    DailyTotals.objects.bulk_create(
        DailyTotals(day=today - timedelta(days=d), views=views_per_row * 100, visitors=d)
        for d in range(365)
    )
    Subscriber.objects.bulk_create(
        Subscriber(email=f"s{i}@example.com", signup_note=notes[i % 10], signup_source=f"site{i}")
        for i in range(200)
    )


def test_the_dashboard_and_a_notes_page_ask_the_same_queries_for_1000_and_1000000_views(
    admin_client, make_note
):
    notes = [make_note(f"Note {i}", slug=f"note-{i}") for i in range(10)]
    DailyPageViews.objects.create(
        day=timezone.localdate(), path=notes[0].get_absolute_url(), note=notes[0], views=1000
    )
    pages = [reverse("admin:index") + f"?days={days}" for days in (30, 90, 365)]
    pages.append(reverse("admin:analytics_note", args=[notes[0].pk]))
    for url in pages:
        admin_client.get(url)  # warm the session and content types
    few = [_queries(admin_client, url) for url in pages]

    DailyPageViews.objects.all().delete()
    _year_of_traffic(notes, views_per_row=1_000_000 // 365)
    assert DailyPageViews.objects.count() == 365 * 50 * 2
    many = [_queries(admin_client, url) for url in pages]
    assert many == few
    html = admin_client.get(pages[2]).content.decode()
    assert f'<dd id="dash-views">{1_000_000 // 365 * 100 * 365}</dd>' in html
