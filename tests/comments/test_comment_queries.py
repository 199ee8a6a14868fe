"""Rule constant-sql: the comments fragment and the cards' counts cost the same SQL for 1 or 200
comments."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.models import Comment
from newsletter.models import Subscriber

from .conftest import thread_url

pytestmark = pytest.mark.django_db
FRAGMENT = {"X-Solo-Fragment": "1"}


def add_comments(note, count: int) -> None:
    """`count` published comments, every other one a reply, by different readers."""
    readers = Subscriber.objects.bulk_create(
        Subscriber(email=f"c{note.pk}-{Comment.objects.count()}-{i}@example.com", name=f"R{i}")
        for i in range(count)
    )
    top = Comment.objects.create(
        note=note, subscriber=readers[0], body="Top.", body_html="<p>Top.</p>", status="published"
    )
    Comment.objects.bulk_create(
        Comment(
            note=note,
            parent=top if i % 2 else None,
            subscriber=reader,
            body=f"Comment {i}",
            body_html=f"<p>Comment {i}</p>",
            status="published",
        )
        for i, reader in enumerate(readers[1:], start=1)
    )


def queries(client, url, **headers) -> tuple[int, str]:
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return len(captured), response.content.decode()


@pytest.mark.parametrize("kind", ["anonymous", "free"])
def test_the_comments_fragment_costs_the_same_for_1_or_200_comments(
    kind, client, reader_client, note
):
    browser = client if kind == "anonymous" else reader_client(kind)
    add_comments(note, 1)
    small, page = queries(browser, thread_url(note), **FRAGMENT)
    assert "1 comment" in page
    add_comments(note, 199)
    large, page = queries(browser, thread_url(note), **FRAGMENT)
    assert "200 comments" in page and "Comment 198" in page
    assert small == large, f"{small} queries with 1 comment, {large} with 200"
    assert large <= 12


def test_the_counts_on_the_cards_are_one_query_whatever_the_comments(client, make_note):
    notes = [make_note(f"Note {i}", slug=f"note-{i}") for i in range(5)]
    add_comments(notes[0], 1)
    small, page = queries(client, "/")
    assert "1 comment" in page
    for note in notes:
        add_comments(note, 40)
    large, page = queries(client, "/")
    assert "41 comments" in page and "40 comments" in page
    assert small == large
