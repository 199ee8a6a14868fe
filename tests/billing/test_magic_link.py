"""Readers sign in without a password: a short-lived, single-use link by email.

Link scanners only GET: the link's page shows one button, and only its POST signs in.
"""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from billing.sync import ensure_user
from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    subscriber = Subscriber.objects.create(email="ada@example.com", status="active")
    ensure_user(subscriber)
    return subscriber


def ask_for_link(client, email, capture):
    with capture(execute=True):
        return client.post("/account/login/", {"email": email})


def link_in(received) -> str:
    return re.search(
        r"http://testserver(/account/login/link/\?sesame=\S+)", received.message.get_content()
    )[1]


def test_a_reader_gets_a_link_that_signs_in_only_when_the_button_is_pressed(
    client, reader, smtp_server, django_capture_on_commit_callbacks
):
    response = ask_for_link(client, "ADA@example.com", django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["ada@example.com"]
    link = link_in(received)

    # A corporate scanner opens the link first: it sees a button, nobody is signed in.
    scanner = Client()
    page = scanner.get(link)
    assert page.status_code == 200
    assert "Sign in to my account" in page.content.decode()
    assert "_auth_user_id" not in scanner.session

    # The reader opens it after the scanner, and presses the button.
    browser = Client()
    token = link.split("sesame=")[1]
    response = browser.post("/account/login/link/", {"sesame": token})
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert int(browser.session["_auth_user_id"]) == reader.user_id
    assert "ada@example.com" in browser.get("/account/").content.decode()

    # Single use: the same link does not sign anyone in again.
    again = Client().post("/account/login/link/", {"sesame": token})
    assert again.status_code == 400
    assert "expired or was already used" in Client().get(link).content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_email(
    client, reader, smtp_server, django_capture_on_commit_callbacks
):
    known = ask_for_link(client, "ada@example.com", django_capture_on_commit_callbacks)
    unknown = ask_for_link(client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert unknown.status_code == known.status_code == 200
    assert unknown.content == known.content
    smtp_server.wait_for(1)
    assert smtp_server.recipients() == ["ada@example.com"]


def test_an_invalid_address_is_a_form_error(client, smtp_server):
    response = client.post("/account/login/", {"email": "not an email"})
    assert response.status_code == 400
    assert "valid email" in response.content.decode()


def test_a_forged_or_expired_token_does_not_sign_in(client, reader, settings):
    assert client.post("/account/login/link/", {"sesame": "forged"}).status_code == 400
    assert client.get("/account/login/link/?sesame=forged").status_code == 400
    assert client.post("/account/login/link/").status_code == 400
    assert "_auth_user_id" not in client.session


def test_sign_in_requests_are_rate_limited_per_network_address(client, settings, smtp_server):
    settings.FORM_RATE_LIMIT = "3/h"
    cache.clear()
    statuses = [
        client.post("/account/login/", {"email": "x@example.com"}).status_code for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    cache.clear()


def test_sign_in_emails_to_one_address_are_limited_whatever_the_network(
    reader, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.FORM_RATE_LIMIT = "100/h"
    statuses = []
    for n in range(8):  # from eight different networks
        with django_capture_on_commit_callbacks(execute=True):
            response = Client(REMOTE_ADDR=f"198.51.100.{n}").post(
                "/account/login/", {"email": "ada@example.com"}
            )
        statuses.append(response.status_code)

    assert statuses == [200] * 5 + [429] * 3
    assert "Too many sign-in emails" in response.content.decode()
    smtp_server.wait_for(5)
    assert smtp_server.recipients() == ["ada@example.com"] * 5


def test_the_account_page_needs_a_signed_in_reader(client):
    response = client.get("/account/")
    assert response.status_code == 302 and response["Location"] == "/account/login/"


def test_signing_out_needs_a_post_and_ends_the_session(client, reader):
    client.force_login(reader.user)
    assert client.get("/account/logout/").status_code == 405
    assert client.post("/account/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_reader_stops_and_restarts_the_newsletter_from_the_account(client, reader):
    client.force_login(reader.user)
    client.post("/account/newsletter/", {"receive": "no"})
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED
    assert "You do not receive the newsletter." in client.get("/account/").content.decode()
    client.post("/account/newsletter/", {"receive": "yes"})
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.ACTIVE
