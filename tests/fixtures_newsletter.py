"""Fixtures for the newsletter tests."""

import pytest
from django.utils import timezone

from newsletter.models import Subscriber

TEASER = "Free opening paragraph about apples."
SECRET = "Secret premium paragraph about oranges."


def make_subscribers(count: int, status=Subscriber.Status.ACTIVE, prefix="reader") -> list:
    Subscriber.objects.bulk_create(
        Subscriber(
            email=f"{prefix}{i}@example.com",
            status=status,
            confirmed_at=timezone.now(),
        )
        for i in range(count)
    )
    return list(Subscriber.objects.filter(email__startswith=prefix).order_by("pk"))


def make_note(slug="weekly", visibility="paid"):
    from notes.models import Note

    return Note.objects.create(  # save() renders body_html and teaser_html
        title="Weekly notes",
        slug=slug,
        body=f"{TEASER}\n\n<!-- paywall -->\n\n{SECRET}",
        status=Note.Status.PUBLISHED,
        visibility=visibility,
        published_at=timezone.now(),
    )


@pytest.fixture
def premium_note(db):
    return make_note()


@pytest.fixture
def public_note(db):
    return make_note(slug="open-letter", visibility="public")


@pytest.fixture
def worker(celery_worker):
    """The real Celery worker, with this test process queueing to it instead of running eagerly."""
    from solo.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield celery_worker
    app.conf.task_always_eager = eager
