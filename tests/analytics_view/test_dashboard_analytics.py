"""The author's view of the analytics: what the dashboard, a note's page and the exports show.

Page views are written straight into the daily tables (the counting is tested apart); every
figure below can be worked out by hand from the rows each test writes.
"""

import csv
import io
import re
from datetime import timedelta
from itertools import count

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from analytics.models import DailyPageViews, DailyTotals
from billing.models import Customer, Subscription
from newsletter.models import Click, Delivery, Issue, Subscriber
from solo.dashboard.traffic import source_group

pytestmark = pytest.mark.django_db
_serial = count(1)


def _today():
    return timezone.localdate()


def _views(note, days_ago, source, views, path=None):
    DailyPageViews.objects.create(
        day=_today() - timedelta(days=days_ago),
        path=path or note.get_absolute_url(),
        note=note,
        source=source,
        views=views,
    )


def _reader(note=None, signup_source="", days_ago=3, **fields):
    reader = Subscriber.objects.create(
        email=f"r{next(_serial)}@example.com",
        status="active",
        signup_note=note,
        signup_source=signup_source,
        confirmed_at=timezone.now(),
        **fields,
    )
    Subscriber.objects.filter(pk=reader.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    return reader


def _pays(reader, amount=500, interval="month", days_ago=2, status="active"):
    n = next(_serial)
    customer = Customer.objects.create(stripe_id=f"cus_a{n}", subscriber=reader)
    return Subscription.objects.create(
        stripe_id=f"sub_a{n}",
        customer=customer,
        subscriber=reader,
        status=status,
        amount=amount,
        currency="eur",
        interval=interval,
        stripe_created=timezone.now() - timedelta(days=days_ago),
        state_at=timezone.now(),
    )


def _cell_numbers(html: str, table_id: str) -> list[list[str]]:
    table = html[html.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in rows
    ]


def test_sources_are_grouped_by_domain_and_keep_it():
    assert source_group("") == "direct"
    assert source_group("www.google.com") == "search"
    assert source_group("google.fr") == "search"
    assert source_group("duckduckgo.com") == "search"
    assert source_group("news.ycombinator.com") == "social"
    assert source_group("t.co") == "social"
    assert source_group("old.reddit.com") == "social"
    assert source_group("newsletter") == "newsletter"
    assert source_group("mail.google.com") == "newsletter"
    assert source_group("someblog.example") == "other"
    assert source_group("notgoogle.example") == "other"
    assert source_group("*") == "folded"  # days past ANALYTICS_RAW_DAYS keep no source


def test_the_dashboard_shows_views_visitors_top_notes_sources_and_what_they_brought(
    admin_client, make_note
):
    essay = make_note("The essay", slug="essay")
    howto = make_note("How to", slug="how-to")
    for days_ago in range(30):
        DailyTotals.objects.create(
            day=_today() - timedelta(days=days_ago), views=100, visitors=40, feed_fetches=7, bots=3
        )
    DailyTotals.objects.create(day=_today() - timedelta(days=60), views=5000, visitors=900)
    _views(essay, 1, "www.google.com", 300)
    _views(essay, 2, "news.ycombinator.com", 500)
    _views(howto, 1, "", 120)
    _views(howto, 60, "t.co", 9000)  # outside 30 days, inside 90
    # Sign-ups: 2 from the essay (one via hn, who pays 5 €/month; one via google), 1 from how-to.
    _pays(_reader(essay, "news.ycombinator.com"))
    _reader(essay, "www.google.com")
    _reader(howto)
    _pays(_reader(howto, "t.co", days_ago=70), 6000, "year", days_ago=65)  # outside 30 days

    html = admin_client.get(reverse("admin:index")).content.decode()
    assert '<dd id="dash-views">3000</dd>' in html
    assert '<dd id="dash-visitors">40</dd>' in html
    assert '<dd id="dash-feed-fetches">210</dd>' in html
    assert "Views and visitors per day, last 30 days" in html
    assert _cell_numbers(html, "dash-top-notes") == [
        ["The essay", "800", "2", "1", "5.00"],
        ["How to", "120", "1", "0", "0.00"],
    ]
    assert _cell_numbers(html, "dash-brought-notes")[0] == ["The essay", "2", "1", "5.00"]
    assert _cell_numbers(html, "dash-top-sources") == [
        ["news.ycombinator.com", "social", "500", "1", "1", "5.00"],
        ["www.google.com", "search", "300", "1", "0", "0.00"],
        ["(direct or unknown)", "direct", "120", "1", "0", "0.00"],
    ]
    assert "Search: 300 · Social: 500 · Newsletter: 0" in html
    assert reverse("admin:analytics_note", args=[essay.pk]) in html

    assert "Not kept" not in html

    # The 90-day view takes in the older rows; a period that is not offered falls back to 30.
    _views(essay, 80, "*", 40)  # an old day, its sources folded away by the counting
    html = admin_client.get(reverse("admin:index") + "?days=90").content.decode()
    assert '<dd id="dash-views">8000</dd>' in html
    assert '<dd id="dash-visitors">68</dd>' in html  # (30 × 40 + 900) / 31 days counted
    assert _cell_numbers(html, "dash-top-notes")[0] == ["How to", "9120", "2", "1", "5.00"]
    assert ["(older days: sources not kept)", "not kept", "40", "0", "0", "0.00"] in (
        _cell_numbers(html, "dash-top-sources")
    )
    assert "Not kept: 40" in html
    for bad in ("7", "abc", "-1", "9" * 40):
        page = admin_client.get(reverse("admin:index"), {"days": bad})
        assert page.status_code == 200
        assert '<dd id="dash-views">3000</dd>' in page.content.decode()


def test_a_notes_statistics_page_is_one_click_from_the_note(admin_client, staff_client, make_note):
    note = make_note("The essay", slug="essay", published_at=timezone.now() - timedelta(days=4))
    other = make_note("Other", slug="other")
    change = admin_client.get(reverse("admin:notes_note_change", args=[note.pk])).content.decode()
    url = reverse("admin:analytics_note", args=[note.pk])
    assert f'<a href="{url}">Statistics</a>' in change
    new = admin_client.get(reverse("admin:notes_note_add"))
    assert new.status_code == 200 and "Statistics</a>" not in new.content.decode()

    _views(note, 0, "www.google.com", 30)
    _views(note, 2, "news.ycombinator.com", 70)
    _views(other, 1, "t.co", 999)
    _pays(_reader(note, "news.ycombinator.com"))
    _pays(_reader(note, source=Subscriber.Source.CHECKOUT), days_ago=40)  # paid at once, then left
    Subscription.objects.filter(subscriber__source="checkout").update(
        status="canceled", canceled_at=timezone.now()
    )
    _reader(note)
    _reader(other)
    paying_reader = _reader(None)
    _pays(paying_reader)
    issue = Issue.objects.create(note=note, status="sent", started_at=timezone.now())
    free_reader = _reader(None)
    sent = [
        Delivery.objects.create(issue=issue, subscriber=r, status="sent", sent_at=timezone.now())
        for r in (paying_reader, free_reader)
    ]
    Click.objects.create(issue=issue, delivery=sent[1], url="https://example.org/a")
    Click.objects.create(issue=issue, delivery=sent[1], url="https://example.org/b")

    page = admin_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    for key, value in {
        "views": 100,
        "signups": 3,
        "confirmed": 3,
        "paid": 2,  # one still paying, one who paid at checkout and canceled
        "upgrades": 1,  # the one who subscribed free first
        "paying": 1,
        "mrr": "5.00",
        "sent": 2,
        "reach-free": 1,
        "reach-paid": 1,
        "clicks": 2,
        "clickers": 1,
    }.items():
        assert f'<dd id="note-{key}">{value}</dd>' in html, key
    assert _cell_numbers(html, "note-sources") == [
        ["news.ycombinator.com", "social", "70"],
        ["www.google.com", "search", "30"],
    ]
    # Views by day since publication: five days, the oldest first.
    chart = html[html.index('class="dash-svg"') :]
    assert re.findall(r'data-value="(\d+)"', chart) == ["0", "0", "70", "0", "30"]
    assert admin_client.get(reverse("admin:analytics_note", args=[999999])).status_code == 404
    assert staff_client.get(url).status_code == 403  # staff who may not see notes


def test_an_issue_shows_its_outcome_and_the_revenue_that_followed_a_click(admin_client, make_note):
    now = timezone.now()
    issue = Issue.objects.create(
        note=make_note("Sent"), status="sent", started_at=now - timedelta(days=10)
    )
    sent_at = now - timedelta(days=10)

    def deliver(status="sent", **fields):
        reader = _reader(None, **fields)
        return Delivery.objects.create(
            issue=issue, subscriber=reader, status=status, sent_at=sent_at
        )

    clicker, late_payer, other = deliver(), deliver(), deliver()
    left = deliver()
    Subscriber.objects.filter(pk=left.subscriber_id).update(
        status="unsubscribed", unsubscribed_at=sent_at + timedelta(days=1)
    )
    long_after = deliver()  # left a month later: not this issue's doing
    Subscriber.objects.filter(pk=long_after.subscriber_id).update(
        status="unsubscribed", unsubscribed_at=sent_at + timedelta(days=9)
    )
    spam = deliver()
    Subscriber.objects.filter(pk=spam.subscriber_id).update(
        status="complained", unsubscribed_at=sent_at + timedelta(hours=2)
    )
    deliver("failed")
    deliver("failed")
    for delivery, url in [(clicker, "a"), (clicker, "b"), (late_payer, "a"), (other, "a")]:
        Click.objects.create(
            issue=issue,
            delivery=delivery,
            url=f"https://example.org/{url}",
            clicked_at=sent_at + timedelta(hours=1),
        )
    _pays(clicker.subscriber, 500, days_ago=8)  # 2 days after the click
    _pays(late_payer.subscriber, 5000, "year", days_ago=1)  # 9 days after: not counted
    _pays(_reader(None), 700, days_ago=8)  # paid without clicking: not counted

    html = admin_client.get(
        reverse("admin:newsletter_issue_change", args=[issue.pk])
    ).content.decode()
    panel = html[
        html.index('id="issue-outcome"') : html.index(
            "</section>", html.index('id="issue-outcome"')
        )
    ]
    for key, value in {
        "delivered": 6,
        "clickers": 3,
        "clicks": 4,
        "unsubscribed": 1,
        "bounced": 2,
        "complained": 1,
        "paid-after-click": 1,
    }.items():
        assert f'<dd id="outcome-{key}">{value}</dd>' in panel, key
    assert '<dd class="outcome-revenue">5.00</dd>' in panel
    assert "First payments (EUR)" in panel


def test_the_exports_are_formula_safe_csv_for_staff_with_the_permission(
    admin_client, staff_client, client, make_note
):
    note = make_note("=HYPERLINK(1)", slug="tricky")
    _views(note, 1, "=cmd", 12)
    _views(note, 0, "www.google.com", 30)
    _pays(_reader(note))

    response = admin_client.get(reverse("admin:analytics_export_daily"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    day = (_today() - timedelta(days=1)).isoformat()
    assert rows[0] == ["day", "path", "note", "source", "source_group", "views"]
    assert rows[1] == [day, note.get_absolute_url(), "tricky", "'=cmd", "other", "12"]
    assert rows[2][3:] == ["www.google.com", "search", "30"]
    # The dashboard's link exports its period only; a period not offered is the default one.
    _views(note, 45, "old.example", 5)
    for query, expected in [("", 4), ("?days=30", 3), ("?days=90", 4), ("?days=oops", 3)]:
        response = admin_client.get(reverse("admin:analytics_export_daily") + query)
        assert response.status_code == 200
        assert len(b"".join(response.streaming_content).decode().splitlines()) == expected, query

    response = admin_client.get(reverse("admin:analytics_export_notes"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][-1] == "mrr_eur"
    assert rows[1][:2] == ["tricky", "'=HYPERLINK(1)"]
    assert rows[1][3:] == ["47", "1", "1", "1", "5.00"]

    # Readers never get it; staff need the permission to view page views.
    assert client.get(reverse("admin:analytics_export_daily")).status_code == 302
    assert staff_client.get(reverse("admin:analytics_export_daily")).status_code == 403
    author = staff_client.get(reverse("admin:index")).wsgi_request.user
    author.user_permissions.add(Permission.objects.get(codename="view_dailypageviews"))
    assert staff_client.get(reverse("admin:analytics_export_notes")).status_code == 200


def test_the_demo_gives_the_analytics_something_to_show(admin_client):
    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)  # made once, with the list
    html = admin_client.get(reverse("admin:index") + "?days=90").content.decode()
    assert int(re.search(r'id="dash-views">(\d+)<', html).group(1)) > 1000
    notes = _cell_numbers(html, "dash-top-notes")
    assert len(notes) == 4 and all(int(row[1]) > 0 for row in notes)
    assert sum(int(row[2]) for row in notes) > 0  # sign-ups credited to notes
    sources = [row[0] for row in _cell_numbers(html, "dash-top-sources")]
    assert sources[:2] == ["(direct or unknown)", "google.com"]
