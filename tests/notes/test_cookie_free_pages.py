"""Anonymous readers' pages set no cookie and may be kept by any cache or CDN for a minute;
signed-in readers' pages stay private, and a premium page never reaches the wrong reader."""

import pytest
from django.test import Client

from billing.models import Plan
from notes.caching import SHARED_MAX_AGE
from notes.publication import SiteSettings
from tests.billing.readers import make_reader

SECRET = "SECRET-PREMIUM-TEXT"


@pytest.fixture
def site(make_note, premium_body, settings):
    """A note of each kind, a tag, and a plan on offer (the pricing page shows its form)."""
    settings.STRIPE_SECRET_KEY = "sk_test_pricing_page_only"  # the page only; Stripe is not called
    Plan.objects.create(
        name="Monthly", slug="monthly", stripe_price_id="price_m", amount=500, interval="month"
    )
    public = make_note("Hello", slug="hello", tags=["ai"])
    premium = make_note("Premium", slug="premium", body=premium_body, visibility="paid")
    return {"public": public, "premium": premium}


READER_PAGES = [
    "/",
    "/?page=1",
    "/notes/hello/",
    "/notes/premium/",
    "/tags/ai/",
    "/search/?q=hello",
    "/pricing/",
    "/feed/",
    "/feed/atom/",
    "/tags/ai/feed/",
    "/sitemap.xml",
    "/about/",
    "/tags/",
    "/archive/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("url", READER_PAGES)
def test_anonymous_reader_pages_set_no_cookie_and_any_cache_may_keep_them_a_minute(
    site, settings, url, language
):
    settings.LANGUAGE_CODE = language
    for visit in ("rendered", "from the page cache"):
        page = Client().get(url)
        assert page.status_code == 200, (url, visit)
        assert not page.cookies, (url, visit, page.cookies)
        control = {part.strip() for part in page["Cache-Control"].split(",")}
        assert control >= {
            "public",
            f"max-age={SHARED_MAX_AGE}",
            f"s-maxage={SHARED_MAX_AGE}",
        }, (url, visit)
        assert any(part.startswith("stale-while-revalidate=") for part in control)
        assert "Accept-Language" not in page.get("Vary", ""), (url, visit)
        if page["Content-Type"].startswith("text/html"):
            assert f'<html lang="{language}">' in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/subscribe/", "/account/login/"])
def test_anonymous_form_pages_set_no_cookie(client, url):
    page = client.get(url)
    assert page.status_code == 200
    assert not page.cookies
    assert 'name="csrfmiddlewaretoken"' not in page.content.decode()


@pytest.mark.django_db
def test_the_interface_speaks_the_sites_language_whatever_the_browser_asks(site, settings):
    settings.LANGUAGE_CODE = "fr"  # the first-run default…
    page = Client(headers={"Accept-Language": "en"}).get("/notes/hello/")
    assert '<html lang="fr">' in page.content.decode()
    assert page["Content-Language"] == "fr"
    assert "Accept-Language" not in page.get("Vary", "")
    SiteSettings.objects.update_or_create(pk=1, defaults={"language": "en"})  # …the author's choice
    page = Client(headers={"Accept-Language": "fr"}).get("/notes/hello/")
    assert '<html lang="en">' in page.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["free", "paid", "staff"])
@pytest.mark.parametrize(
    "url", ["/", "/notes/premium/", "/tags/ai/", "/search/?q=hello", "/pricing/", "/feed/"]
)
def test_signed_in_readers_pages_are_private(site, django_user_model, kind, url):
    reader = Client()
    reader.force_login(make_reader(kind, django_user_model))
    page = reader.get(url)
    assert page.status_code == 200
    assert "private" in page["Cache-Control"] and "public" not in page["Cache-Control"]
    assert "s-maxage" not in page["Cache-Control"]
    assert "Cookie" in page["Vary"]


@pytest.mark.django_db
def test_a_paid_readers_premium_page_is_never_kept_for_anonymous_readers(site, django_user_model):
    url = site["premium"].get_absolute_url()
    paid = Client()
    paid.force_login(make_reader("paid", django_user_model))
    for _ in range(2):
        page = paid.get(url)
        assert SECRET in page.content.decode()
        assert "private" in page["Cache-Control"]
    for _ in range(2):  # rendered, then from the page cache: the paywall, publicly kept
        page = Client().get(url)
        assert SECRET not in page.content.decode()
        assert "public" in page["Cache-Control"]
    assert page["X-Solo-Cache"] == "hit"
    # …and the paid reader still reads it in full after anonymous visits filled the cache.
    assert SECRET in paid.get(url).content.decode()


@pytest.mark.django_db
def test_an_edit_reaches_this_servers_readers_at_once_and_outside_caches_within_a_minute(site):
    note = site["public"]
    assert "Hello" in Client().get(note.get_absolute_url()).content.decode()
    assert Client().get(note.get_absolute_url())["X-Solo-Cache"] == "hit"
    note.title = "Hello, edited"
    note.save()
    page = Client().get(note.get_absolute_url())
    assert "Hello, edited" in page.content.decode()
    assert f"s-maxage={SHARED_MAX_AGE}" in page["Cache-Control"] and SHARED_MAX_AGE <= 60
    note.status = note.Status.DRAFT
    note.save()
    assert Client().get(note.get_absolute_url()).status_code == 404
