"""The webhook only accepts events signed by Stripe with our secret, within five minutes."""

import json

import pytest

from billing.models import StripeEvent
from tests.billing import payloads
from tests.support.stripe_signing import sign_stripe_payload

pytestmark = pytest.mark.django_db


def test_a_forged_signature_is_refused_and_nothing_is_stored(local_stripe, post_event):
    event = payloads.event("customer.subscription.deleted", {"id": "sub_x", "customer": "cus_x"})
    response = post_event(event, secret="whsec_someone_else")
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_a_stale_timestamp_is_refused(local_stripe, post_event):
    event = payloads.event("customer.subscription.deleted", {"id": "sub_x", "customer": "cus_x"})
    response = post_event(event, timestamp=payloads.now() - 301)
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_a_missing_signature_or_a_body_that_is_not_json_gets_400(local_stripe, client):
    assert (
        client.post("/billing/webhook/", data="{}", content_type="application/json").status_code
        == 400
    )
    body = "not json"
    response = client.post(
        "/billing/webhook/",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": sign_stripe_payload(body, "whsec_test_solo")},
    )
    assert response.status_code == 400


def test_an_altered_body_no_longer_matches_its_signature(local_stripe, client):
    event = payloads.event("invoice.paid", {"id": "in_1"})
    signature = sign_stripe_payload(json.dumps(event), "whsec_test_solo")
    event["data"]["object"]["id"] = "in_2"
    response = client.post(
        "/billing/webhook/",
        data=json.dumps(event),
        content_type="application/json",
        headers={"Stripe-Signature": signature},
    )
    assert response.status_code == 400


def test_an_unknown_event_type_is_acknowledged_and_recorded(local_stripe, post_event):
    event = payloads.event("customer.tax_id.created", {"id": "txi_1"})
    response = post_event(event)
    assert response.status_code == 200
    stored = StripeEvent.objects.get()
    assert (stored.event_id, stored.result) == (event["id"], "ignored")
    assert stored.processed_at is not None


def test_without_a_webhook_secret_the_endpoint_does_not_exist(settings, client):
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert (
        client.post("/billing/webhook/", data="{}", content_type="application/json").status_code
        == 404
    )


def test_get_is_not_allowed(local_stripe, client):
    assert client.get("/billing/webhook/").status_code == 405


def test_an_oversized_body_gets_400(local_stripe, client):
    body = '{"pad": "' + "x" * 3_000_000 + '"}'
    response = client.post(
        "/billing/webhook/",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": sign_stripe_payload(body, "whsec_test_solo")},
    )
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()
