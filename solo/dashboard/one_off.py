"""Offers, gifts and tips on the dashboard, apart from subscriptions' MRR: four aggregates,
whatever the number of payments."""

from django.db.models import Count, Q, Sum

from billing.models import Gift, OfferPayment, Tip

from .figures import money

TOP_NOTES = 10


def money_figures() -> dict:
    offers = (
        OfferPayment.objects.values("currency")
        .annotate(redemptions=Count("pk", filter=Q(first=True)), total=Sum("amount"))
        .order_by("-total")
    )
    gifts = (
        Gift.objects.values("currency")
        .annotate(bought=Count("pk"), redeemed=Count("redeemed_at"), total=Sum("amount"))
        .order_by("-total")
    )
    tips = Tip.objects.values("currency").annotate(count=Count("pk"), total=Sum("amount"))
    per_note = (
        Tip.objects.filter(note__isnull=False)
        .values("note__title", "currency")
        .annotate(count=Count("pk"), total=Sum("amount"))
        .order_by("-total")[:TOP_NOTES]
    )
    return {
        "offers": [{**row, "total": money(row["total"] or 0)} for row in offers],
        "gifts": [{**row, "total": money(row["total"] or 0)} for row in gifts],
        "tips": [{**row, "total": money(row["total"] or 0)} for row in tips.order_by("-total")],
        "tips_per_note": [{**row, "total": money(row["total"] or 0)} for row in per_note],
    }
