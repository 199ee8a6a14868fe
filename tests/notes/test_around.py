"""The note page's one hand-written query (notes/around.py) answers what the ORM would."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from bench.around import orm_around
from notes.around import around
from notes.models import Note


def ids(found: dict) -> tuple:
    return (
        found["previous"] and found["previous"].pk,
        found["next"] and found["next"].pk,
        [note.pk for note in found["related"]],
    )


@pytest.mark.django_db
def test_previous_next_and_related_notes_are_what_the_orm_would_pick(make_note):
    """Fails when a schema change (a renamed column, a new status) is not followed by the SQL."""
    rng = random.Random(12)
    now = timezone.now()
    for n in range(40):
        make_note(
            f"Note {n}",
            tags=rng.sample(["a", "b", "c", "d", "e", "f"], rng.randint(0, 3)),
            status=Note.Status.DRAFT if n % 9 == 0 else Note.Status.PUBLISHED,
            # distinct times, some in the future (scheduled)
            published_at=now + timedelta(minutes=rng.randint(-5000, 500) * 40 + n),
        )
    for note in Note.objects.all():
        tags = list(note.tags.all())
        assert ids(around(note, tags)) == ids(orm_around(note, tags)), note.title
