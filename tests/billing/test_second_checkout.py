"""A reader who already pays is never sold a second subscription: a second checkout (another
browser, or the same form sent twice) leads to their account and the billing portal instead."""

import pytest
from django.test import Client

from billing.sync import ensure_user
from newsletter.models import Subscriber
from tests.billing.readers import make_reader

pytestmark = pytest.mark.django_db


def test_checking_out_again_with_a_paying_address_leads_to_sign_in_not_to_stripe(
    local_stripe, monthly_plan, django_user_model
):
    make_reader("paid", django_user_model)  # pays monthly, address paid@example.com
    browser = Client()

    response = browser.post("/billing/checkout/monthly/", {"email": "Paid@example.com"})

    assert response.status_code == 302
    assert response["Location"] == "/account/login/"
    page = browser.get(response["Location"]).content.decode()
    assert "already has a paid membership" in page


def test_a_checkout_form_sent_twice_opens_the_same_stripe_page(local_stripe, monthly_plan, client):
    client.force_login(ensure_user(Subscriber.objects.create(email="bo@example.com")))

    first = client.post("/billing/checkout/monthly/")
    second = client.post("/billing/checkout/monthly/")

    assert first.status_code == second.status_code == 303
    assert second["Location"] == first["Location"]
