"""Bots stopped at the subscribe forms, per defence: today, last 7 and last 30 days (one query)."""

from datetime import timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from newsletter.models import StoppedSignup


def stopped_signups(now=None) -> dict:
    today = timezone.localdate(now or timezone.now())
    spans = {"today": 0, "week": 6, "month": 29}
    rows = (
        StoppedSignup.objects.filter(day__gte=today - timedelta(days=29))
        .order_by()
        .values("defence")
        .annotate(
            **{
                span: Sum("count", filter=Q(day__gte=today - timedelta(days=days)), default=0)
                for span, days in spans.items()
            }
        )
    )
    by_defence = {row["defence"]: row for row in rows}
    return {
        "rows": [
            {
                "label": label,
                **{span: by_defence.get(value, {}).get(span, 0) for span in spans},
            }
            for value, label in StoppedSignup.Defence.choices
        ],
        "month_total": sum(row["month"] for row in by_defence.values()),
    }
