"""ETag/Last-Modified answer 304s; any change to the notes gives pages a new ETag at once."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/notes/hello/", "/feed/", "/feed/atom/", "/tags/ai/"])
def test_unchanged_pages_answer_304(client, make_note, url):
    make_note("Hello", tags=["ai"])
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
def test_random_query_strings_do_not_fill_the_page_cache(client, make_note):
    make_note("Hello")
    client.get("/?utm_source=x")
    assert "X-Solo-Cache" not in client.get("/?utm_source=x")
    client.get("/?page=1")
    assert client.get("/?page=1")["X-Solo-Cache"] == "hit"
