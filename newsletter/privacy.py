"""A reader's personal data: everything we hold, as JSON, and its erasure (GDPR art. 15, 17, 20).

Erasure anonymises rather than deletes the subscriber row, so delivery counts and revenue history
stay true: the address becomes `erased-<id>@invalid`, the name goes, the status is unsubscribed,
the sign-in user and the private feed are deleted, and the Stripe customer is kept only as its id
(its email copy is cleared, and so are the Stripe event payloads about it). Stripe itself keeps
its own copy: the author deletes the customer in the Stripe dashboard when the law requires it.
"""

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Click, Delivery, Subscriber

ERASED_DOMAIN = "invalid"  # RFC 2606: can never be a real mailbox


def erased_email(subscriber_id: int) -> str:
    return f"erased-{subscriber_id}@{ERASED_DOMAIN}"


def is_erased(subscriber: Subscriber) -> bool:
    return subscriber.email == erased_email(subscriber.pk)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def export_data(subscriber: Subscriber) -> dict[str, Any]:
    """Everything the site holds about this reader, in plain JSON types."""
    user = subscriber.user
    customers = list(subscriber.stripe_customers.order_by("pk"))
    deliveries = (
        Delivery.objects.filter(subscriber=subscriber)
        .select_related("issue")
        .order_by("pk")
        .values_list("issue__subject", "status", "sent_at")
    )
    clicks = (
        Click.objects.filter(delivery__subscriber=subscriber)
        .order_by("pk")
        .values_list("issue__subject", "url", "clicked_at")
    )
    feed = getattr(subscriber, "private_feed", None)
    return {
        "subscriber": {
            "email": subscriber.email,
            "name": subscriber.name,
            "status": subscriber.status,
            "source": subscriber.source,
            "language": subscriber.language,
            "created_at": _iso(subscriber.created_at),
            "confirmed_at": _iso(subscriber.confirmed_at),
            "unsubscribed_at": _iso(subscriber.unsubscribed_at),
            "hard_bounces": subscriber.hard_bounces,
            "signed_up_from_note": subscriber.signup_note.slug if subscriber.signup_note else None,
        },
        "account": None
        if user is None
        else {
            "username": user.get_username(),
            "email": user.email,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "newsletter_deliveries": [
            {"issue": subject, "status": status, "sent_at": _iso(sent_at)}
            for subject, status, sent_at in deliveries
        ],
        "links_clicked": [
            {"issue": subject, "url": url, "clicked_at": _iso(clicked_at)}
            for subject, url, clicked_at in clicks
        ],
        "stripe_customers": [
            {"id": c.stripe_id, "email": c.email, "created_at": _iso(c.created_at)}
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
                "current_period_end": _iso(s.current_period_end),
                "cancel_at_period_end": s.cancel_at_period_end,
                "canceled_at": _iso(s.canceled_at),
            }
            for s in subscriber.subscriptions.select_related("plan").order_by("pk")
        ],
        "complimentary_access": [
            {"until": _iso(c.until), "created_at": _iso(c.created_at)}
            for c in subscriber.comps.order_by("pk")
        ],
        "private_feed": bool(feed),
        "stripe_events": list(
            _events_about(subscriber, customers).order_by("pk").values_list("event_id", flat=True)
        )
        if customers
        else [],
    }


def _events_about(subscriber: Subscriber, customers):
    from billing.models import StripeEvent

    ids = [c.stripe_id for c in customers]
    return StripeEvent.objects.filter(
        Q(payload__data__object__customer__in=ids)
        | Q(payload__data__object__id__in=ids)
        | Q(payload__data__object__customer_email=subscriber.email)
        | Q(payload__data__object__customer_details__email=subscriber.email)
    )


def erase(subscriber: Subscriber) -> Subscriber:
    """Anonymise this reader; delivery rows, subscriptions and Stripe ids stay for the counts."""
    from billing.models import Comp, Customer, PrivateFeed

    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if is_erased(subscriber):
            return subscriber
        customers = list(subscriber.stripe_customers.all())
        # Applied events only: one still to be retried needs its payload.
        _events_about(subscriber, customers).exclude(processed_at=None).update(
            payload={"erased": True}
        )
        Customer.objects.filter(subscriber=subscriber).update(email="")
        Comp.objects.filter(subscriber=subscriber).update(note="")
        PrivateFeed.objects.filter(subscriber=subscriber).delete()
        Delivery.objects.filter(subscriber=subscriber).update(last_error="")
        user = subscriber.user
        subscriber.email = erased_email(subscriber.pk)
        subscriber.name = ""
        subscriber.user = None
        if subscriber.status != Subscriber.Status.UNSUBSCRIBED:
            subscriber.status = Subscriber.Status.UNSUBSCRIBED
            subscriber.unsubscribed_at = timezone.now()
        subscriber.save()
        if user is not None and not user.is_staff:
            user.delete()  # its sessions stop authenticating at once
    return subscriber
