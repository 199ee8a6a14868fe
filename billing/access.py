"""The one place that decides "may this reader read this note in full" (DESIGN.md rule 1).

Everything that shows note content — pages, feeds, emails, search, meta tags, caches — asks
`can_read(reader, note)`. A `Reader` is resolved once per request by `reader_for(request)`.

- public → everyone;
- members → a confirmed (active) subscriber who is signed in, or any paid reader;
- paid → a Stripe subscription that is active or trialing, past_due for less than
  `BILLING_GRACE_DAYS`, or a comp without end date or not yet ended (only subscriptions to one of
  Solo's plans are mirrored: see `billing/sync.py`);
- staff see everything.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from newsletter.models import Subscriber
from notes.models import Note

from . import stripe_api
from .models import Comp, Subscription


@dataclass(frozen=True)
class Reader:
    is_staff: bool = False
    is_member: bool = False  # a confirmed subscriber who is signed in
    is_paid: bool = False  # paid, comped or past due within the grace period
    subscriber_id: int | None = None

    @property
    def cache_key(self) -> str:
        """Readers with the same key see the same pages: used to vary cached pages."""
        if self.is_staff:
            return "staff"
        return "paid" if self.is_paid else "member" if self.is_member else "anon"


ANONYMOUS = Reader()


def payments_on() -> bool:
    """Readers can pay (Stripe is configured). Every upgrade prompt — the paywall's plans button,
    pricing links, the free email's upgrade link — shows only then: none leads to a dead end."""
    return stripe_api.is_configured()


def paid_condition(now=None) -> Exists:
    """An expression true for subscribers who are paid readers now (usable in filter/annotate)."""
    now = now or timezone.now()
    subscriptions = Subscription.objects.granting_access(now).filter(subscriber=OuterRef("pk"))
    comps = Comp.objects.current(now).filter(subscriber=OuterRef("pk"))
    return Exists(subscriptions) | Exists(comps)


def paid_subscribers(queryset: QuerySet | None = None) -> QuerySet:
    """Subscribers who are paid readers now (e.g. the newsletter's paid audience): one query."""
    queryset = Subscriber.objects.all() if queryset is None else queryset
    return queryset.filter(paid_condition())


def subscriber_is_paid(subscriber) -> bool:
    """Paid, comped, or past due within the grace period."""
    if subscriber is None or subscriber.pk is None:
        return False
    return Subscriber.objects.filter(pk=subscriber.pk).filter(paid_condition()).exists()


def reader_for_subscriber(subscriber_id: int) -> Reader:
    """The reader a subscriber is, outside a request (private feeds, emails): one query."""
    row = (
        Subscriber.objects.filter(pk=subscriber_id)
        .annotate(is_paid=paid_condition())
        .values("pk", "status", "is_paid")
        .first()
    )
    return _reader(row)


def _reader(row: dict | None, is_staff: bool = False) -> Reader:
    return Reader(
        is_staff=is_staff,
        is_member=bool(row) and row["status"] == Subscriber.Status.ACTIVE,
        is_paid=bool(row) and row["is_paid"],
        subscriber_id=row["pk"] if row else None,
    )


def reader_for(request) -> Reader:
    """The reader behind this request, computed once (one query beyond Django's own user lookup)."""
    cached = getattr(request, "_solo_reader", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    reader = ANONYMOUS
    if user is not None and user.is_authenticated:
        row = (
            Subscriber.objects.filter(user_id=user.pk)
            .annotate(is_paid=paid_condition())
            .values("pk", "status", "is_paid")
            .first()
        )
        reader = _reader(row, is_staff=user.is_staff)
    request._solo_reader = reader
    return reader


def can_read(reader: Reader, note: Note) -> bool:
    if note.visibility == Note.Visibility.PUBLIC or reader.is_staff:
        return True
    if note.visibility == Note.Visibility.MEMBERS:
        return reader.is_member or reader.is_paid
    return reader.is_paid


__all__ = [
    "ANONYMOUS",
    "Reader",
    "can_read",
    "paid_condition",
    "paid_subscribers",
    "reader_for",
    "reader_for_subscriber",
    "subscriber_is_paid",
]
