from django.core.management.base import BaseCommand, CommandError

from newsletter.importing import import_csv


class Command(BaseCommand):
    help = (
        "Import subscribers from a CSV file with a header row: plain `email,name`, Solo's own "
        "export, or the subscriber export of Substack, Ghost, beehiiv, Kit or Mailchimp, "
        "recognised by its columns. Idempotent; bad rows are reported with their line number."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the CSV file")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would change; change nothing."
        )

    def handle(self, *args, file, dry_run, **options):
        try:
            with open(file, newline="", encoding="utf-8-sig") as lines:
                report = import_csv(lines, dry_run=dry_run)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        for line, problem in report.errors:
            self.stderr.write(f"line {line}: {problem}")
        self.stdout.write(
            ("Dry run: " if dry_run else "")
            + f"{report.format} file: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.errors)} rejected"
        )
        statuses = ", ".join(f"{count} {status}" for status, count in report.statuses.items())
        self.stdout.write(
            f"Recognised as a {report.platform} export. Readers in the file: {statuses or 'none'}"
            f"; {report.paid} paid, {report.comped} comped; {report.merged} repeated "
            "address(es) merged."
        )
        if report.paid:
            self.stdout.write(
                "Paid readers pay through Stripe: run link_stripe_subscribers with their prices "
                "to give them access here, with no new charge."
            )
