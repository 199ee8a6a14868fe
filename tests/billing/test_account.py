"""The reader's account page: plan, status, renewal or end date, billing and newsletter."""

from datetime import UTC, datetime

import pytest

from billing.models import Plan, Subscription
from tests.billing.readers import make_reader

pytestmark = pytest.mark.django_db


def test_a_paid_reader_sees_plan_status_renewal_date_and_billing(
    client, django_user_model, payments_on
):
    user = make_reader("paid", django_user_model)
    plan = Plan.objects.create(
        name="Monthly", slug="monthly", stripe_price_id="monthly", amount=500
    )
    Subscription.objects.update(plan=plan, current_period_end=datetime(2027, 3, 1, tzinfo=UTC))
    client.force_login(user)

    page = client.get("/account/").content.decode()

    assert "You are a paid reader." in page
    assert "Monthly" in page and "Active" in page
    assert "renews March 1, 2027" in page
    assert "Manage billing" in page
    assert "/feed/private/" in page
    assert "Sign out" in page


def test_a_reader_who_cancels_at_period_end_sees_when_access_ends(client, django_user_model):
    user = make_reader("paid", django_user_model)
    Subscription.objects.update(
        cancel_at_period_end=True, current_period_end=datetime(2027, 3, 1, tzinfo=UTC)
    )
    client.force_login(user)
    assert "ends March 1, 2027" in client.get("/account/").content.decode()


def test_a_free_reader_is_offered_the_plans_and_no_private_feed(client, django_user_model):
    client.force_login(make_reader("free", django_user_model))
    page = client.get("/account/").content.decode()
    assert "You are a free reader." in page
    assert "/feed/private/" not in page
    assert "Manage billing" not in page


def test_a_paid_reader_is_not_sent_to_checkout_twice(client, django_user_model, local_stripe):
    Plan.objects.create(name="Monthly", slug="monthly", stripe_price_id="monthly", amount=500)
    client.force_login(make_reader("paid", django_user_model))
    response = client.post("/billing/checkout/monthly/")
    assert response.status_code == 302 and response["Location"] == "/account/"


def test_back_from_checkout_before_paying_says_so(client, local_stripe):
    local_stripe.create_price("monthly")
    Plan.objects.create(name="Monthly", slug="monthly", stripe_price_id="monthly", amount=500)
    response = client.post("/billing/checkout/monthly/", {"email": "ada@example.com"})
    session_id = response["Location"].rsplit("/", 1)[1]
    response = client.get(f"/billing/success/?session_id={session_id}")
    assert response.status_code == 202
    assert "not finished yet" in response.content.decode()
    assert "_auth_user_id" not in client.session
