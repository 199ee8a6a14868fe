"""Offers: /offer/<code>/ shows the discount, Checkout applies it, the admin counts what it
brought; an expired, used-up or unknown offer gets a clear page, at the link and at checkout."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from billing import offers
from billing.models import CheckoutSession, Offer, OfferPayment, Plan, Tier

from .payloads import event

pytestmark = pytest.mark.django_db


@pytest.fixture
def monthly(local_stripe):
    local_stripe.create_price("monthly", amount=500, interval="month")
    return Plan.objects.create(
        name="Monthly", slug="monthly", stripe_price_id="monthly", amount=500, interval="month"
    )


def make_offer(plans, **fields) -> Offer:
    fields = {"code": "spring", "name": "Spring offer", "percent_off": 20, **fields}
    offer = Offer.objects.create(**fields)
    offer.plans.set(plans)
    offers.create_in_stripe(offer)
    return offer


def test_an_offer_made_in_the_admin_is_a_stripe_coupon_and_promotion_code(
    local_stripe, monthly, admin_client
):
    response = admin_client.post(
        "/admin/billing/offer/add/",
        {
            "name": "Spring offer",
            "code": "spring-20",
            "description": "For the season.",
            "percent_off": "20",
            "amount_off": "",
            "currency": "eur",
            "duration": "repeating",
            "duration_in_months": "3",
            "max_redemptions": "50",
            "expires_at_0": "",
            "expires_at_1": "",
            "plans": [monthly.pk],
            "active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    offer = Offer.objects.get()
    coupon = local_stripe.client.v1.coupons.retrieve(offer.stripe_coupon_id)
    assert (coupon["percent_off"], coupon["duration"], coupon["duration_in_months"]) == (
        20,
        "repeating",
        3,
    )
    code = local_stripe.client.v1.promotion_codes.retrieve(offer.stripe_promotion_code_id)
    assert (code["code"], code["max_redemptions"]) == ("SPRING20", 50)
    assert code["promotion"]["coupon"] == coupon["id"]


def test_an_offer_without_a_discount_is_a_form_error(local_stripe, monthly, admin_client):
    response = admin_client.post(
        "/admin/billing/offer/add/",
        {
            "name": "Nothing",
            "code": "nothing",
            "currency": "eur",
            "duration": "once",
            "plans": [monthly.pk],
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "Give either a percentage or an amount off" in response.content.decode()
    assert not Offer.objects.exists()


def test_a_reader_takes_the_offer_and_the_admin_counts_its_redemption_and_revenue(
    local_stripe, monthly, client, admin_client, post_event
):
    offer = make_offer([monthly], on_pricing=True)
    assert "Spring offer" in client.get("/pricing/").content.decode()
    page = client.get("/offer/spring/").content.decode()
    assert "20% off" in page and "4.00 EUR" in page and "5.00 EUR" in page

    response = client.post(
        "/billing/checkout/monthly/", {"email": "ada@example.com", "offer": "spring"}
    )

    assert response.status_code == 303
    session_id = response["Location"].rsplit("/", 1)[1]
    session = local_stripe.client.v1.checkout.sessions.retrieve(session_id)
    assert session["discounts"][0]["promotion_code"] == offer.stripe_promotion_code_id
    paid = local_stripe.pay(response["Location"])
    assert (paid["amount_subtotal"], paid["amount_total"]) == (500, 400)
    completed = event("checkout.session.completed", paid)
    assert post_event(completed).status_code == 200
    assert post_event(completed).status_code == 200  # Stripe retries: counted once
    renewal = {
        "id": "in_renewal",
        "object": "invoice",
        "billing_reason": "subscription_cycle",
        "subscription": paid["subscription"],
        "amount_paid": 400,
        "currency": "eur",
    }
    assert post_event(event("invoice.paid", renewal)).status_code == 200
    assert post_event(event("invoice.payment_succeeded", renewal)).status_code == 200

    assert OfferPayment.objects.filter(first=True).count() == 1
    listing = admin_client.get("/admin/billing/offer/").content.decode()
    assert '<td class="field-redemptions">1</td>' in listing
    assert '<td class="field-revenue">8.00 EUR</td>' in listing


def test_a_used_up_offer_shows_a_clear_page_and_checkout_refuses_it(local_stripe, monthly, client):
    offer = make_offer([monthly], max_redemptions=1)
    OfferPayment.objects.create(offer=offer, stripe_id="cs_test_earlier", amount=400)

    page = client.get("/offer/spring/")
    assert page.status_code == 410
    assert "This offer has been fully claimed." in page.content.decode()
    response = client.post(
        "/billing/checkout/monthly/", {"email": "ada@example.com", "offer": "spring"}
    )
    assert response.status_code == 410
    assert "fully claimed" in response.content.decode()
    assert not CheckoutSession.objects.exists()


def test_an_offer_stripe_no_longer_accepts_is_refused_at_checkout_with_the_same_page(
    local_stripe, monthly, client
):
    offer = make_offer([monthly])
    # The author switched the code off in Stripe's dashboard: the site did not know.
    local_stripe.client.v1.promotion_codes.update(offer.stripe_promotion_code_id, {"active": False})

    response = client.post(
        "/billing/checkout/monthly/", {"email": "ada@example.com", "offer": "spring"}
    )

    assert response.status_code == 410
    assert "Spring offer" in response.content.decode()
    assert not CheckoutSession.objects.exists()


def test_an_expired_offer_and_an_unknown_code_get_clear_pages(local_stripe, monthly, client):
    make_offer([monthly], expires_at=timezone.now() + timedelta(days=1))
    assert client.get("/offer/spring/").status_code == 200
    Offer.objects.update(expires_at=timezone.now() - timedelta(minutes=1))  # the day passed

    expired = client.get("/offer/spring/")
    assert expired.status_code == 410
    assert "This offer has expired." in expired.content.decode()
    unknown = client.get("/offer/no-such-offer/")
    assert unknown.status_code == 404
    assert "There is no offer at this address" in unknown.content.decode()


def test_an_offer_is_refused_on_a_plan_it_was_not_made_for(local_stripe, monthly, client):
    local_stripe.create_price("yearly", amount=5000, interval="year")
    Plan.objects.create(
        name="Yearly", slug="yearly", stripe_price_id="yearly", amount=5000, interval="year"
    )
    make_offer([monthly])

    response = client.post(
        "/billing/checkout/yearly/", {"email": "ada@example.com", "offer": "spring"}
    )

    assert response.status_code == 410
    assert "This offer does not apply to this plan." in response.content.decode()


def test_sync_plans_adopts_a_promotion_code_made_in_stripes_dashboard(local_stripe, monthly):
    coupon = local_stripe.client.v1.coupons.create(
        {"id": "WINTER", "amount_off": 200, "currency": "eur", "duration": "once"}
    )
    local_stripe.client.v1.promotion_codes.create(
        {
            "promotion": {"type": "coupon", "coupon": coupon.id},
            "code": "WINTER",
            "metadata": {"solo": "true"},
        }
    )
    local_stripe.client.v1.promotion_codes.create(
        {"promotion": {"type": "coupon", "coupon": coupon.id}, "code": "OTHERSHOP"}
    )

    call_command("sync_plans", stdout=StringIO())
    call_command("sync_plans", stdout=StringIO())  # again: nothing new

    offer = Offer.objects.get()
    assert (offer.code, offer.amount_off, offer.duration) == ("winter", 200, "once")
    assert list(offer.plans.all()) == [monthly]
    assert offers.state(offer) == offers.OPEN


def test_an_offer_on_a_tiers_plan_is_a_coupon_for_that_tiers_product_only(
    local_stripe, admin_client
):
    product = local_stripe.client.v1.products.create({"name": "Member"})
    local_stripe.client.v1.plans.create(
        {
            "id": "member-monthly",
            "product": product.id,
            "amount": 500,
            "currency": "eur",
            "interval": "month",
        }
    )
    tier = Tier.objects.create(name="Member", stripe_product_id=product.id)
    plan = Plan.objects.create(
        name="Member monthly",
        slug="member-monthly",
        stripe_price_id="member-monthly",
        amount=500,
        tier=tier,
    )
    response = admin_client.post(
        "/admin/billing/offer/add/",
        {
            "name": "Member offer",
            "code": "member",
            "percent_off": "10",
            "currency": "eur",
            "duration": "forever",
            "plans": [plan.pk],
            "active": "on",
        },
    )

    assert response.status_code == 302
    offer = Offer.objects.get()
    coupon = local_stripe.client.v1.coupons.retrieve(offer.stripe_coupon_id)
    assert coupon["applies_to"]["products"] == [product.id]
    # Applied by the site on the tier's plan: accepted.
    checkout = Client().post(
        "/billing/checkout/member-monthly/", {"email": "ada@example.com", "offer": "member"}
    )
    assert checkout.status_code == 303
