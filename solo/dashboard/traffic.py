"""Readers and what they bring: page views and visitors, top notes and sources, and the sign-ups,
paid conversions and revenue each note and source brought.

Page views come from the analytics app's daily rows (one row per day, path and source), so every
figure is a SUM over at most days × paths × sources rows, in a fixed number of queries whatever
the traffic (rule constant-sql). Attribution is the reader's first touch: the note whose page the
sign-up or checkout form was on (`Subscriber.signup_note`) and the source the reader landed from
(`Subscriber.signup_source`), as Ghost's member attribution does.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.db.models import Count, Q, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from analytics.flush import FOLDED_SOURCE
from analytics.models import DailyPageViews, DailyTotals
from billing.access import paid_subscribers
from billing.models import Subscription, monthly_amount
from newsletter.models import Click, Delivery, Issue, Subscriber

from .figures import LIVE, NEVER_PAID, money

WINDOWS = (30, 90, 365)
TOP = 10
NOTE_DAYS = 365  # a note's chart shows at most its first year (its totals cover everything)

# Source groups by referring domain (the domain itself is kept and shown). A utm_source/ref value
# naming a newsletter or email lands in "newsletter". Anything else is "other".
GROUPS = {
    "direct": _("direct"),
    "search": _("search"),
    "social": _("social"),
    "newsletter": _("newsletter"),
    "other": _("other"),
    "folded": _("not kept"),  # days older than ANALYTICS_RAW_DAYS keep their views, not sources
}
_SEARCH = (
    "google.",
    "bing.com",
    "duckduckgo.com",
    "search.yahoo.",
    "yahoo.com",
    "ecosia.org",
    "qwant.com",
    "kagi.com",
    "startpage.com",
    "search.brave.com",
    "yandex.",
    "baidu.com",
    "perplexity.ai",
)
_SOCIAL = (
    "t.co",
    "twitter.com",
    "x.com",
    "facebook.com",
    "fb.me",
    "instagram.com",
    "linkedin.com",
    "lnkd.in",
    "reddit.com",
    "news.ycombinator.com",
    "lobste.rs",
    "bsky.app",
    "threads.net",
    "mastodon.social",
    "mastodon.online",
    "youtube.com",
    "pinterest.com",
    "tiktok.com",
)
_NEWSLETTER = (
    "newsletter",
    "email",
    "mail.google.com",
    "outlook.live.com",
    "mail.yahoo.com",
    "substack.com",
    "buttondown.email",
    "beehiiv.com",
    "ghost.io",
    "kit.com",
    "convertkit.com",
    "mailchimp.com",
)


@lru_cache(maxsize=4096)  # an export asks again for the same few sources, row after row
def source_group(source: str) -> str:
    """The group of a source: a domain is matched on itself and its parent domains."""
    source = (source or "").lower().removeprefix("www.")
    if not source:
        return "direct"
    if source == FOLDED_SOURCE:
        return "folded"
    for key, names in (("newsletter", _NEWSLETTER), ("search", _SEARCH), ("social", _SOCIAL)):
        for name in names:
            if name.endswith("."):  # google.com, google.fr, …
                if source.startswith(name) or f".{name}" in source:
                    return key
            elif source == name or source.endswith(f".{name}") or name in source.split("."):
                return key
    return "other"


def source_label(source: str) -> str:
    """How a source reads in a table: its domain or word, or what an empty or folded one means."""
    if source == FOLDED_SOURCE:
        return _("(older days: sources not kept)")
    return source or _("(direct or unknown)")


def window(value) -> int:
    """The dashboard's period in days: one of WINDOWS (the first for anything else)."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return WINDOWS[0]
    return days if days in WINDOWS else WINDOWS[0]


@dataclass
class Brought:
    """What one note or source brought over a period."""

    views: int = 0
    signups: int = 0
    paid: int = 0
    mrr: float = 0.0  # cents a month, in the main currency, of the conversions still paying

    @property
    def mrr_text(self) -> str:
        return money(self.mrr)


def _conversions(key: str, since, currency: str, titles: dict | None = None) -> dict:
    """{key value: Brought} of sign-ups and paid conversions since `since`, grouped by a field of
    Subscriber (`signup_note`, `signup_source`). Two queries; with `titles`, the notes' titles
    are read with the sign-ups into it."""
    found: dict = {}
    label = [f"{key}__title"] if titles is not None else []
    signups = (
        Subscriber.objects.filter(created_at__gte=since)
        .order_by()
        .values_list(key, *label)
        .annotate(n=Count("pk"))
    )
    for value, *title, n in signups:
        found.setdefault(value, Brought()).signups = n
        if titles is not None:
            titles[value] = title[0]
    paid = (
        Subscription.objects.filter(stripe_created__gte=since)
        .exclude(status__in=NEVER_PAID)
        .order_by()
        .values_list(f"subscriber__{key}", *(f"subscriber__{name}" for name in label))
        .annotate(
            n=Count("subscriber", distinct=True),
            mrr=Sum(monthly_amount(), filter=Q(status__in=LIVE, currency__iexact=currency)),
        )
    )
    for value, *title, n, mrr in paid:
        brought = found.setdefault(value, Brought())
        brought.paid, brought.mrr = n, mrr or 0.0
        if titles is not None:
            titles[value] = title[0]
    return found


def _days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(count)]


def _label(day: date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def traffic(days: int = WINDOWS[0], now=None, currency: str = "") -> dict:
    """The dashboard's analytics over the last `days` days (today last). Seven queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(first, time.min))

    per_day = {
        row[0]: row[1:]
        for row in DailyTotals.objects.filter(day__gte=first, day__lte=today).values_list(
            "day", "views", "visitors", "feed_fetches", "bots"
        )
    }
    span = _days(first, days)
    views = [per_day.get(day, (0, 0, 0, 0))[0] for day in span]
    visitors = [per_day.get(day, (0, 0, 0, 0))[1] for day in span]

    page_views = DailyPageViews.objects.filter(day__gte=first, day__lte=today).order_by()
    top_notes = list(
        page_views.filter(note__isnull=False)
        .values_list("note", "note__title")
        .annotate(n=Sum("views"))
        .order_by("-n", "note__title")[:TOP]
    )
    by_source = dict(page_views.values_list("source").annotate(n=Sum("views")))

    titles: dict = {}
    notes = _conversions("signup_note", since, currency, titles)
    sources = _conversions("signup_source", since, currency)

    note_rows = []
    for pk, title, n in top_notes:
        brought = notes.get(pk, Brought())
        brought.views = n
        note_rows.append({"pk": pk, "title": title, "brought": brought})
    converting = sorted(
        ((pk, b) for pk, b in notes.items() if pk is not None and (b.signups or b.paid)),
        key=lambda item: (-item[1].mrr, -item[1].paid, -item[1].signups),
    )[:TOP]
    brought_rows = [{"pk": pk, "title": titles.get(pk, ""), "brought": b} for pk, b in converting]

    source_rows = []
    for source in set(by_source) | set(sources):
        brought = sources.get(source, Brought())
        brought.views = by_source.get(source, 0)
        group = source_group(source)
        source_rows.append(
            {
                "source": source or "",
                "label": source_label(source),
                "group": group,
                "group_name": GROUPS[group],
                "brought": brought,
            }
        )
    source_rows.sort(key=lambda r: (-r["brought"].views, -r["brought"].signups, r["source"]))
    groups = dict.fromkeys(GROUPS, 0)
    for row in source_rows:
        groups[row["group"]] += row["brought"].views

    return {
        "days": days,
        "windows": WINDOWS,
        "labels": [_label(day) for day in span],
        "views": views,
        "visitors": visitors,
        "total_views": sum(views),
        # Over the days counted: a site that began counting last week is not averaged with zeros.
        "visitors_per_day": round(sum(visitors) / max(len(per_day), 1)),
        "feed_fetches": sum(row[2] for row in per_day.values()),
        "bots": sum(row[3] for row in per_day.values()),
        "top_notes": note_rows,
        "brought_notes": brought_rows,
        "top_sources": source_rows[: TOP + 5],
        "groups": [
            (GROUPS[key], views)
            for key, views in groups.items()
            if views or key != "folded"  # folded only once days that old are in the period
        ],
        "currency": currency,
    }


def note_stats(note, now=None, currency: str = "") -> dict:
    """One note's page: views by day since publication, sources, sign-ups, paid conversions,
    clicks in the emails of its issues, and those emails' reach among free and paid readers.
    Eight queries whatever the traffic."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    published = timezone.localdate(note.published_at) if note.published_at else today
    first = max(min(published, today), today - timedelta(days=NOTE_DAYS - 1))
    views = note.daily_views.order_by()
    per_day = dict(views.filter(day__gte=first).values_list("day").annotate(n=Sum("views")))
    span = _days(first, (today - first).days + 1)
    sources = list(
        views.values_list("source").annotate(n=Sum("views")).order_by("-n", "source")[: TOP + 5]
    )
    total = views.aggregate(n=Sum("views"))["n"] or 0
    paid_now = paid_subscribers().values("pk")
    signups = Subscriber.objects.filter(signup_note=note).aggregate(
        signups=Count("pk"),
        confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
        paying=Count("pk", filter=Q(pk__in=paid_now)),
    )
    upgrades = (
        Subscription.objects.filter(subscriber__signup_note=note)
        .exclude(status__in=NEVER_PAID)
        .aggregate(
            paid=Count("subscriber", distinct=True),
            # Readers who were free subscribers first (not created by the checkout itself).
            upgrades=Count(
                "subscriber",
                distinct=True,
                filter=~Q(subscriber__source=Subscriber.Source.CHECKOUT),
            ),
            mrr=Sum(monthly_amount(), filter=Q(status__in=LIVE, currency__iexact=currency)),
        )
    )
    issues = list(
        Issue.objects.filter(note=note)
        .exclude(started_at__isnull=True)
        .order_by("-started_at")
        .values("pk", "subject", "started_at")[:TOP]
    )
    clicks = Click.objects.filter(issue__note=note).aggregate(
        clicks=Count("pk"), clickers=Count("delivery", distinct=True)
    )
    reach = Delivery.objects.filter(issue__note=note, status=Delivery.Status.SENT).aggregate(
        sent=Count("pk"),
        readers=Count("subscriber", distinct=True),
        paid=Count("subscriber", distinct=True, filter=Q(subscriber__in=paid_now)),
    )
    return {
        "labels": [_label(day) for day in span],
        "views": [per_day.get(day, 0) for day in span],
        "first_day": first,
        "total_views": total,
        "sources": [
            {
                "source": source,
                "label": source_label(source),
                "group": GROUPS[source_group(source)],
                "views": n,
            }
            for source, n in sources
        ],
        **signups,
        "paid": upgrades["paid"],
        "upgrades": upgrades["upgrades"],
        "mrr": upgrades["mrr"] or 0.0,
        "issues": issues,
        **clicks,
        "sent": reach["sent"],
        "reach_paid": reach["paid"],
        "reach_free": reach["readers"] - reach["paid"],
        "currency": currency,
    }
