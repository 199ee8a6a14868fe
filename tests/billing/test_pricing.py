"""The pricing page and checkout: plans, bad input, and no Stripe key at all."""

import pytest

from billing.models import Plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans():
    return [
        Plan.objects.create(
            name="Monthly",
            slug="monthly",
            stripe_price_id="monthly",
            amount=500,
            interval="month",
            order=1,
        ),
        Plan.objects.create(
            name="Yearly",
            slug="yearly",
            stripe_price_id="yearly",
            amount=5000,
            interval="year",
            order=2,
        ),
        Plan.objects.create(
            name="Old",
            slug="old",
            stripe_price_id="old",
            amount=300,
            interval="month",
            active=False,
        ),
    ]


def test_pricing_lists_active_plans_with_a_checkout_button_each(local_stripe, plans, client):
    page = client.get("/pricing/").content.decode()
    assert "5.00 EUR" in page and "50.00 EUR" in page
    assert 'action="/billing/checkout/monthly/"' in page
    assert 'action="/billing/checkout/yearly/"' in page
    assert "Old" not in page
    assert "not available yet" not in page


def test_without_a_stripe_key_pricing_says_not_available_and_checkout_does_not_crash(
    settings, plans, client
):
    settings.STRIPE_SECRET_KEY = ""
    page = client.get("/pricing/")
    assert page.status_code == 200
    assert "Paid plans are not available yet." in page.content.decode()
    response = client.post("/billing/checkout/monthly/", {"email": "a@example.com"})
    assert response.status_code == 503
    assert client.get("/billing/success/?session_id=cs_test_x").status_code == 404


def test_unknown_or_inactive_plans_are_404(local_stripe, plans, client):
    assert client.post("/billing/checkout/weekly/", {"email": "a@example.com"}).status_code == 404
    assert client.post("/billing/checkout/old/", {"email": "a@example.com"}).status_code == 404


def test_checkout_needs_a_post_and_an_email_for_anonymous_readers(local_stripe, plans, client):
    assert client.get("/billing/checkout/monthly/").status_code == 405
    response = client.post("/billing/checkout/monthly/", {"email": "nope"})
    assert response.status_code == 400
    assert "valid email" in response.content.decode()


def test_a_price_stripe_does_not_know_gives_a_clear_error_not_a_500(local_stripe, plans, client):
    # No price "monthly" exists in this fresh local Stripe.
    response = client.post("/billing/checkout/monthly/", {"email": "a@example.com"})
    assert response.status_code == 502
    assert "not available right now" in response.content.decode()


def test_success_with_a_bad_or_unknown_session_id_is_a_4xx(local_stripe, client):
    assert client.get("/billing/success/").status_code == 400
    assert client.get("/billing/success/?session_id=<script>").status_code == 400
    assert client.get("/billing/success/?session_id=cs_test_unknown").status_code == 404


def test_the_portal_needs_a_signed_in_reader(local_stripe, client):
    assert client.post("/billing/portal/").status_code == 302
