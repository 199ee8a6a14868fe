"""Bounce and complaint webhooks from the email provider cannot be forged.

A complaint stops all mail to a reader until they subscribe and confirm again, so the tracking
webhook (/anymail/<esp>/tracking/) is mounted only with a basic-auth secret in EMAIL_URL
(`postmark://TOKEN@?webhook_secret=user:password`), and refuses posts without it.
"""

import base64
import importlib
import json
from contextlib import contextmanager

import pytest
from django.test import override_settings
from django.urls import clear_url_caches

import newsletter.urls
import solo.urls
from newsletter.models import Subscriber
from solo.settings import _email_settings

pytestmark = pytest.mark.django_db

TRACKING = "/anymail/postmark/tracking/"


def _reload_urls():
    importlib.reload(newsletter.urls)
    importlib.reload(solo.urls)
    clear_url_caches()


@contextmanager
def email_url(url: str):
    """The site as it starts with this EMAIL_URL (its URLs are decided at start-up)."""
    try:
        with override_settings(**_email_settings(url)):
            _reload_urls()
            yield
    finally:
        _reload_urls()  # the settings are back: the test site's own URLs again


def _complaint(client, email: str, auth: str | None = None):
    headers = {}
    if auth is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    body = {"RecordType": "SpamComplaint", "Type": "SpamComplaint", "Email": email, "ID": 1}
    return client.post(TRACKING, json.dumps(body), content_type="application/json", headers=headers)


@pytest.fixture
def reader():
    return Subscriber.objects.create(email="ada@example.com", status="active")


def _status(subscriber) -> str:
    subscriber.refresh_from_db()
    return subscriber.status


def test_a_forged_complaint_without_the_webhook_secret_changes_nothing(client, reader):
    with email_url("postmark://TOKEN@?webhook_secret=postmark:s3cret"):
        assert _complaint(client, reader.email).status_code == 400
        assert _complaint(client, reader.email, auth="postmark:guess").status_code == 400
    assert _status(reader) == Subscriber.Status.ACTIVE


def test_the_provider_with_the_webhook_secret_marks_a_complaint(client, reader):
    with email_url("postmark://TOKEN@?webhook_secret=postmark:s3cret"):
        assert _complaint(client, reader.email, auth="postmark:s3cret").status_code == 200
    assert _status(reader) == Subscriber.Status.COMPLAINED


def test_without_a_webhook_secret_the_tracking_webhook_is_not_there(client, reader):
    with email_url("postmark://TOKEN@"):
        assert _complaint(client, reader.email).status_code == 404
    assert _status(reader) == Subscriber.Status.ACTIVE
