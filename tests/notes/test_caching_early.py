"""The early page cache (notes.caching.AnonymousPageCacheMiddleware) and rule premium-never-leaks.

Anonymous readers without a session get whole pages from the shared cache before sessions, auth
and CSRF run; everyone else goes the long way and sees exactly what they may read.
"""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import Client, RequestFactory

from notes.publication import SiteSettings
from tests.billing.readers import ENTITLED, KINDS, make_reader

SECRET = "SECRET-PREMIUM-TEXT"


def signed_in(kind, django_user_model) -> Client:
    client = Client()
    user = make_reader(kind, django_user_model)
    if user:
        client.force_login(user)
    return client


def warm(url) -> None:
    """An anonymous visit fills the shared cache; the next one is a hit."""
    Client().get(url)
    assert Client().get(url)["X-Solo-Cache"] == "hit"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [k for k in KINDS if k != "anonymous"])
def test_signed_in_readers_never_get_the_anonymous_copy(
    kind, make_note, premium_body, django_user_model
):
    note = make_note("Premium", slug="premium", body=premium_body, visibility="paid")
    warm(note.get_absolute_url())
    page = signed_in(kind, django_user_model).get(note.get_absolute_url())
    assert "X-Solo-Cache" not in page
    assert (SECRET in page.content.decode()) == (kind in ENTITLED)
    assert "private" in page["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(ENTITLED))
def test_an_entitled_readers_page_never_reaches_the_shared_cache(
    kind, make_note, premium_body, django_user_model
):
    note = make_note("Premium", slug="premium", body=premium_body, visibility="paid")
    url = note.get_absolute_url()
    reader = signed_in(kind, django_user_model)
    assert SECRET in reader.get(url).content.decode()
    assert SECRET in reader.get(url).content.decode()
    for _ in range(2):  # the first anonymous visit renders, the second is served from the cache
        page = Client().get(url)
        assert "The free opening paragraph." in page.content.decode()
        assert SECRET not in page.content.decode()
    assert page["X-Solo-Cache"] == "hit"


@pytest.mark.django_db
def test_a_free_member_reads_a_members_note_in_full_after_anonymous_visits(
    make_note, premium_body, django_user_model
):
    note = make_note("Members", slug="members", body=premium_body, visibility="members")
    warm(note.get_absolute_url())
    assert SECRET not in Client().get(note.get_absolute_url()).content.decode()
    member = signed_in("free", django_user_model).get(note.get_absolute_url())
    assert SECRET in member.content.decode()


@pytest.mark.django_db
def test_a_note_made_premium_is_never_served_in_full_from_an_older_copy(make_note, premium_body):
    note = make_note("Open for now", slug="open", body=premium_body)
    warm(note.get_absolute_url())
    assert SECRET in Client().get(note.get_absolute_url()).content.decode()
    note.visibility = "paid"
    note.save()
    # Another page mints the new version first: the old copy is still stored, never served.
    for url in ("/", "/feed/", note.get_absolute_url(), note.get_absolute_url()):
        assert SECRET not in Client().get(url).content.decode()


@pytest.mark.django_db
def test_a_session_cookie_that_signs_in_nobody_still_gets_the_right_page(make_note):
    note = make_note("Hello")
    warm(note.get_absolute_url())
    stranger = Client()
    stranger.cookies["sessionid"] = "not-a-session"
    page = stranger.get(note.get_absolute_url())
    assert page.status_code == 200
    assert "Hello" in page.content.decode()
    assert "X-Solo-Cache" not in page  # it went through sessions and auth


@pytest.mark.django_db
def test_a_flash_message_is_shown_not_swallowed_by_the_cache(make_note):
    note = make_note("Hello")
    warm(note.get_absolute_url())
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.SUCCESS, "Your preference is saved.")
    carrier = HttpResponse()
    storage.update(carrier)
    reader = Client()
    reader.cookies[CookieStorage.cookie_name] = carrier.cookies[CookieStorage.cookie_name].value
    assert "Your preference is saved." in reader.get(note.get_absolute_url()).content.decode()
    # …and nobody else ever sees it.
    assert "Your preference is saved." not in Client().get(note.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_a_cached_page_keeps_every_security_header(make_note):
    note = make_note("Hello")
    url = note.get_absolute_url()
    first = Client().get(url)
    hit = Client().get(url)
    assert hit["X-Solo-Cache"] == "hit"
    for header in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Content-Type",
        "Content-Language",
    ):
        assert hit[header] == first[header], header
    assert hit["Vary"] == first["Vary"] == "Cookie"
    assert hit["Cache-Control"] == first["Cache-Control"]
    assert int(hit["Content-Length"]) == len(hit.content)
    assert not hit.cookies


@pytest.mark.django_db
def test_each_language_and_host_gets_its_own_copy(make_note, settings):
    note = make_note("Hello")
    url = note.get_absolute_url()
    warm(url)
    SiteSettings.objects.update_or_create(pk=1, defaults={"language": "fr"})  # the author's choice
    assert '<html lang="fr">' in Client().get(url).content.decode()
    SiteSettings.objects.filter(pk=1).get().save()  # saved again unchanged: still French
    assert '<html lang="fr">' in Client().get(url).content.decode()
    SiteSettings.objects.update_or_create(pk=1, defaults={"language": "en"})
    assert '<html lang="en">' in Client().get(url).content.decode()
    other_host = Client(HTTP_HOST="localhost").get(url).content.decode()
    assert '<link rel="canonical" href="http://localhost/' in other_host


@pytest.mark.django_db
def test_revalidating_a_cached_page_costs_no_query(make_note, django_assert_num_queries):
    note = make_note("Hello")
    url = note.get_absolute_url()
    reader = Client()
    reader.get(url)
    first = reader.get(url)
    with django_assert_num_queries(0):
        again = reader.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]


@pytest.mark.django_db
def test_a_cached_page_is_the_page_a_fresh_render_gives(make_note):
    """A hit is byte for byte what the view renders."""
    make_note("Earlier")
    note = make_note("Hello", body="First.\n\nSecond.", tags=["ai"])
    url = note.get_absolute_url()
    rendered = Client().get(url)
    hit = Client().get(url)
    assert hit["X-Solo-Cache"] == "hit"
    assert hit.content == rendered.content
