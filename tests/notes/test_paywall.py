"""Rule premium-never-leaks: the part after the paywall point reaches no reader without access."""

import pytest
from django.core.cache import cache

from notes.models import Note

SECRET = "SECRET-PREMIUM-TEXT"
CHANNELS = ["/", "/tags/money/", "/feed/", "/feed/atom/", "/tags/money/feed/", "/sitemap.xml"]


@pytest.fixture
def premium(make_note, premium_body):
    return make_note(
        "Premium numbers", body=premium_body, visibility=Note.Visibility.PAID, tags=["money"]
    )


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", [Note.Visibility.PAID, Note.Visibility.MEMBERS])
def test_anonymous_reader_gets_teaser_and_call_to_action(
    client, make_note, premium_body, visibility, payments_on
):
    note = make_note("Locked", body=premium_body, visibility=visibility)
    html = client.get(note.get_absolute_url()).content.decode()
    assert "The free opening paragraph." in html
    assert SECRET not in html
    assert 'class="note-locked paywall"' in html
    assert 'href="/account/login/"' in html
    assert 'action="/subscribe/"' in html
    if visibility == Note.Visibility.PAID:
        assert f'href="/pricing/?from={note.slug}"' in html


@pytest.mark.django_db
def test_premium_text_is_in_no_anonymous_channel(client, premium):
    for url in CHANNELS + [premium.get_absolute_url(), "/search/?q=secret-premium-text"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url
    search = client.get("/search/?q=secret").content.decode()
    assert "Premium numbers" not in search  # the hidden part is not even searchable


@pytest.mark.django_db
def test_meta_og_and_json_ld_describe_only_the_teaser(client, premium):
    html = client.get(premium.get_absolute_url()).content.decode()
    assert '<meta name="description" content="The free opening paragraph.">' in html
    assert '"isAccessibleForFree": false' in html
    assert '"cssSelector": ".note-locked"' in html
    assert SECRET not in html


@pytest.mark.django_db
def test_premium_feed_item_is_the_teaser_with_a_link(client, premium):
    import feedparser

    feed = feedparser.parse(client.get("/feed/").content)
    (entry,) = feed.entries
    assert "The free opening paragraph." in entry.summary
    assert "continues for subscribers" in entry.summary
    assert SECRET not in entry.summary


@pytest.mark.django_db
def test_staff_read_everything_and_cache_never_mixes_readers(client, staff_client, premium):
    from django.test import Client

    url = premium.get_absolute_url()
    assert SECRET not in client.get(url).content.decode()  # anonymous page now cached
    staff_html = staff_client.get(url).content.decode()
    assert SECRET in staff_html
    assert '<section class="note-locked">' in staff_html
    assert SECRET not in Client().get(url).content.decode()  # another anonymous reader
    cache.clear()
    assert SECRET in staff_client.get(url).content.decode()  # staff first this time
    assert SECRET not in Client().get(url).content.decode()


@pytest.mark.django_db
def test_public_note_shows_everything_to_everyone(client, make_note):
    note = make_note("Open", body="One.\n\nTwo.\n\nThree is public too.")
    html = client.get(note.get_absolute_url()).content.decode()
    assert "Three is public too." in html
    assert "paywall" not in html
    assert '"isAccessibleForFree": true' in html


@pytest.mark.django_db
def test_signed_in_member_reads_members_notes_but_not_paid_ones(
    client, make_note, premium_body, django_user_model
):
    from newsletter.models import Subscriber

    user = django_user_model.objects.create_user("reader", "reader@example.com")
    Subscriber.objects.create(email="reader@example.com", status="active", user=user)
    members = make_note("For members", body=premium_body, visibility=Note.Visibility.MEMBERS)
    paid = make_note("For paying readers", body=premium_body, visibility=Note.Visibility.PAID)
    client.get(members.get_absolute_url())  # an anonymous visit fills the cache first
    client.force_login(user)
    assert SECRET in client.get(members.get_absolute_url()).content.decode()
    assert SECRET not in client.get(paid.get_absolute_url()).content.decode()
