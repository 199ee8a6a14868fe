"""Back from Checkout, the success page signs in only a reader this very checkout created; anyone
else gets one sign-in link by email, however often the page is opened."""

import pytest
from django.core.cache import cache
from django.test import Client

from billing.models import Subscription
from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db(transaction=True)


def start_and_pay(client, local_stripe, email: str) -> str:
    response = client.post("/billing/checkout/monthly/", {"email": email})
    assert response.status_code == 303
    local_stripe.pay(response["Location"])
    return response["Location"].rsplit("/", 1)[1]


def test_paying_with_a_free_subscribers_address_does_not_open_their_account(
    local_stripe, monthly_plan, client, smtp_server
):
    # A free subscriber who confirmed by email and never signed in.
    Subscriber.objects.create(email="free@example.com", name="Free Reader", status="active")

    session_id = start_and_pay(client, local_stripe, "free@example.com")
    response = client.get(f"/billing/success/?session_id={session_id}")

    assert response.status_code == 200
    assert "We have emailed you a sign-in link." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/account/").status_code == 302
    assert client.get("/account/data.json").status_code == 302
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["free@example.com"]
    # The payment still counts, for the owner of the address once signed in.
    assert Subscription.objects.get().subscriber.email == "free@example.com"


def test_a_new_reader_is_signed_in_even_when_the_webhook_created_them_first(
    local_stripe, monthly_plan, client, live_server, smtp_server
):
    from tests.billing.test_checkout_flow import wait_for

    local_stripe.register_webhook(live_server.url + "/billing/webhook/")
    session_id = start_and_pay(client, local_stripe, "new@example.com")
    assert wait_for(lambda: Subscriber.objects.filter(email="new@example.com").exists())

    response = client.get(f"/billing/success/?session_id={session_id}")

    assert "You are signed in" in response.content.decode()
    subscriber = Subscriber.objects.get(email="new@example.com")
    assert int(client.session["_auth_user_id"]) == subscriber.user_id
    assert smtp_server.messages == []


def test_opening_the_success_link_again_and_again_sends_one_email_and_asks_stripe_once(
    local_stripe, monthly_plan, client, smtp_server
):
    session_id = start_and_pay(client, local_stripe, "ada@example.com")
    url = f"/billing/success/?session_id={session_id}"
    first = Client().get(url)  # another browser: no sign-in, an email instead
    assert "We have emailed you a sign-in link." in first.content.decode()

    local_stripe.reset()  # Stripe would now answer 404: the page must not ask it again
    answers = [Client().get(url) for _ in range(5)]

    assert {a.status_code for a in answers} == {200}
    assert all("We have emailed you a sign-in link." in a.content.decode() for a in answers)
    smtp_server.wait_for(1)
    assert smtp_server.recipients() == ["ada@example.com"]


def test_the_success_page_does_not_claim_a_sign_in_email_the_address_limit_held_back(
    local_stripe, monthly_plan, client, settings, smtp_server
):
    settings.SIGN_IN_EMAIL_RATE = "1/h"
    cache.clear()
    assert client.post("/account/login/", {"email": "ada@example.com"}).status_code == 200
    session_id = start_and_pay(client, local_stripe, "ada@example.com")
    url = f"/billing/success/?session_id={session_id}"

    limited = Client().get(url)  # another browser: a link by email, but none may go this hour

    page = limited.content.decode()
    assert limited.status_code == 200
    assert "Too many sign-in emails were sent to this address" in page
    assert "We have emailed you a sign-in link." not in page
    assert smtp_server.messages == []

    cache.clear()  # an hour later: the address may receive a link again
    later = Client().get(url)
    assert "We have emailed you a sign-in link." in later.content.decode()
    smtp_server.wait_for(1)
    assert smtp_server.recipients() == ["ada@example.com"]
