"""Stripe's events arrive in any order, and access always follows the newest state."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import Comp, Customer, Subscription
from billing.sync import ensure_user
from newsletter.models import Subscriber
from tests.billing import payloads

pytestmark = pytest.mark.django_db


def test_invoice_paid_before_checkout_completed_makes_one_paid_reader(
    local_stripe, monthly_plan, client, post_event
):
    response = client.post("/billing/checkout/monthly/", {"email": "ada@example.com"})
    session = local_stripe.pay(response["Location"])

    invoice = payloads.invoice(session["subscription"], session["customer"], paid=True)
    assert post_event(payloads.event("invoice.paid", invoice)).status_code == 200
    completed = payloads.event("checkout.session.completed", session)
    assert post_event(completed).status_code == 200

    subscriber = Subscriber.objects.get()
    assert subscriber.email == "ada@example.com"
    assert Customer.objects.get().subscriber == subscriber
    mirror = Subscription.objects.get()
    assert (mirror.status, mirror.plan, mirror.subscriber) == ("active", monthly_plan, subscriber)
    client.get(f"/billing/success/?session_id={session['id']}")
    assert "You are a paid reader." in client.get("/account/").content.decode()


def test_a_comped_reader_who_pays_then_cancels_keeps_access_until_the_comp_ends(
    local_stripe, monthly_plan, client, post_event
):
    reader = Subscriber.objects.create(email="comp@example.com", status="active")
    comp_ends = timezone.now() + timedelta(seconds=4)
    Comp.objects.create(subscriber=reader, until=comp_ends)
    client.force_login(ensure_user(reader))

    response = client.post("/billing/checkout/monthly/")
    assert response.status_code == 303  # a comp is no reason to refuse paying
    session = local_stripe.pay(response["Location"])
    client.get(f"/billing/success/?session_id={session['id']}")
    assert Subscription.objects.get(subscriber=reader).status == "active"

    canceled = local_stripe.client.v1.subscriptions.cancel(session["subscription"]).to_dict()
    post_event(payloads.event("customer.subscription.deleted", canceled))
    assert Subscription.objects.get(subscriber=reader).status == "canceled"

    assert "You are a paid reader." in client.get("/account/").content.decode()
    time.sleep(max(0, (comp_ends - timezone.now()).total_seconds()) + 0.2)
    assert "You are a free reader." in client.get("/account/").content.decode()
