"""Plan sync and drift repair between Stripe and the site (commands and the weekly task)."""

from collections.abc import Callable

from django.db.models import Max
from django.utils.text import slugify

from . import stripe_api, sync
from .models import Customer, IgnoredSubscription, Interval, Plan, Subscription, Tier

# How a product says it is Solo's: the Stripe account may sell other things, whose subscribers
# must not become paid readers here.
SOLO_METADATA = ("solo", "true")
HOW_TO_MARK = (
    "To sell a product here, add the metadata solo = true to it in Stripe (Dashboard > Product"
    " catalogue > the product > Metadata), then run sync_plans again."
)


def is_solo_product(product: dict) -> bool:
    key, value = SOLO_METADATA
    return str((product.get("metadata") or {}).get(key, "")).lower() == value


def sync_plans(say: Callable[[str], None] = print) -> int:
    """Recurring prices of Solo's products → Plan rows (slug: the price's lookup_key, else its
    interval). Archived prices become inactive plans: no longer sold, but still granting access to
    the readers who pay them."""
    products = {product["id"]: product for product in stripe_api.list_products()}
    skipped: dict[str, str] = {}
    changed = 0
    tiers = {}
    for product in products.values():
        if is_solo_product(product):
            tiers[product["id"]], created = adopt_tier(product)
            changed += created
            if created:
                say(f"created tier {product.get('name')!r} ({product['id']})")
    for price in stripe_api.list_recurring_prices():
        product_id = price.get("product") or ""  # an id: the list is not expanded
        product = products.get(product_id) or {}
        if not is_solo_product(product):
            skipped[product_id] = product.get("name") or ""
            continue
        interval = (price.get("recurring") or {}).get("interval", "")
        if interval not in Interval.values:
            continue
        slug = price.get("lookup_key") or interval
        fields = {
            "amount": price.get("unit_amount") or 0,
            "currency": price.get("currency") or "eur",
            "interval": interval,
            "active": bool(price.get("active")),
            "tier": tiers[product_id],
        }
        plan = Plan.objects.filter(stripe_price_id=price["id"]).first()
        if plan is None and not price.get("lookup_key"):
            taken = Plan.objects.filter(slug=slug).exclude(tier=tiers[product_id]).exists()
            if taken:  # another tier's plan of the same interval: name it after this tier
                slug = f"{slugify(tiers[product_id].name)[:40]}-{interval}"
        if plan is None:
            if Plan.objects.filter(slug=slug).exists():
                if fields["active"]:
                    say(f"skipped {price['id']}: slug {slug!r} is taken")
                    continue
                slug = price["id"]  # an archived price is never offered: its slug is no URL
            Plan.objects.create(
                stripe_price_id=price["id"],
                name=price.get("nickname") or slug.title(),
                slug=slug,
                **fields,
            )
            say(f"created plan {slug} ({price['id']})")
            changed += 1
        elif any(getattr(plan, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(plan, key, value)
            plan.save()
            say(f"updated plan {plan.slug} ({price['id']})")
            changed += 1
    for product_id, name in skipped.items():
        say(f"skipped product {product_id} ({name}): not marked as Solo's")
    if skipped:
        say(HOW_TO_MARK)
    if changed:
        say("Run reconcile_stripe to give access to readers who already pay a new plan.")
    return changed


def adopt_tier(product: dict) -> tuple[Tier, bool]:
    """The tier of a Solo product: its name and description follow Stripe's; a new one goes
    after the others. Its benefits and place stay the author's, set in the admin."""
    name = (product.get("name") or product["id"])[:100]
    description = product.get("description") or ""
    tier = Tier.objects.filter(stripe_product_id=product["id"]).first()
    if tier is None:
        last = Tier.objects.aggregate(last=Max("position"))["last"]
        tier = Tier.objects.create(
            stripe_product_id=product["id"],
            name=name,
            description=description,
            position=0 if last is None else last + 1,
            active=bool(product.get("active", True)),
        )
        return tier, True
    if (tier.name, tier.description) != (name, description):
        tier.name, tier.description = name, description
        tier.save(update_fields=["name", "description"])
    return tier, False


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
            if data["id"] not in known and sync.upsert_subscription(data):
                say(f"added missing subscription {data['id']} ({data['status']})")
                changed += 1
    for subscription in Subscription.objects.all():
        before = tuple(getattr(subscription, f) for f in SNAPSHOT)
        data = stripe_api.retrieve_subscription(subscription.stripe_id)
        if data is None:
            say(f"{subscription.stripe_id}: unknown to Stripe, left as {subscription.status}")
            continue
        fresh = sync.upsert_subscription(data)
        if fresh is None:
            say(f"{subscription.stripe_id}: not to a Solo plan, no longer grants access")
            changed += 1
            continue
        after = tuple(getattr(fresh, f) for f in SNAPSHOT)
        if before != after:
            say(f"{fresh.stripe_id}: {before[0]} → {after[0]} (repaired)")
            changed += 1
    changed += _recheck_ignored(say)
    say(f"{changed} change(s)")
    return changed


def _recheck_ignored(say: Callable[[str], None]) -> int:
    """Show the subscriptions ignored as not Solo's; mirror those whose price became a plan."""
    changed = 0
    for ignored in IgnoredSubscription.objects.all():
        data = stripe_api.retrieve_subscription(ignored.stripe_id)
        if data is None:
            ignored.delete()
            continue
        if sync.upsert_subscription(data):
            say(f"added subscription {data['id']} ({data['status']}): its price is now a plan")
            changed += 1
        else:
            say(
                f"ignored {ignored.stripe_id} (customer {ignored.customer_id}, price"
                f" {ignored.price_id}, {ignored.status}): not a Solo plan, grants nothing here"
            )
    return changed
