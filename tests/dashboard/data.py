"""A known data set for the dashboard: every figure it should show can be worked out by hand."""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from billing.models import Comp, Customer, Plan, StripeEvent, Subscription
from newsletter.models import Delivery, Issue, Subscriber

_serial = count(1)


def subscriber(status="active", days_ago=100, email=None) -> Subscriber:
    n = next(_serial)
    sub = Subscriber.objects.create(email=email or f"reader{n}@example.com", status=status)
    Subscriber.objects.filter(pk=sub.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    return sub


def subscription(status, amount, interval, created_days_ago, **fields) -> Subscription:
    """A Stripe-mirrored subscription for a new active subscriber."""
    n = next(_serial)
    now = timezone.now()
    reader = subscriber("active", created_days_ago)
    customer = Customer.objects.create(stripe_id=f"cus_{n}", subscriber=reader)
    return Subscription.objects.create(
        stripe_id=f"sub_{n}",
        customer=customer,
        subscriber=reader,
        status=status,
        amount=amount,
        currency="eur",
        interval=interval,
        stripe_created=now - timedelta(days=created_days_ago),
        state_at=now,
        **fields,
    )


def known_data_set() -> dict:
    """Mixed monthly and yearly plans, comps, churn, failures. Returns what the page must show.

    MRR (cents): 500 (monthly) + 5000/12 (yearly) + 500 (trialing) + 6000/12 (past due, in grace)
    = 1916.67 → 19.17 EUR; ARR = 23000 cents → 230.00 EUR.
    """
    now = timezone.now()
    Plan.objects.create(name="Monthly", slug="monthly", stripe_price_id="p_m", amount=500)
    Plan.objects.create(
        name="Yearly", slug="yearly", stripe_price_id="p_y", amount=5000, interval="year"
    )
    subscription("active", 500, "month", 5)  # new in the last 30 days
    subscription("active", 5000, "year", 200)
    subscription("trialing", 500, "month", 3)  # new
    subscription("past_due", 6000, "year", 400, past_due_since=now - timedelta(days=1))
    subscription("past_due", 500, "month", 400, past_due_since=now - timedelta(days=20))  # lapsed
    subscription("canceled", 500, "month", 200, canceled_at=now - timedelta(days=10))  # churn
    subscription("canceled", 5000, "year", 400, canceled_at=now - timedelta(days=60))
    subscription("incomplete", 500, "month", 2)  # never paid: not new, not revenue
    comped = subscriber("active", 50)
    Comp.objects.create(subscriber=comped)  # forever
    Comp.objects.create(subscriber=subscriber("active", 50), until=now - timedelta(days=1))
    for _i in range(2):
        subscriber("pending", 0)  # today
    for _i in range(3):
        subscriber("unsubscribed", 40)
    subscriber("bounced", 40)
    issue = Issue.objects.create(
        subject="Spring issue", status=Issue.Status.SENT, started_at=now - timedelta(days=2)
    )
    readers = list(Subscriber.objects.filter(status="active").order_by("pk"))
    failed_reader = readers[0]
    Delivery.objects.bulk_create(
        [Delivery(issue=issue, subscriber=r, status="sent") for r in readers[1:]]
        + [Delivery(issue=issue, subscriber=failed_reader, status="failed", last_error="550 no")]
    )
    event = StripeEvent.objects.create(
        event_id="evt_broken", type="customer.subscription.updated", payload={}, error="KeyError"
    )
    StripeEvent.objects.create(
        event_id="evt_fine", type="invoice.paid", payload={}, processed_at=now
    )
    return {
        # 8 subscription readers + 2 comp readers, all active; 2 pending, 3 unsubscribed, 1 bounced
        "by_status": {"active": 10, "pending": 2, "unsubscribed": 3, "bounced": 1},
        "paid_readers": 5,  # active, active, trialing, past due in grace, comp forever
        "comps": 1,
        "new_paid_30d": 2,
        "churned_30d": 1,
        "mrr": "19.17",
        "arr": "230.00",
        "sent": len(readers) - 1,
        "failed": 1,
        "issue": issue,
        "failed_delivery": Delivery.objects.get(status="failed"),
        "failed_event": event,
        "failed_reader": failed_reader,
    }
