"""Unsubscribe links: GET only asks, POST (also RFC 8058 one-click) unsubscribes."""

from django.test import Client
from django.urls import reverse

from newsletter import subscribing, tokens
from newsletter.models import Subscriber


def _active(email="reader@example.com"):
    return Subscriber.objects.create(email=email, status=Subscriber.Status.ACTIVE)


def test_get_shows_a_button_and_changes_nothing(db, client):
    subscriber = _active()
    url = reverse("newsletter:unsubscribe", args=[tokens.unsubscribe_token(subscriber.pk)])
    response = client.get(url)
    assert response.status_code == 200
    assert b"<button" in response.content and b"reader@example.com" in response.content
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE


def test_one_click_post_without_cookie_or_csrf_token_unsubscribes(db):
    subscriber = _active()
    url = reverse("newsletter:unsubscribe", args=[tokens.unsubscribe_token(subscriber.pk)])
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert subscriber.unsubscribed_at is not None


def test_forged_unsubscribe_token_is_a_400_and_changes_nothing(db, client):
    subscriber = _active()
    response = client.post(reverse("newsletter:unsubscribe", args=[f"{subscriber.pk}:forged"]))
    assert response.status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE


def test_resubscribing_after_unsubscribing_works(
    db, client, smtp_server, django_capture_on_commit_callbacks
):
    subscriber = _active()
    client.post(reverse("newsletter:unsubscribe", args=[tokens.unsubscribe_token(subscriber.pk)]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("newsletter:subscribe"), {"email": "reader@example.com"})
    smtp_server.wait_for(1)
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED  # until the new link is opened
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("newsletter:confirm", args=[tokens.confirm_token(subscriber)])
        )
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE
    assert subscriber.unsubscribed_at is None
    assert subscribing.unsubscribe_url(subscriber.pk).startswith("http://testserver/unsubscribe/")
