"""Bring paying readers from another platform whose subscriptions live in the author's own Stripe
account (Substack, Ghost): no new checkout and no new charge, only links.

The author picks which prices count as Solo's plans. Each becomes a Plan row, and only that price:
its product may carry prices the author did not pick, so the product is not marked as Solo's in
Stripe (sync_plans would then adopt them all). Every subscription on a picked price is then
mirrored (billing.sync, the webhook's own rules) and linked to its subscriber: through the Stripe
customer already known here, the customer id an import kept (Ghost, beehiiv), or the customer's
email, creating an active subscriber when nobody has it. Subscriptions on other prices are left
alone. Running it again changes nothing.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from newsletter.models import Subscriber, normalize_email

from . import stripe_api, sync
from .models import Customer, Interval, Plan, Subscription


@dataclass
class Outcome:
    subscription: str
    customer: str
    email: str
    status: str
    why: str  # how it was linked, or why it could not be


@dataclass
class LinkReport:
    plans: list[str] = field(default_factory=list)
    linked: list[Outcome] = field(default_factory=list)
    already: list[Outcome] = field(default_factory=list)
    not_linked: list[Outcome] = field(default_factory=list)
    other_prices: int = 0  # subscriptions on prices not picked: left alone


def report_lines(report: LinkReport, *, dry_run: bool = False) -> list[str]:
    """The report as the command prints it and the admin lets the author download it."""
    lines = list(report.plans)
    sections = (
        ("Linked", report.linked),
        ("Already linked", report.already),
        ("Not linked", report.not_linked),
    )
    for title, outcomes in sections:
        lines.append(f"{title}: {len(outcomes)}")
        lines += [
            f"  {o.subscription} ({o.status}) {o.email or o.customer}: {o.why}" for o in outcomes
        ]
    lines.append(f"{report.other_prices} subscription(s) on other prices left alone.")
    if dry_run:
        lines.append("Dry run: nothing was changed.")
    return lines


@dataclass
class PriceChoice:
    """A recurring price the author may pick, as the admin lists it."""

    id: str
    product: str
    nickname: str
    amount: int
    currency: str
    interval: str
    active: bool
    subscriptions: int  # live subscriptions on it
    is_plan: bool  # picked already

    @property
    def major(self) -> float:
        """The amount in the currency's main unit (Stripe counts in cents)."""
        return self.amount / 100


def price_choices() -> list[PriceChoice]:
    """The account's active recurring prices, and archived ones readers still pay, each with its
    product's name and its number of subscriptions; the busiest first."""
    products = {p["id"]: p.get("name") or p["id"] for p in stripe_api.list_products()}
    paying = Counter(
        sync._item_fields(data)["price_id"] for data in stripe_api.iter_all_subscriptions()
    )
    plans = set(Plan.objects.values_list("stripe_price_id", flat=True))
    choices = [
        PriceChoice(
            id=price["id"],
            product=products.get(sync._id(price.get("product")), ""),
            nickname=price.get("nickname") or "",
            amount=price.get("unit_amount") or 0,
            currency=(price.get("currency") or "").upper(),
            interval=(price.get("recurring") or {}).get("interval", ""),
            active=bool(price.get("active")),
            subscriptions=paying[price["id"]],
            is_plan=price["id"] in plans,
        )
        for price in stripe_api.list_recurring_prices()
        if price.get("active") or paying[price["id"]]
    ]
    return sorted(choices, key=lambda c: (-c.subscriptions, c.product, c.id))


class NotLinked(Exception):
    """Why a subscription could not be linked; its text goes into the report."""


def link_subscribers(price_ids: Iterable[str], *, dry_run: bool = False) -> LinkReport:
    report = LinkReport()
    with transaction.atomic():
        picked = {price_id for price_id in dict.fromkeys(price_ids) if _adopt(price_id, report)}
        if picked:
            for data in stripe_api.iter_all_subscriptions():
                if sync._item_fields(data)["price_id"] in picked:
                    _link(data, report)
                else:
                    report.other_prices += 1
        if dry_run:
            transaction.set_rollback(True)
    return report


def _adopt(price_id: str, report: LinkReport) -> bool:
    """The price's Plan row, created if missing; False (and said) if it cannot be one."""
    if Plan.objects.filter(stripe_price_id=price_id).exists():
        report.plans.append(f"{price_id}: already a plan")
        return True
    price = stripe_api.retrieve_price(price_id)
    interval = ((price or {}).get("recurring") or {}).get("interval", "")
    if price is None or interval not in Interval.values:
        why = "unknown to Stripe" if price is None else "not a recurring price"
        report.plans.append(f"{price_id}: {why}, skipped")
        return False
    slug, active = price.get("lookup_key") or interval, bool(price.get("active"))
    if Plan.objects.filter(slug=slug).exists():
        # Another plan is sold under that name: this one grants access but is not offered.
        slug, active = price_id[:50], False
    Plan.objects.create(
        stripe_price_id=price_id,
        name=price.get("nickname") or slug.title(),
        slug=slug,
        amount=price.get("unit_amount") or 0,
        currency=price.get("currency") or "eur",
        interval=interval,
        active=active,
    )
    report.plans.append(f"{price_id}: created plan {slug}" + ("" if active else " (not offered)"))
    return True


def _link(data: dict, report: LinkReport) -> None:
    customer_id = sync._id(data["customer"])
    outcome = Outcome(data["id"], customer_id, "", str(data.get("status") or ""), "")
    known = Subscription.objects.filter(stripe_id=data["id"]).select_related("subscriber").first()
    if known:
        outcome.email, outcome.why = known.subscriber.email, "already linked"
        report.already.append(outcome)
        return
    try:
        with transaction.atomic():
            subscriber, outcome.why = _subscriber(customer_id)
            outcome.email = subscriber.email
            Customer.objects.get_or_create(
                stripe_id=customer_id,
                defaults={"subscriber": subscriber, "email": subscriber.email},
            )
            sync.upsert_subscription(data)
    except (NotLinked, ValueError, stripe_api.StripeError) as error:
        outcome.why = str(error)
        report.not_linked.append(outcome)
    else:
        report.linked.append(outcome)


def _subscriber(customer_id: str) -> tuple[Subscriber, str]:
    """The reader a Stripe customer is, and how we know."""
    customer = Customer.objects.filter(stripe_id=customer_id).select_related("subscriber").first()
    if customer:
        return customer.subscriber, "by the Stripe customer already linked"
    imported = Subscriber.objects.filter(imported__stripe_customer_id=customer_id).first()
    if imported:
        return imported, "by the Stripe customer id in the imported list"
    data = stripe_api.retrieve_customer(customer_id)
    if data.get("deleted"):
        raise NotLinked("the Stripe customer was deleted")
    email = normalize_email(data.get("email") or "")
    if not email:
        raise NotLinked("the Stripe customer has no email address")
    try:
        validate_email(email)
    except ValidationError:
        raise NotLinked(f"the Stripe customer's email {email!r} is not valid") from None
    subscriber = Subscriber.objects.filter(email=email).first()
    if subscriber:
        return subscriber, "by email"
    subscriber = Subscriber.objects.create(
        email=email,
        name=(data.get("name") or "")[:200],
        status=Subscriber.Status.ACTIVE,
        source=Subscriber.Source.IMPORT,
        confirmed_at=timezone.now(),
    )
    return subscriber, "new subscriber, from the Stripe customer's email"
