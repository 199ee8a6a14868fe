"""sync_plans and reconcile_stripe against the local Stripe (both idempotent, both print)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing.models import Customer, Plan, Subscription
from billing.tasks import reconcile_stripe
from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


def run(name: str) -> str:
    out = StringIO()
    call_command(name, stdout=out)
    return out.getvalue()


def test_sync_plans_turns_active_recurring_prices_into_plans(local_stripe):
    local_stripe.create_price("price_m", amount=500, interval="month")
    local_stripe.create_price("price_y", amount=4800, interval="year", lookup_key="supporter")

    output = run("sync_plans")

    assert "created plan month (price_m)" in output
    assert "created plan supporter (price_y)" in output
    plans = {p.slug: p for p in Plan.objects.all()}
    assert (plans["month"].amount, plans["month"].interval) == (500, "month")
    assert (plans["supporter"].stripe_price_id, plans["supporter"].interval) == ("price_y", "year")
    assert run("sync_plans") == ""  # idempotent


def test_reconcile_repairs_a_missed_webhook_and_a_second_customer(local_stripe, monthly_plan):
    subscriber = Subscriber.objects.create(email="ada@example.com", status="active")
    first = local_stripe.create_customer("ada@example.com")
    Customer.objects.create(stripe_id=first.id, subscriber=subscriber, email="ada@example.com")
    sub = local_stripe.subscribe(first.id)
    Subscription.objects.create(
        stripe_id=sub.id,
        customer_id=Customer.objects.get().pk,
        subscriber=subscriber,
        status="past_due",
        state_at="2020-01-01T00:00Z",
    )  # we missed the webhook that made it active
    second = local_stripe.create_customer("ada@example.com")  # e.g. a checkout as a new customer
    other = local_stripe.subscribe(second.id)

    output = run("reconcile_stripe")

    assert f"linked second customer {second.id} to ada@example.com" in output
    assert f"added missing subscription {other.id} (active)" in output
    assert f"{sub.id}: past_due → active (repaired)" in output
    assert set(Subscription.objects.values_list("status", flat=True)) == {"active"}
    assert Subscription.objects.filter(subscriber=subscriber).count() == 2
    assert run("reconcile_stripe").strip() == "0 change(s)"


def test_the_weekly_task_runs_the_same_reconciliation(local_stripe, monthly_plan):
    subscriber = Subscriber.objects.create(email="bo@example.com", status="active")
    customer = local_stripe.create_customer("bo@example.com")
    Customer.objects.create(stripe_id=customer.id, subscriber=subscriber, email="bo@example.com")
    local_stripe.subscribe(customer.id)
    assert reconcile_stripe.delay().get() == 1
    assert Subscription.objects.get().status == "active"


def test_the_commands_say_clearly_when_stripe_is_not_configured(settings):
    settings.STRIPE_SECRET_KEY = ""
    for name in ("sync_plans", "reconcile_stripe"):
        with pytest.raises(CommandError, match="STRIPE_SECRET_KEY"):
            call_command(name)
