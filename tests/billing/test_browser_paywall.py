"""In Chromium: a premium note's paywall → pricing → Checkout (the stand-in's hosted page) → back
signed in → the note in full → canceled in Stripe → teaser only."""

import copy
import time

import pytest
from django.core.cache import cache
from django.db import connections

from billing.models import Plan, Subscription

SECRET = "SECRET-PREMIUM-TEXT"


def wait_for(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reader_unlocks_a_premium_note_in_a_browser_and_loses_it_on_cancel(
    browser_page, live_server, local_stripe, settings, make_note, premium_body
):
    try:
        run_the_story(browser_page, live_server, local_stripe, settings, make_note, premium_body)
    finally:
        # Under Playwright's sync API the test's ORM calls get their own connection (another
        # context); close it, or it outlives the test and blocks dropping the test database.
        connections.close_all()


def run_the_story(page, live_server, local_stripe, settings, make_note, premium_body):
    cache.clear()
    settings.SITE_URL = live_server.url
    # Stripe's hosted pages are allowed as form targets; here the stand-in plays them.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = [
        *policy["DIRECTIVES"]["form-action"],
        local_stripe.base_url,
    ]
    settings.CONTENT_SECURITY_POLICY = policy
    local_stripe.register_webhook(live_server.url + "/billing/webhook/")
    local_stripe.create_price("monthly", amount=500)
    Plan.objects.create(name="Monthly", slug="monthly", stripe_price_id="monthly", amount=500)
    note = make_note(title="Premium", slug="premium", body=premium_body, visibility="paid")

    page.goto(live_server.url + note.get_absolute_url())
    assert page.get_by_text("The free opening paragraph.").is_visible()
    assert SECRET not in page.content()
    page.get_by_role("link", name="See the plans").click()

    page.get_by_label("Your email").fill("ada@example.com")
    page.get_by_role("button", name="Subscribe: Monthly").click()
    page.get_by_role("button", name="Pay").click()  # on the (stand-in) hosted Checkout page

    page.wait_for_url("**/billing/success/**")
    assert page.get_by_text("you are a paid reader").is_visible()
    page.goto(live_server.url + note.get_absolute_url())
    assert SECRET in page.content()

    # Canceled in the portal: Stripe deletes the subscription and tells us by webhook.
    subscription = Subscription.objects.get()
    local_stripe.client.v1.subscriptions.cancel(subscription.stripe_id)
    assert wait_for(lambda: Subscription.objects.get().status == "canceled")
    page.goto(live_server.url + note.get_absolute_url())
    assert page.get_by_text("The free opening paragraph.").is_visible()
    assert SECRET not in page.content()
