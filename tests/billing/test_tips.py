"""/support/: a reader tips the amount they choose; the tip is recorded and thanked once."""

import pytest

from billing.access import ANONYMOUS
from billing.models import CheckoutSession, Tip
from newsletter.emails import render_issue
from newsletter.models import Issue

from .payloads import event

pytestmark = pytest.mark.django_db


def test_a_tip_from_a_note_is_recorded_and_thanked_once_however_often_stripe_sends_it(
    local_stripe, client, make_note, post_event, smtp_server, django_capture_on_commit_callbacks
):
    note = make_note(title="On gardens", slug="on-gardens")
    page = client.get("/support/?note=on-gardens").content.decode()
    assert 'name="note" value="on-gardens"' in page

    response = client.post("/support/", {"amount": "7.50", "note": "on-gardens"})

    assert response.status_code == 303
    session_id = response["Location"].rsplit("/", 1)[1]
    session = local_stripe.client.v1.checkout.sessions.retrieve(session_id)
    assert (session["mode"], session["amount_total"]) == ("payment", 750)
    assert session["metadata"].to_dict() == {"kind": "tip", "note": "on-gardens"}
    paid = local_stripe.pay(response["Location"], email="Fan@Example.com")
    assert (paid["status"], paid["payment_intent"][:3]) == ("complete", "pi_")
    assert paid["subscription"] is None

    completed = event("checkout.session.completed", paid)
    with django_capture_on_commit_callbacks(execute=True):
        for delivery in (completed, completed, event("checkout.session.completed", paid)):
            assert post_event(delivery).status_code == 200

    tip = Tip.objects.get()
    assert (tip.amount, tip.currency, tip.email, tip.note) == (750, "eur", "fan@example.com", note)
    assert smtp_server.recipients() == ["fan@example.com"]
    assert "7.50 EUR" in smtp_server.messages[0].message.get_content()
    assert "Thank you" in client.get("/support/?thanks=1").content.decode()


@pytest.mark.parametrize("amount", ["0", "0.50", "1000.01", "abc", "", "-5"])
def test_an_amount_out_of_bounds_gets_a_form_error_and_no_checkout(local_stripe, client, amount):
    response = client.post("/support/", {"amount": amount})

    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not CheckoutSession.objects.exists()


def test_a_tip_session_started_elsewhere_on_the_account_records_nothing(local_stripe, post_event):
    foreign = {
        "id": "cs_test_elsewhere",
        "object": "checkout.session",
        "mode": "payment",
        "status": "complete",
        "payment_status": "paid",
        "amount_total": 900,
        "currency": "eur",
        "metadata": {"kind": "tip"},
        "customer_details": {"email": "someone@example.com"},
    }
    assert post_event(event("checkout.session.completed", foreign)).status_code == 200
    assert not Tip.objects.exists()


def test_the_support_page_speaks_french(client, db, settings, payments_on):
    settings.LANGUAGE_CODE = "fr"
    page = client.get("/support/").content.decode()
    assert "Soutenir ce travail" in page


@pytest.mark.parametrize("payments", [True, False])
def test_notes_and_their_emails_carry_a_support_link_only_when_readers_can_pay(
    client, make_note, settings, payments
):
    settings.STRIPE_SECRET_KEY = "sk_test_solo" if payments else ""
    note = make_note(title="On gardens", slug="on-gardens")

    page = client.get(note.get_absolute_url()).content.decode()
    email = render_issue(Issue.objects.create(note=note), ANONYMOUS)

    assert ('href="/support/?note=on-gardens"' in page) is payments
    assert ("http://testserver/support/?note=on-gardens" in email.text) is payments
    assert ('href="http://testserver/support/?note=on-gardens"' in email.html) is payments


def test_a_tip_while_stripe_is_unreachable_says_so_and_records_nothing(
    client, db, settings, payments_on
):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # the discard port: nothing answers there
    tip = client.post("/support/", {"amount": "5", "note": ""})
    assert tip.status_code == 502
    assert "not available right now" in tip.content.decode()
    assert not CheckoutSession.objects.exists()
