"""A payer in Chromium: pricing → Checkout (the Stripe stand-in's hosted page) → Stripe's signed
webhook → back on the site signed in → the premium note in full → the billing portal.

The stand-in's own webhook deliveries go nowhere here: the test delivers Stripe's events itself,
signed as Stripe signs them, at the moment Stripe usually does — before the browser comes back.
"""

import copy

import pytest
import requests

from billing.models import Plan, StripeEvent, Subscription
from tests.billing.payloads import event
from tests.fixtures_billing import WEBHOOK_SECRET
from tests.support.stripe_signing import signed_event

SECRET = "SECRET-PREMIUM-TEXT"


def deliver(live_server, stripe_event: dict) -> str:
    body, signature = signed_event(stripe_event, WEBHOOK_SECRET)
    response = requests.post(
        live_server.url + "/billing/webhook/",
        data=body,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_payer_checks_out_is_signed_in_reads_in_full_and_reaches_the_portal(
    page, live_server, local_stripe, settings, shots, make_note, premium_body
):
    # Stripe's hosted pages are allowed form targets; here the stand-in plays them.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = [
        *policy["DIRECTIVES"]["form-action"],
        local_stripe.base_url,
    ]
    settings.CONTENT_SECURITY_POLICY = policy
    local_stripe.create_price("monthly", amount=500)
    Plan.objects.create(name="Monthly", slug="monthly", stripe_price_id="monthly", amount=500)
    note = make_note(title="Premium", slug="premium", body=premium_body, visibility="paid")

    page.goto(live_server.url + "/pricing/")
    assert page.get_by_role("heading", name="Monthly").is_visible()
    shots("pricing")
    page.get_by_label("Your email").fill("payer@example.com")
    page.get_by_role("button", name="Subscribe: Monthly").click()
    page.wait_for_url(local_stripe.base_url + "/_config/checkout/cs_*")
    session_id = page.url.rsplit("/", 1)[1]
    shots("checkout")

    delivered = []

    def webhook_first(route):
        """The customer pays on the hosted page; Stripe's events land before the browser is sent
        back to the site."""
        paid = route.fetch(max_redirects=0)  # the stand-in's 303 back to the success page
        session = local_stripe.client.v1.checkout.sessions.retrieve(session_id)
        subscription = local_stripe.client.v1.subscriptions.retrieve(session["subscription"])
        completed = event("checkout.session.completed", session.to_dict())
        created = event("customer.subscription.created", subscription.to_dict())
        delivered.extend(deliver(live_server, e) for e in (completed, created))
        delivered.append(deliver(live_server, completed))  # Stripe retries: applied once
        route.fulfill(response=paid)

    page.route(f"**/_config/checkout/{session_id}/complete", webhook_first)
    page.get_by_role("button", name="Pay").click()
    page.wait_for_url("**/billing/success/?session_id=" + session_id)
    assert delivered[0].startswith("linked")
    assert delivered[1].endswith(" active")
    assert delivered[2] == "duplicate"
    assert StripeEvent.objects.filter(processed_at__isnull=False).count() == 2
    assert page.get_by_role("heading", name="Thank you: you are a paid reader").is_visible()
    assert page.get_by_text("You are signed in").is_visible()
    shots("signed-in")

    page.goto(live_server.url + note.get_absolute_url())
    assert page.get_by_text(SECRET).is_visible()
    assert page.locator(".paywall").count() == 0
    shots("premium-note")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    assert page.get_by_text("You are a paid reader.").is_visible()
    assert page.get_by_role("cell", name="Monthly").is_visible()
    shots("account")
    page.get_by_role("button", name="Manage billing").click()
    page.wait_for_url(local_stripe.base_url + "/_config/portal/*")
    customer = Subscription.objects.get().customer.stripe_id
    assert page.get_by_text("Billing for payer@example.com").is_visible()
    assert customer.startswith("cus_")
    shots("portal")
    page.get_by_role("link", name="Return to the site").click()
    page.wait_for_url(live_server.url + "/account/")
