"""An index for "the latest-written notes of a tag" (related notes, see notes.views._around).

The many-to-many table is Django's own, so the index is plain SQL, the same on PostgreSQL and
SQLite.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notes", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX notes_note_tags_tag_note ON notes_note_tags (tag_id, note_id)",
            reverse_sql="DROP INDEX notes_note_tags_tag_note",
        )
    ]
