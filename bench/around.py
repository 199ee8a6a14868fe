"""The note page's neighbours and related notes: notes/around.py's raw query against the ORM.

    .venv/bin/python bench/around.py [--repeat 500]

Runs on bench/pages.py's database (load it once first). `orm_around` is the same answer spelt
with the ORM: tests/notes/test_around.py pins the raw query to it. Measured 2026-12 on the
2-core CI machine (1,000 notes, 200 tags): the uncached note page took ~4.4 ms with the raw
query and ~9 ms with this ORM spelling, most of the difference spent building the queries.
"""

import argparse
import os
import sys
import timeit
from pathlib import Path

if __name__ == "__main__":  # by hand: the benchmark's settings and database
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.pages import env

    os.environ.update(env())
    import django

    django.setup()

from django.db.models import Count, Q  # noqa: E402

from notes.around import RELATED_PER_TAG, around  # noqa: E402
from notes.models import Note  # noqa: E402


def orm_around(note, tags) -> dict:
    """What `notes.around.around` answers, with the ORM (three queries)."""
    published = Note.objects.published().only("title", "slug", "published_at")
    when = note.published_at
    found = {
        "previous": published.filter(published_at__lt=when).order_by("-published_at").first(),
        "next": published.filter(published_at__gt=when).order_by("published_at").first(),
        "related": [],
    }
    if tags:
        links = Note.tags.through.objects.exclude(note_id=note.pk).order_by("-note_id")
        candidates = Q()
        for tag in tags:
            candidates |= Q(pk__in=links.filter(tag_id=tag.pk).values("note_id")[:RELATED_PER_TAG])
        found["related"] = list(
            published.filter(candidates)
            .annotate(shared=Count("tags", filter=Q(tags__in=tags)))
            .order_by("-shared", "-published_at")[:3]
        )
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=500)
    args = parser.parse_args()
    note = Note.objects.published().order_by("-published_at").first()
    tags = list(note.tags.all())
    for name, function in (("raw SQL", around), ("ORM", orm_around)):
        best = min(timeit.repeat(lambda f=function: f(note, tags), number=args.repeat, repeat=5))
        print(f"{name:<8} {best / args.repeat * 1000:6.3f} ms per note page ({len(tags)} tags)")


if __name__ == "__main__":
    main()
