from celery import shared_task

from . import gifts, stripe_api
from . import reconcile as reconciling


@shared_task
def reconcile_stripe() -> int:
    """Weekly (beat): repair drift between Stripe and the site."""
    if not stripe_api.is_configured():
        return 0
    return reconciling.reconcile(say=lambda line: None)


@shared_task
def send_due_gifts() -> int:
    """Every ten minutes (beat): gift emails whose day has come, reminders before gifts end."""
    return gifts.send_due()
