from pathlib import Path

from django.core.management.base import BaseCommand

from notes.models import Note
from notes.portability import export_note


class Command(BaseCommand):
    help = "Write every note as Markdown with front matter into DIR (import_notes reads it back)."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Folder to write into (created if missing)")

    def handle(self, *args, directory, **options):
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        count = 0
        for note in Note.objects.prefetch_related("tags", "old_slugs", "legacy_paths").order_by(
            "slug"
        ):
            (folder / f"{note.slug}.md").write_text(export_note(note), encoding="utf-8")
            count += 1
        self.stdout.write(f"{count} note(s) written to {folder}")
