"""Free trials after Checkout (the warning before the end, a trial ending unpaid) and tier changes
made in Stripe's billing portal, whatever order their events arrive in (rule stripe-events-once)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.access import reader_for_subscriber
from billing.models import Plan, StripeEvent, Subscription, Tier
from tests.billing import payloads

pytestmark = pytest.mark.django_db

DAY = 86400


@pytest.fixture
def tiers(local_stripe):
    """Two tiers, a monthly plan each (the portal lets a reader switch between them)."""
    made = []
    for position, (name, price, amount) in enumerate(
        [("Member", "member-month", 500), ("Founding", "founding-month", 2000)], start=1
    ):
        product = local_stripe.client.v1.products.create(
            {"name": name, "metadata": {"solo": "true"}}
        )
        tier = Tier.objects.create(name=name, position=position, stripe_product_id=product.id)
        Plan.objects.create(
            name=name, slug=price, stripe_price_id=price, amount=amount, tier=tier, trial_days=14
        )
        made.append(tier)
    return made


@pytest.fixture
def customer(local_stripe):
    return local_stripe.create_customer("trial@example.com")


def subscription(customer, tier, status="active", trial_end=None, **kwargs):
    plan = tier.plans.get()
    data = payloads.subscription(
        "sub_1",
        customer.id,
        status=status,
        price=plan.stripe_price_id,
        amount=plan.amount,
        **kwargs,
    )
    data["items"]["data"][0]["price"]["product"] = tier.stripe_product_id
    if trial_end:
        data.update(trial_start=trial_end - 14 * DAY, trial_end=trial_end)
    return data


def test_the_reader_is_told_once_before_the_trial_ends(
    local_stripe, tiers, customer, post_event, smtp_server, django_capture_on_commit_callbacks
):
    member, _ = tiers
    trial_end = payloads.now() + 3 * DAY
    data = subscription(customer, member, status="trialing", trial_end=trial_end)
    local_stripe.put_subscription(data)

    with django_capture_on_commit_callbacks(execute=True):
        assert (
            post_event(payloads.event("customer.subscription.trial_will_end", data)).status_code
            == 200
        )
    [received] = smtp_server.wait_for(1)
    text = received.message.get_content()
    assert received.rcpt_tos == ["trial@example.com"]
    assert "Your free trial ends soon" in received.message["Subject"]
    assert "you will pay 5.00 EUR" in text and "per month" in text
    assert "To cancel before you pay anything" in text and "/account/" in text

    # The same warning again (a second event for the same trial): no second email.
    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(payloads.event("customer.subscription.trial_will_end", data))
    assert response.content == b"sub_1 trial end already announced"
    assert len(smtp_server.wait_for(1, timeout=1)) == 1
    reader = reader_for_subscriber(Subscription.objects.get().subscriber_id)
    assert reader.is_paid  # trialing reads like paying


def test_a_trial_ending_unpaid_loses_access_at_once_but_a_later_failed_renewal_has_grace(
    local_stripe, tiers, customer, post_event
):
    member, _ = tiers
    trial_end = payloads.now() - 60  # just ended
    data = subscription(customer, member, status="past_due", trial_end=trial_end)
    local_stripe.put_subscription(data)
    post_event(payloads.event("customer.subscription.updated", data))

    mirror = Subscription.objects.get()
    assert mirror.status == "past_due"
    assert not reader_for_subscriber(mirror.subscriber_id).is_paid

    # A reader who converted months ago and whose renewal now fails keeps the grace period.
    mirror.trial_end = timezone.now() - timedelta(days=90)
    mirror.save()
    assert reader_for_subscriber(mirror.subscriber_id).is_paid


def test_a_tier_changed_in_the_portal_is_mirrored_whatever_the_order_of_events(
    local_stripe, tiers, customer, post_event
):
    member, founding = tiers
    before = subscription(customer, member)
    after = subscription(customer, founding)
    # Stripe now has the upgraded subscription; its events arrive newest first.
    local_stripe.put_subscription(after)
    post_event(payloads.event("customer.subscription.updated", after, created=payloads.now()))
    older = payloads.event("customer.subscription.created", before, created=payloads.now() - 60)
    post_event(older)

    mirror = Subscription.objects.get()
    assert (mirror.tier, mirror.plan.slug, mirror.amount) == (founding, "founding-month", 2000)
    assert reader_for_subscriber(mirror.subscriber_id).tier_rank == founding.position
    assert StripeEvent.objects.filter(processed_at__isnull=False).count() == 2

    # Stripe no longer knows the subscription (deleted): the events' own copies decide, and
    # an older copy never overwrites a newer one.
    local_stripe.reset()
    local_stripe.create_customer("trial@example.com")
    downgraded = {**subscription(customer, member), "status": "canceled"}
    deleted_at = payloads.now() + 5  # after the fetch above, whose time the mirror holds
    post_event(payloads.event("customer.subscription.deleted", downgraded, created=deleted_at))
    post_event(payloads.event("customer.subscription.updated", after, created=payloads.now() - 30))
    mirror.refresh_from_db()
    assert (mirror.status, mirror.tier) == ("canceled", member)
    assert not reader_for_subscriber(mirror.subscriber_id).is_paid
