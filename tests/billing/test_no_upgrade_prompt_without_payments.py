"""Without Stripe keys nobody can pay: no page or email offers an upgrade that leads to "Paid
plans are not available yet". With the keys, every prompt is back."""

import pytest

from billing.access import ANONYMOUS
from newsletter.emails import render_issue
from newsletter.models import Issue
from notes.models import Note
from tests.billing.readers import make_reader

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_note(make_note, premium_body):
    return make_note("Locked", slug="locked", body=premium_body, visibility=Note.Visibility.PAID)


@pytest.fixture(params=["off", "on"])
def payments(request, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_solo" if request.param == "on" else ""
    return request.param == "on"


def test_a_paid_note_offers_plans_only_when_readers_can_pay(client, paid_note, payments):
    page = client.get(paid_note.get_absolute_url()).content.decode()
    assert ("See the plans" in page) is payments
    assert ('href="/pricing/' in page) is payments  # neither the paywall nor the menu
    assert 'class="note-locked paywall"' in page and 'action="/subscribe/"' in page


def test_the_pricing_page_is_in_the_menu_only_when_readers_can_pay(client, payments):
    page = client.get("/pricing/").content.decode()
    assert ('<a href="/pricing/">Pricing</a>' in page) is payments
    assert ("Paid plans are not available yet." in page) is not payments


def test_the_free_email_has_an_upgrade_link_only_when_readers_can_pay(premium_note, payments):
    free = render_issue(Issue.objects.create(note=premium_note), ANONYMOUS)  # a free reader's copy
    for part in (free.text, free.html):
        assert ("/pricing/" in part) is payments
        assert "The rest of this note is for paid subscribers." in part
        assert "http://testserver" + premium_note.get_absolute_url() in part


def test_a_free_readers_account_offers_plans_only_when_readers_can_pay(
    client, django_user_model, payments
):
    client.force_login(make_reader("free", django_user_model))
    page = client.get("/account/").content.decode()
    assert "You are a free reader." in page
    assert ("See plans" in page) is payments


def test_a_paid_reader_is_offered_billing_only_when_payments_are_on(
    client, django_user_model, payments
):
    client.force_login(make_reader("paid", django_user_model))
    page = client.get("/account/").content.decode()
    assert "You are a paid reader." in page
    assert ("Manage billing" in page) is payments
