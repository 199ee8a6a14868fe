"""ETag/Last-Modified answer 304s; any change to the notes gives pages a new ETag at once."""

import re

import pytest
from django.middleware.csrf import CsrfViewMiddleware
from django.test import Client, RequestFactory


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/notes/hello/", "/feed/", "/feed/atom/", "/tags/ai/"])
def test_unchanged_pages_answer_304(client, make_note, url):
    make_note("Hello", tags=["ai"])
    client.get(url)  # the first visit may set the CSRF cookie, which is part of the ETag
    first = client.get(url)
    assert first.status_code == 200
    assert first["ETag"] and first["Last-Modified"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304


@pytest.mark.django_db
def test_saving_a_note_changes_etag_and_content(client, make_note):
    note = make_note("Hello")
    first = client.get("/")
    note.title = "Hello again"
    note.save()
    second = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert "Hello again" in second.content.decode()
    assert second["ETag"] != first["ETag"]


@pytest.mark.django_db
def test_readers_who_see_different_things_never_share_an_etag(client, staff_client, make_note):
    make_note("Hello")
    assert client.get("/")["ETag"] != staff_client.get("/")["ETag"]
    assert "private" in staff_client.get("/")["Cache-Control"]
    assert "Cookie" in client.get("/")["Vary"]


@pytest.mark.django_db
def test_cached_page_gives_each_reader_a_working_csrf_token(make_note):
    make_note("Hello")
    Client().get("/")  # fills the cache
    reader = Client(enforce_csrf_checks=True)
    page = reader.get("/")
    assert page["X-Solo-Cache"] == "hit"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    assert "csrftoken" in reader.cookies
    # The token in the cached HTML is accepted with this reader's own cookie, as a POST would be.
    request = RequestFactory().post("/subscribe/", {"csrfmiddlewaretoken": token})
    request.COOKIES["csrftoken"] = reader.cookies["csrftoken"].value
    assert CsrfViewMiddleware(lambda r: None).process_view(request, lambda r: None, (), {}) is None
    other = RequestFactory().post("/subscribe/", {"csrfmiddlewaretoken": token})
    other.COOKIES["csrftoken"] = Client().get("/").cookies["csrftoken"].value
    assert (
        CsrfViewMiddleware(lambda r: None).process_view(other, lambda r: None, (), {}) is not None
    )
    # Coming back, the reader keeps the same cookie and gets a differently masked token for it.
    again = reader.get("/")
    assert again["X-Solo-Cache"] == "hit"
    assert reader.cookies["csrftoken"].value == request.COOKIES["csrftoken"]
    second = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', again.content.decode())[1]
    assert second != token
    request = RequestFactory().post("/subscribe/", {"csrfmiddlewaretoken": second})
    request.COOKIES["csrftoken"] = reader.cookies["csrftoken"].value
    assert CsrfViewMiddleware(lambda r: None).process_view(request, lambda r: None, (), {}) is None


@pytest.mark.django_db
def test_new_csrf_cookie_gets_a_fresh_page_not_a_304(make_note):
    make_note("Hello")
    reader = Client()
    first = reader.get("/")
    reader.cookies["csrftoken"] = "x" * 32  # e.g. rotated by a sign-in since
    assert reader.get("/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


@pytest.mark.django_db
def test_random_query_strings_do_not_fill_the_page_cache(client, make_note):
    make_note("Hello")
    client.get("/?utm_source=x")
    assert "X-Solo-Cache" not in client.get("/?utm_source=x")
    client.get("/?page=1")
    assert client.get("/?page=1")["X-Solo-Cache"] == "hit"
