"""Every call Solo makes to Stripe, through Stripe's own library (stripe >= 11, StripeClient).

Returns plain dicts (`.to_dict()`): stripe 16's objects are not dicts any more.
`STRIPE_API_BASE` points the client at another address (a local Stripe stand-in in tests).
"""

from typing import Any

import stripe
from django.conf import settings

StripeError = stripe.StripeError


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def client() -> stripe.StripeClient:
    base_addresses = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else {}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses=base_addresses)


def construct_event(payload: bytes, signature: str) -> dict[str, Any]:
    """Verify the signature (default 300 s tolerance) and parse; raises ValueError or
    stripe.SignatureVerificationError."""
    event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    return event.to_dict()


def create_checkout_session(
    *,
    price_id: str,
    success_url: str,
    cancel_url: str,
    customer_id: str = "",
    email: str = "",
    client_reference_id: str = "",
    metadata: dict[str, str] | None = None,
    promotion_code: str = "",
    trial_days: int = 0,
    price_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A subscription Checkout for a price, or for `price_data` (an amount the reader chose: an
    inline price of the tier's product, since Stripe's custom unit amounts are for one-time
    payments only). With `STRIPE_TAX`, Stripe computes the tax from the address it collects."""
    line_item = {"price_data": price_data} if price_data else {"price": price_id}
    params: dict[str, Any] = {
        "mode": "subscription",
        "line_items": [{**line_item, "quantity": 1}],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": metadata or {},
        "subscription_data": {"metadata": metadata or {}},
    }
    # Stripe takes one or the other: an offer's code applied for the reader, or a field to type one.
    if promotion_code:
        params["discounts"] = [{"promotion_code": promotion_code}]
    else:
        params["allow_promotion_codes"] = True
    if trial_days:
        params["subscription_data"]["trial_period_days"] = trial_days
    if settings.STRIPE_TAX:
        params["automatic_tax"] = {"enabled": True}
        params["billing_address_collection"] = "required"
        if customer_id:  # Stripe saves the collected address on a known customer
            params["customer_update"] = {"address": "auto"}
    if customer_id:
        params["customer"] = customer_id
    elif email:
        params["customer_email"] = email
    if client_reference_id:
        params["client_reference_id"] = client_reference_id
    return client().v1.checkout.sessions.create(params).to_dict()


def create_payment_session(
    *,
    amount: int,
    currency: str,
    product_name: str,
    success_url: str,
    cancel_url: str,
    metadata: dict[str, str],
) -> dict[str, Any]:
    """A one-off payment (tips, gifts): Checkout in payment mode for an amount of our own
    (`price_data`), the payer's email collected by Checkout itself."""
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": currency,
                    "unit_amount": amount,
                    "product_data": {"name": product_name},
                },
                "quantity": 1,
            }
        ],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
    }
    return client().v1.checkout.sessions.create(params).to_dict()


def create_coupon(params: dict[str, Any]) -> dict[str, Any]:
    return client().v1.coupons.create(params).to_dict()


def create_promotion_code(
    coupon_id: str, code: str, *, max_redemptions: int | None, expires_at: int | None
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "promotion": {"type": "coupon", "coupon": coupon_id},
        "code": code,
        "metadata": {"solo": "true"},
    }
    if max_redemptions:
        params["max_redemptions"] = max_redemptions
    if expires_at:
        params["expires_at"] = expires_at
    return client().v1.promotion_codes.create(params).to_dict()


def list_promotion_codes() -> list[dict[str, Any]]:
    result = client().v1.promotion_codes.list({"active": True, "limit": 100})
    return [code.to_dict() for code in result.auto_paging_iter()]


def retrieve_coupon(coupon_id: str) -> dict[str, Any]:
    return client().v1.coupons.retrieve(coupon_id).to_dict()


def set_promotion_code_active(promotion_code_id: str, active: bool) -> None:
    client().v1.promotion_codes.update(promotion_code_id, {"active": active})


def create_product(name: str, description: str = "") -> dict[str, Any]:
    """A tier's product, marked as Solo's (metadata solo = true, as `sync_plans` expects)."""
    params: dict[str, Any] = {"name": name, "metadata": {"solo": "true"}}
    if description:
        params["description"] = description
    return client().v1.products.create(params).to_dict()


def update_product(product_id: str, name: str, description: str) -> dict[str, Any]:
    params = {"name": name, "description": description}
    return client().v1.products.update(product_id, params).to_dict()


def create_price(
    *, product_id: str, amount: int, currency: str, interval: str, nickname: str = ""
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "product": product_id,
        "unit_amount": amount,
        "currency": currency,
        "recurring": {"interval": interval},
    }
    if nickname:
        params["nickname"] = nickname
    return client().v1.prices.create(params).to_dict()


def retrieve_checkout_session(session_id: str) -> dict[str, Any]:
    return client().v1.checkout.sessions.retrieve(session_id).to_dict()


def create_portal_session(customer_id: str, return_url: str) -> str:
    params = {"customer": customer_id, "return_url": return_url}
    return client().v1.billing_portal.sessions.create(params).url


def retrieve_subscription(subscription_id: str) -> dict[str, Any] | None:
    """The subscription as Stripe has it now; None if Stripe does not know it."""
    try:
        return client().v1.subscriptions.retrieve(subscription_id).to_dict()
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            return None
        raise


def retrieve_customer(customer_id: str) -> dict[str, Any]:
    return client().v1.customers.retrieve(customer_id).to_dict()


def list_customers(email: str) -> list[dict[str, Any]]:
    result = client().v1.customers.list({"email": email, "limit": 100})
    return [customer.to_dict() for customer in result.auto_paging_iter()]


def list_subscriptions(customer_id: str) -> list[dict[str, Any]]:
    result = client().v1.subscriptions.list({"customer": customer_id, "limit": 100})
    return [subscription.to_dict() for subscription in result.auto_paging_iter()]


def list_recurring_prices() -> list[dict[str, Any]]:
    """Every recurring price, archived ones included (readers may still pay them)."""
    result = client().v1.prices.list({"limit": 100})
    return [p.to_dict() for p in result.auto_paging_iter() if p["type"] == "recurring"]


def list_products() -> list[dict[str, Any]]:
    result = client().v1.products.list({"limit": 100})
    return [product.to_dict() for product in result.auto_paging_iter()]


def retrieve_price(price_id: str) -> dict[str, Any] | None:
    """The price as Stripe has it; None if Stripe does not know it."""
    try:
        return client().v1.prices.retrieve(price_id).to_dict()
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            return None
        raise


def iter_all_subscriptions():
    """Every subscription of the account that is not over, page after page."""
    result = client().v1.subscriptions.list({"limit": 100})
    for subscription in result.auto_paging_iter():
        yield subscription.to_dict()
