"""A gift in Chromium: /gift/ → Checkout (the Stripe stand-in's hosted page, the buyer types
their email there) → Stripe's signed webhook → the buyer's receipt and the recipient's email →
the recipient presses Redeem, is signed in and reads the paid note → the link used again is
refused.

The test delivers Stripe's event itself, signed as Stripe signs it, before the browser comes
back (as tests/e2e/test_payer.py does); mail goes to a real SMTP server.
"""

import copy

import pytest

from billing.models import Comp, Gift, Plan, Tier
from tests.billing.payloads import event
from tests.e2e.conftest import axe_violations, serious
from tests.e2e.test_payer import deliver

SECRET = "SECRET-PREMIUM-TEXT"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_gift_is_bought_received_redeemed_once_and_read(
    page, live_server, local_stripe, settings, shots, make_note, premium_body, smtp_server
):
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"] = [
        *policy["DIRECTIVES"]["form-action"],
        local_stripe.base_url,
    ]
    settings.CONTENT_SECURITY_POLICY = policy
    local_stripe.create_price("member-monthly", amount=500)
    tier = Tier.objects.create(name="Member")
    Plan.objects.create(
        name="Member monthly",
        slug="member-monthly",
        stripe_price_id="member-monthly",
        amount=500,
        tier=tier,
    )
    note = make_note(title="Premium", slug="premium", body=premium_body, visibility="paid")

    page.goto(live_server.url + "/support/")  # the tip form, audited on the way
    assert page.get_by_label("Amount (EUR, from 1 to 1000)").is_visible()
    assert axe_violations(page) == []
    page.goto(live_server.url + "/gift/")
    assert page.get_by_role("heading", name="Give a membership").is_visible()
    assert serious(axe_violations(page)) == []
    page.get_by_label("Length").select_option(label="3 months")
    page.get_by_label("Recipient's email").fill("bea@example.com")
    page.get_by_label("Message (optional)").fill("Happy birthday, Bea!")
    shots("gift-form")
    page.get_by_role("button", name="Pay for the gift").click()
    page.wait_for_url(local_stripe.base_url + "/_config/checkout/cs_*")
    session_id = page.url.rsplit("/", 1)[1]
    assert page.get_by_text("Total 15.00 EUR").is_visible()
    page.get_by_label("Email").fill("buyer@example.com")
    shots("checkout")

    delivered = []

    def webhook_first(route):
        paid = route.fetch(max_redirects=0)  # the stand-in's 303 back to the site
        session = local_stripe.client.v1.checkout.sessions.retrieve(session_id).to_dict()
        completed = event("checkout.session.completed", session)
        delivered.extend(deliver(live_server, completed) for _ in range(2))  # Stripe retries
        route.fulfill(response=paid)

    page.route(f"**/_config/checkout/{session_id}/complete", webhook_first)
    page.get_by_role("button", name="Pay").click()
    page.wait_for_url("**/gift/?bought=1")
    assert delivered[0].startswith("recorded") and delivered[1] == "duplicate"
    assert page.get_by_role("heading", name="Thank you for your gift").is_visible()
    shots("bought")

    received = smtp_server.wait_for(2)
    assert sorted(r for m in received for r in m.rcpt_tos) == [
        "bea@example.com",
        "buyer@example.com",
    ]
    to_bea = next(m for m in received if m.rcpt_tos == ["bea@example.com"])
    text = to_bea.message.get_content()
    link = next(line.strip() for line in text.splitlines() if "/gift/" in line)
    assert link.startswith(live_server.url + "/gift/")
    assert Gift.objects.get().amount == 1500

    page.goto(link)
    assert page.get_by_text("Happy birthday, Bea!").is_visible()
    assert serious(axe_violations(page)) == []
    shots("redeem")
    page.get_by_role("button", name="Redeem my gift").click()
    page.wait_for_url("**/account/")
    assert page.get_by_text("Your gift is redeemed").is_visible()
    page.goto(live_server.url + note.get_absolute_url())
    assert page.get_by_text(SECRET).is_visible()
    shots("reads-in-full")

    response = page.goto(link)
    assert response.status == 410
    assert page.get_by_text("This gift has already been redeemed.").is_visible()
    assert Comp.objects.count() == 1
