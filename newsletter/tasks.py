"""Celery tasks: thin wrappers that take ids and call one function of the newsletter app.

The send pipeline's functions (`dispatch`, `delivery`) know nothing of Celery: dispatching returns
the batches to send and this module queues them, so imports point one way (tasks → dispatch).
"""

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils.dateparse import parse_datetime

from . import delivery, dispatch, sequences
from .models import Issue


def queue(batches: list[dispatch.Batch]) -> None:
    """A `send_batch` task per batch, queued once the current transaction commits its rows."""
    for batch in batches:
        transaction.on_commit(
            lambda batch=batch: send_batch.delay(batch.issue_id, batch.delivery_ids)
        )


def schedule(issue: Issue, at=None) -> Issue:
    """Schedule an issue (now when `at` is None) and, when due, start sending it at once."""
    if dispatch.schedule(issue, at):
        queue(dispatch.dispatch_due())
    return issue


@shared_task
def dispatch_due_issues() -> int:
    batches = dispatch.dispatch_due()
    queue(batches)
    return len(batches)


@shared_task
def requeue_stale_deliveries() -> int:
    batches = dispatch.requeue_stale()
    queue(batches)
    return len(batches)


# acks_late + reject_on_worker_lost: a batch lost with its worker is delivered again; the ledger
# rows' status makes that safe (sent rows are skipped, claimed rows wait for the claim timeout).
BATCH_TASK = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (delivery.TransientSendError,),
    "retry_backoff": 2,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 20,
}


@shared_task(**BATCH_TASK)
def send_batch(issue_id: int, delivery_ids: list[int]) -> dict:
    return delivery.send_batch(issue_id, delivery_ids)


def queue_steps(batches: list[sequences.StepBatch]) -> None:
    """A `send_step_batch` task per batch, queued once the current transaction commits."""
    for batch in batches:
        transaction.on_commit(
            lambda batch=batch: send_step_batch.delay(batch.step_id, batch.delivery_ids)
        )


@shared_task
def send_due_steps(at: str | None = None) -> int:
    """Beat, each minute: welcome sequence steps whose day has come, and stale ones, queued.

    `at` (an ISO time, for tests and the bench) plays a later day; stale claims are always judged
    by the real clock."""
    batches = sequences.requeue_stale() + sequences.dispatch_due(parse_datetime(at) if at else None)
    queue_steps(batches)
    return len(batches)


@shared_task(**BATCH_TASK)
def send_step_batch(step_id: int, delivery_ids: list[int]) -> dict:
    return sequences.send_batch(step_id, delivery_ids)


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
    acks_late=True,
    reject_on_worker_lost=True,
)
def send_email(to: str, subject: str, text: str, html: str = "", headers: dict | None = None):
    """Send one transactional email (confirmation, magic link, receipt) outside the web request.

    Queue it with `transaction.on_commit(lambda: send_email.delay(...))`. Retried on connection
    errors (OSError covers refused connections and SMTP transient failures surfaced as such).
    """
    message = EmailMultiAlternatives(subject, text, to=[to], headers=headers or {})
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
