"""The offer, gift and support pages run the same queries whatever the number of plans, tiers,
offers' redemptions or gifts (rule constant-sql)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import Gift, Offer, OfferPayment, Plan, Tier

pytestmark = pytest.mark.django_db


def _add(n: int, offer: Offer, start: int) -> None:
    for i in range(start, start + n):
        tier = Tier.objects.create(name=f"Tier {i}", position=i)
        plan = Plan.objects.create(
            name=f"P{i}", slug=f"p{i}", stripe_price_id=f"price_{i}", amount=500, tier=tier
        )
        offer.plans.add(plan)
        OfferPayment.objects.create(offer=offer, stripe_id=f"cs_{i}", amount=400)


def _queries(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in queries]


def test_offer_gift_and_support_pages_do_not_grow_their_sql(client, payments_on):
    offer = Offer.objects.create(
        code="spring", name="Spring", percent_off=20, stripe_promotion_code_id="promo_1"
    )
    _add(1, offer, 0)
    client.get("/gift/")  # warm the site settings
    small = {path: _queries(client, path) for path in ("/offer/spring/", "/gift/", "/support/")}

    _add(12, offer, 1)
    Gift.objects.bulk_create(
        Gift(
            stripe_session_id=f"cs_gift_{i}",
            months=1,
            amount=500,
            currency="eur",
            buyer_email="b@example.com",
            recipient_email="r@example.com",
            send_at=offer.created_at,
        )
        for i in range(20)
    )
    for path, queries in small.items():
        assert len(_queries(client, path)) == len(queries), path
