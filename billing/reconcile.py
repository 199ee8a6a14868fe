"""Plan sync and drift repair between Stripe and the site (commands and the weekly task)."""

from collections.abc import Callable

from django.db import transaction

from . import stripe_api, sync
from .models import Customer, Interval, Plan, Subscription


def sync_plans(say: Callable[[str], None] = print) -> int:
    """Active recurring prices → Plan rows (slug: the price's lookup_key, else its interval)."""
    changed = 0
    for price in stripe_api.list_recurring_prices():
        interval = (price.get("recurring") or {}).get("interval", "")
        if interval not in Interval.values:
            continue
        slug = price.get("lookup_key") or interval
        fields = {
            "slug": slug,
            "amount": price.get("unit_amount") or 0,
            "currency": price.get("currency") or "eur",
            "interval": interval,
            "active": True,
        }
        plan = Plan.objects.filter(stripe_price_id=price["id"]).first()
        if plan is None:
            if Plan.objects.filter(slug=slug).exists():
                say(f"skipped {price['id']}: slug {slug!r} is taken")
                continue
            Plan.objects.create(
                stripe_price_id=price["id"], name=price.get("nickname") or slug.title(), **fields
            )
            say(f"created plan {slug} ({price['id']})")
            changed += 1
        elif any(getattr(plan, k) != v for k, v in fields.items() if k != "slug"):
            for key, value in fields.items():
                if key != "slug":
                    setattr(plan, key, value)
            plan.save()
            say(f"updated plan {plan.slug} ({price['id']})")
            changed += 1
    return changed


SNAPSHOT = ("status", "current_period_end", "cancel_at_period_end", "price_id")


def reconcile(say: Callable[[str], None] = print) -> int:
    """Compare every local subscription and customer with Stripe's; repair and report drift."""
    changed = 0
    # Second customers for a known email (e.g. a checkout with a new customer), and their
    # subscriptions that no webhook told us about.
    for email, subscriber_id in Customer.objects.values_list("email", "subscriber_id").distinct():
        if not email:
            continue
        for data in stripe_api.list_customers(email):
            if not Customer.objects.filter(stripe_id=data["id"]).exists():
                Customer.objects.create(
                    stripe_id=data["id"], subscriber_id=subscriber_id, email=email
                )
                say(f"linked second customer {data['id']} to {email}")
                changed += 1
    for customer in Customer.objects.all():
        known = set(customer.subscriptions.values_list("stripe_id", flat=True))
        for data in stripe_api.list_subscriptions(customer.stripe_id):
            if data["id"] not in known:
                sync.upsert_subscription(data)
                say(f"added missing subscription {data['id']} ({data['status']})")
                changed += 1
    for subscription in Subscription.objects.all():
        before = tuple(getattr(subscription, f) for f in SNAPSHOT)
        with transaction.atomic():
            fresh = sync.sync_subscription(subscription.stripe_id)
        if fresh is None:
            say(f"{subscription.stripe_id}: unknown to Stripe, left as {subscription.status}")
            continue
        after = tuple(getattr(fresh, f) for f in SNAPSHOT)
        if before != after:
            say(f"{fresh.stripe_id}: {before[0]} → {after[0]} (repaired)")
            changed += 1
    say(f"{changed} change(s)")
    return changed
