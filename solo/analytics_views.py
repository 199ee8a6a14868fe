"""The author's analytics pages in the admin: one note's figures, and the CSV exports.

Behind the admin's own sign-in (staff, and the authenticator code once set up), like the rest.
Views stay thin: the figures are solo/dashboard/traffic.py's.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, Sum
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from analytics.models import DailyPageViews
from billing.access import paid_subscribers
from billing.models import Subscription, monthly_amount
from newsletter.exports import SafeWriter
from newsletter.models import Subscriber
from notes.models import Note

from .dashboard.charts import note_views_chart
from .dashboard.figures import LIVE, NEVER_PAID, money
from .dashboard.traffic import note_stats, source_group, window

EXPORT_PERMISSION = "analytics.view_dailypageviews"


def _main_currency(now) -> str:
    return next(iter(Subscription.objects.mrr_by_currency(now)), "")


@require_safe
def note_analytics(request, pk, site):
    if not request.user.has_perm("notes.view_note"):
        raise PermissionDenied
    note = get_object_or_404(Note.objects.only("pk", "title", "slug", "published_at"), pk=pk)
    now = timezone.now()
    stats = note_stats(note, now, _main_currency(now))
    context = {
        **site.each_context(request),
        "title": _("Statistics: %(title)s") % {"title": note.title},
        "note": note,
        "stats": stats,
        "mrr": money(stats["mrr"]),
        "chart": note_views_chart(stats),
        "change_url": reverse("admin:notes_note_change", args=[note.pk]),
        "issue_urls": {
            row["pk"]: reverse("admin:newsletter_issue_change", args=[row["pk"]])
            for row in stats["issues"]
        },
    }
    return TemplateResponse(request, "admin/analytics/note.html", context)


class _Echo:
    """A file that hands back what is written: each CSV line streams as it is made."""

    def write(self, value):
        return value


def _csv(filename: str, rows) -> StreamingHttpResponse:
    writer = SafeWriter(_Echo())  # formula-safe cells: the file opens in a spreadsheet
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _daily_rows(days: int | None):
    """Every daily row, or those of the last `days` days (the dashboard's period)."""
    yield ["day", "path", "note", "source", "source_group", "views"]
    rows = DailyPageViews.objects.all()
    if days:
        rows = rows.filter(day__gt=timezone.localdate() - timedelta(days=days))
    rows = (
        rows.order_by("day", "path", "source")
        .values_list("day", "path", "note__slug", "source", "views")
        .iterator(chunk_size=5000)
    )
    for day, page, slug, source, views in rows:
        yield [day.isoformat(), page, slug or "", source, source_group(source), views]


def _note_rows(currency: str):
    """Every published note with its views, sign-ups, paid conversions and MRR: four queries."""
    views = dict(
        DailyPageViews.objects.filter(note__isnull=False)
        .order_by()
        .values_list("note")
        .annotate(n=Sum("views"))
    )
    paid_now = paid_subscribers().values("pk")
    signups = {
        pk: (n, paying)
        for pk, n, paying in Subscriber.objects.filter(signup_note__isnull=False)
        .order_by()
        .values_list("signup_note")
        .annotate(n=Count("pk"), paying=Count("pk", filter=Q(pk__in=paid_now)))
    }
    paid = {
        pk: (n, mrr or 0.0)
        for pk, n, mrr in Subscription.objects.filter(subscriber__signup_note__isnull=False)
        .exclude(status__in=NEVER_PAID)
        .order_by()
        .values_list("subscriber__signup_note")
        .annotate(
            n=Count("subscriber", distinct=True),
            mrr=Sum(monthly_amount(), filter=Q(status__in=LIVE, currency__iexact=currency)),
        )
    }
    yield [
        "note",
        "title",
        "published",
        "views",
        "signups",
        "signups_paying_now",
        "paid_conversions",
        f"mrr_{(currency or 'none').lower()}",
    ]
    notes = Note.objects.published().order_by("published_at", "pk")
    for pk, slug, title, published in notes.values_list("pk", "slug", "title", "published_at"):
        n, paying = signups.get(pk, (0, 0))
        conversions, mrr = paid.get(pk, (0, 0.0))
        yield [
            slug,
            title,
            published.date().isoformat(),
            views.get(pk, 0),
            n,
            paying,
            conversions,
            f"{mrr / 100:.2f}",
        ]


@require_safe
def export(request, kind):
    if not request.user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied
    if kind == "daily":
        days = request.GET.get("days")
        days = window(days) if days else None  # a period not offered: the dashboard's default
        return _csv("page-views-by-day.csv", _daily_rows(days))
    return _csv("notes-summary.csv", _note_rows(_main_currency(timezone.now())))


def urls(site) -> list:
    return [
        path(
            "analytics/notes/<int:pk>/",
            site.admin_view(note_analytics),
            {"site": site},
            name="analytics_note",
        ),
        path(
            "analytics/page-views.csv",
            site.admin_view(export),
            {"kind": "daily"},
            name="analytics_export_daily",
        ),
        path(
            "analytics/notes.csv",
            site.admin_view(export),
            {"kind": "notes"},
            name="analytics_export_notes",
        ),
    ]
