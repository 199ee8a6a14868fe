"""A response that sets a cookie is never `Cache-Control: public`.

A shared cache (a CDN, a company proxy) may store a public response with its Set-Cookie header
and hand that cookie (the CSRF secret, a session) to every later visitor.
"""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpResponse
from django.test import Client, RequestFactory


@pytest.mark.django_db
def test_a_page_setting_a_cookie_is_private_even_for_an_anonymous_reader(make_note):
    note = make_note("Hello", tags=["ai"])
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(constants.SUCCESS, "Your preference is saved.")
    carrier = HttpResponse()
    storage.update(carrier)
    reader = Client()
    reader.cookies[CookieStorage.cookie_name] = carrier.cookies[CookieStorage.cookie_name].value
    page = reader.get(note.get_absolute_url())  # shows the message and clears its cookie
    assert CookieStorage.cookie_name in page.cookies
    assert page["Cache-Control"] == "private, max-age=0, must-revalidate"
    # A page that sets no cookie may still be kept by shared caches.
    for url in ("/", note.get_absolute_url(), "/feed/"):
        page = Client().get(url)
        assert not page.cookies and "public" in page["Cache-Control"], url
