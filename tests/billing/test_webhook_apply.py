"""Each verified event is applied once, in any order; failures change nothing and ask to retry.

Subscriptions are re-fetched from the local Stripe, which serves them in the current API shape
(`price` and the period on each item) through the stand-in.
"""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from billing.access import reader_for_subscriber
from billing.models import Customer, StripeEvent, Subscription
from newsletter.models import Subscriber
from tests.billing import payloads

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(local_stripe, monthly_plan):
    """A Stripe customer; the subscriptions below are to Solo's monthly plan."""
    return local_stripe.create_customer("reader@example.com")


def test_a_new_subscription_makes_its_customer_an_active_subscriber(
    local_stripe, post_event, customer
):
    sub = payloads.subscription("sub_new", customer.id, period_end=1_900_000_000)
    local_stripe.put_subscription(sub)

    response = post_event(payloads.event("customer.subscription.created", sub))

    assert response.status_code == 200
    mirror = Subscription.objects.get(stripe_id="sub_new")
    assert mirror.status == "active"
    assert mirror.price_id == "monthly" and mirror.amount == 500 and mirror.interval == "month"
    assert mirror.current_period_end == datetime.fromtimestamp(1_900_000_000, tz=UTC)
    subscriber = Subscriber.objects.get(email="reader@example.com")
    assert subscriber.status == Subscriber.Status.ACTIVE
    assert subscriber.source == Subscriber.Source.CHECKOUT
    assert mirror.subscriber == subscriber


def test_a_redelivered_event_answers_200_and_changes_nothing(local_stripe, post_event, customer):
    sub = payloads.subscription("sub_dup", customer.id)
    local_stripe.put_subscription(sub)
    event = payloads.event("customer.subscription.created", sub)
    assert post_event(event).status_code == 200
    first = Subscription.objects.get()

    # Stripe's state moved on, but the same event delivered again must not be applied again.
    local_stripe.put_subscription({**sub, "status": "canceled"})
    response = post_event(event)

    assert response.status_code == 200
    assert response.content == b"duplicate"
    assert StripeEvent.objects.count() == 1
    assert Subscription.objects.get().status == "active"
    assert Subscription.objects.get().updated_at == first.updated_at


def test_deleted_delivered_before_updated_leaves_the_subscription_canceled(
    local_stripe, post_event, customer
):
    active = payloads.subscription("sub_order", customer.id)
    canceled = {**active, "status": "canceled", "canceled_at": payloads.now()}
    local_stripe.put_subscription(canceled)  # Stripe's state now: canceled

    post_event(payloads.event("customer.subscription.deleted", canceled, created=payloads.now()))
    # The older "updated" event arrives late, still carrying the active state in its payload.
    post_event(payloads.event("customer.subscription.updated", active, created=payloads.now() - 60))

    assert Subscription.objects.get(stripe_id="sub_order").status == "canceled"
    assert StripeEvent.objects.count() == 2


def test_an_older_state_never_overwrites_a_newer_one(local_stripe, post_event, customer):
    """When Stripe no longer knows the subscription, the event's copy is used, newest first."""
    sub = payloads.subscription("sub_gone", customer.id, status="canceled")
    post_event(payloads.event("customer.subscription.deleted", sub, created=payloads.now()))
    older = {**sub, "status": "active"}
    post_event(payloads.event("customer.subscription.updated", older, created=payloads.now() - 60))
    assert Subscription.objects.get(stripe_id="sub_gone").status == "canceled"


def test_a_failed_renewal_marks_past_due_and_emails_the_reader(
    local_stripe, post_event, customer, smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.BILLING_PORTAL_LOGIN_URL = "https://billing.stripe.com/p/login/test_solo"
    sub = payloads.subscription("sub_fail", customer.id)
    local_stripe.put_subscription(sub)
    post_event(payloads.event("customer.subscription.created", sub))
    local_stripe.put_subscription({**sub, "status": "past_due"})

    with django_capture_on_commit_callbacks(execute=True):
        response = post_event(
            payloads.event("invoice.payment_failed", payloads.invoice("sub_fail", customer.id))
        )

    assert response.status_code == 200
    mirror = Subscription.objects.get(stripe_id="sub_fail")
    assert mirror.status == "past_due"
    assert mirror.past_due_since is not None
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["reader@example.com"]
    assert "did not go through" in received.message["Subject"]
    assert "https://billing.stripe.com/p/login/test_solo" in received.message.get_content()

    # Stripe retries the card a few days later and fails again: no second email.
    with django_capture_on_commit_callbacks(execute=True):
        post_event(
            payloads.event("invoice.payment_failed", payloads.invoice("sub_fail", customer.id))
        )
    assert len(smtp_server.messages) == 1
    assert Subscription.objects.get(stripe_id="sub_fail").past_due_since == mirror.past_due_since


def test_a_renewal_paid_moves_the_period_end_and_clears_past_due(
    local_stripe, post_event, customer
):
    sub = payloads.subscription(
        "sub_renew", customer.id, status="past_due", period_end=1_800_000_000
    )
    local_stripe.put_subscription(sub)
    post_event(payloads.event("customer.subscription.updated", sub))
    assert Subscription.objects.get().past_due_since is not None

    renewed = payloads.subscription("sub_renew", customer.id, period_end=1_802_592_000)
    local_stripe.put_subscription(renewed)
    post_event(
        payloads.event("invoice.paid", payloads.invoice("sub_renew", customer.id, paid=True))
    )

    mirror = Subscription.objects.get()
    assert mirror.status == "active"
    assert mirror.past_due_since is None
    assert mirror.current_period_end == datetime.fromtimestamp(1_802_592_000, tz=UTC)


def test_a_failure_while_applying_answers_500_writes_nothing_and_the_retry_applies(
    local_stripe, post_event, customer
):
    broken = payloads.subscription("sub_broken", customer.id, status="a_status_from_the_future")
    local_stripe.put_subscription(broken)
    event = payloads.event("customer.subscription.created", broken)

    response = post_event(event)

    assert response.status_code == 500
    # Half-way, the customer and a new subscriber would have been created: all rolled back.
    assert not Subscriber.objects.exists()
    assert not Customer.objects.exists()
    assert not Subscription.objects.exists()
    stored = StripeEvent.objects.get()
    assert stored.processed_at is None and "a_status_from_the_future" in stored.error

    local_stripe.put_subscription({**broken, "status": "active"})  # Stripe retries later
    response = post_event(event)
    assert response.status_code == 200
    assert Subscription.objects.get().status == "active"
    stored.refresh_from_db()
    assert stored.processed_at is not None and stored.attempts == 2 and stored.error == ""


def test_a_reader_on_an_archived_solo_price_keeps_access_once_plans_are_synced(
    local_stripe, post_event, customer
):
    local_stripe.create_price("price_old_2019", amount=300)
    local_stripe.client.v1.plans.update("price_old_2019", {"active": False})
    call_command("sync_plans", stdout=StringIO())
    sub = payloads.subscription("sub_legacy", customer.id, price="price_old_2019")
    local_stripe.put_subscription(sub)
    post_event(payloads.event("customer.subscription.created", sub))
    mirror = Subscription.objects.get()
    assert (mirror.plan.stripe_price_id, mirror.plan.active) == ("price_old_2019", False)
    assert reader_for_subscriber(mirror.subscriber_id).is_paid
    assert "price_old_2019" not in Client().get("/pricing/").content.decode()
