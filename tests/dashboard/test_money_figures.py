"""Offers, gifts and tips on the dashboard: counted apart, per note, in constant SQL."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import Gift, Offer, OfferPayment, Tip

pytestmark = pytest.mark.django_db


def _grow(n: int, notes, offer) -> None:
    Tip.objects.bulk_create(
        Tip(stripe_session_id=f"cs_tip_{n}_{i}", amount=500, currency="eur", note=notes[i % 2])
        for i in range(n)
    )
    Gift.objects.bulk_create(
        Gift(
            stripe_session_id=f"cs_gift_{n}_{i}",
            months=3,
            amount=1500,
            currency="eur",
            buyer_email="b@example.com",
            recipient_email=f"r{i}@example.com",
            send_at=timezone.now() - timedelta(days=1),
            redeemed_at=timezone.now() if i % 2 else None,
        )
        for i in range(n)
    )
    OfferPayment.objects.bulk_create(
        OfferPayment(offer=offer, stripe_id=f"cs_offer_{n}_{i}", amount=400, currency="eur")
        for i in range(n)
    )


def test_the_dashboard_counts_offers_gifts_and_tips_apart_in_the_same_queries_for_any_number(
    admin_client, make_note
):
    notes = [make_note(title="On gardens"), make_note(title="On rivers")]
    offer = Offer.objects.create(code="spring", name="Spring", percent_off=20)
    _grow(2, notes, offer)
    admin_client.get(reverse("admin:index"))
    with CaptureQueriesContext(connection) as small:
        page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'class="dash-tips-total">10.00</dd>' in page
    assert "On gardens — 1 · 5.00 EUR" in page

    _grow(300, notes, offer)
    with CaptureQueriesContext(connection) as large:
        page = admin_client.get(reverse("admin:index")).content.decode()

    assert len(large) == len(small)
    assert 'class="dash-offer-redemptions">302</dd>' in page
    assert 'class="dash-offer-revenue">1,208.00</dd>' in page or "1208.00" in page
    assert 'class="dash-gifts-bought">302</dd>' in page
    assert 'class="dash-gifts-redeemed">151</dd>' in page
    assert "On gardens — 151 · 755.00 EUR" in page
