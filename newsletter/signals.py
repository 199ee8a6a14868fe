"""Provider webhooks (django-anymail): bounces and spam complaints update the subscriber."""

from anymail.signals import tracking
from django.dispatch import receiver

from .models import Subscriber, normalize_email

_STATUS_FOR_EVENT = {
    "bounced": Subscriber.Status.BOUNCED,
    "complained": Subscriber.Status.COMPLAINED,
    "unsubscribed": Subscriber.Status.UNSUBSCRIBED,
}


@receiver(tracking, dispatch_uid="newsletter.tracking")
def on_tracking_event(sender, event, esp_name, **kwargs):
    status = _STATUS_FOR_EVENT.get(event.event_type)
    if status is None or not event.recipient:
        return
    Subscriber.objects.filter(email=normalize_email(event.recipient)).exclude(
        status=Subscriber.Status.COMPLAINED
    ).update(status=status)
