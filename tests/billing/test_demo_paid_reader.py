"""`make run`'s demo: a paid reader's account page looks like a real paid reader's."""

import re

import pytest
from django.core.management import call_command

from billing.models import Plan, Subscription
from billing.sync import ensure_user

pytestmark = pytest.mark.django_db


def test_a_demo_paid_readers_account_shows_a_plan_and_when_it_renews(client):
    call_command("seed_demo", stdout=None)
    paying = Subscription.objects.filter(status="active").select_related("subscriber")
    assert paying.count() == 18 and not paying.filter(plan=None).exists()
    client.force_login(ensure_user(paying.filter(interval="year").first().subscriber))

    page = client.get("/account/").content.decode()

    assert "You are a paid reader." in page
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", page, re.S).group(1)
    assert "Yearly (demo)" in row and "Active" in row
    assert re.search(r"renews \w+\.? \d+, \d{4}", row)


def test_the_demo_plans_are_offered_to_nobody(client, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_solo"  # even once payments are on
    call_command("seed_demo", stdout=None)
    assert set(Plan.objects.values_list("active", flat=True)) == {False}
    assert "(demo)" not in client.get("/pricing/").content.decode()
