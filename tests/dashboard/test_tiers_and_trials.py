"""The dashboard's money per tier (MRR, ARR, each month) and its free trials, in constant SQL."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import Customer, Subscription, Tier
from newsletter.models import Subscriber
from solo.dashboard import figures

pytestmark = pytest.mark.django_db


def subscription(n, tier, amount, interval="month", status="active", **fields):
    reader = Subscriber.objects.create(email=f"r{n}@example.com", status="active")
    customer = Customer.objects.create(stripe_id=f"cus_{n}", subscriber=reader)
    return Subscription.objects.create(
        stripe_id=f"sub_{n}",
        customer=customer,
        subscriber=reader,
        status=status,
        tier=tier,
        amount=amount,
        currency="eur",
        interval=interval,
        stripe_created=timezone.now() - timedelta(days=40),
        state_at=timezone.now(),
        **fields,
    )


@pytest.fixture
def tiers():
    member = Tier.objects.create(name="Member", position=1)
    founding = Tier.objects.create(name="Founding", position=2)
    subscription(1, member, 500)
    subscription(2, member, 6000, "year")
    subscription(3, founding, 2000)
    return member, founding


def test_revenue_per_tier_adds_up_to_the_mrr(tiers):
    rows = {row["tier"]: row for row in figures.revenue_by_tier()}
    assert (rows["Member"]["mrr"], rows["Member"]["readers"]) == ("10.00", 2)
    assert (rows["Founding"]["mrr"], rows["Founding"]["arr"]) == ("20.00", "240.00")
    assert Subscription.objects.mrr_by_currency() == {"EUR": 3000.0}

    history = figures.tier_history(currency="eur")
    by_tier = {row["tier"]: row["values"] for row in history["tiers"]}
    assert by_tier["Member"][-1] == "10.00" and by_tier["Founding"][-1] == "20.00"
    assert by_tier["Member"][0] == "0.00"  # a year ago, nobody paid yet


def test_trials_and_how_many_became_paying():
    now = timezone.now()
    member = Tier.objects.create(name="Member", position=1)
    subscription(1, member, 500, status="trialing", trial_end=now + timedelta(days=5))
    subscription(2, member, 500, trial_end=now - timedelta(days=20))  # paid after it
    subscription(
        3,
        member,
        500,
        status="past_due",
        trial_end=now - timedelta(hours=3),
        past_due_since=now - timedelta(hours=2),
    )  # the first payment failed: not converted
    subscription(
        4, member, 500, status="canceled", trial_end=now - timedelta(days=8), canceled_at=now
    )  # paid once, then left: converted

    assert figures.trial_figures(now) == {
        "trialing": 1,
        "ended": 3,
        "converted": 2,
        "conversion_rate": 67,
    }


def test_the_dashboard_shows_tiers_and_trials_with_the_same_queries_for_more_tiers(
    admin_client, tiers
):
    admin_client.get(reverse("admin:index"))
    with CaptureQueriesContext(connection) as few:
        page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'id="dash-tiers"' in page and "Founding (EUR)" in page
    assert 'id="dash-trialing">0<' in page
    assert 'id="dash-tier-history"' in page

    for n in range(10, 16):
        subscription(n, Tier.objects.create(name=f"T{n}", position=n), 100 * n)
    with CaptureQueriesContext(connection) as more:
        admin_client.get(reverse("admin:index"))
    assert len(more) == len(few)
