"""PostgreSQL connections killed (`pg_terminate_backend`) in the middle of a send and of a webhook.

A batch whose connection dies stops; its claimed rows go back to the queue after
NEWSLETTER_CLAIM_TIMEOUT and the rest of the send carries on. A webhook whose connection dies
answers 5xx; Stripe delivers again and the event is applied once. Readers' pages keep answering:
their server thread's dead connection is replaced (CONN_HEALTH_CHECKS).
"""

import threading
import time

import pytest
import requests
from django.core.cache import cache
from django.db import connection, transaction

from billing.models import StripeEvent, Subscription
from newsletter.models import Delivery, Issue
from tests.billing import payloads
from tests.faults.conftest import (
    connections_to,
    duplicates_once_all_served,
    kill_other_backends,
    play_beat_until,
    send_now,
    statuses,
    wait_until,
)
from tests.fixtures_billing import WEBHOOK_SECRET
from tests.fixtures_newsletter import make_note, make_subscribers
from tests.support.stripe_signing import signed_event

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

READERS = 600


def test_connections_killed_mid_send_everyone_gets_it_once(
    start_worker, beat, smtp_server, visitor, settings
):
    note = make_note(visibility="public")
    readers = make_subscribers(READERS)
    start_worker(f"smtp://{smtp_server.host}:{smtp_server.port}")
    assert set(visitor.statuses().values()) == {200}

    issue = send_now(Issue.objects.create(note=note), beat)
    smtp_server.wait_for(READERS // 4, timeout=60)
    killed = kill_other_backends(busy_with="newsletter_delivery")
    at_kill = len(smtp_server.messages)
    assert at_kill < READERS, "the send finished before the kill; nothing was tested"
    assert killed >= 2  # the worker's and the reader's server thread's, at least

    expected = {r.email for r in readers}
    play_beat_until(lambda: expected <= set(smtp_server.recipients()), beat, timeout=45)
    play_beat_until(lambda: statuses(issue) == {Delivery.Status.SENT: READERS}, beat, timeout=15)

    bound = settings.NEWSLETTER_SMTP_CONNECTIONS
    duplicates = duplicates_once_all_served(smtp_server, readers, bound)
    print(f"{killed} connections killed after {at_kill} of {READERS}; {duplicates} duplicates")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    # The stopped batch left no sender thread holding an SMTP connection in the worker.
    wait_until(lambda: connections_to(smtp_server.port) == 0, timeout=5)
    cache.clear()  # pages come from the database again, through the killed connection's thread
    assert set(visitor.statuses().values()) == {200}


def _deliver(url: str, event: dict) -> requests.Response:
    body, signature = signed_event(event, WEBHOOK_SECRET)
    headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
    return requests.post(url, data=body, headers=headers, timeout=30)


def _backend_waiting_for_a_lock(timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh figures inside a transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def test_connection_killed_mid_webhook_is_retried_and_applied_once(
    local_stripe, monthly_plan, live_server, visitor
):
    url = live_server.url + "/billing/webhook/"
    customer = local_stripe.create_customer("kill@example.com")
    created = payloads.subscription("sub_kill", customer.id, status="active")
    local_stripe.put_subscription(created)
    assert (
        _deliver(url, payloads.event("customer.subscription.created", created)).status_code == 200
    )
    assert set(visitor.statuses().values()) == {200}

    # Stripe now says past_due; the webhook re-fetches it and waits on the mirror row, which this
    # test holds locked, and its connection is killed right there, mid-apply.
    past_due = payloads.subscription("sub_kill", customer.id, status="past_due")
    local_stripe.put_subscription(past_due)
    event = payloads.event("customer.subscription.updated", past_due)
    answers: list[requests.Response] = []
    with transaction.atomic():
        Subscription.objects.select_for_update().get(stripe_id="sub_kill")
        delivery = threading.Thread(target=lambda: answers.append(_deliver(url, event)))
        delivery.start()
        assert _backend_waiting_for_a_lock(), "the webhook never reached the locked row"
        killed = kill_other_backends()
    delivery.join(30)
    assert killed >= 2  # the webhook's and the reader's server thread's
    first = answers[0]
    assert first.status_code >= 500  # Stripe will deliver it again

    # Nothing of the failed attempt stayed: the event is not recorded as applied.
    assert not StripeEvent.objects.filter(event_id=event["id"], processed_at__isnull=False).exists()
    assert Subscription.objects.get(stripe_id="sub_kill").status == "active"

    retry = _deliver(url, event)  # Stripe's retry
    again = _deliver(url, event)  # and a late duplicate
    assert (retry.status_code, again.status_code) == (200, 200)
    assert again.text == "duplicate"
    stored = StripeEvent.objects.get(event_id=event["id"])
    assert stored.processed_at is not None and stored.attempts == 1 and stored.error == ""
    assert Subscription.objects.get(stripe_id="sub_kill").status == "past_due"

    cache.clear()  # pages come from the database again, through the killed connection's thread
    assert set(visitor.statuses().values()) == {200}
