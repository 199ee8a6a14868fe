"""The public /privacy/ page: what is counted and kept, in the site's language, linked from every
page's footer."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_privacy_page_says_what_is_counted_and_kept(client, settings):
    settings.ANALYTICS_RAW_DAYS = 90
    settings.ANALYTICS_ENABLED = True
    home = client.get("/").content.decode()
    assert '<a href="/privacy/">Privacy</a>' in home  # the footer

    page = client.get("/privacy/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "sets no cookie and runs no tracking script" in html
    assert "HyperLogLog" in html and "deleted after two days" in html
    assert "is kept for 90 days" in html
    assert "Page views are never linked to a reader" in html
    assert not page.cookies


def test_the_privacy_page_speaks_french(client, settings):
    settings.LANGUAGE_CODE = "fr"
    settings.ANALYTICS_RAW_DAYS = 1
    html = client.get("/privacy/").content.decode()
    assert "<h1>Confidentialité</h1>" in html
    assert "gardée 1 jour ;" in html
    assert "Ce qui est compté" in html
    assert '<a href="/privacy/">Confidentialité</a>' in client.get("/").content.decode()


def test_without_counting_the_page_says_so(client, settings):
    settings.ANALYTICS_ENABLED = False
    html = client.get("/privacy/").content.decode()
    assert "Page views are not counted on this site." in html
    assert "HyperLogLog" not in html
