"""A tag carried only by drafts or scheduled notes is not found: it would announce them."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from notes.models import Note


@pytest.mark.django_db
@pytest.mark.parametrize(
    "unpublished",
    [
        {"status": Note.Status.DRAFT, "published_at": None},
        {"published_at": timezone.now() + timedelta(days=3)},  # scheduled
    ],
    ids=["draft", "scheduled"],
)
def test_a_tag_used_only_by_an_unpublished_note_is_404_page_and_feed(make_note, unpublished):
    make_note("Secret launch", tags=["launch"], **unpublished)
    assert Client().get("/tags/launch/").status_code == 404
    assert Client().get("/tags/launch/feed/").status_code == 404
    make_note("Teaser", tags=["launch"])  # once a published note carries it, it shows
    assert Client().get("/tags/launch/").status_code == 200
    feed = Client().get("/tags/launch/feed/").content.decode()
    assert "Teaser" in feed and "Secret launch" not in feed
