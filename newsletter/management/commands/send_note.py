from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from newsletter import tasks
from newsletter.models import Issue
from notes.models import Note


class Command(BaseCommand):
    help = (
        "Send a note as a newsletter issue: now, or at --at (ISO 8601). Running it again for the "
        "same note and audience reschedules the pending issue instead of creating another."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--at", help="when to send, ISO 8601 (default: now)")
        parser.add_argument("--audience", choices=Issue.Audience.values, default=Issue.Audience.ALL)

    def handle(self, *args, slug, at, audience, **options):
        note = Note.objects.filter(slug=slug).first()
        if note is None:
            raise CommandError(f"no note with slug {slug!r}")
        when = None
        if at:
            when = parse_datetime(at)
            if when is None:
                raise CommandError(f"--at {at!r} is not an ISO 8601 date and time")
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
        issue = (
            Issue.objects.filter(note=note, audience=audience)
            .exclude(status=Issue.Status.CANCELLED)
            .first()
        )
        if issue is not None and issue.status in (Issue.Status.SENDING, Issue.Status.SENT):
            self.stdout.write(f"Issue {issue.pk} for {slug!r} is already {issue.status}.")
            return
        issue = issue or Issue(note=note, audience=audience)
        tasks.schedule(issue, when)
        issue.refresh_from_db()
        if issue.status == Issue.Status.SCHEDULED:
            self.stdout.write(f"Issue {issue.pk} scheduled for {issue.scheduled_at.isoformat()}.")
        else:
            self.stdout.write(f"Issue {issue.pk}: sending to {issue.recipients_count} readers.")
