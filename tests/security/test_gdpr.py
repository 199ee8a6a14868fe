"""GDPR: a reader downloads and erases their data from /account/; the author does both from the
subscriber admin. Erasure anonymises the subscriber so delivery counts and revenue stay true."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from billing.models import Customer, PrivateFeed, StripeEvent, Subscription
from billing.sync import ensure_user
from newsletter.models import Click, Delivery, Issue, Subscriber
from tests.billing.readers import make_reader

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(public_note):
    """Ana: a reader who got two issues, paid once (cancelled since), signed in, has a feed."""
    ana = Subscriber.objects.create(
        email="ana@example.com",
        name="Ana Lopez",
        status="active",
        confirmed_at=timezone.now(),
        signup_note=public_note,
    )
    other = Subscriber.objects.create(email="bob@example.com", status="active")
    for n in range(2):
        issue = Issue.objects.create(note=public_note, subject=f"Issue {n}", status="sent")
        mine = Delivery.objects.create(
            issue=issue, subscriber=ana, status="sent", sent_at=timezone.now()
        )
        theirs = Delivery.objects.create(issue=issue, subscriber=other, status="sent")
    Click.objects.create(issue=issue, delivery=mine, url="https://example.org/ana-read-this")
    Click.objects.create(issue=issue, delivery=theirs, url="https://example.org/bob-read-this")
    customer = Customer.objects.create(stripe_id="cus_ana", subscriber=ana, email="ana@example.com")
    Subscription.objects.create(
        stripe_id="sub_ana",
        customer=customer,
        subscriber=ana,
        status="canceled",
        amount=500,
        interval="month",
        state_at=timezone.now(),
    )
    StripeEvent.objects.create(
        event_id="evt_ana",
        type="checkout.session.completed",
        processed_at=timezone.now(),
        payload={
            "id": "evt_ana",
            "data": {"object": {"customer": "cus_ana", "customer_email": "ana@example.com"}},
        },
    )
    StripeEvent.objects.create(
        event_id="evt_bob",
        type="customer.updated",
        processed_at=timezone.now(),
        payload={"id": "evt_bob", "data": {"object": {"id": "cus_bob", "email": "bob@x.org"}}},
    )
    PrivateFeed.objects.create(subscriber=ana)
    ensure_user(ana)
    return ana


def _everything_about_ana() -> str:
    """Every stored value that could carry Ana's identity, as one string."""
    rows = [
        list(Subscriber.objects.values_list("email", "name")),
        list(get_user_model().objects.values_list("username", "email")),
        list(Customer.objects.values_list("email", flat=True)),
        list(StripeEvent.objects.values_list("payload", flat=True)),
        list(Delivery.objects.values_list("last_error", flat=True)),
    ]
    return json.dumps(rows, default=str)


def test_a_reader_downloads_their_data_as_json(client, reader):
    client.force_login(reader.user)
    page = client.get("/account/").content.decode()
    assert "Download my data (JSON)" in page and "Erase my data" in page

    response = client.get("/account/data.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["subscriber"]["email"] == "ana@example.com"
    assert data["subscriber"]["name"] == "Ana Lopez"
    assert [d["issue"] for d in data["newsletter_deliveries"]] == ["Issue 0", "Issue 1"]
    assert data["stripe_customers"][0]["id"] == "cus_ana"
    assert data["subscriptions"][0]["status"] == "canceled"
    assert data["stripe_events"] == ["evt_ana"]
    assert data["private_feed"] is True
    assert data["subscriber"]["signed_up_from_note"] == reader.signup_note.slug
    assert [c["url"] for c in data["links_clicked"]] == ["https://example.org/ana-read-this"]
    assert data["page_views"].startswith("Not linked to you")  # analytics keeps no reader's
    assert "bob" not in response.content.decode()


def test_only_a_signed_in_reader_gets_data_and_the_erase_page(client, reader):
    assert client.get("/account/data.json").status_code == 302
    assert client.post("/account/erase/").status_code == 302
    assert Subscriber.objects.get(pk=reader.pk).email == "ana@example.com"


def test_a_reader_erases_their_data_and_the_counts_stay(client, reader, public_note):
    client.force_login(reader.user)
    sent_before = {i.pk: i.deliveries.counts_by_status()["sent"] for i in Issue.objects.all()}
    assert "ana" in _everything_about_ana().lower()  # control: the check below can fail
    assert "ana@example.com" in client.get("/account/erase/").content.decode()

    response = client.post("/account/erase/", follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert "Your personal data has been erased." in response.content.decode()
    assert client.get("/account/").status_code == 302  # signed out, account gone
    ana = Subscriber.objects.get(pk=reader.pk)
    assert ana.email == f"erased-{ana.pk}@invalid"
    assert ana.name == "" and ana.status == "unsubscribed" and ana.user is None
    assert "ana" not in _everything_about_ana().lower()
    assert "bob@x.org" in _everything_about_ana()  # other readers untouched
    assert {
        i.pk: i.deliveries.counts_by_status()["sent"] for i in Issue.objects.all()
    } == sent_before
    assert Delivery.objects.filter(subscriber=ana).count() == 2
    # The row keeps a Stripe customer id (for revenue), so the clicks that row would still tie
    # to Ana go: nothing says which links she followed. Bob's stay.
    assert list(Click.objects.values_list("url", flat=True)) == [
        "https://example.org/bob-read-this"
    ]
    assert Customer.objects.get(stripe_id="cus_ana").subscriber == ana  # id kept for revenue
    assert Subscription.objects.get(stripe_id="sub_ana").amount == 500
    assert not PrivateFeed.objects.filter(subscriber=ana).exists()

    # The same person can come back as a new reader.
    client.post("/subscribe/", {"email": "ana@example.com"})
    assert Subscriber.objects.filter(email="ana@example.com", status="pending").exists()


def test_a_reader_with_a_running_membership_must_cancel_first(client, django_user_model):
    user = make_reader("paid", django_user_model)
    client.force_login(user)
    assert "Cancel it in billing first" in client.get("/account/erase/").content.decode()

    response = client.post("/account/erase/")

    assert response.status_code == 409
    assert Subscriber.objects.get(user=user).email == "paid@example.com"


def _action(admin_client, action, pks):
    return admin_client.post(
        reverse("admin:newsletter_subscriber_changelist"),
        {"action": action, "_selected_action": [str(pk) for pk in pks]},
        follow=True,
    )


def test_the_author_downloads_and_erases_from_the_subscriber_admin(admin_client, reader):
    bob = Subscriber.objects.get(email="bob@example.com")

    response = _action(admin_client, "export_personal_data", [reader.pk, bob.pk])

    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert [d["subscriber"]["email"] for d in data] == ["ana@example.com", "bob@example.com"]
    assert data[0]["account"]["username"] == f"reader-{reader.pk}"

    response = _action(admin_client, "erase_personal_data", [reader.pk])

    assert "1 subscriber erased; delivery counts are kept." in response.content.decode()
    assert "ana" not in _everything_about_ana().lower()
    assert Delivery.objects.filter(subscriber=reader).count() == 2
    assert Subscriber.objects.get(pk=bob.pk).email == "bob@example.com"
    response = _action(admin_client, "erase_personal_data", [reader.pk])  # again: nothing to do
    assert "0 subscribers erased" in response.content.decode()
