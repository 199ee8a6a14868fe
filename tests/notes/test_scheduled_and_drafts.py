"""A future publication date schedules a note; drafts and scheduled notes are staff-only."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notes.models import Note


@pytest.mark.django_db
def test_scheduled_note_appears_by_itself_at_its_time(client, make_note, monkeypatch):
    make_note("Already out")
    soon = timezone.now() + timedelta(minutes=30)
    note = make_note("Coming soon", published_at=soon)
    assert "Coming soon" not in client.get("/").content.decode()
    assert "Coming soon" not in client.get("/feed/").content.decode()
    assert client.get(note.get_absolute_url()).status_code == 404
    first_etag = client.get("/")["ETag"]

    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: real_now() + timedelta(minutes=31))
    home = client.get("/", HTTP_IF_NONE_MATCH=first_etag)
    assert home.status_code == 200  # no stale 304, no stale cached page, no job needed
    assert "Coming soon" in home.content.decode()
    assert client.get(note.get_absolute_url()).status_code == 200
    assert "Coming soon" in client.get("/feed/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_staff_preview_drafts_and_scheduled_notes_at_their_real_url(
    client, staff_client, make_note, state
):
    if state == "draft":
        note = make_note("Unfinished", status=Note.Status.DRAFT, published_at=None)
    else:
        note = make_note("Later", published_at=timezone.now() + timedelta(days=2))
    url = note.get_absolute_url()
    assert client.get(url).status_code == 404
    response = staff_client.get(url)
    assert response.status_code == 200
    assert "only staff can see this page" in response.content.decode()
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert note.title not in client.get("/sitemap.xml").content.decode()
