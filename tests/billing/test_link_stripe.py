"""Moving in with paying readers: their subscriptions already live in the author's Stripe account
(Substack, Ghost). link_stripe_subscribers adopts the prices the author picks and links each
subscription on them to its reader, with no checkout and no charge; other prices are left alone."""

from io import StringIO

import pytest
from django.core.management import call_command

from billing.access import paid_subscribers
from billing.models import Customer, Plan, Subscription
from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


def run(*options) -> str:
    out = StringIO()
    call_command("link_stripe_subscribers", *options, stdout=out)
    return out.getvalue()


@pytest.fixture
def old_platform(local_stripe):
    """The Stripe account a Substack and Ghost publication used, as the author connects it."""
    local_stripe.create_price("old_monthly", amount=800, product_name="Newsletter", solo=False)
    local_stripe.create_price("course", amount=2900, product_name="Course", solo=False)

    def paying(email, price="old_monthly"):
        customer = local_stripe.client.v1.customers.create({"email": email} if email else {})
        return customer, local_stripe.subscribe(customer.id, price)

    readers = {
        "katherine": paying("katherine@example.com"),  # imported from the Substack list
        "grace": paying("grace.new-address@example.com"),  # Ghost kept her customer id
        "newcomer": paying("newcomer@example.com"),  # paid, but not in the imported list
        "no_email": paying(None),
        "student": paying("student@example.com", price="course"),
    }
    Subscriber.objects.create(email="katherine@example.com", status="active", source="import")
    Subscriber.objects.create(
        email="grace@example.com",
        status="active",
        source="import",
        imported={"platform": "ghost", "stripe_customer_id": readers["grace"][0].id},
    )
    return readers


def _charges(local_stripe) -> tuple[int, int]:
    client = local_stripe.client.v1
    subscriptions = client.subscriptions.list({"status": "all", "limit": 100}).data
    invoices = sum(
        len(client.invoices.list({"customer": s.customer, "limit": 100}).data)
        for s in subscriptions
    )
    return len(subscriptions), invoices


def test_paying_readers_are_linked_by_customer_id_or_email_without_a_new_charge(
    local_stripe, old_platform
):
    charges = _charges(local_stripe)

    output = run("--price", "old_monthly")

    assert _charges(local_stripe) == charges  # no new subscription, no new invoice
    paying = set(paid_subscribers().values_list("email", flat=True))
    assert paying == {"katherine@example.com", "grace@example.com", "newcomer@example.com"}
    assert Plan.objects.get().stripe_price_id == "old_monthly"
    assert "Linked: 3" in output
    assert "katherine@example.com: by email" in output
    assert "grace@example.com: by the Stripe customer id in the imported list" in output
    assert "newcomer@example.com: new subscriber" in output
    no_email_customer = old_platform["no_email"][0].id
    assert "Not linked: 1" in output
    assert f"{no_email_customer}: the Stripe customer has no email address" in output
    assert "1 subscription(s) on other prices left alone" in output


def test_a_subscription_on_a_price_not_picked_gives_no_access_and_no_subscriber(
    local_stripe, old_platform
):
    run("--price", "old_monthly")

    assert not Subscriber.objects.filter(email="student@example.com").exists()
    assert not Customer.objects.filter(stripe_id=old_platform["student"][0].id).exists()
    assert not Plan.objects.filter(stripe_price_id="course").exists()


def test_linking_twice_changes_nothing_the_second_time(local_stripe, old_platform):
    run("--price", "old_monthly")
    before = list(Subscription.objects.order_by("stripe_id").values())

    output = run("--price", "old_monthly")

    assert list(Subscription.objects.order_by("stripe_id").values()) == before
    assert "old_monthly: already a plan" in output
    assert "Linked: 0" in output and "Already linked: 3" in output
    assert Subscriber.objects.count() == 3


def test_a_dry_run_reports_who_would_be_linked_and_changes_nothing(local_stripe, old_platform):
    output = run("--price", "old_monthly", "--dry-run")

    assert "Linked: 3" in output and "Dry run" in output
    assert not Plan.objects.exists()
    assert not Subscription.objects.exists()
    assert Subscriber.objects.count() == 2


def test_an_unknown_price_is_reported_and_links_nobody(local_stripe, old_platform):
    output = run("--price", "price_typo")

    assert "price_typo: unknown to Stripe, skipped" in output
    assert not Subscription.objects.exists()
