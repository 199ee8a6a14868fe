"""Stripe may deliver the same event twice at once: it is applied exactly once."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from billing.models import StripeEvent, Subscription
from newsletter.models import Subscriber
from tests.billing import payloads
from tests.fixtures_billing import WEBHOOK_SECRET
from tests.support.stripe_signing import signed_event


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_deliveries_of_one_event_apply_it_once(
    local_stripe, monthly_plan, live_server
):
    customer = local_stripe.create_customer("ada@example.com")
    sub = payloads.subscription("sub_race", customer.id)
    local_stripe.put_subscription(sub)
    body, signature = signed_event(
        payloads.event("customer.subscription.created", sub), WEBHOOK_SECRET
    )

    def deliver(_):
        return requests.post(
            live_server.url + "/billing/webhook/",
            data=body,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
            timeout=20,
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(deliver, range(4)))

    assert [r.status_code for r in responses] == [200] * 4
    assert sorted(r.text for r in responses).count("duplicate") == 3
    assert StripeEvent.objects.count() == 1
    assert Subscription.objects.count() == 1
    assert Subscriber.objects.filter(email="ada@example.com").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_checkout_completed_and_subscription_created_racing_make_one_of_each(
    local_stripe, monthly_plan, live_server, client
):
    started = client.post("/billing/checkout/monthly/", {"email": "bo@example.com"})
    paid = local_stripe.pay(started["Location"])
    subscription = local_stripe.client.v1.subscriptions.retrieve(paid["subscription"]).to_dict()
    events = [
        payloads.event("checkout.session.completed", paid),
        payloads.event("customer.subscription.created", subscription),
    ] * 2

    def deliver(event):
        body, signature = signed_event(event, WEBHOOK_SECRET)
        return requests.post(
            live_server.url + "/billing/webhook/",
            data=body,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
            timeout=20,
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(deliver, events))

    assert [r.status_code for r in responses] == [200] * 4
    assert StripeEvent.objects.filter(processed_at__isnull=False).count() == 2
    assert Subscriber.objects.filter(email="bo@example.com").count() == 1
    assert Subscription.objects.get().status == "active"
