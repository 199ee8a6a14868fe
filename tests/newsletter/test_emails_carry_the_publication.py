"""Every email a reader gets names the publication and its author, as set in the admin."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from billing.sync import ensure_user
from billing.webhooks import email_payment_failed
from newsletter.models import Subscriber, WelcomeEmail
from newsletter.tokens import confirm_token
from notes.publication import SiteSettings

pytestmark = pytest.mark.django_db

NAME = "Les Carnets d'Awa"
NAME_IN_HTML = "Les Carnets d&#x27;Awa"


@pytest.fixture(autouse=True)
def publication(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return SiteSettings.objects.create(name=NAME, author_name="Awa Ndiaye")


def _masthead_in(message) -> None:
    assert message.body.startswith(f"{NAME} — by Awa Ndiaye\n\n"), message.body
    for html, _ in message.alternatives:
        assert f"{NAME_IN_HTML}</strong>" in html and "by Awa Ndiaye" in html


def test_confirmation_and_welcome_name_the_publication_and_its_author(
    client, django_capture_on_commit_callbacks
):
    WelcomeEmail.objects.create(subject="Hello from the author", body="Glad you are here.")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("newsletter:subscribe"), {"email": "ada@example.com"})
    [confirmation] = mail.outbox
    assert confirmation.subject == f"Confirm your subscription to {NAME}"
    _masthead_in(confirmation)

    link = re.search(r"http://testserver(/subscribe/confirm/\S+)", confirmation.body)[1]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link)
    welcome = mail.outbox[1]
    assert welcome.subject == f"Hello from the author — {NAME}"
    _masthead_in(welcome)
    why = f"You receive this because you subscribed to {NAME} at testserver."
    assert why in welcome.body
    assert why.replace(NAME, NAME_IN_HTML) in welcome.alternatives[0][0]


def test_a_welcome_subject_that_already_names_the_publication_is_kept(
    client, django_capture_on_commit_callbacks
):
    WelcomeEmail.objects.create(subject=f"Welcome to {NAME}!", body="Hi.")
    reader = Subscriber.objects.create(email="ada@example.com", status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("newsletter:confirm", args=[confirm_token(reader)]))
    assert [m.subject for m in mail.outbox] == [f"Welcome to {NAME}!"]


def test_sign_in_and_payment_emails_carry_the_masthead_and_author(
    client, django_capture_on_commit_callbacks
):
    ensure_user(Subscriber.objects.create(email="ada@example.com", status="active"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/login/", {"email": "ada@example.com"})
        email_payment_failed("ada@example.com")
    sign_in, payment = mail.outbox
    _masthead_in(sign_in)
    assert f"sign in to {NAME}." in sign_in.body  # not escaped: a plain-text email
    _masthead_in(payment)
    assert f"Your last payment to {NAME} did not go through" in payment.body
    assert payment.body.rstrip().endswith("— Awa Ndiaye")


def test_a_french_reader_gets_the_masthead_and_footer_in_french(
    client, django_capture_on_commit_callbacks
):
    reader = Subscriber.objects.create(email="ada@example.com", status="pending", language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("newsletter:confirm", args=[confirm_token(reader)]))
    [welcome] = mail.outbox
    assert welcome.body.startswith(f"{NAME} — par Awa Ndiaye\n\n")
    assert f"Vous recevez ce message car votre adresse est abonnée à {NAME} sur testserver." in (
        welcome.body
    )
