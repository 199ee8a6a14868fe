"""A response that sets a cookie is never `Cache-Control: public`.

A shared cache (a CDN, a company proxy) may store a public response with its Set-Cookie header
and hand that cookie (the CSRF secret, a session) to every later visitor.
"""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_a_page_setting_the_csrf_cookie_is_private_whether_rendered_or_from_the_page_cache(
    make_note,
):
    note = make_note("Hello", tags=["ai"])
    for url in ("/", note.get_absolute_url()):  # both carry the subscribe form
        for _ in range(2):  # rendered, then served from the page cache
            page = Client().get(url)
            assert "csrftoken" in page.cookies
            assert "public" not in page["Cache-Control"], url
            assert "private" in page["Cache-Control"], url
    # A page that sets no cookie may still be kept by shared caches.
    feed = Client().get("/feed/")
    assert not feed.cookies and "public" in feed["Cache-Control"]
