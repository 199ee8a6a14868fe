"""The one place that decides "may this reader read this note in full" (rule premium-never-leaks).

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
from functools import cache

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
        return _cache_key(self.is_staff, self.is_member, self.is_paid)


ANONYMOUS = Reader()
# Who a note's paywall invites to read on: a signed-in subscriber who does not pay.
FREE_SUBSCRIBER = Reader(is_member=True)


@cache
def _cache_key(is_staff: bool, is_member: bool, is_paid: bool) -> str:
    """The visibilities this kind of reader may read, by `can_read`; staff also see drafts."""
    if is_staff:
        return "staff"
    reader = Reader(is_member=is_member, is_paid=is_paid)
    return "+".join(v for v in Note.Visibility.values if can_read(reader, Note(visibility=v)))


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


def reader_for_subscriber(subscriber_id: int) -> Reader:
    """The reader a subscriber is, outside a request (a private feed): one query."""
    return readers_for_subscribers([subscriber_id]).get(subscriber_id, ANONYMOUS)


def readers_for_subscribers(subscriber_ids: list[int]) -> dict[int, Reader]:
    """The reader each subscriber is, outside a request (a batch of emails): one query."""
    rows = (
        Subscriber.objects.filter(pk__in=subscriber_ids)
        .annotate(is_paid=paid_condition())
        .values("pk", "status", "is_paid")
    )
    return {row["pk"]: _reader(row) for row in rows}


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
    "FREE_SUBSCRIBER",
    "Reader",
    "can_read",
    "paid_condition",
    "paid_subscribers",
    "reader_for",
    "reader_for_subscriber",
    "readers_for_subscribers",
]
