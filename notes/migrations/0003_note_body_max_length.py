# The Note body has a maximum size (notes.markdown.MAX_BODY_CHARS).

import markdownx.models
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("notes", "0002_note_tags_newest_per_tag"),
    ]

    operations = [
        migrations.AlterField(
            model_name="note",
            name="body",
            field=markdownx.models.MarkdownxField(
                blank=True,
                help_text="Markdown. Put a line <!-- paywall --> where the free part of a premium note ends; without it, the first two blocks are free, up to 1,000 characters and never more than half the note. The preview shows where the free part ends.",
                max_length=50000,
                verbose_name="body",
            ),
        ),
    ]
