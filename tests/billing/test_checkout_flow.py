"""pricing → checkout → pay → webhook → signed in → paid → portal → cancel → webhook → free.

Against the local Stripe: Stripe's library makes real HTTP calls; localstripe delivers its own
signed webhooks (customer.subscription.created|deleted …) to the live server, and the stand-in's
hosted Checkout page emits checkout.session.completed.
"""

import time

import pytest
from django.test import Client

from billing.access import reader_for
from billing.models import Customer, Plan, StripeEvent, Subscription
from newsletter.models import Subscriber


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def account_text(client) -> str:
    return client.get("/account/").content.decode()


@pytest.fixture
def monthly(local_stripe):
    local_stripe.create_price("monthly", amount=500, interval="month")
    return Plan.objects.create(
        name="Monthly", slug="monthly", stripe_price_id="monthly", amount=500, interval="month"
    )


@pytest.mark.django_db(transaction=True)
def test_a_reader_pays_reads_in_full_then_cancels_and_is_back_to_free(
    local_stripe, monthly, live_server, client
):
    local_stripe.register_webhook(live_server.url + "/billing/webhook/")

    assert "Monthly" in client.get("/pricing/").content.decode()
    response = client.post("/billing/checkout/monthly/", {"email": "Ada@Example.com"})
    assert response.status_code == 303
    checkout_url = response["Location"]
    assert checkout_url.startswith(local_stripe.base_url + "/_config/checkout/cs_test_")
    session_id = checkout_url.rsplit("/", 1)[1]
    session = local_stripe.client.v1.checkout.sessions.retrieve(session_id)
    assert session["mode"] == "subscription"
    assert session["allow_promotion_codes"] is True
    assert session["customer_email"] == "ada@example.com"
    assert session["success_url"].endswith(f"/billing/success/?session_id={session_id}")

    local_stripe.pay(checkout_url)
    response = client.get(f"/billing/success/?session_id={session_id}")

    assert response.status_code == 200
    assert "you are a paid reader" in response.content.decode()
    subscriber = Subscriber.objects.get(email="ada@example.com")
    assert subscriber.status == Subscriber.Status.ACTIVE
    assert int(client.session["_auth_user_id"]) == subscriber.user_id
    assert "You are a paid reader." in account_text(client)
    subscription = Subscription.objects.get()
    assert (subscription.status, subscription.plan) == ("active", monthly)

    # localstripe's own webhooks arrive a second later and are applied once.
    assert wait_for(
        lambda: (
            StripeEvent.objects.filter(
                type__in=["checkout.session.completed", "customer.subscription.created"],
                processed_at__isnull=False,
            ).count()
            == 2
        )
    )
    assert Subscription.objects.count() == 1 and Customer.objects.count() == 1

    # Manage billing: the portal for this reader's customer.
    response = client.post("/billing/portal/")
    assert response.status_code == 303
    assert response["Location"].startswith(local_stripe.base_url + "/_config/portal/bps_")

    # The reader cancels in the portal (Stripe deletes the subscription) → webhook → free.
    local_stripe.client.v1.subscriptions.cancel(subscription.stripe_id)
    assert wait_for(lambda: Subscription.objects.get().status == "canceled")
    assert "You are a free reader." in account_text(client)


@pytest.mark.django_db(transaction=True)
def test_the_success_url_signs_in_only_the_browser_that_started_the_checkout(
    local_stripe, monthly, client
):
    response = client.post("/billing/checkout/monthly/", {"email": "ada@example.com"})
    session_id = response["Location"].rsplit("/", 1)[1]
    local_stripe.pay(response["Location"])

    stranger = Client()
    response = stranger.get(f"/billing/success/?session_id={session_id}")

    assert response.status_code == 200
    assert "_auth_user_id" not in stranger.session
    assert stranger.get("/account/").status_code == 302
    # The access is there all the same, for the reader to sign in to.
    assert Subscription.objects.get().status == "active"


@pytest.mark.django_db(transaction=True)
def test_paying_with_the_address_of_an_existing_reader_does_not_sign_into_their_account(
    local_stripe, monthly, client, smtp_server
):
    victim = Subscriber.objects.create(email="victim@example.com", status="active")
    from billing.sync import ensure_user

    user = ensure_user(victim)
    Client().force_login(user)  # has signed in before

    response = client.post("/billing/checkout/monthly/", {"email": "victim@example.com"})
    session_id = response["Location"].rsplit("/", 1)[1]
    local_stripe.pay(response["Location"])
    response = client.get(f"/billing/success/?session_id={session_id}")

    assert "_auth_user_id" not in client.session
    assert "We have emailed you a sign-in link." in response.content.decode()
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["victim@example.com"]


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_reader_checks_out_with_their_existing_stripe_customer(
    local_stripe, monthly, client, rf
):
    subscriber = Subscriber.objects.create(email="bo@example.com", status="active")
    from billing.sync import ensure_user

    client.force_login(ensure_user(subscriber))
    stripe_customer = local_stripe.create_customer("bo@example.com")
    Customer.objects.create(stripe_id=stripe_customer.id, subscriber=subscriber)

    response = client.post("/billing/checkout/monthly/")  # no email needed when signed in
    session_id = response["Location"].rsplit("/", 1)[1]
    session = local_stripe.client.v1.checkout.sessions.retrieve(session_id)
    assert session["customer"] == stripe_customer.id
    assert session["client_reference_id"] == str(subscriber.pk)

    local_stripe.pay(response["Location"])
    client.get(f"/billing/success/?session_id={session_id}")
    assert Customer.objects.count() == 1
    request = rf.get("/")
    request.user = subscriber.user
    assert reader_for(request).is_paid


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_checkout_never_reuses_a_known_readers_stripe_customer(
    local_stripe, monthly, client, smtp_server
):
    """A reader paid through the dashboard and never signed in: paying again with their address,
    anonymously, neither reuses their customer nor signs into their account."""
    reader = Subscriber.objects.create(email="cy@example.com", status="active")
    theirs = local_stripe.create_customer("cy@example.com")
    Customer.objects.create(stripe_id=theirs.id, subscriber=reader)

    response = client.post("/billing/checkout/monthly/", {"email": "cy@example.com"})
    session_id = response["Location"].rsplit("/", 1)[1]
    assert local_stripe.client.v1.checkout.sessions.retrieve(session_id)["customer"] is None
    local_stripe.pay(response["Location"])
    client.get(f"/billing/success/?session_id={session_id}")

    assert "_auth_user_id" not in client.session
    assert Customer.objects.filter(subscriber=reader).count() == 2
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["cy@example.com"]
