"""Billing's part of a reader's data export and erasure (receivers of newsletter.privacy's signals).

Erasure keeps each Stripe customer only as its id: its email copy is cleared, and so are the
payloads of applied Stripe events about it; the private feed is deleted. Stripe itself keeps its
own copy: the author deletes the customer in the Stripe dashboard when the law requires it.
"""

from django.db.models import Q
from django.dispatch import receiver

from newsletter.privacy import erasing, exporting, iso

from .models import Comp, Customer, PrivateFeed, StripeEvent


def _events_about(subscriber, customers):
    ids = [c.stripe_id for c in customers]
    return StripeEvent.objects.filter(
        Q(payload__data__object__customer__in=ids)
        | Q(payload__data__object__id__in=ids)
        | Q(payload__data__object__customer_email=subscriber.email)
        | Q(payload__data__object__customer_details__email=subscriber.email)
    )


@receiver(exporting, dispatch_uid="billing.privacy.export")
def export_billing(sender, subscriber, **kwargs) -> dict:
    customers = list(subscriber.stripe_customers.order_by("pk"))
    feed = getattr(subscriber, "private_feed", None)
    return {
        "stripe_customers": [
            {"id": c.stripe_id, "email": c.email, "created_at": iso(c.created_at)}
            for c in customers
        ],
        "subscriptions": [
            {
                "id": s.stripe_id,
                "status": s.status,
                "plan": s.plan.name if s.plan else s.price_id,
                "amount_cents": s.amount,
                "currency": s.currency,
                "interval": s.interval,
                "current_period_end": iso(s.current_period_end),
                "cancel_at_period_end": s.cancel_at_period_end,
                "canceled_at": iso(s.canceled_at),
            }
            for s in subscriber.subscriptions.select_related("plan").order_by("pk")
        ],
        "complimentary_access": [
            {"until": iso(c.until), "created_at": iso(c.created_at)}
            for c in subscriber.comps.order_by("pk")
        ],
        "private_feed": bool(feed),
        "stripe_events": list(
            _events_about(subscriber, customers).order_by("pk").values_list("event_id", flat=True)
        )
        if customers
        else [],
    }


@receiver(erasing, dispatch_uid="billing.privacy.erase")
def erase_billing(sender, subscriber, **kwargs) -> None:
    customers = list(subscriber.stripe_customers.all())
    # Applied events only: one still to be retried needs its payload.
    _events_about(subscriber, customers).exclude(processed_at=None).update(payload={"erased": True})
    Customer.objects.filter(subscriber=subscriber).update(email="")
    Comp.objects.filter(subscriber=subscriber).update(note="")
    PrivateFeed.objects.filter(subscriber=subscriber).delete()
