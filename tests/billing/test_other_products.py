"""The Stripe account may sell other things: only subscriptions to Solo's own prices (its plans)
make paid readers or subscribers; the others are noted as ignored and shown by reconcile_stripe."""

from io import StringIO

import pytest
from django.core.management import call_command

from billing.models import Customer, Plan, StripeEvent, Subscription
from newsletter.models import Subscriber
from tests.billing import payloads

pytestmark = pytest.mark.django_db


def run(name: str) -> str:
    out = StringIO()
    call_command(name, stdout=out)
    return out.getvalue()


@pytest.fixture
def course_buyer(local_stripe):
    """A customer of the author's video course, sold from the same Stripe account."""
    local_stripe.create_price("course_monthly", amount=2900, product_name="Course", solo=False)
    customer = local_stripe.create_customer("student@example.com")
    return customer


def test_a_subscription_to_another_product_makes_no_paid_reader_and_no_subscriber(
    local_stripe, monthly_plan, post_event, course_buyer
):
    sub = payloads.subscription("sub_course", course_buyer.id, price="course_monthly")
    local_stripe.put_subscription(sub)

    response = post_event(payloads.event("customer.subscription.created", sub))

    assert response.status_code == 200
    assert "ignored" in response.content.decode()
    assert not Subscriber.objects.exists()
    assert not Customer.objects.exists()
    assert not Subscription.objects.exists()
    assert StripeEvent.objects.get().processed_at is not None


def test_another_products_checkout_makes_no_subscriber(
    local_stripe, monthly_plan, post_event, course_buyer
):
    session = local_stripe.client.v1.checkout.sessions.create(
        {
            "mode": "subscription",
            "line_items": [{"price": "course_monthly", "quantity": 1}],
            "customer_email": "student@example.com",
            "success_url": "https://course.example.com/thanks",
        }
    )
    paid = local_stripe.pay(session.url)

    response = post_event(payloads.event("checkout.session.completed", paid))

    assert response.status_code == 200
    assert not Subscriber.objects.exists()
    assert not Subscription.objects.exists()


def test_reconcile_lists_the_subscriptions_it_ignores_and_adds_none(
    local_stripe, monthly_plan, course_buyer
):
    # A Solo reader who also follows the course: the course subscription grants nothing here.
    reader = Subscriber.objects.create(email="student@example.com", status="active")
    Customer.objects.create(stripe_id=course_buyer.id, subscriber=reader, email=reader.email)
    course = local_stripe.subscribe(course_buyer.id, "course_monthly")

    output = run("reconcile_stripe")

    assert f"ignored {course.id}" in output
    assert "course_monthly" in output
    assert not Subscription.objects.exists()
    assert f"ignored {course.id}" in run("reconcile_stripe")  # still shown, still idempotent


def test_sync_plans_adopts_only_solo_products_and_says_how_to_mark_the_others(local_stripe):
    local_stripe.create_price("monthly", amount=500, interval="month")
    local_stripe.create_price("course_monthly", amount=2900, product_name="Course", solo=False)

    output = run("sync_plans")

    assert list(Plan.objects.values_list("stripe_price_id", flat=True)) == ["monthly"]
    assert "Course" in output and "skipped" in output
    assert "solo" in output and "true" in output  # how to mark a product as Solo's
