"""The dashboard's SQL does not grow with subscribers, subscriptions, issues or deliveries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import Comp, Customer, Subscription
from newsletter.models import Delivery, Issue, StoppedSignup, Subscriber, Topic

from .data import known_data_set

pytestmark = pytest.mark.django_db


def _grow(n: int) -> None:
    """n more subscribers, half of them paying, a comp each tenth, and an issue to all of them."""
    now = timezone.now()
    readers = Subscriber.objects.bulk_create(
        Subscriber(email=f"bulk{i}@example.com", status="active") for i in range(n)
    )
    customers = Customer.objects.bulk_create(
        Customer(stripe_id=f"cus_bulk{i}", subscriber=r) for i, r in enumerate(readers[: n // 2])
    )
    Subscription.objects.bulk_create(
        Subscription(
            stripe_id=f"sub_bulk{i}",
            customer=c,
            subscriber=c.subscriber,
            status="active",
            amount=500,
            currency="eur",
            interval="month" if i % 2 else "year",
            stripe_created=now - timedelta(days=i % 300),
            state_at=now,
        )
        for i, c in enumerate(customers)
    )
    Comp.objects.bulk_create(Comp(subscriber=r) for r in readers[::10])
    StoppedSignup.objects.bulk_create(
        [
            StoppedSignup(day=now.date() - timedelta(days=d), defence=defence, count=d + 1)
            for d in range(40)
            for defence in StoppedSignup.Defence.values
        ],
        ignore_conflicts=True,  # a row another process's test left for today stays
    )
    for k in range(3):
        issue = Issue.objects.create(subject=f"Bulk {k}", status="sent", started_at=now)
        Delivery.objects.bulk_create(
            Delivery(issue=issue, subscriber=r, status="failed" if i % 7 == 0 else "sent")
            for i, r in enumerate(readers)
        )


def test_the_dashboard_runs_the_same_queries_for_few_and_many_subscribers(
    admin_client, django_assert_max_num_queries
):
    known_data_set()
    admin_client.get(reverse("admin:index"))  # warm the session and content types
    with CaptureQueriesContext(connection) as small:
        page = admin_client.get(reverse("admin:index"))
    assert page.status_code == 200

    _grow(400)
    with django_assert_max_num_queries(len(small)):
        page = admin_client.get(reverse("admin:index"))
    # 5 known + 200 paying + 20 comps among readers who do not pay.
    assert 'id="dash-paid">225</dd>' in page.content.decode()
    # 42: the figures, charts, audience per topic and the setup checklist (an active plan, a
    # test email sent), three for tiers and trials (MRR per tier, per tier and month, trials
    # and conversions), the analytics' seven (solo/dashboard/traffic.py), four for offers,
    # gifts, tips and tips per note (tests/dashboard/test_money_figures.py), and the bots
    # stopped at the subscribe forms.
    assert len(small) <= 42, [q["sql"][:80] for q in small]


def test_audience_per_topic_costs_the_same_queries_for_few_and_many_topics_and_readers(
    admin_client, django_assert_max_num_queries
):
    def topic(slug):
        return Topic.objects.create(name=slug.title(), slug=slug)

    tools = topic("tools")
    Subscriber.objects.create(email="every@example.com", status="active")  # every topic
    chooser = Subscriber.objects.create(
        email="tools@example.com", status="active", all_topics=False
    )
    chooser.topics.add(tools)
    admin_client.get(reverse("admin:index"))
    with CaptureQueriesContext(connection) as small:
        page = admin_client.get(reverse("admin:index"))
    assert 'id="dash-topic-tools">2</dd>' in page.content.decode()

    more = [topic(f"topic-{i}") for i in range(12)]
    readers = Subscriber.objects.bulk_create(
        Subscriber(email=f"t{i}@example.com", status="active", all_topics=i % 2 == 0)
        for i in range(200)
    )
    Subscriber.topics.through.objects.bulk_create(
        Subscriber.topics.through(subscriber=r, topic=t) for r in readers[1::2] for t in more[:3]
    )
    gone = Subscriber.objects.create(email="gone@example.com", status="unsubscribed")
    gone.topics.add(tools)
    with django_assert_max_num_queries(len(small)):
        page = admin_client.get(reverse("admin:index"))
    html = page.content.decode()
    # Who takes every topic (1 + 100) plus who chose it, active only.
    assert 'id="dash-topic-tools">102</dd>' in html
    assert 'id="dash-topic-topic-0">201</dd>' in html
    assert 'id="dash-topic-topic-11">101</dd>' in html
