"""Starting a send (rule each-issue-once: every subscriber gets each issue once).

- `dispatch_due()` takes due issues under a row lock and snapshots each audience into Delivery
  rows, one per (issue, subscriber) under a unique constraint;
- `requeue_stale()` gives rows claimed by a dead worker, or queued with their task lost, back;
- `finish_if_done()` marks an issue sent once no row is left to send;
- `audience_counts()` says, before a send, who it would reach and who gets the whole note;
- `cancel()` returns a scheduled issue to draft, as long as its send has not started.

Nothing here talks to Celery: these functions return the batches to send, and `newsletter.tasks`
queues them, so the rules stay plain functions and the imports point one way (tasks → dispatch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.lookups import LessThan
from django.utils import timezone

from billing.access import NO_RANK, paid_condition, paid_subscribers, tier_rank_expression

from . import emails
from .models import Delivery, Issue, Subscriber


@dataclass(frozen=True)
class Batch:
    """Deliveries of one issue that one task sends."""

    issue_id: int
    delivery_ids: list[int]


def audience(issue: Issue) -> QuerySet:
    active = Subscriber.objects.filter(status=Subscriber.Status.ACTIVE)
    if issue.audience == Issue.Audience.PAID:
        return paid_subscribers(active)
    if issue.audience == Issue.Audience.FREE:
        return active.exclude(pk__in=paid_subscribers(active).values("pk"))
    return active


@dataclass(frozen=True)
class AudienceCounts:
    """Who an issue would reach now: free and paid readers, and who gets the whole note."""

    free: int
    paid: int
    free_get_all: bool  # free readers may read the note in full (or the issue has no note)
    paid_get_all: bool
    paid_below_tier: int = 0  # paid readers of a tier below the note's: they get the teaser

    @property
    def total(self) -> int:
        return self.free + self.paid

    @property
    def whole(self) -> int:
        paid_whole = (self.paid - self.paid_below_tier) * self.paid_get_all
        return self.free * self.free_get_all + paid_whole

    @property
    def teaser(self) -> int:
        return self.total - self.whole


def audience_counts(issue: Issue) -> AudienceCounts:
    """The audience as the send would snapshot it now, counted in one query; what each kind of
    reader gets is the access rule's answer for that kind (premium text never leaks)."""
    note = issue.note
    needed = note.minimum_tier.position if note and note.minimum_tier_id else None
    # A paid reader's rank is never below NO_RANK + 1; no minimum tier: nobody is below it.
    below = LessThan(tier_rank_expression(), needed if needed is not None else NO_RANK)
    counts = audience(issue).aggregate(
        total=Count("pk"),
        paid=Count("pk", filter=paid_condition()),
        below=Count("pk", filter=Q(paid_condition()) & Q(below)),
    )
    return AudienceCounts(
        free=counts["total"] - counts["paid"],
        paid=counts["paid"],
        free_get_all=not emails.teaser_only(issue, emails.SAMPLE_READERS[emails.FREE]),
        paid_get_all=not emails.teaser_only(issue, emails.SAMPLE_READERS[emails.PAID]),
        paid_below_tier=counts["below"],
    )


def schedule(issue: Issue, at=None) -> bool:
    """Schedule an issue (now when `at` is None). True when it is due already."""
    issue.scheduled_at = at or timezone.now()
    issue.status = Issue.Status.SCHEDULED
    issue.save()
    return issue.scheduled_at <= timezone.now()


def cancel(issue: Issue) -> bool:
    """Back to draft if still scheduled. False once the dispatcher has started sending it: the
    update waits for the dispatcher's row lock, then finds the issue no longer scheduled."""
    cancelled = Issue.objects.filter(pk=issue.pk, status=Issue.Status.SCHEDULED).update(
        status=Issue.Status.DRAFT
    )
    if cancelled:
        issue.status = Issue.Status.DRAFT
    return bool(cancelled)


def snapshot(issue: Issue) -> int:
    """One Delivery row per reader in the audience; re-running adds nothing (unique constraint)."""
    rows = (
        Delivery(issue_id=issue.pk, subscriber_id=pk)
        for pk in audience(issue).values_list("pk", flat=True).iterator(chunk_size=2000)
    )
    Delivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return issue.deliveries.count()


def dispatch_due(now=None) -> list[Batch]:
    """Start every due issue: snapshot, mark sending. Returns the batches to send."""
    now = now or timezone.now()
    batches = []
    with transaction.atomic():
        for issue in Issue.objects.due(now).select_for_update(skip_locked=True):
            issue.recipients_count = snapshot(issue)
            issue.status = Issue.Status.SENDING
            issue.started_at = now
            issue.save(update_fields=["recipients_count", "status", "started_at"])
            queued = Delivery.objects.filter(issue=issue, status=Delivery.Status.QUEUED)
            batches += _batches(issue.pk, queued)
    return batches


def _batches(issue_id: int, rows: QuerySet) -> list[Batch]:
    """These queued rows in batches of NEWSLETTER_BATCH_SIZE, stamped as queued now."""
    size = settings.NEWSLETTER_BATCH_SIZE
    ids = list(rows.order_by("pk").values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids).update(queued_at=timezone.now())
    return [Batch(issue_id, ids[start : start + size]) for start in range(0, len(ids), size)]


def requeue_stale(now=None) -> list[Batch]:
    """Rows claimed by a dead worker, or queued with their task lost: the batches to send again."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.NEWSLETTER_CLAIM_TIMEOUT)
    Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=cutoff).update(
        status=Delivery.Status.QUEUED, claimed_at=None, last_error="claim timed out"
    )
    batches = []
    with transaction.atomic():
        for issue_id in Issue.objects.filter(status=Issue.Status.SENDING).values_list(
            "pk", flat=True
        ):
            stale = Delivery.objects.filter(
                issue_id=issue_id, status=Delivery.Status.QUEUED, queued_at__lt=cutoff
            )
            batches += _batches(issue_id, stale)
            finish_if_done(issue_id)
    return batches


def finish_if_done(issue_id: int) -> None:
    pending = Delivery.objects.filter(
        issue_id=issue_id, status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]
    )
    if not pending.exists():
        Issue.objects.filter(pk=issue_id, status=Issue.Status.SENDING).update(
            status=Issue.Status.SENT, finished_at=timezone.now()
        )
