"""In Chromium: the author reads the analytics (dashboard, a note's statistics, an issue's outcome).

A year of made-up traffic with a weekly rhythm and a launch spike is written into the daily
tables; the pictures land in var/screenshots/<this test>/ (the closing note's screenshots). The
test checks what the author notices: the chart drawn at its size, the tables filled, nothing
wider than the window, and no serious axe-core violation.
"""

import math
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from analytics.models import DailyPageViews, DailyTotals
from billing.models import Customer, Subscription
from newsletter.models import Click, Delivery, Issue, Subscriber
from notes.models import Note

from .conftest import AXE, serious

SOURCES = [
    ("", 0.35),
    ("google.com", 0.25),
    ("news.ycombinator.com", 0.15),
    ("newsletter", 0.12),
    ("mastodon.social", 0.08),
    ("someblog.example", 0.05),
]


def _axe_in(page, selector: str) -> list[dict]:
    """axe-core's violations inside one part of the page (the setup checklist above is not ours).

    Loaded as tests/e2e/conftest.py's axe_violations does: evaluated, as the CSP refuses inline."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text())
    return page.evaluate(
        """async (selector) => {
            const result = await axe.run(selector, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")),
            }));
        }""",
        selector,
    )


def _traffic(notes) -> None:
    today = timezone.localdate()
    rows, totals = [], []
    for d in range(365):
        day = today - timedelta(days=d)
        weekly = 1 + 0.3 * math.sin(2 * math.pi * day.weekday() / 7)
        spike = 6 if d in (12, 13) else 1
        views = 0
        for i, note in enumerate(notes):
            if day < timezone.localdate(note.published_at):
                continue
            base = int(180 * weekly * spike / (i + 1))
            for source, share in SOURCES:
                n = int(base * share)
                if n:
                    rows.append(
                        DailyPageViews(
                            day=day, path=note.get_absolute_url(), note=note, source=source, views=n
                        )
                    )
                    views += n
        totals.append(
            DailyTotals(day=day, views=views, visitors=int(views * 0.62), feed_fetches=90, bots=40)
        )
    DailyPageViews.objects.bulk_create(rows)
    DailyTotals.objects.bulk_create(totals)


def _readers(notes) -> Issue:
    now = timezone.now()
    readers = []
    for i in range(60):
        source = SOURCES[i % len(SOURCES)][0]
        reader = Subscriber.objects.create(
            email=f"reader{i}@example.com",
            status="active",
            signup_note=notes[i % 3],
            signup_source=source,
            confirmed_at=now,
        )
        Subscriber.objects.filter(pk=reader.pk).update(created_at=now - timedelta(days=i % 80))
        readers.append(reader)
    for i, reader in enumerate(readers[::4]):
        customer = Customer.objects.create(stripe_id=f"cus_s{i}", subscriber=reader)
        Subscription.objects.create(
            stripe_id=f"sub_s{i}",
            customer=customer,
            subscriber=reader,
            status="active",
            amount=800 if i % 2 else 8000,
            currency="eur",
            interval="month" if i % 2 else "year",
            stripe_created=now - timedelta(days=i * 5 + 1),
            state_at=now,
        )
    issue = Issue.objects.create(
        note=notes[0], status="sent", started_at=now - timedelta(days=12), finished_at=now
    )
    sent_at = now - timedelta(days=12)
    deliveries = Delivery.objects.bulk_create(
        Delivery(issue=issue, subscriber=r, status="sent", sent_at=sent_at) for r in readers
    )
    # Two clickers then pay within the week; two readers leave the next day; one address bounced.
    for delivery in [*deliveries[::3], deliveries[4], deliveries[8]]:
        Click.objects.create(
            issue=issue,
            delivery=delivery,
            url=f"{notes[0].get_absolute_url()}",
            clicked_at=sent_at + timedelta(hours=3),
        )
    Subscriber.objects.filter(pk__in=[r.pk for r in readers[58:]]).update(
        status="unsubscribed", unsubscribed_at=sent_at + timedelta(days=1)
    )
    Delivery.objects.filter(pk=deliveries[57].pk).update(status="failed")
    return issue


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_author_reads_the_analytics(page, live_server, shots, make_note):
    notes = [
        make_note(title, slug=slug, published_at=timezone.now() - timedelta(days=days))
        for title, slug, days in [
            ("Tokens cost more in French", "tokens-french", 300),
            ("A year of self-hosting", "self-hosting", 120),
            ("Notes on pricing a newsletter", "pricing", 40),
        ]
    ]
    _traffic(notes)
    issue = _readers(notes)
    note = Note.objects.get(slug="self-hosting")
    get_user_model().objects.create_user("author", password="pw-author-1", is_staff=True)
    get_user_model().objects.filter(username="author").update(is_superuser=True)

    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("author")
    page.get_by_label("Password").fill("pw-author-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")

    page.goto(live_server.url + "/admin/?days=90#dash-traffic")
    chart = page.get_by_role("img", name="Views and visitors per day, last 90 days")
    assert chart.bounding_box()["height"] > 100
    assert page.locator("#dash-top-notes tbody tr").count() == 3
    assert page.locator("#dash-top-sources tbody tr").count() == len(SOURCES)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert serious(_axe_in(page, "#dash-traffic")) == []
    page.locator("#dash-traffic").screenshot(path=str(shots.folder / "dashboard-analytics.png"))
    shots("dashboard")

    page.get_by_role("link", name="A year of self-hosting").first.click()
    page.wait_for_url(f"**/admin/analytics/notes/{note.pk}/")
    assert page.get_by_role("img", name="Views per day since", exact=False).is_visible()
    assert page.locator("#note-sources tbody tr").count() == len(SOURCES)
    assert serious(_axe_in(page, "#content-main")) == []
    shots("note-statistics")

    page.goto(live_server.url + f"/admin/newsletter/issue/{issue.pk}/change/")
    assert page.locator("#outcome-delivered").inner_text() == "59"
    assert page.locator("#outcome-clickers").inner_text() == "22"
    assert page.locator("#outcome-unsubscribed").inner_text() == "2"
    assert page.locator("#outcome-paid-after-click").inner_text() == "2"
    assert serious(_axe_in(page, "#issue-outcome")) == []
    page.locator("#issue-outcome").screenshot(path=str(shots.folder / "issue-outcome.png"))
