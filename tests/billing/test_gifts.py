"""Gifts: bought with one payment, sent to the recipient on the chosen day, redeemed once into
paid access that ends on time (time moved, not waited), with a reminder before it ends."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from billing import gifts
from billing.access import paid_condition
from billing.models import CheckoutSession, Comp, Gift, Plan, Tier
from newsletter.models import Subscriber

from .payloads import event

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_plan(local_stripe):
    local_stripe.create_price("member-monthly", amount=500, interval="month")
    tier = Tier.objects.create(name="Member")
    return Plan.objects.create(
        name="Member monthly",
        slug="member-monthly",
        stripe_price_id="member-monthly",
        amount=500,
        interval="month",
        tier=tier,
    )


def paid_at(email: str, moment) -> bool:
    return Subscriber.objects.filter(paid_condition(moment), email=email).exists()


def buy(client, local_stripe, post_event, plan, send_on="", months=3):
    response = client.post(
        "/gift/",
        {
            "plan": plan.pk,
            "months": months,
            "recipient_email": "Bea@Example.com",
            "message": "Happy birthday, Bea!",
            "send_on": send_on,
        },
    )
    assert response.status_code == 303, response.content.decode()
    paid = local_stripe.pay(response["Location"], email="buyer@example.com")
    assert post_event(event("checkout.session.completed", paid)).status_code == 200
    return paid


def test_a_gift_is_sent_on_its_day_redeemed_once_and_ends_on_time(
    local_stripe,
    member_plan,
    client,
    post_event,
    smtp_server,
    make_note,
    premium_body,
    django_capture_on_commit_callbacks,
):
    page = client.get("/gift/").content.decode()
    assert "5.00 EUR" in page and "15.00 EUR" in page and "60.00 EUR" in page
    day = timezone.localdate() + timedelta(days=3)

    with django_capture_on_commit_callbacks(execute=True):
        paid = buy(client, local_stripe, post_event, member_plan, send_on=day.isoformat())
        # Stripe sends the event again: still one gift, one receipt.
        assert post_event(event("checkout.session.completed", paid)).status_code == 200

    assert paid["amount_total"] == 1500 and paid["metadata"]["kind"] == "gift"
    gift = Gift.objects.get()
    assert (gift.months, gift.amount, gift.tier, gift.recipient_email) == (
        3,
        1500,
        member_plan.tier,
        "bea@example.com",
    )
    assert smtp_server.recipients() == ["buyer@example.com"]  # the receipt; Bea waits
    assert "15.00 EUR" in smtp_server.messages[0].message.get_content()

    with django_capture_on_commit_callbacks(execute=True):
        assert gifts.send_due(timezone.now() + timedelta(days=2)) == 0
        assert gifts.send_due(timezone.now() + timedelta(days=3, hours=9)) == 1
        assert gifts.send_due(timezone.now() + timedelta(days=4)) == 0  # once
    assert smtp_server.recipients() == ["buyer@example.com", "bea@example.com"]
    text = smtp_server.messages[1].message.get_content()
    assert "Happy birthday, Bea!" in text
    link = next(line for line in text.splitlines() if "/gift/" in line).strip()
    path = link.removeprefix("http://testserver")

    landing = client.get(path)
    assert landing.status_code == 200
    assert "Redeem my gift" in landing.content.decode()
    assert not Comp.objects.exists()  # a GET (a link scanner) redeems nothing

    recipient = Client()
    response = recipient.post(path)
    assert response.status_code == 302 and response["Location"] == "/account/"
    note = make_note(title="Deep", slug="deep", body=premium_body, visibility="paid")
    assert "SECRET-PREMIUM-TEXT" in recipient.get(note.get_absolute_url()).content.decode()
    assert Subscriber.objects.get(email="bea@example.com").status == Subscriber.Status.ACTIVE

    again = Client().post(path)
    assert again.status_code == 410
    assert "This gift has already been redeemed." in again.content.decode()
    assert Comp.objects.count() == 1

    until = Comp.objects.get().until
    assert timedelta(days=89) <= until - timezone.now() <= timedelta(days=92)
    with django_capture_on_commit_callbacks(execute=True):
        assert gifts.send_due(until - timedelta(days=10)) == 0
        assert gifts.send_due(until - timedelta(days=6)) == 1  # the reminder
        assert gifts.send_due(until - timedelta(days=5)) == 0
    reminder = smtp_server.messages[2]
    assert reminder.rcpt_tos == ["bea@example.com"]
    assert "http://testserver/pricing/" in reminder.message.get_content()
    assert paid_at("bea@example.com", until - timedelta(seconds=1))
    assert not paid_at("bea@example.com", until + timedelta(seconds=1))


def test_a_gift_sent_now_reaches_the_recipient_at_once(
    local_stripe, member_plan, client, post_event, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        buy(client, local_stripe, post_event, member_plan, months=1)

    assert sorted(smtp_server.recipients()) == ["bea@example.com", "buyer@example.com"]
    assert Gift.objects.get().sent_at is not None


def test_an_expired_or_unknown_gift_link_gets_a_clear_answer(
    local_stripe, member_plan, client, post_event, settings
):
    buy(client, local_stripe, post_event, member_plan, months=1)
    gift = Gift.objects.get()
    Gift.objects.update(sent_at=timezone.now() - timedelta(days=settings.GIFT_REDEEM_DAYS + 1))

    assert client.get(gift.get_absolute_url()).status_code == 410
    response = client.post(gift.get_absolute_url())
    assert response.status_code == 410
    assert "This gift link has expired." in response.content.decode()
    assert not Comp.objects.exists()
    assert client.get("/gift/not-a-real-token/").status_code == 404


@pytest.mark.parametrize(
    "field, value",
    [("recipient_email", "not-an-address"), ("months", "7"), ("send_on", "1999-01-01")],
)
def test_a_bad_gift_form_gets_an_error_and_no_checkout(
    local_stripe, member_plan, client, field, value
):
    data = {"plan": member_plan.pk, "months": 3, "recipient_email": "bea@example.com"}
    response = client.post("/gift/", {**data, field: value})

    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not CheckoutSession.objects.exists()


def test_the_admin_lists_gifts_without_their_redeem_links(
    local_stripe, member_plan, client, post_event, admin_client
):
    buy(client, local_stripe, post_event, member_plan, months=12)
    gift = Gift.objects.get()

    listing = admin_client.get("/admin/billing/gift/").content.decode()
    detail = admin_client.get(f"/admin/billing/gift/{gift.pk}/change/").content.decode()

    assert "bea@example.com" in listing and "60.00 EUR" in listing
    assert gift.token not in listing and gift.token not in detail


def test_the_gift_and_offer_pages_speak_french(local_stripe, member_plan, client, settings):
    settings.LANGUAGE_CODE = "fr"
    assert "Offrir un abonnement" in client.get("/gift/").content.decode()
    assert "Cadeau introuvable" in client.get("/gift/nothing-here/").content.decode()
    assert "Offre indisponible" in client.get("/offer/nothing-here/").content.decode()
