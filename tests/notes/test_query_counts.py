"""Rule constant-sql: every page and feed runs the same number of queries for 10 or 300 notes."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notes.models import Note, Tag

PAGES = [
    "/",
    "/?page=2",
    "/tags/tag-1/",
    "/notes/note-5/",
    "/notes/note-5/comments/",  # the note's comments, outside its cached page
    "/feed/",
    "/feed/atom/",
    "/tags/tag-1/feed/",
    "/sitemap.xml",
    "/search/?q=body",
]
MAX_QUERIES = 8


def make_many(count: int, start: int = 0) -> None:
    now = timezone.now()
    tags = Tag.objects.bulk_create(
        [Tag(name=f"Tag {i}", slug=f"tag-{i}") for i in range(start, start + count)]
    )
    template = Note(title="x", body="A body.\n\nSecond paragraph.")
    template.render()
    notes = Note.objects.bulk_create(
        Note(
            title=f"Note {i}",
            slug=f"note-{i}",
            body=template.body,
            teaser_html=template.teaser_html,
            body_html=template.body_html,
            description="A body.",
            search_document=f"note {i} a body second paragraph",
            status=Note.Status.PUBLISHED,
            visibility=Note.Visibility.PAID if i % 3 == 0 else Note.Visibility.PUBLIC,
            published_at=now - timedelta(hours=i + 1),
        )
        for i in range(start, start + count)
    )
    links = [
        Note.tags.through(note_id=note.pk, tag_id=tags[(i + k) % count].pk)
        for i, note in enumerate(notes)
        for k in range(3)
    ]
    Note.tags.through.objects.bulk_create(links)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchVector

        Note.objects.filter(search_vector__isnull=True).update(
            search_vector=SearchVector("search_document", config="simple")
        )


def count_queries(client, url) -> int:
    cache.clear()  # measure the real work, not a cached page
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_query_count_does_not_grow_with_notes(client, staff_client, url):
    make_many(11)  # two pages: /?page=2 exists
    small = count_queries(client, url)
    make_many(300, start=11)
    large = count_queries(client, url)
    assert small == large, f"{url}: {small} queries with 10 notes, {large} with 300"
    assert large <= MAX_QUERIES, url
    assert count_queries(staff_client, url) <= MAX_QUERIES + 4  # session, user, subscriber


@pytest.mark.django_db
def test_cached_page_costs_no_query(client, django_assert_max_num_queries):
    make_many(10)
    client.get("/")
    with django_assert_max_num_queries(0):
        response = client.get("/")
    assert response["X-Solo-Cache"] == "hit"
