"""Mirror Stripe's state into the database: customers, subscriptions, checkout sessions.

Used by the webhook, the success page and `reconcile_stripe`, so all three apply the same rules.
Only Solo's own prices (the Plan table) make paid readers: the Stripe account may sell other
things, and their subscriptions are noted as ignored, creating no customer and no subscriber.
Both shapes of subscription items are read: `plan` with the period on the subscription (older API
versions, localstripe) and `price` with the period on each item (current API).
"""

from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from newsletter.models import Subscriber, normalize_email, note_from_slug, record_signup_note

from . import stripe_api
from .models import (
    CheckoutSession,
    Customer,
    IgnoredSubscription,
    Interval,
    Plan,
    Subscription,
    Tier,
)


def _when(timestamp: int | None) -> datetime | None:
    return datetime.fromtimestamp(timestamp, tz=UTC) if timestamp else None


def _id(value: Any) -> str:
    """An expandable field: an id, or the expanded object."""
    if isinstance(value, dict):
        return value.get("id") or ""
    return value or ""


def subscriber_for_email(email: str, *, name: str = "") -> Subscriber:
    """The subscriber with this address; created active (source checkout) if missing.

    Paying readers who were not subscribers become active subscribers; pending ones are confirmed
    (they proved the address by paying with it). Unsubscribed ones stay unsubscribed.
    """
    email = normalize_email(email)
    subscriber = Subscriber.objects.filter(email__iexact=email).first()
    if subscriber is None:
        subscriber, _ = Subscriber.objects.get_or_create(
            email=email,
            defaults={
                "name": name[:200],
                "status": Subscriber.Status.ACTIVE,
                "source": Subscriber.Source.CHECKOUT,
                "confirmed_at": timezone.now(),
            },
        )
    elif subscriber.status == Subscriber.Status.PENDING:
        subscriber.activate()
    return subscriber


def ensure_user(subscriber: Subscriber):
    """The Django user this reader signs in as (no password: magic links only)."""
    if subscriber.user_id:
        return subscriber.user
    user = get_user_model().objects.create_user(
        username=f"reader-{subscriber.pk}", email=subscriber.email
    )
    subscriber.user = user
    subscriber.save(update_fields=["user"])
    return user


def link_customer(customer_id: str, subscriber: Subscriber | None = None) -> Customer:
    """The local row for a Stripe customer, creating it (and the subscriber) when new."""
    customer = Customer.objects.filter(stripe_id=customer_id).select_related("subscriber").first()
    if customer:
        return customer
    data = stripe_api.retrieve_customer(customer_id)
    if subscriber is None:
        if not data.get("email"):
            raise ValueError(f"Stripe customer {customer_id} has no email")
        subscriber = subscriber_for_email(data["email"], name=data.get("name") or "")
    customer, _ = Customer.objects.get_or_create(
        stripe_id=customer_id,
        defaults={"subscriber": subscriber, "email": normalize_email(data.get("email") or "")},
    )
    return customer


def _item_fields(data: dict[str, Any]) -> dict[str, Any]:
    items = (data.get("items") or {}).get("data") or []
    item = items[0] if items else {}
    price = item.get("price") or item.get("plan") or data.get("plan") or {}
    recurring = price.get("recurring") or {}
    interval = recurring.get("interval") or price.get("interval") or ""
    amount = price.get("unit_amount")
    if amount is None:
        amount = price.get("amount") or 0
    period_end = item.get("current_period_end") or data.get("current_period_end")
    return {
        "product_id": _id(price.get("product")),
        "price_id": price.get("id", ""),
        "amount": amount * (item.get("quantity") or 1),
        "currency": price.get("currency") or "",
        "interval": interval if interval in Interval.values else "",
        "current_period_end": _when(period_end),
    }


def plan_and_tier(product_id: str, price_id: str, fields: dict, data: dict[str, Any]):
    """The plan and tier a subscription pays for, from its current price (so a tier changed in
    the billing portal follows). A price that is no plan still counts when its product is a
    tier's: the amount a reader chose is an inline price of the tier's product, and belongs to
    the tier's plan of that interval that lets readers choose (or the plan Checkout named)."""
    plan = Plan.objects.select_related("tier").filter(stripe_price_id=price_id).first()
    tier = Tier.objects.filter(stripe_product_id=product_id).first() if product_id else None
    if plan is not None:
        return plan, plan.tier or tier
    if tier is None:
        return None, None
    slug = (data.get("metadata") or {}).get("plan") or ""
    plans = tier.plans.order_by("minimum_amount")
    plan = plans.filter(slug=slug).first() if slug else None
    chosen = plans.filter(minimum_amount__isnull=False, interval=fields["interval"]).first()
    return plan or chosen, tier


@transaction.atomic
def upsert_subscription(
    data: dict[str, Any], *, state_at: datetime | None = None
) -> Subscription | None:
    """Create or update the mirror of one Stripe subscription; an older state never wins.

    A subscription to a price that is not a plan is noted as ignored (and any mirror of it
    removed: it no longer grants access); then None is returned.
    """
    state_at = state_at or timezone.now()
    fields = _item_fields(data)
    plan, tier = plan_and_tier(fields.pop("product_id"), fields["price_id"], fields, data)
    # Linked before the lock below: two first deliveries for a new customer wait on its row, so
    # the later one finds the subscription row the earlier one wrote (and an older state loses).
    customer = link_customer(_id(data["customer"])) if plan or tier else None
    existing = Subscription.objects.select_for_update().filter(stripe_id=data["id"]).first()
    if existing and existing.state_at > state_at:
        return existing
    if plan is None and tier is None:
        IgnoredSubscription.objects.update_or_create(
            stripe_id=data["id"],
            defaults={
                "customer_id": _id(data["customer"]),
                "price_id": fields["price_id"],
                "status": str(data.get("status") or "")[:20],
            },
        )
        if existing:
            existing.delete()
        return None
    IgnoredSubscription.objects.filter(stripe_id=data["id"]).delete()
    status = data["status"]
    if status not in Subscription.Status.values:
        raise ValueError(f"unknown subscription status {status!r}")
    past_due_since = None
    if status == Subscription.Status.PAST_DUE:
        was_past_due = existing and existing.status == Subscription.Status.PAST_DUE
        past_due_since = existing.past_due_since if was_past_due else None
        past_due_since = past_due_since or state_at
    fields.update(
        customer=customer,
        subscriber=customer.subscriber,
        status=status,
        plan=plan,
        tier=tier,
        trial_start=_when(data.get("trial_start")),
        trial_end=_when(data.get("trial_end")),
        cancel_at_period_end=bool(data.get("cancel_at_period_end")),
        canceled_at=_when(data.get("canceled_at") or data.get("ended_at")),
        past_due_since=past_due_since,
        stripe_created=_when(data.get("created")),
        state_at=state_at,
    )
    subscription, _ = Subscription.objects.update_or_create(stripe_id=data["id"], defaults=fields)
    return subscription


def sync_subscription(
    subscription_id: str,
    fallback: dict[str, Any] | None = None,
    fallback_at: datetime | None = None,
) -> Subscription | None:
    """Re-fetch a subscription from Stripe and mirror it (the webhook is only a trigger).

    None when Stripe does not know it (and no fallback is given) or it is not to a plan."""
    data = stripe_api.retrieve_subscription(subscription_id)
    if data is not None:
        return upsert_subscription(data)
    if fallback is not None:  # Stripe no longer has it: the event's copy is all there is
        return upsert_subscription(fallback, state_at=fallback_at)
    return None


@transaction.atomic
def apply_checkout_session(session: dict[str, Any]) -> Subscriber | None:
    """Link the paying customer to its subscriber and mirror the new subscription.

    Returns the subscriber, or None while the session is not paid/complete, or when this site did
    not start it (another product's checkout on the same Stripe account).
    """
    checkout = CheckoutSession.objects.select_for_update().filter(stripe_id=session["id"]).first()
    if checkout is None or session.get("status") != "complete" or not session.get("customer"):
        return None
    subscriber = None
    reference = session.get("client_reference_id") or ""
    if reference.isdigit():
        subscriber = Subscriber.objects.filter(pk=int(reference)).first()
    if subscriber is None:
        email = (session.get("customer_details") or {}).get("email") or session.get(
            "customer_email"
        )
        if email:
            subscriber = subscriber_for_email(email)
    customer = link_customer(_id(session["customer"]), subscriber)
    if session.get("subscription"):
        sync_subscription(_id(session["subscription"]))
    record_signup_note(
        customer.subscriber_id, note_from_slug((session.get("metadata") or {}).get("note"))
    )
    checkout.subscriber = customer.subscriber
    checkout.customer_id = customer.stripe_id
    checkout.completed_at = checkout.completed_at or timezone.now()
    checkout.save(update_fields=["subscriber", "customer_id", "completed_at"])
    return customer.subscriber
