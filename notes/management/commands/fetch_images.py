from django.core.management.base import BaseCommand, CommandError

from notes.caching import invalidate
from notes.importers.fetching import fetch_images


class Command(BaseCommand):
    help = (
        "Copy the images imported notes show from other sites (Substack, Ghost, WordPress…) into "
        "this site's media storage, and point the notes at the copies. Run again to retry what "
        "could not be fetched."
    )

    def handle(self, *args, **options):
        report = fetch_images()
        invalidate()
        for address, reason in report.failed.items():
            self.stderr.write(f"not fetched: {address}: {reason}")
        self.stdout.write(
            f"{len(report.copied)} image(s) copied into {report.notes} note(s), "
            f"{len(report.failed)} not fetched"
        )
        if report.failed:
            raise CommandError(f"{len(report.failed)} image(s) could not be fetched")
