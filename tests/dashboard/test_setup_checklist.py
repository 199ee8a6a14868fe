"""A new author's first look at the dashboard: what is left to set up, each with what to do, and
a test email sent from there. The checklist follows the settings and goes once all is done."""

import re

import pytest
from django.urls import reverse

from billing.models import Plan

pytestmark = pytest.mark.django_db

STEPS = ["site", "email", "stripe", "plan", "test_email"]


def _open_steps(page: str) -> list[str]:
    return re.findall(r'class="dash-step dash-step--todo" id="setup-(\w+)"', page)


def _index(client) -> str:
    return client.get(reverse("admin:index")).content.decode()


@pytest.fixture
def fresh_site(settings):
    """A clone run with `make run`: local address, mail into files, no Stripe."""
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.STRIPE_SECRET_KEY = settings.STRIPE_WEBHOOK_SECRET = ""
    return settings


def test_a_fresh_site_lists_every_step_with_what_to_do(admin_client, fresh_site):
    page = _index(admin_client)
    assert "Setup: 5 steps left" in page
    assert _open_steps(page) == STEPS
    assert "Set SITE_URL to the public address" in page and "http://127.0.0.1:8000" in page
    assert "Set EMAIL_URL to your mail service" in page
    assert "http://127.0.0.1:8000/billing/webhook/" in page
    assert f'href="{reverse("admin:billing_plan_add")}"' in page
    assert 'name="to"' in page


def test_each_step_is_checked_off_as_its_setting_changes_and_the_list_then_goes(
    admin_client, fresh_site, mailoutbox
):
    fresh_site.SITE_URL = "https://notes.ada.org"
    assert _open_steps(_index(admin_client)) == STEPS[1:]

    fresh_site.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    page = _index(admin_client)
    assert _open_steps(page) == STEPS[2:]
    assert "Emails go out through smtp." in page

    fresh_site.STRIPE_SECRET_KEY = "sk_live_x"  # the webhook secret is still missing
    assert _open_steps(_index(admin_client)) == STEPS[2:]
    fresh_site.STRIPE_WEBHOOK_SECRET = "whsec_x"
    assert _open_steps(_index(admin_client)) == STEPS[3:]

    Plan.objects.create(name="Old", slug="old", stripe_price_id="p0", amount=300, active=False)
    assert _open_steps(_index(admin_client)) == STEPS[3:]  # an inactive plan sells nothing
    Plan.objects.create(name="Monthly", slug="monthly", stripe_price_id="p1", amount=500)
    page = _index(admin_client)
    assert _open_steps(page) == ["test_email"] and "Setup: 1 step left" in page

    fresh_site.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # to read it
    admin_client.post(reverse("admin:index"), {"to": "ada@notes.ada.org"})
    fresh_site.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    page = _index(admin_client)
    assert 'id="dash-setup"' not in page and _open_steps(page) == []


def test_the_author_sends_a_test_email_from_the_checklist(admin_client, fresh_site, mailoutbox):
    fresh_site.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = admin_client.post(reverse("admin:index"), {"to": "ada@notes.ada.org"}, follow=True)
    page = response.content.decode()
    assert "Test email sent to ada@notes.ada.org: check that it arrived." in page
    [message] = mailoutbox
    assert message.to == ["ada@notes.ada.org"] and "It works" in message.body
    assert "test_email" not in _open_steps(page)
    assert "Last sent to ada@notes.ada.org." in page


def test_a_bad_test_email_address_is_refused_and_nothing_is_sent(
    admin_client, fresh_site, mailoutbox
):
    response = admin_client.post(reverse("admin:index"), {"to": "not an address"}, follow=True)
    assert response.status_code == 200
    assert "Enter a valid email address for the test email." in response.content.decode()
    assert mailoutbox == []
    assert "test_email" in _open_steps(response.content.decode())


def test_a_failing_mail_server_is_reported_to_the_author(admin_client, fresh_site):
    fresh_site.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    fresh_site.EMAIL_HOST, fresh_site.EMAIL_PORT, fresh_site.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    response = admin_client.post(reverse("admin:index"), {"to": "ada@notes.ada.org"}, follow=True)
    page = response.content.decode()
    assert "The test email could not be sent:" in page
    assert "test_email" in _open_steps(page)


def test_the_test_email_starts_from_the_authors_address_but_not_the_placeholder(
    client, django_user_model, fresh_site
):
    author = django_user_model.objects.create_superuser("author", "admin@localhost", "pw-x-123")
    client.force_login(author)
    assert 'name="to" id="id_to" value=""' in _index(client)
    author.email = "ada@notes.ada.org"
    author.save()
    assert 'name="to" id="id_to" value="ada@notes.ada.org"' in _index(client)
