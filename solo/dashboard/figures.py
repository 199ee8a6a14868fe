"""The author's desk: figures and server-drawn SVG charts for the admin index.

Every figure is aggregated in SQL: the number of queries is the same with ten subscribers or a
million (DESIGN.md rule 5). Python only loops over days, months and the ten last issues.

History (paid readers and MRR per month) is rebuilt from the Stripe mirror: a subscription counts
at a moment if it was created before it and is still live, or ended (canceled/unpaid) after it.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDay
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from billing.access import paid_subscribers
from billing.models import MONTHS_PER_INTERVAL, Comp, StripeEvent, Subscription
from newsletter.models import Delivery, Issue, Subscriber
from notes.models import Note

LIVE = (Subscription.Status.ACTIVE, Subscription.Status.TRIALING, Subscription.Status.PAST_DUE)
ENDED = (Subscription.Status.CANCELED, Subscription.Status.UNPAID)
NEVER_PAID = (Subscription.Status.INCOMPLETE, Subscription.Status.INCOMPLETE_EXPIRED)
DAYS = 90
MONTHS = 12
LIST_SIZE = 10


def monthly_amount():
    """A subscription's monthly revenue in cents, as SQL (yearly amount / 12, and so on)."""
    return Case(
        *[
            When(interval=interval, then=F("amount") / Value(months, output_field=FloatField()))
            for interval, months in MONTHS_PER_INTERVAL.items()
        ],
        default=Value(0.0),
        output_field=FloatField(),
    )


def mrr_by_currency(now=None) -> dict[str, float]:
    """Monthly recurring revenue in cents per currency, from subscriptions granting access now."""
    rows = (
        Subscription.objects.granting_access(now)
        .values("currency")
        .annotate(mrr=Sum(monthly_amount()))
        .order_by("-mrr")
    )
    return {(row["currency"] or "").upper(): row["mrr"] or 0.0 for row in rows}


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

    def count(status):
        rows = (
            Delivery.objects.filter(issue=OuterRef("pk"), status=status)
            .order_by()
            .values("issue")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Subquery(rows)

    issues = (
        Issue.objects.filter(status__in=[Issue.Status.SENDING, Issue.Status.SENT])
        .order_by(F("started_at").desc(nulls_last=True), "-pk")
        .annotate(sent=count(Delivery.Status.SENT), failed=count(Delivery.Status.FAILED))
        .values("pk", "subject", "sent", "failed")[:LIST_SIZE]
    )
    return [{**row, "sent": row["sent"] or 0, "failed": row["failed"] or 0} for row in issues][::-1]


def upcoming(now=None) -> dict:
    now = now or timezone.now()
    notes = Note.objects.filter(status=Note.Status.PUBLISHED, published_at__gt=now).order_by(
        "published_at"
    )
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


# --- SVG -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str
    values: list


def bar_chart(title, labels, series, *, fmt=str, label_every=1, width=640, height=180):
    """An accessible SVG bar chart (grouped bars) plus a visually hidden table of its data.

    Colours come from CSS classes (admin-dashboard.css) using the admin's own colour variables,
    so the chart follows the light and dark themes; no script, no inline style (strict CSP).
    """
    left, bottom, top = 48, 22, 8
    plot_w, plot_h = width - left - 4, height - bottom - top
    peak = max([v for s in series for v in s.values] + [0])
    scale = plot_h / peak if peak else 0
    group_w = plot_w / max(len(labels), 1)
    bar_w = min(group_w * 0.8 / len(series), 40)  # a lone issue is not a wall of colour
    pad = (group_w - bar_w * len(series)) / 2
    bars = []
    for i, label in enumerate(labels):
        for j, s in enumerate(series):
            value = s.values[i]
            h = value * scale
            bars.append(
                (
                    s.css_class,
                    f"{left + i * group_w + pad + j * bar_w:.2f}",
                    f"{top + plot_h - h:.2f}",
                    f"{bar_w:.2f}",
                    f"{h:.2f}",
                    value,
                    f"{label} — {s.name}: {fmt(value)}",
                )
            )
    last = len(labels) - 1
    ticks = [
        # The last label ends at the right edge instead of running off it.
        (
            f"{left + i * group_w + group_w / 2:.2f}" if i < last else f"{width - 2}",
            f"{height - 6}",
            "end" if i == last and last else "middle",
            label,
        )
        for i, label in enumerate(labels)
        if i % label_every == 0 or i == last
    ]
    total = ", ".join(f"{s.name}: {fmt(s.values[-1])}" for s in series) if labels else ""
    desc = _("%(first)s to %(last)s; latest %(latest)s; highest %(peak)s.") % {
        "first": labels[0] if labels else "",
        "last": labels[-1] if labels else "",
        "latest": total,
        "peak": fmt(peak),
    }
    svg = format_html(
        '<svg class="dash-svg" viewBox="0 0 {w} {h}" role="img" aria-label="{title}">'
        "<title>{title}</title><desc>{desc}</desc>"
        '<text class="dash-axis" x="{tx}" y="{ty}" text-anchor="end">{peak}</text>'
        '<text class="dash-axis" x="{tx}" y="{by}" text-anchor="end">0</text>'
        '<line class="dash-baseline" x1="{left}" x2="{w}" y1="{base}" y2="{base}"></line>'
        "{bars}{ticks}</svg>",
        w=width,
        h=height,
        title=title,
        desc=desc,
        tx=left - 4,
        ty=top + 10,
        by=top + plot_h,
        left=left,
        base=top + plot_h,
        peak=fmt(peak),
        bars=format_html_join(
            "",
            '<rect class="dash-bar {}" x="{}" y="{}" width="{}" height="{}" data-value="{}">'
            "<title>{}</title></rect>",
            bars,
        ),
        ticks=format_html_join(
            "", '<text class="dash-axis" x="{}" y="{}" text-anchor="{}">{}</text>', ticks
        ),
    )
    legend = (
        format_html_join(
            "",
            '<li><span class="dash-swatch {}"></span>{}</li>',
            ((s.css_class, s.name) for s in series),
        )
        if len(series) > 1
        else ""
    )
    table = format_html(
        # A table sizes itself to its content: the wrapper is what hides it (1 px, clipped).
        '<div class="visually-hidden dash-data"><table><caption>{}</caption><thead><tr>'
        '<th scope="col">{}</th>{}</tr></thead><tbody>{}</tbody></table></div>',
        title,
        _("Period"),
        format_html_join("", '<th scope="col">{}</th>', ((s.name,) for s in series)),
        format_html_join(
            "",
            '<tr><th scope="row">{}</th>{}</tr>',
            (
                (
                    label,
                    format_html_join("", "<td>{}</td>", ((fmt(s.values[i]),) for s in series)),
                )
                for i, label in enumerate(labels)
            ),
        ),
    )
    return format_html(
        '<figure class="dash-chart"><figcaption>{}</figcaption>{}{}{}</figure>',
        title,
        svg,
        format_html('<ul class="dash-legend">{}</ul>', legend) if legend else "",
        table,
    )


def charts(now=None, paid_readers: int = 0, currency: str = "", mrr: float = 0.0) -> dict:
    """The four charts; this month's points are the current figures shown beside them."""
    signups = signups_per_day(now)
    history = monthly_history(now, currency)
    history["paid_readers"][-1] = paid_readers
    history["mrr"][-1] = round(mrr)
    issues = recent_issues()
    return {
        "signups": bar_chart(
            _("New subscribers per day, last 90 days"),
            signups["labels"],
            [Series(_("New subscribers"), "dash-bar--main", signups["values"])],
            label_every=15,
        ),
        "paid": bar_chart(
            _("Paid readers per month, last 12 months"),
            history["labels"],
            [Series(_("Paid readers"), "dash-bar--main", history["paid_readers"])],
            label_every=2,
        ),
        "mrr": bar_chart(
            _("MRR per month (%(currency)s), last 12 months") % {"currency": currency or "—"},
            history["labels"],
            [Series(_("MRR"), "dash-bar--money", history["mrr"])],
            fmt=money,
            label_every=2,
        ),
        "issues": bar_chart(
            _("Deliveries of the last 10 issues"),
            [row["subject"] for row in issues],
            [
                Series(_("Sent"), "dash-bar--main", [row["sent"] for row in issues]),
                Series(_("Failed"), "dash-bar--failed", [row["failed"] for row in issues]),
            ],
            label_every=LIST_SIZE + 1,
        ),
    }


def dashboard(now=None) -> dict:
    """Everything the admin index shows, in a constant number of queries."""
    now = now or timezone.now()
    mrr = mrr_by_currency(now)
    paid = paid_figures(now)
    # The chart shows the currency bringing the most revenue (usually the only one).
    currency, main_mrr = next(iter(mrr.items()), ("", 0.0))
    return {
        "by_status": subscribers_by_status(),
        **paid,
        "mrr": [(code, money(cents), money(cents * 12)) for code, cents in mrr.items()],
        "upcoming": upcoming(now),
        **problems(),
        "charts": charts(now, paid["paid_readers"], currency, main_mrr),
        "time_zone": timezone.get_current_timezone_name(),
    }
