"""The one place that decides "may this reader read this note in full" (rule premium-never-leaks).

Everything that shows note content — pages, feeds, emails, search, meta tags, caches — asks
`can_read(reader, note)`. A `Reader` is resolved once per request by `reader_for(request)`.

- public → everyone;
- members → a confirmed (active) subscriber who is signed in, or any paid reader;
- paid → a Stripe subscription that is active or trialing, past_due for less than
  `BILLING_GRACE_DAYS`, or a comp without end date or not yet ended (only subscriptions to one of
  Solo's plans are mirrored: see `billing/sync.py`);
- paid with a minimum tier → such a paid reader whose best tier is that tier or one placed after
  it (`Tier.position`). A subscription or comp without a tier counts as the lowest tier;
- staff see everything.
"""

from dataclasses import dataclass
from functools import cache

from django.db.models import Exists, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from newsletter.models import Subscriber
from notes.models import Note

from . import stripe_api
from .models import Comp, Subscription, Tier


@dataclass(frozen=True)
class Reader:
    is_staff: bool = False
    is_member: bool = False  # a confirmed subscriber who is signed in
    is_paid: bool = False  # paid, comped or past due within the grace period
    subscriber_id: int | None = None
    # The position of the best tier the reader holds (None: not paid, or no tiers exist).
    tier_rank: int | None = None

    @property
    def cache_key(self) -> str:
        """Readers with the same key see the same pages: used to vary cached pages."""
        rank = self.tier_rank if self.is_paid else None
        return _cache_key(self.is_staff, self.is_member, self.is_paid, rank)


# Above any tier's position: the paid reader the author previews an issue as reads every tier.
TOP_RANK = 32767
ANONYMOUS = Reader()
# Who a note's paywall invites to read on: a signed-in subscriber who does not pay.
FREE_SUBSCRIBER = Reader(is_member=True)


@cache
def _cache_key(is_staff: bool, is_member: bool, is_paid: bool, tier_rank: int | None) -> str:
    """The visibilities this kind of reader may read, by `can_read`; staff also see drafts.
    A paid reader also reads the notes of every tier up to their rank: readers of one rank
    share pages, readers of two ranks never do."""
    if is_staff:
        return "staff"
    reader = Reader(is_member=is_member, is_paid=is_paid)
    key = "+".join(v for v in Note.Visibility.values if can_read(reader, Note(visibility=v)))
    return key if tier_rank is None else f"{key}+tier{tier_rank}"


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


NO_RANK = -1


def _best_rank(queryset: QuerySet, now) -> Subquery:
    """The best tier position among these rows (subscriptions or comps) of the outer subscriber;
    a row without a tier counts as the lowest tier."""
    lowest = Subquery(Tier.objects.order_by("position").values("position")[:1])
    ranks = (
        queryset.filter(subscriber=OuterRef("pk"))
        .annotate(rank=Coalesce("tier__position", lowest, Value(0)))
        .order_by("-rank")
        .values("rank")[:1]
    )
    return Subquery(ranks, output_field=IntegerField())


def tier_rank_expression(now=None):
    """The reader's tier rank as SQL: the best tier of what grants access now, NO_RANK if none."""
    now = now or timezone.now()
    subscriptions = Subscription.objects.granting_access(now)
    comps = Comp.objects.current(now)
    return Greatest(
        Coalesce(_best_rank(subscriptions, now), Value(NO_RANK)),
        Coalesce(_best_rank(comps, now), Value(NO_RANK)),
    )


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
        .annotate(tier_rank=tier_rank_expression())
        .values("pk", "status", "tier_rank")
    )
    return {row["pk"]: _reader(row) for row in rows}


def _reader(row: dict | None, is_staff: bool = False) -> Reader:
    # Paid exactly when something grants access now: the rank is its best tier.
    is_paid = bool(row) and row["tier_rank"] is not None and row["tier_rank"] > NO_RANK
    return Reader(
        is_staff=is_staff,
        is_member=bool(row) and row["status"] == Subscriber.Status.ACTIVE,
        is_paid=is_paid,
        subscriber_id=row["pk"] if row else None,
        tier_rank=row["tier_rank"] if is_paid else None,
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
            .annotate(tier_rank=tier_rank_expression())
            .values("pk", "status", "tier_rank")
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
    if not reader.is_paid:
        return False
    if note.minimum_tier_id is None:  # any paid tier
        return True
    # Note querysets join the tier (NoteQuerySet), so lists ask no query per note.
    return reader.tier_rank is not None and reader.tier_rank >= note.minimum_tier.position


__all__ = [
    "ANONYMOUS",
    "FREE_SUBSCRIBER",
    "NO_RANK",
    "TOP_RANK",
    "Reader",
    "can_read",
    "paid_condition",
    "paid_subscribers",
    "reader_for",
    "reader_for_subscriber",
    "tier_rank_expression",
    "readers_for_subscribers",
]
