"""Setting up tiers: in the admin (which makes the product and prices in Stripe), or in Stripe's
dashboard and adopted by `sync_plans` (the product's name and description become the tier's)."""

from io import StringIO

import pytest
from django.core.management import call_command

from billing.models import Plan, Tier

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(client, django_user_model):
    user = django_user_model.objects.create_superuser("author", "author@example.com", "pw-x-123")
    client.force_login(user)
    return client


def plan_row(index, name, slug, amount, interval, **extra):
    row = {
        "name": name,
        "slug": slug,
        "amount": str(amount),
        "currency": "eur",
        "interval": interval,
        "trial_days": "0",
        "minimum_amount": "",
        "active": "on",
        "order": "0",
        **extra,
    }
    return {f"plans-{index}-{key}": value for key, value in row.items()}


def tier_form(*rows):
    return {
        "name": "Founding member",
        "description": "For the most committed readers.",
        "benefits": "Every premium note\nA thank-you in each issue",
        "position": "2",
        "active": "on",
        "plans-TOTAL_FORMS": str(len(rows)),
        "plans-INITIAL_FORMS": "0",
        "plans-MIN_NUM_FORMS": "0",
        "plans-MAX_NUM_FORMS": "1000",
        **{key: value for row in rows for key, value in row.items()},
    }


def test_a_tier_made_in_the_admin_is_a_solo_product_with_a_price_per_plan(local_stripe, author):
    response = author.post(
        "/admin/billing/tier/add/",
        tier_form(
            plan_row(0, "Founding monthly", "founding-month", 1500, "month", trial_days="7"),
            plan_row(1, "Founding yearly", "founding-year", 15000, "year", minimum_amount="12000"),
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    tier = Tier.objects.get()
    assert tier.benefit_list == ["Every premium note", "A thank-you in each issue"]
    product = local_stripe.client.v1.products.retrieve(tier.stripe_product_id)
    assert product["name"] == "Founding member"
    assert product["metadata"]["solo"] == "true"
    plans = {plan.slug: plan for plan in tier.plans.all()}
    assert plans["founding-month"].trial_days == 7
    assert plans["founding-year"].minimum_amount == 12000
    for plan in plans.values():
        price = local_stripe.client.v1.prices.retrieve(plan.stripe_price_id)
        assert (price["product"], price["unit_amount"]) == (tier.stripe_product_id, plan.amount)
        assert price["recurring"]["interval"] == plan.interval

    # Pulling from Stripe afterwards adopts nothing twice.
    out = StringIO()
    call_command("sync_plans", stdout=out)
    assert "created" not in out.getvalue()
    assert (Tier.objects.count(), Plan.objects.count()) == (1, 2)


def test_without_stripe_keys_the_admin_refuses_prices_it_cannot_create(author, settings):
    settings.STRIPE_SECRET_KEY = ""
    response = author.post(
        "/admin/billing/tier/add/",
        tier_form(plan_row(0, "Monthly", "monthly", 500, "month")),
    )
    assert response.status_code == 200
    assert "Payments are off" in response.content.decode()
    assert not Plan.objects.exists()


def test_sync_plans_adopts_products_made_in_stripe_as_tiers(local_stripe):
    local_stripe.create_price("member-m", amount=500, interval="month", product_name="Member")
    local_stripe.create_price("founding-m", amount=2000, interval="month", product_name="Founding")

    call_command("sync_plans", stdout=StringIO())

    tiers = list(Tier.objects.all())
    assert [t.name for t in tiers] == ["Member", "Founding"]
    assert tiers[0].position < tiers[1].position
    assert Plan.objects.get(stripe_price_id="founding-m").tier == tiers[1]

    # Renamed in Stripe: the tier follows; its place and benefits are the author's.
    tiers[1].benefits = "A call a year"
    tiers[1].save()
    local_stripe.client.v1.products.update(
        tiers[1].stripe_product_id, {"name": "Founding member", "description": "The first ones."}
    )
    call_command("sync_plans", stdout=StringIO())
    tiers[1].refresh_from_db()
    assert (tiers[1].name, tiers[1].description) == ("Founding member", "The first ones.")
    assert tiers[1].benefits == "A call a year"


def test_when_stripe_cannot_be_reached_the_admin_says_so_and_saves_nothing(
    local_stripe, author, settings
):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nobody listens there
    response = author.post(
        "/admin/billing/tier/add/",
        tier_form(plan_row(0, "Monthly", "monthly", 500, "month")),
        follow=True,
    )
    assert response.status_code == 200
    assert "nothing was saved here" in response.content.decode()
    assert not Tier.objects.exists() and not Plan.objects.exists()
