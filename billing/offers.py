"""Offers: a discount behind a link, made of a Stripe coupon and its promotion code.

The site decides first whether an offer may still be taken (active, not expired, not used up,
on this plan) so the reader gets a clear page, not an error; Stripe checks again at Checkout
(the promotion code carries the same limits). What an offer brought is recorded from the webhook:
its checkouts (one row each: a redemption) and the paid invoices of the subscriptions they started.
"""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from newsletter.models import Subscriber

from . import stripe_api
from .models import Offer, OfferPayment, Plan

OPEN = "open"
# Why an offer cannot be taken, as the reader is told.
REASONS = {
    "ended": _("This offer has ended."),
    "expired": _("This offer has expired."),
    "exhausted": _("This offer has been fully claimed."),
    "plan": _("This offer does not apply to this plan."),
}


def with_figures(offers: QuerySet[Offer]) -> QuerySet[Offer]:
    """Each offer with its redemptions and the revenue it brought (cents), in one query."""
    return offers.annotate(
        redemptions=Count("payments", filter=Q(payments__first=True), distinct=True),
        revenue=Sum("payments__amount"),
    )


def state(offer: Offer, now: datetime | None = None) -> str:
    """OPEN, or the key of REASONS saying why not (`offer` from `with_figures`, or not)."""
    now = now or timezone.now()
    if not offer.active or not offer.stripe_promotion_code_id:
        return "ended"
    if offer.expires_at and offer.expires_at <= now:
        return "expired"
    redemptions = getattr(offer, "redemptions", None)
    if redemptions is None:
        redemptions = offer.payments.filter(first=True).count()
    if offer.max_redemptions is not None and redemptions >= offer.max_redemptions:
        return "exhausted"
    return OPEN


def refusal(offer: Offer, plan: Plan) -> str:
    """Why this offer cannot be taken on this plan, or "" when it can."""
    why = state(offer)
    if why == OPEN and not offer.plans.filter(pk=plan.pk).exists():
        why = "plan"
    return "" if why == OPEN else why


def featured(now: datetime | None = None) -> Offer | None:
    """The newest open offer the author chose to show on the pricing page."""
    candidates = with_figures(Offer.objects.filter(on_pricing=True, active=True))[:5]
    return next((o for o in candidates if state(o, now) == OPEN), None)


def discounted(offer: Offer, plan: Plan) -> int:
    """The plan's price with the offer taken off (cents)."""
    if offer.percent_off is not None:
        return round(plan.amount * (100 - offer.percent_off) / 100)
    return max(0, plan.amount - (offer.amount_off or 0))


def stripe_code(code: str) -> str:
    """Stripe's customer-facing code allows letters and digits only."""
    return re.sub(r"[^A-Za-z0-9]", "", code).upper()[:500]


def plans_of(offer: Offer) -> list[Plan]:
    return list(offer.plans.select_related("tier"))


def create_in_stripe(offer: Offer) -> None:
    """The Stripe coupon and promotion code behind a new offer (the admin saves it)."""
    coupon: dict[str, Any] = {
        "id": f"solo-{offer.code}-{offer.pk}",
        "duration": offer.duration,
        "metadata": {"solo": "true", "offer": offer.code},
    }
    if offer.percent_off is not None:
        coupon["percent_off"] = offer.percent_off
    else:
        coupon["amount_off"] = offer.amount_off
        coupon["currency"] = offer.currency
    if offer.duration == Offer.Duration.REPEATING:
        coupon["duration_in_months"] = offer.duration_in_months
    # Typed at a plain Checkout, the code then only discounts the offer's tiers (Stripe limits a
    # coupon by product; the interval is checked by the site, which applies the code itself).
    products = {plan.tier.stripe_product_id if plan.tier_id else "" for plan in plans_of(offer)}
    if products and all(products):
        coupon["applies_to"] = {"products": sorted(products)}
    offer.stripe_coupon_id = stripe_api.create_coupon(coupon)["id"]
    expires = int(offer.expires_at.timestamp()) if offer.expires_at else None
    promotion = stripe_api.create_promotion_code(
        offer.stripe_coupon_id,
        stripe_code(offer.code),
        max_redemptions=offer.max_redemptions,
        expires_at=expires,
    )
    offer.stripe_promotion_code_id = promotion["id"]
    offer.save(update_fields=["stripe_coupon_id", "stripe_promotion_code_id"])


def _promotion_code_of(session: dict[str, Any]) -> str:
    for discount in session.get("discounts") or []:
        code = discount.get("promotion_code") or ""
        code = code.get("id", "") if isinstance(code, dict) else code
        if code:
            return code
    return ""


def record_checkout(session: dict[str, Any], subscriber: Subscriber) -> OfferPayment | None:
    """A completed checkout that used an offer's promotion code: one redemption, once."""
    code = _promotion_code_of(session)
    offer = Offer.objects.filter(stripe_promotion_code_id=code).first() if code else None
    if offer is None:
        return None
    subscription = session.get("subscription") or ""
    payment, _created = OfferPayment.objects.get_or_create(
        stripe_id=session["id"],
        defaults={
            "offer": offer,
            "first": True,
            "subscription_id": subscription.get("id", "")
            if isinstance(subscription, dict)
            else subscription,
            "subscriber": subscriber,
            "amount": session.get("amount_total") or 0,
            "currency": session.get("currency") or "",
        },
    )
    return payment


def record_invoice(invoice: dict[str, Any], subscription_id: str) -> OfferPayment | None:
    """A later paid invoice of a subscription an offer started: revenue the offer brought.
    The first invoice is the checkout's amount, already counted."""
    if invoice.get("billing_reason") == "subscription_create" or not invoice.get("id"):
        return None
    first = OfferPayment.objects.filter(first=True, subscription_id=subscription_id).first()
    if first is None:
        return None
    payment, _created = OfferPayment.objects.get_or_create(
        stripe_id=invoice["id"],
        defaults={
            "offer_id": first.offer_id,
            "first": False,
            "subscription_id": subscription_id,
            "subscriber_id": first.subscriber_id,
            "amount": invoice.get("amount_paid") or 0,
            "currency": invoice.get("currency") or "",
        },
    )
    return payment


def _coupon_of(promotion_code: dict[str, Any]) -> dict[str, Any]:
    # Current API: promotion.coupon (an id); older versions: coupon (the object).
    coupon = (promotion_code.get("promotion") or {}).get("coupon") or promotion_code.get("coupon")
    return stripe_api.retrieve_coupon(coupon) if isinstance(coupon, str) else coupon or {}


def adopt_from_stripe(say: Callable[[str], None] = print) -> int:
    """`sync_plans`: active promotion codes the author made in Stripe's dashboard with the
    metadata solo = true become offers (on every active plan; narrow them in the admin)."""
    adopted = 0
    for code in stripe_api.list_promotion_codes():
        if (code.get("metadata") or {}).get("solo") != "true":
            continue
        if Offer.objects.filter(stripe_promotion_code_id=code["id"]).exists():
            continue
        coupon = _coupon_of(code)
        slug = slugify(code.get("code") or "")[:40]
        if not slug or Offer.objects.filter(code=slug).exists():
            say(f"skipped promotion code {code['id']}: code {slug!r} missing or taken")
            continue
        expires = code.get("expires_at")
        offer = Offer.objects.create(
            code=slug,
            name=coupon.get("name") or code.get("code"),
            percent_off=round(coupon["percent_off"]) if coupon.get("percent_off") else None,
            amount_off=None if coupon.get("percent_off") else coupon.get("amount_off"),
            currency=coupon.get("currency") or "eur",
            duration=coupon.get("duration") or Offer.Duration.ONCE,
            duration_in_months=coupon.get("duration_in_months"),
            max_redemptions=code.get("max_redemptions"),
            expires_at=datetime.fromtimestamp(expires, tz=UTC) if expires else None,
            stripe_coupon_id=coupon.get("id") or "",
            stripe_promotion_code_id=code["id"],
        )
        offer.plans.set(Plan.objects.filter(active=True))
        say(f"adopted offer {slug} ({code['id']})")
        adopted += 1
    return adopted
