"""Provider webhooks (django-anymail): bounces and spam complaints update the subscriber."""

from anymail.signals import tracking
from django.dispatch import receiver

from .models import Subscriber, normalize_email

_MOVE_FOR_EVENT = {
    "bounced": Subscriber.bounce,
    "complained": Subscriber.complain,
    "unsubscribed": Subscriber.unsubscribe,
}


@receiver(tracking, dispatch_uid="newsletter.tracking")
def on_tracking_event(sender, event, esp_name, **kwargs):
    move = _MOVE_FOR_EVENT.get(event.event_type)
    if move is None or not event.recipient:
        return
    subscriber = Subscriber.objects.filter(email=normalize_email(event.recipient)).first()
    if subscriber is not None:
        move(subscriber)  # none of these three is ever refused: leaving always works
