"""Fill the benchmark database: N notes, T tags, S subscribers (replacing what was there).

Run by bench/pages.py in a process with the benchmark's environment; prints a JSON summary.
"""

import argparse
import json
import os
import sys
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from newsletter.models import Subscriber  # noqa: E402
from notes.models import Note, Tag  # noqa: E402

BODY = (
    """Owning your archive means you can leave. Owning your list means you can be heard.

A second paragraph with *emphasis*, **strength** and a [link](https://example.com/).

```python
def reading_time(words: int) -> int:
    return max(1, words // 230)
```

| week | subscribers | paid |
|------|-------------|------|
| 1    | 21          | 0    |

<!-- paywall -->

The part for paying readers: the numbers behind the move, month by month.
"""
    * 3
)


def _copyable_fields():
    skip = {"id", "slug", "title", "published_at"}
    return [
        f.attname
        for f in Note._meta.concrete_fields
        if f.attname not in skip and f.get_internal_type() != "SearchVectorField"
    ]


@transaction.atomic
def load(notes: int, tags: int, subscribers: int) -> dict:
    Note.objects.all().delete()
    Tag.objects.all().delete()
    Subscriber.objects.all().delete()
    tag_rows = Tag.objects.bulk_create(
        Tag(name=f"Topic {i}", slug=f"topic-{i}") for i in range(tags)
    )
    now = timezone.now()
    models = {}
    for visibility in (Note.Visibility.PUBLIC, Note.Visibility.PAID):
        note = Note(
            title=f"Model {visibility}",
            slug=f"model-{visibility}",
            body=BODY,
            status=Note.Status.PUBLISHED,
            visibility=visibility,
            published_at=now - timedelta(days=365 * 5),
        )
        note.save()  # renders the Markdown once; the copies reuse its stored HTML
        models[visibility] = note
    fields = _copyable_fields()
    copies = []
    for i in range(max(0, notes - 2)):
        model = models[Note.Visibility.PAID if i % 5 == 4 else Note.Visibility.PUBLIC]
        copy = Note(**{name: getattr(model, name) for name in fields})
        copy.title = f"Note number {i} about owning your archive"
        copy.slug = f"note-{i}"
        copy.published_at = now - timedelta(hours=i + 1)
        copies.append(copy)
    Note.objects.bulk_create(copies, batch_size=1000)
    if hasattr(Note.objects, "refresh_search_vectors"):
        Note.objects.refresh_search_vectors()
    through = Note.tags.through
    links = []
    for n, note_id in enumerate(Note.objects.values_list("id", flat=True)):
        for k in range(3):
            links.append(through(note_id=note_id, tag_id=tag_rows[(n + k * 7) % tags].id))
    through.objects.bulk_create(links, batch_size=5000)
    Subscriber.objects.bulk_create(
        (
            Subscriber(email=f"reader{i}@example.com", status=Subscriber.Status.ACTIVE)
            for i in range(subscribers)
        ),
        batch_size=5000,
    )
    newest = Note.objects.published().order_by("-published_at").first()
    return {
        "notes": Note.objects.count(),
        "tags": Tag.objects.count(),
        "subscribers": Subscriber.objects.count(),
        "note_path": newest.get_absolute_url(),
        "tag_path": tag_rows[0].get_absolute_url(),
    }


def analyze():
    """What autovacuum does after a bulk load: fresh planner statistics, dead rows gone.

    Without the VACUUM, the rows this script deleted stay in the indexes for a while, and
    planning a query on the tag join walked past them: 1.9 ms instead of 0.1 ms at 10,000 notes.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--tags", type=int, default=200)
    parser.add_argument("--subscribers", type=int, default=100_000)
    args = parser.parse_args()
    summary = load(args.notes, args.tags, args.subscribers)
    analyze()
    print(json.dumps(summary))
