"""Welcome sequences: who enters which sequence, which steps are due, and sending them.

Rule each-issue-once holds for steps as for issues: each (step, reader) pair is one `StepDelivery`
row under a unique constraint, claimed and sent by the issues' own machinery
(`delivery.claim_rows`, `delivery.send_jobs`, `dispatch.release_stale_claims`), so a step reaches
each reader once, survives a worker killed mid-send, and skips readers who left or bounced.

- `start_free()`: a reader confirmed (`subscribing.confirm`): the free sequence starts;
- `start_paid()`: a subscription was mirrored (`billing.sync`): a reader who arrived by paying
  starts the paid sequence, a free reader who upgrades the upgrade one (and leaves the free one);
- `dispatch_due()`: each step whose day has come, for each reader in its sequence, becomes a
  ledger row; returns the batches to send (`newsletter.tasks` queues them);
- `requeue_stale()`: rows of a dead worker or a lost task, back in batches;
- `send_batch()`: one batch of one step;
- `with_figures()`: sent, clicked and unsubscribed per step, in the steps' own query.

Decisions, as Kit (ConvertKit) does: a paused step holds the readers who reach it (they get it once
it is resumed) while later steps keep their own days; a step added or moved later reaches only
readers whose day for it comes after it was written; a reader who leaves stops for good, even if
they come back. Nothing here talks to Celery.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.access import reader_for_subscriber
from notes.markdown import absolute_links, absolute_markdown_links, render_markdown
from notes.publication import SiteSettings

from . import clicks, privacy, recipient_template
from .delivery import TransientSendError, claim_rows, send_jobs
from .dispatch import in_batches, release_stale_claims, stale_cutoff
from .emails import (
    Prepared,
    Rendered,
    _domain,
    build_message,
    encode,
    fit_images,
    message_id,
    render_email,
)
from .models import (
    Enrollment,
    Sequence,
    SequenceStep,
    StepClick,
    StepDelivery,
    Subscriber,
)

ACTIVE = Subscriber.Status.ACTIVE
LEFT = [Subscriber.Status.UNSUBSCRIBED, Subscriber.Status.COMPLAINED]
# A subscription older than this when first mirrored was not just bought: one linked from another
# platform, or a renewal of a reader who paid before sequences existed. No welcome for those.
NEW_PAYMENT = timedelta(days=2)


@dataclass(frozen=True)
class StepBatch:
    """Deliveries of one step that one task sends."""

    step_id: int
    delivery_ids: list[int]


# --- who enters ----------------------------------------------------------------------------------


def enroll(subscriber_id: int, trigger: str, at=None) -> bool:
    """Start the sequence for `trigger` for this reader (once ever). False if there is none, or
    the reader was in it already."""
    sequence = Sequence.objects.filter(trigger=trigger).only("pk").first()
    if sequence is None:
        return False
    _, created = Enrollment.objects.get_or_create(
        sequence=sequence,
        subscriber_id=subscriber_id,
        defaults={"started_at": at or timezone.now()},
    )
    return created


def start_free(subscriber: Subscriber, at=None) -> bool:
    """A reader confirmed their address: the free sequence starts, unless they pay already (the
    paid sequences start from the payment)."""
    if reader_for_subscriber(subscriber.pk).is_paid:
        return False
    return enroll(subscriber.pk, Sequence.Trigger.FREE, at)


def start_paid(subscriber_id: int, paid_since=None, now=None) -> bool:
    """A subscription was mirrored: if it makes this reader paid for the first time, start the
    paid sequence (a reader who arrived through Checkout) or the upgrade one (a free reader who
    upgrades), and end their free sequence. Idempotent: webhooks arrive many times."""
    now = now or timezone.now()
    if paid_since is not None and paid_since < now - NEW_PAYMENT:
        return False
    subscriber = Subscriber.objects.filter(pk=subscriber_id, status=ACTIVE).first()
    if subscriber is None or not reader_for_subscriber(subscriber_id).is_paid:
        return False
    paid = [Sequence.Trigger.PAID, Sequence.Trigger.UPGRADE]
    if Enrollment.objects.filter(subscriber_id=subscriber_id, sequence__trigger__in=paid).exists():
        return False
    Enrollment.objects.filter(
        subscriber_id=subscriber_id, sequence__trigger=Sequence.Trigger.FREE, stopped_at=None
    ).update(stopped_at=now)
    came_paying = subscriber.source == Subscriber.Source.CHECKOUT
    return enroll(subscriber_id, paid[0] if came_paying else paid[1], now)


def stop_leavers(now=None) -> int:
    """Readers who left (unsubscribed, bounced, complained) stop their sequences for good."""
    now = now or timezone.now()
    longest = SequenceStep.objects.aggregate(days=Max("days"))["days"]
    if longest is None:
        return 0
    # Only enrollments that may still have a step ahead: the work stays bounded as the list grows.
    running = Enrollment.objects.filter(
        stopped_at=None, started_at__gte=now - timedelta(days=longest + 1)
    )
    return running.exclude(subscriber__status=ACTIVE).update(stopped_at=now)


# --- which steps are due -------------------------------------------------------------------------


def due_readers(step: SequenceStep, now) -> QuerySet:
    """Readers of the step's sequence whose day for it has come and who do not have it yet.

    Readers who left are out through their stopped enrollment (`stop_leavers`, just before) and,
    if they leave later, through the claim: no join with subscribers here, so the query stays an
    index range and an anti-join on the ledger's unique index, whatever the planner knows."""
    reach = timedelta(days=step.days)
    has_it = StepDelivery.objects.filter(step_id=step.pk, subscriber_id=OuterRef("subscriber_id"))
    return (
        Enrollment.objects.filter(
            sequence_id=step.sequence_id,
            stopped_at=None,
            started_at__lte=now - reach,
            started_at__gte=step.created_at - reach,
        )
        .filter(~Exists(has_it))
        .values_list("subscriber_id", flat=True)
    )


def dispatch_due(now=None) -> list[StepBatch]:
    """One ledger row per due (step, reader); returns the batches to send. Paused steps hold.

    Each step is locked while it is snapshotted (skip_locked: two beats never both add rows)."""
    now = now or timezone.now()
    stop_leavers(now)
    batches = []
    with transaction.atomic():
        steps = SequenceStep.objects.filter(paused=False).select_for_update(skip_locked=True)
        for step in steps.only("pk", "sequence_id", "days", "created_at"):
            rows = StepDelivery.objects.bulk_create(
                [StepDelivery(step_id=step.pk, subscriber_id=pk) for pk in due_readers(step, now)],
                batch_size=1000,
            )
            fresh = StepDelivery.objects.filter(pk__in=[row.pk for row in rows])
            batches += in_batches(step.pk, fresh, make=StepBatch)
    return batches


def requeue_stale(now=None) -> list[StepBatch]:
    """Rows claimed by a dead worker, or queued with their task lost, in batches to send again.
    A paused step's rows wait: they come back here once it is resumed."""
    cutoff = stale_cutoff(now)
    release_stale_claims(StepDelivery, cutoff)
    stale = StepDelivery.objects.filter(
        status=StepDelivery.Status.QUEUED, queued_at__lt=cutoff, step__paused=False
    )
    batches = []
    with transaction.atomic():
        for step_id in stale.values_list("step_id", flat=True).distinct().order_by():
            batches += in_batches(step_id, stale.filter(step_id=step_id), make=StepBatch)
    return batches


# --- the email -----------------------------------------------------------------------------------


def render_step(step: SequenceStep, track: bool = False) -> Rendered:
    """A step as email, in the issues' own template: the author's Markdown through the notes'
    sanitising renderer, the unsubscribe link as a placeholder filled per reader."""
    site = settings.SITE_URL
    publication = SiteSettings.current().name
    context = {
        "subject": step.subject,
        "title": step.subject,
        "content_html": fit_images(absolute_links(render_markdown(step.body), site)),
        "content_text": absolute_markdown_links(step.body, site),
        "teaser_only": False,
        "read_url": site + reverse("notes:home"),
        "pricing_url": "",
        "unsubscribe_url": site
        + reverse("newsletter:unsubscribe", args=[recipient_template.TOKEN]),
        "site_name": publication,
        "site_url": site,
    }
    return render_email(context, step.pk, track, clicks.STEP)


def prepare(step: SequenceStep, language: str) -> Prepared:
    track = clicks.tracking_on()
    with translation.override(language):
        rendered = render_step(step, track)
    return encode(rendered, track)


def send_test(sequence: Sequence, to: list[str]) -> int:
    """The admin's "send me a test": each step as the real message (not tracked), to a few
    addresses outside the sequence, over one connection. Returns the messages sent."""
    messages = []
    for step in sequence.steps.all():
        rendered = render_step(step)
        label = {"days": step.days, "subject": step.subject}
        subject = _("[Test, day %(days)s] %(subject)s") % label
        for address in to:
            msgid = make_msgid("test", domain=_domain())  # its own: mailboxes drop repeats
            message = build_message(None, rendered, address, recipient_template.TOKEN, msgid)
            message.subject = subject
            messages.append(message)
    get_connection().send_messages(messages)
    return len(messages)


# --- sending -------------------------------------------------------------------------------------


def send_batch(step_id: int, delivery_ids: list[int]) -> dict[str, int]:
    """Send one batch of a step. Raises TransientSendError when some rows must be retried."""
    step = SequenceStep.objects.filter(pk=step_id).first()
    if step is None or step.paused:  # paused: the rows stay queued until it is resumed
        return {"sent": 0}
    jobs = claim_rows(StepDelivery.objects.filter(pk__in=delivery_ids, step_id=step_id))
    # A reader whose sequence stopped since the snapshot (they left, or started paying) is out.
    stopped = set(
        Enrollment.objects.filter(
            sequence_id=step.sequence_id,
            subscriber_id__in=[job.subscriber_id for job in jobs],
            stopped_at__isnull=False,
        ).values_list("subscriber_id", flat=True)
    )
    if stopped:
        out = [job.delivery_id for job in jobs if job.subscriber_id in stopped]
        StepDelivery.objects.filter(pk__in=out).update(
            status=StepDelivery.Status.FAILED, last_error="left the sequence"
        )
        jobs = [job for job in jobs if job.subscriber_id not in stopped]
    if not jobs:
        return {"sent": 0}
    variants: dict[str, Prepared] = {}
    for job in jobs:  # one rendering per language in the batch
        if job.language not in variants:
            variants[job.language] = prepare(step, job.language)
        job.prepared = variants[job.language]
    counts = send_jobs(
        jobs, StepDelivery, lambda delivery_id: message_id(delivery_id, step_id, kind="step")
    )
    if counts["retry"]:
        raise TransientSendError(f"{counts['retry']} deliveries of step {step_id} to retry")
    return counts


# --- figures -------------------------------------------------------------------------------------


def _count(rows: QuerySet, field: str = "pk", distinct: bool = False):
    """A correlated COUNT over `rows` (filtered on OuterRef("pk")), 0 when there are none."""
    counted = rows.order_by().values("step_id").annotate(n=Count(field, distinct=distinct))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), 0)


def with_figures(steps: QuerySet) -> QuerySet:
    """Steps with `sent_count`, `clicked_count` (readers who followed a link) and
    `unsubscribed_count` (readers who left after this step, before another step of the sequence
    reached them), computed in the steps' own query (rule constant-sql)."""
    sent = StepDelivery.objects.filter(step_id=OuterRef("pk"), status=StepDelivery.Status.SENT)
    next_step = StepDelivery.objects.filter(
        step__sequence_id=OuterRef("step__sequence_id"),
        subscriber_id=OuterRef("subscriber_id"),
        status=StepDelivery.Status.SENT,
        sent_at__gt=OuterRef("sent_at"),
        sent_at__lte=OuterRef("subscriber__unsubscribed_at"),
    )
    left = sent.filter(
        subscriber__status__in=LEFT, subscriber__unsubscribed_at__gte=F("sent_at")
    ).filter(~Exists(next_step))
    return steps.annotate(
        sent_count=_count(sent),
        clicked_count=_count(StepClick.objects.filter(step_id=OuterRef("pk")), "delivery", True),
        unsubscribed_count=_count(left),
    )


# --- the reader's data ---------------------------------------------------------------------------


@receiver(privacy.exporting, dispatch_uid="newsletter.sequences.export")
def export_sequences(sender, subscriber, **kwargs) -> dict:
    """The welcome sequences a reader entered and the steps they were sent (data export)."""
    entered = Enrollment.objects.filter(subscriber=subscriber).order_by("pk")
    sent = StepDelivery.objects.filter(subscriber=subscriber).order_by("pk")
    iso = privacy.iso
    return {
        "welcome_sequences": [
            {"sequence": trigger, "started_at": iso(started), "stopped_at": iso(stopped)}
            for trigger, started, stopped in entered.values_list(
                "sequence__trigger", "started_at", "stopped_at"
            )
        ],
        "welcome_sequence_emails": [
            {"subject": subject, "status": status, "sent_at": iso(sent_at)}
            for subject, status, sent_at in sent.values_list("step__subject", "status", "sent_at")
        ],
    }


@receiver(privacy.erasing, dispatch_uid="newsletter.sequences.erase")
def erase_sequences(sender, subscriber, **kwargs) -> None:
    """The rows stay for the step figures; a mail server's answer may quote the address."""
    StepDelivery.objects.filter(subscriber=subscriber).update(last_error="")
    StepClick.objects.filter(delivery__subscriber=subscriber).delete()  # as issue clicks
    Enrollment.objects.filter(subscriber=subscriber, stopped_at=None).update(
        stopped_at=timezone.now()
    )
