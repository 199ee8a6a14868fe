from django.core.management.base import BaseCommand, CommandError

from notes.caching import invalidate
from notes.importers import MARKDOWN, find, import_files


class Command(BaseCommand):
    help = (
        "Import notes: Markdown files with front matter (Hashnode export or plain) or folders of "
        "them, a Substack export zip, a Ghost JSON export, a WordPress WXR file or a beehiiv "
        "posts CSV, each recognised by its content. Idempotent: a note with the same slug is "
        "updated, never duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="Files, folders or exports")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would change; change nothing."
        )

    def handle(self, *args, paths, dry_run, **options):
        found = find(paths)
        for item in found:
            if item.format != MARKDOWN:  # an export: say which platform it came from
                self.stdout.write(f"{item.path}: {item.format}")
        counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
        refused = 0
        for path, result, error in import_files(paths, dry_run=dry_run, found=found):
            if error:
                counts["failed"] += 1
                self.stderr.write(f"{path}: failed: {error}")
                continue
            counts[result.outcome] += 1
            self.stdout.write(f"{path}: {result.outcome} ({result.slug})")
            for reason in result.refused:
                self.stderr.write(f"{path}: {reason}")
            refused += len(result.refused)
        if not dry_run:
            invalidate()
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        if refused:
            summary += f", {refused} value{'s' if refused > 1 else ''} not imported"
        self.stdout.write(("Dry run: " if dry_run else "") + summary)
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} file(s) could not be imported")
