"""The author's figures: subscribers, paid readers, revenue, sends, and what needs a look.

Every figure is aggregated in SQL: the number of queries is the same with ten subscribers or a
million (no page grows its SQL with the data). Python only loops over days, months and the ten
last issues.

History (paid readers and MRR per month) is rebuilt from the Stripe mirror: a subscription counts
at a moment if it was created before it and is still live, or ended (canceled/unpaid) after it.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDay
from django.urls import reverse
from django.utils import formats, timezone

from billing.access import paid_subscribers
from billing.models import TRIAL_PAYMENT_WINDOW, Comp, StripeEvent, Subscription, monthly_amount
from newsletter.models import Delivery, Issue, Subscriber
from notes.models import Note

LIVE = (Subscription.Status.ACTIVE, Subscription.Status.TRIALING, Subscription.Status.PAST_DUE)
ENDED = (Subscription.Status.CANCELED, Subscription.Status.UNPAID)
NEVER_PAID = (Subscription.Status.INCOMPLETE, Subscription.Status.INCOMPLETE_EXPIRED)
DAYS = 90
MONTHS = 12
LIST_SIZE = 10


def subscribers_by_status() -> dict[str, int]:
    counts = dict.fromkeys(Subscriber.Status.values, 0)
    counts.update(Subscriber.objects.order_by().values_list("status").annotate(n=Count("pk")))
    return counts


def paid_figures(now=None) -> dict[str, int]:
    """Paid readers, current comps, and subscriptions started and ended in the last 30 days."""
    now = now or timezone.now()
    since = now - timedelta(days=30)
    window = Subscription.objects.aggregate(
        churned=Count("pk", filter=Q(status__in=ENDED, canceled_at__gte=since)),
        new=Count("pk", filter=Q(stripe_created__gte=since) & ~Q(status__in=NEVER_PAID)),
    )
    return {
        "paid_readers": paid_subscribers().count(),
        "comps": Comp.objects.current(now).values("subscriber").distinct().count(),
        "churned_30d": window["churned"],
        "new_paid_30d": window["new"],
    }


def _live_at(moment: datetime) -> Q:
    """Subscriptions paying at `moment`, rebuilt from their creation and end dates.

    Past-due ones count as paying in the history (their grace ended at an unrecorded time).
    """
    return Q(stripe_created__lte=moment) & (
        Q(status__in=LIVE) | Q(status__in=ENDED, canceled_at__gt=moment)
    )


def _month_starts(now: datetime) -> list[datetime]:
    """The local first instants of the last MONTHS months, oldest first (this month last)."""
    local = timezone.localtime(now)
    year, month = local.year, local.month
    starts = []
    for _i in range(MONTHS):
        starts.append(timezone.make_aware(datetime(year, month, 1)))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts[::-1]


def monthly_history(now=None, currency: str = "") -> dict:
    """Paid readers and MRR (cents, main currency) at the end of each of the last 12 months.

    Two queries whatever the data size: one conditional aggregate per month over each table.
    """
    now = now or timezone.now()
    starts = _month_starts(now)
    # The moment each point describes: the end of past months, now for the current month.
    moments = starts[1:] + [now]
    labels = [formats.date_format(start, "M Y") for start in starts]
    subs = Subscription.objects.filter(~Q(status__in=NEVER_PAID), currency__iexact=currency)
    revenue = subs.aggregate(
        **{
            f"m{i}": Sum(monthly_amount(), filter=_live_at(moment))
            for i, moment in enumerate(moments)
        }
    )
    readers = _paid_readers_at(moments)
    return {
        "labels": labels,
        "paid_readers": readers,
        "mrr": [round(revenue[f"m{i}"] or 0) for i in range(MONTHS)],
    }


def revenue_by_tier(now=None) -> list[dict]:
    """MRR (cents) per tier and currency now, tiers in their order; the same subscriptions as
    `mrr_by_currency`, so the tiers of a currency add up to its MRR. One query."""
    rows = (
        Subscription.objects.granting_access(now)
        .values("tier__name", "tier__position", "currency")
        .annotate(mrr=Sum(monthly_amount()), readers=Count("subscriber", distinct=True))
        .order_by(F("tier__position").asc(nulls_first=True), "tier__name", "currency")
    )
    return [
        {
            "tier": row["tier__name"] or "",
            "currency": (row["currency"] or "").upper(),
            "mrr": money(row["mrr"] or 0),
            "arr": money((row["mrr"] or 0) * 12),
            "readers": row["readers"],
        }
        for row in rows
    ]


def tier_history(now=None, currency: str = "") -> dict:
    """MRR (cents, main currency) per tier at the end of each of the last 12 months, rebuilt
    from the Stripe mirror like `monthly_history`: one query, one row per tier."""
    now = now or timezone.now()
    starts = _month_starts(now)
    moments = starts[1:] + [now]
    subs = Subscription.objects.filter(~Q(status__in=NEVER_PAID), currency__iexact=currency)
    rows = (
        subs.values("tier__name", "tier__position")
        .annotate(
            **{
                f"m{i}": Sum(monthly_amount(), filter=_live_at(moment))
                for i, moment in enumerate(moments)
            }
        )
        .order_by(F("tier__position").asc(nulls_first=True), "tier__name")
    )
    return {
        "labels": [formats.date_format(start, "M Y") for start in starts],
        "tiers": [
            {
                "tier": row["tier__name"] or "",
                "values": [money(row[f"m{i}"] or 0) for i in range(MONTHS)],
            }
            for row in rows
        ],
    }


def trial_figures(now=None) -> dict:
    """Readers in a free trial now, and of the trials that ended in the last 90 days, how many
    became paying (a payment went through after the trial). One query."""
    now = now or timezone.now()
    since = now - timedelta(days=DAYS)
    paid_after = F("trial_end") + TRIAL_PAYMENT_WINDOW
    ended = Q(trial_end__isnull=False, trial_end__lte=now, trial_end__gte=since)
    converted = ended & (
        Q(status=Subscription.Status.ACTIVE)
        | Q(status=Subscription.Status.PAST_DUE, past_due_since__gte=paid_after)
        | Q(status__in=ENDED, canceled_at__gte=paid_after)
    )
    counts = Subscription.objects.aggregate(
        trialing=Count("pk", filter=Q(status=Subscription.Status.TRIALING)),
        ended=Count("pk", filter=ended),
        converted=Count("pk", filter=converted),
    )
    rate = round(100 * counts["converted"] / counts["ended"]) if counts["ended"] else None
    return {**counts, "conversion_rate": rate}


def _paid_readers_at(moments: list[datetime]) -> list[int]:
    """Distinct paid readers at each moment, in one query over every paid spell.

    A spell is a subscription (from its creation until it ended) or a comp (until its end date);
    counting distinct subscribers over both keeps a comped payer from counting twice. This reads
    each spell once, where an EXISTS per subscriber and month took a second at 100,000 readers.
    """
    spell_columns = ("subscriber_id", "s_start", "s_end", "s_open")
    subscriptions = (
        Subscription.objects.filter(status__in=LIVE + ENDED)
        .order_by()  # SQLite refuses ORDER BY inside UNION parts
        .annotate(
            s_start=F("stripe_created"),
            s_end=F("canceled_at"),
            s_open=Case(
                When(status__in=LIVE, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .values_list(*spell_columns)
    )
    comps = (
        Comp.objects.order_by()
        .annotate(
            s_start=F("created_at"),
            s_end=F("until"),
            s_open=ExpressionWrapper(Q(until__isnull=True), output_field=BooleanField()),
        )
        .values_list(*spell_columns)
    )
    spells_sql, params = subscriptions.union(comps, all=True).query.sql_with_params()
    paid_at = (
        "COUNT(DISTINCT CASE WHEN s_start <= %s AND (s_open OR s_end > %s) THEN subscriber_id END)"
    )
    counts = ", ".join([paid_at] * len(moments))
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {counts} FROM ({spells_sql}) spells",  # noqa: S608 (no user input)
            [*(adapt(m) for m in moments for _twice in range(2)), *params],
        )
        return list(cursor.fetchone())


def signups_per_day(now=None) -> dict:
    """New subscribers per local day over the last DAYS days (today last)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today - timedelta(days=DAYS - 1)
    start = timezone.make_aware(datetime.combine(first, time.min))
    rows = (
        Subscriber.objects.filter(created_at__gte=start)
        .annotate(day=TruncDay("created_at"))
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
    )
    by_day = {_as_date(day): n for day, n in rows}
    days = [first + timedelta(days=i) for i in range(DAYS)]
    return {
        "labels": [formats.date_format(day, "SHORT_DATE_FORMAT") for day in days],
        "values": [by_day.get(day, 0) for day in days],
    }


def _as_date(value) -> date:
    return timezone.localdate(value) if isinstance(value, datetime) else value


def recent_issues() -> list[dict]:
    """The last LIST_SIZE issues that started sending, oldest first, with sent/failed counts."""
    issues = list(
        Issue.objects.filter(status__in=[Issue.Status.SENDING, Issue.Status.SENT])
        .order_by(F("started_at").desc(nulls_last=True), "-pk")
        .values("pk", "subject")[:LIST_SIZE]
    )
    counts = Delivery.objects.filter(issue__in=[row["pk"] for row in issues]).counts_by_status(
        per="issue"
    )
    return [
        {
            **row,
            "sent": counts.get(row["pk"], {}).get("sent", 0),
            "failed": counts.get(row["pk"], {}).get("failed", 0),
        }
        for row in issues
    ][::-1]


def upcoming(now=None) -> dict:
    now = now or timezone.now()
    notes = Note.objects.scheduled(now).order_by("published_at")
    issues = Issue.objects.filter(status=Issue.Status.SCHEDULED).order_by("scheduled_at")
    return {
        "notes": [
            {"title": n.title, "at": n.published_at, "url": _change_url("notes_note", n.pk)}
            for n in notes.only("pk", "title", "published_at")[:LIST_SIZE]
        ],
        "issues": [
            {
                "title": i["subject"],
                "at": i["scheduled_at"],
                "url": _change_url("newsletter_issue", i["pk"]),
            }
            for i in issues.values("pk", "subject", "scheduled_at")[:LIST_SIZE]
        ],
    }


def problems() -> dict:
    """Failed deliveries and Stripe events that failed to apply, newest first, with admin links."""
    failed = Delivery.objects.filter(status=Delivery.Status.FAILED)
    events = StripeEvent.objects.filter(processed_at__isnull=True).exclude(error="")
    return {
        "failed_deliveries_count": failed.count(),
        "failed_deliveries": [
            {**row, "url": _change_url("newsletter_delivery", row["pk"])}
            for row in failed.order_by("-pk").values(
                "pk", "subscriber__email", "issue__subject", "last_error"
            )[:LIST_SIZE]
        ],
        "failed_events_count": events.count(),
        "failed_events": [
            {**row, "url": _change_url("billing_stripeevent", row["pk"])}
            for row in events.order_by("-received_at").values("pk", "event_id", "type", "error")[
                :LIST_SIZE
            ]
        ],
    }


def _change_url(model: str, pk: int) -> str:
    return reverse(f"admin:{model}_change", args=[pk])


def money(cents: float) -> str:
    """Cents as a localised amount, rounded to the cent (not truncated)."""
    return formats.number_format(Decimal(round(cents)) / 100, 2)
