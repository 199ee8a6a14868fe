"""A webhook storm: 500 signed events for 50 subscriptions, shuffled, each delivered 1–3 times by
8 threads to a real server. Each event is applied once and every subscription ends in its newest
state, whether Stripe still serves it (re-fetch) or not any more (the newest event copy wins)."""

import collections
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import requests

from billing.models import StripeEvent, Subscription
from tests.billing import payloads
from tests.fixtures_billing import WEBHOOK_SECRET
from tests.support.stripe_signing import signed_event

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SUBSCRIPTIONS = 50
EVENTS_PER_SUBSCRIPTION = 10
THREADS = 8
STATUSES = ["active", "trialing", "past_due", "unpaid", "canceled", "active"]


def _history(rng, sub_id, customer_id, base) -> list[dict]:
    """Ten states of one subscription, one event each, `created` one second apart."""
    events = []
    for k in range(EVENTS_PER_SUBSCRIPTION):
        state = payloads.subscription(
            sub_id,
            customer_id,
            status=rng.choice(STATUSES),
            amount=rng.choice([500, 900, 5000]),
            period_end=base + 30 * 86400 + k * 86400,
            cancel_at_period_end=rng.random() < 0.5,
        )
        kind = "created" if k == 0 else "updated"
        events.append(payloads.event(f"customer.subscription.{kind}", state, created=base + k))
    return events


def test_a_shuffled_storm_of_repeated_events_ends_in_the_newest_state(
    local_stripe, monthly_plan, live_server
):
    rng = random.Random(11)
    base = payloads.now() - 3600
    newest: dict[str, dict] = {}
    events: list[dict] = []
    for i in range(SUBSCRIPTIONS):
        customer = local_stripe.create_customer(f"storm{i}@example.com")
        history = _history(rng, f"sub_storm{i}", customer.id, base)
        newest[f"sub_storm{i}"] = history[-1]["data"]["object"]
        if i % 2 == 0:  # Stripe still has it: every event re-fetches this state
            local_stripe.put_subscription(history[-1]["data"]["object"])
        events += history
    deliveries = [e for e in events for _ in range(rng.randint(1, 3))]
    rng.shuffle(deliveries)
    signed = [signed_event(event, WEBHOOK_SECRET) for event in deliveries]
    url = live_server.url + "/billing/webhook/"

    def deliver(body_and_signature) -> list[int]:
        """Deliver as Stripe does: again after a 5xx, until it is accepted."""
        body, signature = body_and_signature
        headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
        statuses = []
        for _ in range(5):
            response = requests.post(url, data=body, headers=headers, timeout=30)
            statuses.append(response.status_code)
            if response.status_code < 500:
                break
        return statuses

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(deliver, signed))

    last = collections.Counter(statuses[-1] for statuses in answers)
    assert last == {200: len(deliveries)}, last
    retried = sum(len(statuses) - 1 for statuses in answers)
    print(f"{len(deliveries)} deliveries, {retried} retried after a 5xx")

    stored = StripeEvent.objects.all()
    assert stored.count() == SUBSCRIPTIONS * EVENTS_PER_SUBSCRIPTION
    assert not stored.filter(processed_at=None).exists()
    assert not stored.exclude(error="").exists()
    assert set(stored.values_list("attempts", flat=True)) == {1}  # each applied once

    mirrored = {s.stripe_id: s for s in Subscription.objects.all()}
    assert set(mirrored) == set(newest)
    for sub_id, state in newest.items():
        row = mirrored[sub_id]
        item = state["items"]["data"][0]
        got = (row.status, row.amount, row.cancel_at_period_end, row.current_period_end)
        want = (
            state["status"],
            item["price"]["unit_amount"],
            state["cancel_at_period_end"],
            datetime.fromtimestamp(item["current_period_end"], tz=UTC),
        )
        assert got == want, sub_id
