"""Double opt-in: subscribe, confirm by email link, welcome; same answer for every address."""

import re

import pytest
from django.core import signing
from django.urls import reverse

from newsletter import tokens
from newsletter.models import Subscriber, WelcomeEmail


def _link(message, path_prefix: str) -> str:
    text = message.get_body(("plain",)).get_content()
    match = re.search(r"http://testserver(" + re.escape(path_prefix) + r"[^\s]+)", text)
    assert match, text
    return match.group(1)


@pytest.fixture
def subscribe(client, django_capture_on_commit_callbacks):
    def post(email, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("newsletter:subscribe"), {"email": email, **extra})

    return post


def test_reader_subscribes_confirms_and_gets_the_welcome_email(
    db, client, subscribe, smtp_server, django_capture_on_commit_callbacks
):
    WelcomeEmail.objects.create(subject="Hello from the author", body="Glad you are here.")
    response = subscribe(" Ada@Example.COM ", name="Ada")
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    subscriber = Subscriber.objects.get()
    assert (subscriber.email, subscriber.status) == ("ada@example.com", "pending")

    [confirmation] = smtp_server.wait_for(1)
    assert confirmation.rcpt_tos == ["ada@example.com"]
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(_link(confirmation.message, "/subscribe/confirm/"))  # the button
    assert page.status_code == 200
    assert b"you are subscribed" in page.content
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE and subscriber.confirmed_at

    welcome = smtp_server.wait_for(2)[1].message
    assert welcome["Subject"] == "Hello from the author — Solo"  # names the publication
    assert "Glad you are here." in welcome.get_body(("plain",)).get_content()
    assert "/unsubscribe/" in welcome.get_body(("plain",)).get_content()


def test_the_answer_is_the_same_whoever_the_address_belongs_to(db, subscribe, smtp_server):
    Subscriber.objects.create(email="active@example.com", status=Subscriber.Status.ACTIVE)
    Subscriber.objects.create(email="pending@example.com", status=Subscriber.Status.PENDING)
    Subscriber.objects.create(email="gone@example.com", status=Subscriber.Status.UNSUBSCRIBED)
    emails = ["new@example.com", "active@example.com", "pending@example.com", "gone@example.com"]
    answers = {email: subscribe(email) for email in emails}
    assert {r.status_code for r in answers.values()} == {200}
    assert len({r.content for r in answers.values()}) == 1
    # The active reader gets no new confirmation; the others do.
    smtp_server.wait_for(3)
    assert sorted(smtp_server.recipients()) == [
        "gone@example.com",
        "new@example.com",
        "pending@example.com",
    ]


@pytest.mark.parametrize(
    "email",
    ["not-an-email", "", "victim@example.com\r\nBcc: everyone@example.com", "a@b@example.com"],
)
def test_invalid_address_or_header_injection_is_a_form_error_and_sends_nothing(
    db, subscribe, smtp_server, email
):
    response = subscribe(email)
    assert response.status_code == 400
    assert b'class="field-error"' in response.content
    assert Subscriber.objects.count() == 0
    assert smtp_server.messages == []


def test_header_injection_in_the_name_is_refused(db, subscribe, smtp_server):
    response = subscribe("ok@example.com", name="Eve\nBcc: x@example.com")
    assert response.status_code == 400
    assert Subscriber.objects.count() == 0


def test_a_filled_honeypot_looks_like_success_but_stores_and_sends_nothing(
    db, subscribe, smtp_server
):
    response = subscribe("bot@example.com", website="http://spam.example")
    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    assert Subscriber.objects.count() == 0
    assert smtp_server.messages == []


def test_bad_or_expired_confirmation_links_get_a_friendly_400(db, client, settings):
    subscriber = Subscriber.objects.create(email="late@example.com")
    forged = client.get(reverse("newsletter:confirm", args=["1:forged:token"]))
    assert forged.status_code == 400
    assert b"This link does not work" in forged.content

    signer = signing.TimestampSigner(salt="newsletter.confirm")
    old = tokens.confirm_token(subscriber)
    # Re-sign with a timestamp 8 days old: past the 7-day limit.
    value, _ts, _sig = old.rsplit(":", 2)
    signer.timestamp = lambda: signing.b62_encode(int(signing.time.time()) - 8 * 24 * 3600)
    expired = signer.sign(value)
    assert client.get(reverse("newsletter:confirm", args=[expired])).status_code == 400
    assert client.post(reverse("newsletter:confirm", args=[expired])).status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING

    fresh = client.post(reverse("newsletter:confirm", args=[tokens.confirm_token(subscriber)]))
    assert fresh.status_code == 200


def test_subscribe_page_shows_the_form(db, client):
    response = client.get(reverse("newsletter:subscribe"))
    assert response.status_code == 200
    assert b'name="email"' in response.content and b'name="website"' in response.content


def test_too_many_signups_from_one_address_get_a_friendly_429(db, subscribe, settings, smtp_server):
    from django.core.cache import cache

    cache.clear()
    settings.FORM_RATE_LIMIT = "3/m"
    codes = [subscribe(f"r{i}@example.com").status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert Subscriber.objects.count() == 3
    limited = subscribe("r9@example.com")
    assert b"Too many attempts" in limited.content
    cache.clear()
