"""A note page's neighbours and related notes, in one raw SQL query.

The one place in `notes` that writes SQL by hand: the ORM spelling of the same three queries
(`bench/around.py`) makes the uncached note page about twice as slow, most of it spent building
the queries, not running them. `bench/around.py` measures both; `tests/notes/test_around.py` pins
this query to the ORM's answer, so a schema change cannot make them drift apart.
"""

from django.db import connection
from django.utils import timezone

from .models import Note

# Related notes are ranked among the latest-written RELATED_PER_TAG notes of each of the note's
# tags ("latest-written" is by id: the order notes were added): an index walk of at most that
# many entries per tag, so the cost does not grow with the archive.
RELATED_PER_TAG = 20

_NEIGHBOURS_SQL = """
SELECT * FROM (SELECT 'previous' AS kind, id, title, slug, published_at FROM {note}
  WHERE status = %s AND published_at < %s AND published_at <= %s
  ORDER BY published_at DESC LIMIT 1) p
UNION ALL
SELECT * FROM (SELECT 'next', id, title, slug, published_at FROM {note}
  WHERE status = %s AND published_at > %s AND published_at <= %s
  ORDER BY published_at LIMIT 1) n
"""
_CANDIDATES_SQL = """
SELECT * FROM (SELECT note_id FROM {note_tags} WHERE tag_id = %s AND note_id <> %s
  ORDER BY note_id DESC LIMIT {per_tag}) t{i}"""
_RELATED_SQL = """
UNION ALL
SELECT * FROM (SELECT 'related', n.id, n.title, n.slug, n.published_at FROM {note} n
  WHERE n.id IN ({candidates}) AND n.status = %s AND n.published_at <= %s
  ORDER BY (SELECT COUNT(*) FROM {note_tags} s WHERE s.note_id = n.id AND s.tag_id IN ({tags}))
    DESC, n.published_at DESC LIMIT 3) r
"""


def around(note: Note, tags) -> dict:
    """`{"previous": …, "next": …, "related": […]}`: the published notes just before and after
    this one, and up to three sharing most of its `tags`, newest first."""
    names = {
        "note": connection.ops.quote_name(Note._meta.db_table),
        "note_tags": connection.ops.quote_name(Note.tags.through._meta.db_table),
    }
    now, published = timezone.now(), Note.Status.PUBLISHED
    sql = _NEIGHBOURS_SQL.format(**names)
    params = [published, note.published_at, now] * 2
    if tags:
        candidates = " UNION ".join(
            _CANDIDATES_SQL.format(**names, per_tag=RELATED_PER_TAG, i=i) for i in range(len(tags))
        )
        placeholders = ", ".join(["%s"] * len(tags))
        sql += _RELATED_SQL.format(**names, tags=placeholders, candidates=candidates)
        for tag in tags:
            params += [tag.pk, note.pk]
        params += [published, now] + [tag.pk for tag in tags]
    found = {"previous": None, "next": None, "related": []}
    for other in Note.objects.raw(sql, params):
        if other.kind == "related":
            found["related"].append(other)
        else:
            found[other.kind] = other
    return found
