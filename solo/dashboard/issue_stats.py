"""An issue's outcome: delivered, clicked, who left, and the revenue that followed a click.

Three queries whatever the list size. Solo records no per-issue unsubscribe, bounce or complaint
event, so they are read from the reader's status: a recipient who unsubscribed (or complained)
within ATTRIBUTION after the issue reached them counts for this issue, as Substack counts a
post's unsubscribes; a bounce is a delivery the mail server refused (a failed delivery).
"""

from datetime import timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, Sum

from billing.models import Subscription
from newsletter.models import Click, Delivery, Issue, Subscriber

from .figures import NEVER_PAID, money

ATTRIBUTION = timedelta(days=7)


def _left(status: str) -> Q:
    """The delivery's reader now has `status`, reached within ATTRIBUTION after the send."""
    return Q(
        status=Delivery.Status.SENT,
        subscriber__status=status,
        subscriber__unsubscribed_at__gte=F("sent_at"),
        subscriber__unsubscribed_at__lt=F("sent_at") + ATTRIBUTION,
    )


def issue_stats(issue: Issue) -> dict:
    deliveries = Delivery.objects.filter(issue=issue).aggregate(
        delivered=Count("pk", filter=Q(status=Delivery.Status.SENT)),
        bounced=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
        unsubscribed=Count("pk", filter=_left(Subscriber.Status.UNSUBSCRIBED)),
        complained=Count("pk", filter=_left(Subscriber.Status.COMPLAINED)),
    )
    clicks = Click.objects.filter(issue=issue).aggregate(
        clicks=Count("pk"), clickers=Count("delivery", distinct=True)
    )
    # A subscription started (and paid, or trialing) within ATTRIBUTION after its reader clicked
    # a link of this issue.
    clicked_before = Click.objects.filter(
        issue=issue,
        delivery__subscriber=OuterRef("subscriber"),
        clicked_at__lte=OuterRef("stripe_created"),
        clicked_at__gt=OuterRef("stripe_created") - ATTRIBUTION,
    )
    revenue = (
        # Only subscriptions after the send can follow one of its clicks: the rest are skipped
        # before the per-row check.
        Subscription.objects.filter(stripe_created__gte=issue.started_at)
        .filter(Exists(clicked_before))
        .exclude(status__in=NEVER_PAID)
        .order_by()
        .values_list("currency")
        .annotate(n=Count("pk"), amount=Sum("amount"))
        .order_by("-amount")
    )
    return {
        **deliveries,
        **clicks,
        "paid_after_click": sum(n for _c, n, _a in revenue),
        "revenue": [(currency.upper(), money(amount or 0)) for currency, _n, amount in revenue],
        "attribution_days": ATTRIBUTION.days,
    }
