"""A note page lists up to three related notes: those sharing most of its tags, newest first."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from notes.around import RELATED_PER_TAG
from notes.models import Note


def related_titles(client, note) -> list[str]:
    html = client.get(note.get_absolute_url()).content.decode()
    section = re.search(r'<section class="related">(.*?)</section>', html, re.S)
    return re.findall(r'<a href="[^"]+">([^<]+)</a>', section.group(1)) if section else []


@pytest.mark.django_db
def test_related_notes_rank_by_shared_tags_and_hide_what_readers_cannot_see(client, make_note):
    hour = timedelta(hours=1)
    now = timezone.now()
    note = make_note("Owning the archive", tags=["Writing", "Email"])
    make_note("Shares one, newer", tags=["Writing"], published_at=now - hour)
    make_note("Shares both", tags=["Writing", "Email"], published_at=now - 5 * hour)
    make_note("Shares one, older", tags=["Email"], published_at=now - 3 * hour)
    make_note("Shares nothing", tags=["Cooking"], published_at=now - hour)
    make_note("A draft", tags=["Writing", "Email"], status=Note.Status.DRAFT, published_at=None)
    make_note("Scheduled", tags=["Writing", "Email"], published_at=now + hour)
    make_note("Shares one, oldest", tags=["Writing"], published_at=now - 9 * hour)

    assert related_titles(client, note) == ["Shares both", "Shares one, newer", "Shares one, older"]


@pytest.mark.django_db
def test_a_note_sharing_a_rare_tag_is_found_in_a_large_archive(client, make_note):
    """Candidates are each tag's latest notes, so a crowded tag cannot hide a close relative."""
    close = make_note("Close relative", tags=["Python", "Postgres"])
    for n in range(RELATED_PER_TAG + 5):
        make_note(f"Python note {n}", tags=["Python"])
    note = make_note("Prepared statements", tags=["Python", "Postgres"])

    assert related_titles(client, note)[0] == close.title


@pytest.mark.django_db
def test_a_note_without_tags_has_no_related_section(client, make_note):
    make_note("Tagged", tags=["Writing"])
    note = make_note("Untagged")
    assert related_titles(client, note) == []
