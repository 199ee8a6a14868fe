"""Celery tasks: thin wrappers that take ids and call one function of `notifications`."""

from celery import shared_task

from . import notifications

RETRY = {
    "autoretry_for": (OSError,),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "max_retries": 8,
    "acks_late": True,
}


@shared_task(**RETRY)
def notify_author(comment_id: int) -> bool:
    return notifications.notify_author(comment_id)


@shared_task(**RETRY)
def notify_reply(comment_id: int) -> bool:
    return notifications.notify_reply(comment_id)


@shared_task(**RETRY)
def send_digest() -> int:
    return notifications.send_digest()
