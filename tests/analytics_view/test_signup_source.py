"""A sign-up keeps where its reader landed from: the page's utm_source/ref, carried by the form."""

import pytest

from newsletter import privacy
from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


def test_the_form_carries_the_landing_source_and_the_sign_up_keeps_it(client, make_note):
    note = make_note("Open letter", slug="open-letter")
    page = client.get(note.get_absolute_url() + "?utm_source=Hacker-News").content.decode()
    assert '<input type="hidden" name="source" value="Hacker-News">' in page
    # The same page without a query string (the one the page cache keeps) carries no source.
    assert 'name="source"' not in client.get(note.get_absolute_url()).content.decode()

    client.post(
        "/subscribe/", {"email": "ada@example.com", "from": "open-letter", "source": "Hacker-News"}
    )
    ada = Subscriber.objects.get(email="ada@example.com")
    assert (ada.signup_note, ada.signup_source) == (note, "hacker-news")
    # What is kept about the reader is in their data export.
    assert privacy.export_data(ada)["subscriber"]["signed_up_via"] == "hacker-news"


def test_the_source_falls_back_to_the_posting_pages_address_and_refuses_junk(client):
    def source(email, referer, **fields):
        response = client.post("/subscribe/", {"email": email, **fields}, HTTP_REFERER=referer)
        assert response.status_code == 200
        return Subscriber.objects.get(email=email).signup_source

    assert source("a@example.com", "http://testserver/?ref=mastodon.social") == "mastodon.social"
    assert source("b@example.com", "http://testserver/notes/x/?utm_source=news&ref=x") == "news"
    assert source("c@example.com", "http://testserver/") == ""
    assert source("d@example.com", "", source="<script>alert(1)</script>") == ""
    assert source("e@example.com", "", source="x" * 51) == ""  # as page views: 50 at most
    # Asked again from elsewhere: the first source stays.
    assert source("a@example.com", "http://testserver/?ref=other") == "mastodon.social"
