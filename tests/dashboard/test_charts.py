"""The charts are drawn on the server as accessible SVG, with the data points the figures imply."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Comp, Subscription
from newsletter.models import Issue
from solo.dashboard import figures

from .data import known_data_set, subscriber, subscription

pytestmark = pytest.mark.django_db


def _chart(page: str, caption: str) -> str:
    start = page.index(f"<figcaption>{caption}</figcaption>")
    return page[start : page.index("</figure>", start)]


def _values(chart: str, css_class: str = "dash-bar--") -> list[int]:
    return [
        int(v)
        for v in re.findall(rf'class="dash-bar {css_class}[^"]*"[^>]*data-value="(\d+)"', chart)
    ]


def test_signups_per_day_over_90_days(admin_client):
    known_data_set()
    page = admin_client.get(reverse("admin:index")).content.decode()
    chart = _chart(page, "New subscribers per day, last 90 days")

    values = _values(chart)
    assert len(values) == 90
    # Days ago → sign-ups in the known data set (older ones fall outside the window).
    expected = {0: 2, 2: 1, 3: 1, 5: 1, 40: 4, 50: 2}
    assert {89 - i: v for i, v in enumerate(values) if v} == expected
    assert 'role="img"' in chart and "<title>New subscribers per day, last 90 days</title>" in chart
    assert "<desc>" in chart
    # The same numbers, as a table for screen readers.
    assert chart.count('<tr><th scope="row">') == 90
    assert 'class="visually-hidden dash-data"' in chart
    assert "style=" not in chart and "<script" not in chart


def test_paid_readers_and_mrr_per_month_follow_starts_cancels_and_comps(admin_client):
    starts = figures._month_starts(timezone.now())
    day = timedelta(days=1)
    # A monthly 10 EUR reader from before the window, cancelled just after month 6 started.
    monthly = subscription("canceled", 1000, "month", 0, canceled_at=starts[6] + day)
    # A yearly 120 EUR reader since just after month 3 started, still active.
    yearly = subscription("active", 12000, "year", 0)
    Subscription.objects.filter(pk=monthly.pk).update(stripe_created=starts[0] - day)
    Subscription.objects.filter(pk=yearly.pk).update(stripe_created=starts[3] + day)
    # A comp from month 8 to just after month 9 started.
    comp = Comp.objects.create(subscriber=subscriber(), until=starts[9] + day)
    Comp.objects.filter(pk=comp.pk).update(created_at=starts[8] + day)

    page = admin_client.get(reverse("admin:index")).content.decode()

    # Point i describes the end of month i (the start of month i + 1); the last one is now.
    assert _values(_chart(page, "MRR per month (EUR), last 12 months")) == [
        1000,
        1000,
        1000,
        2000,
        2000,
        2000,
        1000,
        1000,
        1000,
        1000,
        1000,
        1000,
    ]
    paid = _values(_chart(page, "Paid readers per month, last 12 months"))
    assert paid == [1, 1, 1, 2, 2, 2, 1, 1, 2, 1, 1, 1]
    mrr_chart = _chart(page, "MRR per month (EUR), last 12 months")
    assert "<td>20.00</td>" in mrr_chart  # amounts, not cents, for people


def test_the_last_ten_issues_show_sent_and_failed(admin_client):
    known_data_set()
    now = timezone.now()
    for n in range(10):
        Issue.objects.create(
            subject=f"Later issue {n}", status="sent", started_at=now - timedelta(hours=n)
        )
    page = admin_client.get(reverse("admin:index")).content.decode()
    chart = _chart(page, "Deliveries of the last 10 issues")

    assert len(_values(chart, "dash-bar--main")) == 10
    assert "Spring issue" not in chart  # the 11th most recent

    Issue.objects.filter(subject__startswith="Later").delete()
    chart = _chart(
        admin_client.get(reverse("admin:index")).content.decode(),
        "Deliveries of the last 10 issues",
    )
    assert _values(chart, "dash-bar--main") == [9]
    assert _values(chart, "dash-bar--failed") == [1]
    assert "Spring issue — Failed: 1" in chart
    assert '<li><span class="dash-swatch dash-bar--failed"></span>Failed</li>' in chart


def test_a_fresh_site_shows_empty_charts_and_zeros(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()

    assert page.count('role="img"') == 5  # and the analytics' views and visitors
    assert 'id="dash-paid">0</dd>' in page
    assert "No paying subscriptions yet." in page
    assert _values(_chart(page, "Deliveries of the last 10 issues")) == []


def test_hostile_issue_subjects_are_escaped_inside_the_svg(admin_client):
    Issue.objects.create(
        subject='</title><script>alert(1)</script>"&', status="sent", started_at=timezone.now()
    )
    page = admin_client.get(reverse("admin:index")).content.decode()
    chart = _chart(page, "Deliveries of the last 10 issues")

    assert "<script>" not in chart
    assert "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;&amp; — Sent: 0" in chart
