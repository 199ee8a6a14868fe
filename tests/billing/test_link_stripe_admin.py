"""The admin's "Link paying readers from Stripe": the author sees the account's prices with their
products and subscriptions, ticks those that count as plans, reads a dry run, then links."""

import pytest
from django.test import TestCase
from django.urls import reverse

from billing.access import paid_subscribers
from billing.models import Plan, Subscription
from solo.models import ImportRun

from .test_link_stripe import old_platform  # noqa: F401 - the fixture

LINK = reverse("admin:moving_link_stripe")
pytestmark = pytest.mark.django_db


def post(client, data):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(LINK, data)
    assert response.status_code == 302, response.content.decode()
    return client.get(response.url).content.decode()


def test_the_page_lists_prices_with_their_product_and_number_of_subscriptions(
    admin_client,
    local_stripe,
    old_platform,  # noqa: F811
):
    page = admin_client.get(LINK).content.decode()

    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert "Newsletter" in rows[0] and "old_monthly" in rows[0] and "<td>4</td>" in rows[0]
    assert "Course" in rows[1] and "course" in rows[1] and "<td>1</td>" in rows[1]
    assert "8 EUR / month" in rows[0]


def test_a_dry_run_reports_who_would_be_linked_then_linking_gives_them_access(
    admin_client,
    local_stripe,
    old_platform,  # noqa: F811
):
    page = post(admin_client, {"prices": ["old_monthly"]})

    assert "dry run" in page and "<li>3 linked</li>" in page and "<li>1 not linked</li>" in page
    assert "katherine@example.com: by email" in page
    assert "the Stripe customer has no email address" in page
    assert not Plan.objects.exists() and not Subscription.objects.exists()

    page = post(admin_client, {"prices": ["old_monthly"], "link": "1"})

    assert "<li>3 linked</li>" in page and "<li>1 on other prices, left alone</li>" in page
    paying = set(paid_subscribers().values_list("email", flat=True))
    assert paying == {"katherine@example.com", "grace@example.com", "newcomer@example.com"}
    assert list(Plan.objects.values_list("stripe_price_id", flat=True)) == ["old_monthly"]
    run = ImportRun.objects.filter(options__dry_run=False).get()
    report = admin_client.get(reverse("admin:moving_run_report", args=[run.pk])).content
    assert b"Linked: 3" in report and b"Not linked: 1" in report

    page = admin_client.get(LINK).content.decode()
    assert 'value="old_monthly" id="price-1" checked' in page  # a plan now: ticked already


def test_linking_again_from_the_admin_changes_nothing(
    admin_client,
    local_stripe,
    old_platform,  # noqa: F811
):
    post(admin_client, {"prices": ["old_monthly"], "link": "1"})
    before = list(Subscription.objects.order_by("stripe_id").values())

    page = post(admin_client, {"prices": ["old_monthly"], "link": "1"})

    assert "<li>0 linked</li>" in page and "<li>3 already linked</li>" in page
    assert list(Subscription.objects.order_by("stripe_id").values()) == before


def test_no_price_ticked_or_an_unknown_one_is_a_form_error_and_starts_nothing(
    admin_client,
    local_stripe,
    old_platform,  # noqa: F811
):
    for data in ({}, {"prices": ["price_typo"]}):
        response = admin_client.post(LINK, data)
        assert response.status_code == 200
        assert "errorlist" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_without_stripe_keys_the_page_says_so(admin_client, settings):
    settings.STRIPE_SECRET_KEY = ""

    response = admin_client.get(LINK)

    assert response.status_code == 200
    assert "Stripe is not configured" in response.content.decode()


def test_only_an_author_who_may_add_plans_and_readers_opens_it(staff_client):
    assert staff_client.get(LINK).status_code == 403
