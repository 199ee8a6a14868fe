"""Every kind of reader the access rules distinguish, built from real rows."""

from datetime import timedelta

from django.utils import timezone

from billing.models import Comp, Customer, Subscription
from billing.sync import ensure_user
from newsletter.models import Subscriber

KINDS = [
    "anonymous",
    "free",
    "paid",
    "trialing",
    "past_due_in_grace",
    "past_due_expired",
    "canceled",
    "comped",
    "comp_expired",
    "staff",
]
# Who may read a paid note in full.
ENTITLED = {"paid", "trialing", "past_due_in_grace", "comped", "staff"}


def make_reader(kind: str, django_user_model, tier=None):
    """The Django user for this kind of reader (None for anonymous); `tier`: the tier their
    subscription or comp is for (None: no tier, which counts as the lowest)."""
    if kind == "anonymous":
        return None
    if kind == "staff":
        return django_user_model.objects.create_user("editor", "ed@example.com", is_staff=True)
    subscriber = Subscriber.objects.create(email=f"{kind}@example.com", status="active")
    now = timezone.now()
    status = {
        "paid": "active",
        "trialing": "trialing",
        "past_due_in_grace": "past_due",
        "past_due_expired": "past_due",
        "canceled": "canceled",
    }.get(kind)
    if status:
        customer = Customer.objects.create(stripe_id=f"cus_{kind}", subscriber=subscriber)
        Subscription.objects.create(
            stripe_id=f"sub_{kind}",
            customer=customer,
            subscriber=subscriber,
            status=status,
            amount=500,
            interval="month",
            past_due_since={
                "past_due_in_grace": now - timedelta(days=2),
                "past_due_expired": now - timedelta(days=4),
            }.get(kind),
            state_at=now,
            tier=tier,
        )
    if kind == "comped":
        Comp.objects.create(subscriber=subscriber, until=now + timedelta(days=10), tier=tier)
    if kind == "comp_expired":
        Comp.objects.create(subscriber=subscriber, until=now - timedelta(days=1), tier=tier)
    return ensure_user(subscriber)
