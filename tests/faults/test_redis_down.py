"""Redis (the page cache) down: readers' pages are rendered from the database, never a 500,
and a premium note still shows only its teaser to a visitor."""

import pytest
from redis.exceptions import RedisError

from notes.models import Note
from tests.fixtures_newsletter import SECRET, TEASER, make_note

pytestmark = pytest.mark.django_db


def test_pages_answer_from_the_database_while_redis_is_down(cache_on_own_redis, client):
    public = make_note(slug="open", visibility="public")
    premium = make_note(slug="members", visibility="paid")
    pages = ["/", public.get_absolute_url(), premium.get_absolute_url(), "/feed/", "/sitemap.xml"]
    for path in pages:
        assert client.get(path).status_code == 200
        assert client.get(path)["X-Solo-Cache"] == "hit"  # control: Redis serves them now

    # A change the cache cannot hear about (no invalidation): only a fresh render shows it.
    Note.objects.filter(pk=public.pk).update(title="Rendered from the database")
    assert "Rendered from the database" not in client.get(public.get_absolute_url()).text
    cache_on_own_redis.stop()

    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "X-Solo-Cache" not in response
    assert "Rendered from the database" in client.get(public.get_absolute_url()).text
    teaser = client.get(premium.get_absolute_url()).text
    assert TEASER in teaser and SECRET not in teaser


def test_unpublishing_is_refused_while_redis_is_down(cache_on_own_redis, admin_client):
    """Cached pages could outlive the change unseen, so the change does not happen."""
    note = make_note(slug="open", visibility="public")
    cache_on_own_redis.stop()

    with pytest.raises(RedisError):
        admin_client.post(
            "/admin/notes/note/", {"action": "unpublish", "_selected_action": [note.pk]}
        )

    note.refresh_from_db()
    assert note.status == Note.Status.PUBLISHED
