"""Rule 1 across reader kinds: the text after a paid note's paywall point reaches only entitled
readers — through the note page, the feeds, search, the sitemap and the private feed."""

import pytest
from django.core.cache import cache
from django.test import Client

from billing.models import PrivateFeed
from tests.billing.readers import ENTITLED, KINDS, make_reader

SECRET = "SECRET-PREMIUM-TEXT"


@pytest.fixture
def paid_note(make_note, premium_body):
    cache.clear()
    yield make_note(title="Premium", slug="premium", body=premium_body, visibility="paid")
    cache.clear()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
def test_the_premium_text_reaches_only_entitled_readers(kind, paid_note, django_user_model):
    user = make_reader(kind, django_user_model)
    client = Client()
    if user:
        client.force_login(user)
    entitled = kind in ENTITLED

    page = client.get(paid_note.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert "The free opening paragraph." in body
    assert (SECRET in body) == entitled
    # The parts of the page that are not the article never carry it.
    head = body.split("<body", 1)[0]
    assert SECRET not in head

    for url in ("/feed/", "/feed/atom/", "/search/?q=SECRET", "/sitemap.xml", "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url

    if user is not None and kind != "staff":
        feed = PrivateFeed.objects.create(subscriber=user.subscriber)
        private = Client().get(feed.get_absolute_url()).content.decode()
        assert "The free opening paragraph." in private
        assert (SECRET in private) == entitled
        assert "private" in Client().get(feed.get_absolute_url())["Cache-Control"]


@pytest.mark.django_db
def test_a_cached_page_for_a_paid_reader_is_never_served_to_anyone_else(
    paid_note, django_user_model
):
    paid = Client()
    paid.force_login(make_reader("paid", django_user_model))
    assert SECRET in paid.get(paid_note.get_absolute_url()).content.decode()
    for kind in ("anonymous", "free", "canceled"):
        client = Client()
        user = make_reader(kind, django_user_model)
        if user:
            client.force_login(user)
        assert SECRET not in client.get(paid_note.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_an_unknown_private_feed_token_is_404(client):
    assert client.get("/feed/private/not-a-token/").status_code == 404


@pytest.mark.django_db
def test_the_private_feed_of_a_reader_who_cancels_falls_back_to_teasers(
    paid_note, django_user_model
):
    user = make_reader("paid", django_user_model)
    feed = PrivateFeed.objects.create(subscriber=user.subscriber)
    assert SECRET in Client().get(feed.get_absolute_url()).content.decode()
    user.subscriber.subscriptions.update(status="canceled")
    assert SECRET not in Client().get(feed.get_absolute_url()).content.decode()
