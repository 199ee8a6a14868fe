from celery import shared_task
from django.core.mail import EmailMultiAlternatives


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
