"""A plan added in the admin without Stripe keys changes nothing on the site: the Plan admin says
so at the top, and stops saying it once the keys are set."""

import pytest

from billing.models import Plan

pytestmark = pytest.mark.django_db

WARNING = "Payments are off: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET"


@pytest.fixture
def author(client, django_user_model):
    user = django_user_model.objects.create_superuser("author", "author@example.com", "pw-x-123")
    client.force_login(user)
    return client


def test_the_plan_admin_warns_that_payments_are_off_without_stripe_keys(author, settings):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""
    for url in ("/admin/billing/plan/", "/admin/billing/plan/add/"):
        page = author.get(url).content.decode()
        assert 'class="warning"' in page and WARNING in page, url

    settings.STRIPE_SECRET_KEY = "sk_test_solo"  # the webhook secret is still missing
    assert WARNING in author.get("/admin/billing/plan/").content.decode()


def test_the_plan_admin_is_quiet_once_stripe_is_set_up(author, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_solo"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_solo"
    plan = Plan.objects.create(name="Monthly", slug="monthly", stripe_price_id="p", amount=500)
    for url in ("/admin/billing/plan/", f"/admin/billing/plan/{plan.pk}/change/"):
        assert WARNING not in author.get(url).content.decode(), url


def test_saving_a_plan_without_stripe_keys_warns_once_on_the_next_page(author, settings):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""
    response = author.post(
        "/admin/billing/plan/add/",
        {
            "name": "Monthly",
            "slug": "monthly",
            "stripe_price_id": "price_1",
            "amount": "500",
            "currency": "eur",
            "interval": "month",
            "active": "on",
            "order": "0",
            "trial_days": "0",
        },
        follow=True,
    )
    assert Plan.objects.filter(slug="monthly").exists()
    assert response.content.decode().count(WARNING) == 1
