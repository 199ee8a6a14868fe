"""Writing notes: slugs, rendering on save, reading time, old addresses."""

import pytest

from notes.models import Note


@pytest.mark.django_db
def test_slug_comes_from_title_with_accents_folded(make_note):
    assert make_note("L'été à Dakar").slug == "lete-a-dakar"
    assert make_note("L'été à Dakar").slug == "lete-a-dakar-2"
    assert make_note("Œuvre complète").slug == "oeuvre-complete"


@pytest.mark.django_db
def test_markdown_is_rendered_once_on_save(make_note, premium_body):
    note = make_note("Premium", body=premium_body, visibility=Note.Visibility.PAID)
    stored = Note.objects.get(pk=note.pk)
    assert "<p>The free opening paragraph.</p>" in stored.teaser_html
    assert "SECRET-PREMIUM-TEXT" not in stored.teaser_html
    assert "SECRET-PREMIUM-TEXT" in stored.rest_html
    assert "SECRET-PREMIUM-TEXT" in stored.body_html
    assert "<!--" not in stored.body_html
    assert stored.description == "The free opening paragraph."
    assert "secret-premium-text" not in stored.search_document


@pytest.mark.django_db
def test_reading_time_grows_with_length(make_note):
    assert make_note("Short", body="word " * 50).reading_minutes == 1
    assert make_note("Long", body="word " * 1000).reading_minutes == 5


@pytest.mark.django_db
def test_changed_slug_answers_the_old_address_with_301(client, make_note):
    note = make_note("First title")
    note.slug = "better-title"
    note.save()
    response = client.get("/notes/first-title/")
    assert response.status_code == 301
    assert response["Location"] == "/notes/better-title/"
    assert client.get("/notes/better-title/").status_code == 200
    # Changing it back does not loop: the current slug always wins.
    note.slug = "first-title"
    note.save()
    assert client.get("/notes/first-title/").status_code == 200
    assert client.get("/notes/better-title/")["Location"] == "/notes/first-title/"


@pytest.mark.django_db
def test_unknown_note_is_404(client):
    assert client.get("/notes/nothing-here/").status_code == 404
    assert client.get("/tags/nothing-here/").status_code == 404
    assert client.get("/tags/nothing-here/feed/").status_code == 404
