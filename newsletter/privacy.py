"""A reader's personal data: everything we hold, as JSON, and its erasure (GDPR art. 15, 17, 20).

Erasure anonymises rather than deletes the subscriber row, so delivery counts and revenue history
stay true: the address becomes `erased-<id>@invalid`, the name goes, the status is unsubscribed,
and the sign-in user is deleted. Apps that keep more about a reader (billing: Stripe customers,
subscriptions, the private feed) add their part through the two signals below, so this module
needs to know nothing about them.
"""

from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _

from . import referrals
from .models import Click, Delivery, Referral, Subscriber

# Sent with `subscriber`; each receiver returns a dict of sections added to the export.
exporting = Signal()
# Sent with `subscriber` inside the erasure's transaction, before the row is anonymised (the
# address is still there to find what was stored about it); receivers erase their own rows.
erasing = Signal()


def iso(value) -> str | None:
    return value.isoformat() if value else None


def export_data(subscriber: Subscriber) -> dict[str, Any]:
    """Everything the site holds about this reader, in plain JSON types."""
    user = subscriber.user
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
    data = {
        "subscriber": {
            "email": subscriber.email,
            "name": subscriber.name,
            "status": subscriber.status,
            "source": subscriber.source,
            "language": subscriber.language,
            "created_at": iso(subscriber.created_at),
            "confirmed_at": iso(subscriber.confirmed_at),
            "unsubscribed_at": iso(subscriber.unsubscribed_at),
            "hard_bounces": subscriber.hard_bounces,
            "signed_up_from_note": subscriber.signup_note.slug if subscriber.signup_note else None,
            "signed_up_via": subscriber.signup_source,
        },
        "account": None
        if user is None
        else {
            "username": user.get_username(),
            "email": user.email,
            "date_joined": iso(user.date_joined),
            "last_login": iso(user.last_login),
        },
        "newsletter_deliveries": [
            {"issue": subject, "status": status, "sent_at": iso(sent_at)}
            for subject, status, sent_at in deliveries
        ],
        "links_clicked": [
            {"issue": subject, "url": url, "clicked_at": iso(clicked_at)}
            for subject, url, clicked_at in clicks
        ],
        # Counted per page and day only (analytics): there is nothing of this reader to list.
        "page_views": _(
            "Not linked to you: pages are counted per page and day, with no address, cookie or "
            "identifier kept (see /privacy/)."
        ),
        # Who referred this reader is the referrer's data: only whether someone did.
        "referrals": {
            "came_through_a_readers_link": Referral.objects.filter(referred=subscriber).exists(),
            "readers_referred_and_confirmed": referrals.counted(subscriber),
        },
    }
    for _receiver, sections in exporting.send(sender=Subscriber, subscriber=subscriber):
        data.update(sections)
    return data


def erase(subscriber: Subscriber) -> Subscriber:
    """Anonymise this reader; delivery rows, subscriptions and Stripe ids stay for the counts,
    the links they followed go."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.is_erased:
            return subscriber
        erasing.send(sender=Subscriber, subscriber=subscriber)
        Delivery.objects.filter(subscriber=subscriber).update(last_error="")
        # The anonymised row still ties to a Stripe customer (kept for revenue): the links this
        # reader followed go, so nothing tells which they read. Issue totals lose their clicks.
        Click.objects.filter(delivery__subscriber=subscriber).delete()
        user = subscriber.user
        subscriber.erase()
        if user is not None and not user.is_staff:
            user.delete()  # its sessions stop authenticating at once
    return subscriber
