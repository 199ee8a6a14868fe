"""Celery tasks: thin wrappers over newsletter.sending (they take ids and call one function)."""

from celery import shared_task

from . import sending


@shared_task
def dispatch_due_issues() -> list[int]:
    return sending.dispatch_due()


@shared_task
def requeue_stale_deliveries() -> int:
    return sending.requeue_stale()


# acks_late + reject_on_worker_lost: a batch lost with its worker is delivered again; the Delivery
# rows' status makes that safe (sent rows are skipped, claimed rows wait for the claim timeout).
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(sending.TransientSendError,),
    retry_backoff=2,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=20,
)
def send_batch(issue_id: int, delivery_ids: list[int]) -> dict:
    return sending.send_batch(issue_id, delivery_ids)
