"""Fixtures for the notes tests."""

from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def make_note(db):
    """Create a note through `save()` (so it is rendered). Published an hour ago by default."""
    from notes.models import Note, Tag

    def make(title="A note", body="First paragraph.\n\nSecond one.", tags=(), **fields):
        fields.setdefault("status", Note.Status.PUBLISHED)
        fields.setdefault("published_at", timezone.now() - timedelta(hours=1))
        note = Note(title=title, body=body, **fields)
        note.save()
        for name in tags:
            tag, _ = Tag.objects.get_or_create(name=name, defaults={"slug": name.lower()})
            note.tags.add(tag)
        return note

    return make


@pytest.fixture
def premium_body():
    return (
        "The free opening paragraph.\n\nA second free paragraph.\n\n<!-- paywall -->\n\n"
        "SECRET-PREMIUM-TEXT lies here, after the paywall point.\n"
    )


@pytest.fixture
def staff_client(db, django_user_model):
    """A second browser, signed in as the author (staff); `client` stays anonymous."""
    from django.test import Client

    client = Client()
    user = django_user_model.objects.create_user("author", "author@example.com", "pw-author-1")
    user.is_staff = True
    user.save()
    client.force_login(user)
    return client
