"""The confirmation link is safe from mail scanners and does not carry the address.

Opening the link (GET, as a scanner or a preview does) shows a page with a button and changes
nothing; pressing the button (POST) confirms. The token signs the subscriber's id and a keyed hash
of the address, not the address itself.
"""

import base64
import re

import pytest
from django.core import signing
from django.urls import reverse

from newsletter import tokens
from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


def _confirm_path(client, smtp_server, django_capture_on_commit_callbacks, email) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("newsletter:subscribe"), {"email": email})
    [confirmation] = smtp_server.wait_for(1)
    text = confirmation.message.get_body(("plain",)).get_content()
    return re.search(r"http://testserver(/subscribe/confirm/\S+)", text).group(1)


def test_a_mail_scanner_opening_the_confirmation_link_subscribes_nobody(
    client, smtp_server, django_capture_on_commit_callbacks
):
    path = _confirm_path(client, smtp_server, django_capture_on_commit_callbacks, "ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        opened = client.get(path)
    assert opened.status_code == 200
    assert b"Confirm my subscription" in opened.content
    assert not opened.cookies  # the page sets nothing either
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    assert len(smtp_server.messages) == 1  # no welcome email

    with django_capture_on_commit_callbacks(execute=True):
        pressed = client.post(path)
    assert pressed.status_code == 200
    assert b"you are subscribed" in pressed.content
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE
    smtp_server.wait_for(2)  # the welcome email


def test_the_confirmation_link_does_not_show_the_address(
    client, smtp_server, django_capture_on_commit_callbacks
):
    path = _confirm_path(
        client, smtp_server, django_capture_on_commit_callbacks, "ada.lovelace@example.com"
    )
    token = path.split("/")[3]
    decoded = b"".join(base64.urlsafe_b64decode(part + "===") for part in token.split(":"))
    for text in (path, decoded.decode(errors="replace")):
        assert "ada.lovelace" not in text and "example.com" not in text


def test_an_old_style_link_carrying_the_address_is_refused_and_changes_nothing(client):
    subscriber = Subscriber.objects.create(email="bo@example.com")
    old = signing.TimestampSigner(salt="newsletter.confirm").sign_object(
        [subscriber.pk, subscriber.email]
    )
    for answer in (client.get, client.post):
        response = answer(reverse("newsletter:confirm", args=[old]))
        assert response.status_code == 400
        assert b"This link does not work" in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING


def test_a_confirmation_link_stops_working_once_the_address_is_changed(client):
    subscriber = Subscriber.objects.create(email="first@example.com")
    path = reverse("newsletter:confirm", args=[tokens.confirm_token(subscriber)])
    subscriber.email = "second@example.com"
    subscriber.save()
    assert client.post(path).status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING
