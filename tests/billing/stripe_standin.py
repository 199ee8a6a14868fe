"""A local Stripe for the tests: localstripe plus the three endpoints it lacks.

Run as `python -m tests.billing.stripe_standin`: it binds 127.0.0.1 on a free port (printed on the
first line of stdout) and keeps its state in memory only (localstripe otherwise pickles it to one
fixed file in /tmp that every run would share).

localstripe answers 404 to Prices, Checkout Sessions and billing-portal sessions. Those are added
here as Stripe's API reference documents them, on localstripe's own aiohttp application, so every
other path is localstripe's:
- `/v1/prices` (list/retrieve): localstripe's legacy plans presented as recurring prices (the price
  id is the plan id, so a subscription created for the price carries that plan);
- `/v1/checkout/sessions` (create/retrieve) and a test-only `POST /_config/checkout/<id>/complete`
  (under `/_config/`, which localstripe serves without an API key, like Stripe's hosted page)
  that plays the customer paying: creates the customer (if needed) with a Visa card, the
  subscription in localstripe, marks the session complete and emits `checkout.session.completed`;
- payment-mode sessions (`line_items[].price_data`, one-off amounts: tips and gifts) whose
  completion creates a PaymentIntent and emits `checkout.session.completed` with `mode=payment`,
  `amount_total` and `payment_intent`, and no subscription;
- `discounts=[{promotion_code}]` on a session (refused, as Stripe does, when the code is inactive,
  expired or used up), shown after payment as `discounts`, `total_details.amount_discount` and a
  lower `amount_total`; localstripe's own coupons (`/v1/coupons`) are the coupons, with `name` and
  `applies_to[products]` kept beside them (a code is refused on a session of another product);
- `/v1/promotion_codes` (create, retrieve, list by `code`, update `active`), in the current API
  shape (`promotion: {type: "coupon", coupon}`);
- `/v1/billing_portal/sessions` (create);
- test-only `POST /_config/subscriptions` (a JSON subscription object): from then on, retrieving
  that subscription id answers this object. It is how tests serve the current API shape (`price`
  and the period on each item) and states localstripe cannot reach (past_due, trialing).
- `POST /v1/prices` (create, with `recurring[interval]`), kept as a legacy plan like the others;
- on Checkout Sessions: `line_items[0][price_data]` (an inline price of an existing product,
  created as Stripe does), `subscription_data[trial_period_days]` (paying then starts a
  `trialing` subscription with `trial_start`/`trial_end`, in the current API shape, since
  localstripe leaves trials `incomplete`), and `automatic_tax[enabled]`,
  `billing_address_collection`, `customer_update` (Stripe refuses automatic tax for an existing
  customer unless `customer_update[address]` is `auto`: so does this).
"""

import socket
import sys
import time
import uuid

from aiohttp import web
from localstripe import resources, server
from localstripe.errors import UserError
from localstripe.resources import (
    Coupon,
    Customer,
    Event,
    PaymentIntent,
    PaymentMethod,
    Plan,
    StripeObject,
    Subscription,
    schedule_webhook,
)

# State in memory only: never read or write localstripe's shared pickle file.
resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None


class PromotionCode(StripeObject):
    """Stripe's promotion code: a customer-facing code for a coupon (current API shape)."""

    object = "promotion_code"
    _id_prefix = "promo_"

    def __init__(
        self,
        promotion=None,
        code=None,
        max_redemptions=None,
        expires_at=None,
        active=True,
        metadata=None,
        **kwargs,
    ):
        promotion = promotion or {}
        coupon = promotion.get("coupon") or kwargs.pop("coupon", None)
        if kwargs or promotion.get("type", "coupon") != "coupon" or not coupon:
            raise UserError(400, "promotion[type]=coupon and promotion[coupon] are required")
        Coupon._api_retrieve(coupon)  # 404 for an unknown coupon, as Stripe
        super().__init__()
        self.promotion = {"type": "coupon", "coupon": coupon}
        self.code = code or self.id[-8:].upper()
        self.max_redemptions = int(max_redemptions) if max_redemptions else None
        self.expires_at = int(expires_at) if expires_at else None
        self.active = active not in (False, "false", "False")
        self.metadata = metadata or {}
        self.times_redeemed = 0
        self.restrictions = {"first_time_transaction": False}

    def _update(self, **data):
        if "active" in data:
            data["active"] = data["active"] not in (False, "false", "False")
        super()._update(**data)

    def _redeemable(self) -> bool:
        expired = self.expires_at is not None and self.expires_at <= time.time()
        used_up = self.max_redemptions is not None and self.times_redeemed >= self.max_redemptions
        return self.active and not expired and not used_up


class CheckoutSession(StripeObject):
    object = "checkout.session"
    _id_prefix = "cs_test_"

    def __init__(
        self,
        base_url,
        mode=None,
        line_items=None,
        customer=None,
        customer_email=None,
        client_reference_id=None,
        metadata=None,
        success_url=None,
        cancel_url=None,
        allow_promotion_codes=None,
        subscription_data=None,
        payment_intent_data=None,
        discounts=None,
        customer_creation=None,
        submit_type=None,
        automatic_tax=None,
        billing_address_collection=None,
        customer_update=None,
        **kwargs,
    ):
        if mode not in ("subscription", "payment") or not line_items or not success_url:
            raise UserError(400, "mode, line_items and success_url are required")
        tax = str((automatic_tax or {}).get("enabled")).lower() == "true"
        if tax and customer and (customer_update or {}).get("address") not in ("auto", "never"):
            raise UserError(400, "automatic_tax with an existing customer needs customer_update")
        item = line_items[0]
        price = item.get("price")
        price_data = item.get("price_data") or {}
        if mode == "payment" and not price:  # a one-off amount (tips, gifts)
            try:
                amount = int(price_data["unit_amount"])
                currency = price_data["currency"]
                label = price_data["product_data"]["name"]
                assert amount > 0 and label
            except (KeyError, TypeError, ValueError, AssertionError):
                raise UserError(400, "price_data needs currency, unit_amount, a name") from None
        else:
            if price:
                Plan._api_retrieve(price)  # 404 for an unknown price, as Stripe
            else:
                price = inline_price(price_data)
            plan = Plan._api_retrieve(price)
            amount, currency, label = int(plan.amount), plan.currency, price
        if customer:
            Customer._api_retrieve(customer)
        promotion_code = None
        if discounts:
            if allow_promotion_codes in (True, "true", "True"):
                raise UserError(400, "You may only specify one of allow_promotion_codes, discounts")
            promotion_code = PromotionCode._api_retrieve(discounts[0].get("promotion_code") or "")
            if not promotion_code._redeemable():
                raise UserError(400, "This promotion code cannot be redeemed")
            coupon = Coupon._api_retrieve(promotion_code.promotion["coupon"])
            products = (getattr(coupon, "applies_to", None) or {}).get("products")
            if products and (not price or Plan._api_retrieve(price).product not in products):
                raise UserError(400, "This promotion code applies to none of the items")
        super().__init__()
        self.mode = mode
        self.customer = customer
        self.customer_email = customer_email
        self.customer_details = {"email": customer_email} if customer_email else None
        self.client_reference_id = client_reference_id
        self.metadata = metadata or {}
        self.success_url = success_url.replace("{CHECKOUT_SESSION_ID}", self.id)
        self.cancel_url = cancel_url
        self.allow_promotion_codes = allow_promotion_codes in (True, "true", "True")
        self.status = "open"
        self.payment_status = "unpaid"
        self.subscription = None
        self.payment_intent = None
        self.currency = currency
        self.amount_subtotal = amount * int(item.get("quantity") or 1)
        self.amount_total = self.amount_subtotal
        self.total_details = {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}
        self.discounts = []
        self.url = f"{base_url}/_config/checkout/{self.id}"
        self._price = label
        self._promotion_code = promotion_code
        self._discount()
        self.subscription_data = subscription_data or {}
        self.automatic_tax = {"enabled": tax, "status": "complete" if tax else None}
        self.billing_address_collection = billing_address_collection
        self._customer_update = customer_update
        self._trial_days = int(self.subscription_data.get("trial_period_days") or 0)

    def _discount(self) -> None:
        """The promotion code's coupon comes off the total, as Checkout shows it."""
        code = self._promotion_code
        if code is None:
            return
        coupon = Coupon._api_retrieve(code.promotion["coupon"])
        if coupon.percent_off is not None:
            off = round(self.amount_subtotal * coupon.percent_off / 100)
        else:
            off = min(coupon.amount_off, self.amount_subtotal)
        self.total_details["amount_discount"] = off
        self.amount_total = self.amount_subtotal - off
        self.discounts = [{"coupon": coupon.id, "promotion_code": code.id}]

    def _redeem(self) -> None:
        """Paying redeems the code once (checked again: it may have run out meanwhile)."""
        code = self._promotion_code
        if code is None:
            return
        if not code._redeemable():
            raise UserError(400, "This promotion code cannot be redeemed")
        code.times_redeemed += 1
        Coupon._api_retrieve(code.promotion["coupon"]).times_redeemed += 1


def inline_price(data: dict) -> str:
    """A `price_data` line: Stripe creates a price of the product for this session."""
    recurring = data.get("recurring") or {}
    if not data.get("product") or not recurring.get("interval"):
        raise UserError(400, "price_data needs product and recurring[interval]")
    plan = Plan(
        id="price_" + uuid.uuid4().hex[:14],
        product=data["product"],
        amount=data.get("unit_amount"),
        currency=data.get("currency"),
        interval=recurring["interval"],
    )
    return plan.id


class Exported:
    """A plain object (the current API shape) as an event's data."""

    def __init__(self, data: dict):
        self.data = data

    def _export(self, **kwargs):
        return self.data


def trialing_subscription(customer_id: str, price_id: str, days: int, metadata) -> dict:
    """What Stripe creates for a Checkout with a trial: `trialing` until `trial_end`."""
    now = int(time.time())
    trial_end = now + days * 86400
    price = price_from_plan(Plan._api_retrieve(price_id))
    data = {
        "id": "sub_" + uuid.uuid4().hex[:14],
        "object": "subscription",
        "customer": customer_id,
        "status": "trialing",
        "created": now,
        "start_date": now,
        "trial_start": now,
        "trial_end": trial_end,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "metadata": metadata or {},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": "si_" + uuid.uuid4().hex[:14],
                    "object": "subscription_item",
                    "quantity": 1,
                    "current_period_start": now,
                    "current_period_end": trial_end,
                    "price": price,
                }
            ],
        },
    }
    fixed_subscriptions[data["id"]] = data
    schedule_webhook(Event("customer.subscription.created", Exported(data)))
    return data


class PortalSession(StripeObject):
    object = "billing_portal.session"
    _id_prefix = "bps_"

    def __init__(self, base_url, customer=None, return_url=None, **kwargs):
        Customer._api_retrieve(customer or "")
        super().__init__()
        self.customer = customer
        self.return_url = return_url
        self.url = f"{base_url}/_config/portal/{self.id}"


def price_from_plan(plan) -> dict:
    return {
        "id": plan.id,
        "object": "price",
        "active": str(plan.active).lower() == "true",  # an update stores the form's string
        "currency": plan.currency,
        "unit_amount": plan.amount,
        "lookup_key": (plan.metadata or {}).get("lookup_key"),
        "nickname": plan.nickname,
        "product": plan.product,
        "type": "recurring",
        "recurring": {"interval": plan.interval, "interval_count": plan.interval_count},
        "created": plan.created,
        "livemode": False,
        "metadata": plan.metadata or {},
    }


def base_url(request) -> str:
    return f"http://{request.host}"


async def list_prices(request):
    plans = [v for k, v in resources.store.items() if k.startswith("plan:")]
    active = request.query.get("active")
    if active is not None:
        plans = [p for p in plans if str(p.active).lower() == active]
    data = [price_from_plan(p) for p in plans]
    return server.json_response(
        {"object": "list", "url": "/v1/prices", "has_more": False, "data": data}
    )


async def create_price(request):
    data = await server.get_post_data(request) or {}
    recurring = data.get("recurring") or {}
    metadata = dict(data.get("metadata") or {})
    if data.get("lookup_key"):
        metadata["lookup_key"] = data["lookup_key"]
    plan = Plan(
        id="price_" + uuid.uuid4().hex[:14],
        product=data.get("product"),
        amount=data.get("unit_amount"),
        currency=data.get("currency"),
        interval=recurring.get("interval"),
        nickname=data.get("nickname"),
        metadata=metadata,
    )
    return server.json_response(price_from_plan(plan))


async def retrieve_price(request):
    return server.json_response(price_from_plan(Plan._api_retrieve(request.match_info["id"])))


async def create_checkout_session(request):
    data = await server.get_post_data(request) or {}
    data.pop("expand", None)
    return server.json_response(CheckoutSession(base_url(request), **data)._export())


async def retrieve_checkout_session(request):
    session = CheckoutSession._api_retrieve(request.match_info["id"])
    return server.json_response(session._export())


async def checkout_page(request):
    """The hosted Checkout page, reduced to a Pay button (a browser test presses it)."""
    session = CheckoutSession._api_retrieve(request.match_info["id"])
    html = (
        "<!doctype html><title>Checkout</title>"
        f"<p>Pay for {session._price}</p>"
        f"<p>Total {session.amount_total / 100:.2f} {session.currency.upper()}</p>"
        f'<form method="post" action="/_config/checkout/{session.id}/complete">'
        + ("" if session.customer_email else '<label>Email <input name="email"></label>')
        + '<input type="hidden" name="redirect" value="1"><button>Pay</button></form>'
    )
    return web.Response(text=html, content_type="text/html")


async def complete_checkout_session(request):
    """Test only: the customer pays on the hosted page."""
    session = CheckoutSession._api_retrieve(request.match_info["id"])
    data = await server.get_post_data(request) or {}
    if session.status != "open":
        raise UserError(400, "This Checkout Session is no longer open")
    email = session.customer_email or data.get("email")
    session._redeem()
    if session.mode == "payment":  # a one-off payment: no customer unless one was given
        card = PaymentMethod._api_attach("pm_card_visa", customer=Customer(email=email).id)
        intent = PaymentIntent._api_create(
            confirm=True,
            amount=session.amount_total,
            currency=session.currency,
            payment_method=card.id,
        )
        session.payment_intent = intent.id
    else:
        if session.customer is None:
            session.customer = Customer(email=email).id
        customer = Customer._api_retrieve(session.customer)
        email = email or customer.email
        card = PaymentMethod._api_attach("pm_card_visa", customer=customer.id)
        Customer._api_update(customer.id, invoice_settings={"default_payment_method": card.id})
        if session._trial_days:
            subscription_id = trialing_subscription(
                customer.id, session._price, session._trial_days, session.metadata
            )["id"]
        else:
            subscription_id = Subscription._api_create(
                customer=customer.id, items=[{"plan": session._price}], metadata=session.metadata
            ).id
        session.subscription = subscription_id
    session.status = "complete"
    session.payment_status = "paid"
    session.customer_details = {"email": email}
    session.completed_at = int(time.time())
    schedule_webhook(Event("checkout.session.completed", session))
    if data.get("redirect") == "1":  # from the page: back to the site, as Stripe does
        raise web.HTTPSeeOther(session.success_url)
    return server.json_response(session._export())


async def portal_page(request):
    """The hosted billing portal, reduced to whose billing it is and the way back to the site."""
    session = PortalSession._api_retrieve(request.match_info["id"])
    customer = Customer._api_retrieve(session.customer)
    html = (
        "<!doctype html><title>Billing portal</title>"
        f"<p>Billing for {customer.email}</p>"
        f'<a href="{session.return_url}">Return to the site</a>'
    )
    return web.Response(text=html, content_type="text/html")


async def create_portal_session(request):
    data = await server.get_post_data(request) or {}
    return server.json_response(PortalSession(base_url(request), **data)._export())


# Subscriptions served as given by the tests (current API shape), by id.
fixed_subscriptions: dict[str, dict] = {}


async def put_subscription(request):
    data = await request.json()
    fixed_subscriptions[data["id"]] = data
    return server.json_response(data)


@web.middleware
async def coupon_middleware(request, handler):
    """Coupons are localstripe's, which knows neither `applies_to` nor `name`: kept here."""
    if request.method == "POST" and request.path == "/v1/coupons":
        data = await server.get_post_data(request) or {}
        applies_to, name = data.pop("applies_to", None), data.pop("name", None)
        coupon = Coupon(**data)
        coupon.applies_to = applies_to
        coupon.name = name
        return server.json_response(coupon._export())
    return await handler(request)


@web.middleware
async def fixed_subscription_middleware(request, handler):
    if request.method == "DELETE" and request.path == "/_config/data":
        fixed_subscriptions.clear()
    prefix = "/v1/subscriptions/"
    if request.method == "GET" and request.path.startswith(prefix):
        data = fixed_subscriptions.get(request.path[len(prefix) :])
        if data is not None:
            return server.json_response(data)
    return await handler(request)


async def create_promotion_code(request):
    data = await server.get_post_data(request) or {}
    return server.json_response(PromotionCode(**data)._export())


async def retrieve_promotion_code(request):
    return server.json_response(PromotionCode._api_retrieve(request.match_info["id"])._export())


async def update_promotion_code(request):
    data = await server.get_post_data(request) or {}
    code = PromotionCode._api_update(request.match_info["id"], **data)
    return server.json_response(code._export())


async def list_promotion_codes(request):
    codes = [v for k, v in resources.store.items() if k.startswith("promotion_code:")]
    if "code" in request.query:
        codes = [c for c in codes if c.code.lower() == request.query["code"].lower()]
    data = [c._export() for c in codes]
    return server.json_response(
        {"object": "list", "url": "/v1/promotion_codes", "has_more": False, "data": data}
    )


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1/promotion_codes", create_promotion_code)
    app.router.add_get("/v1/promotion_codes", list_promotion_codes)
    app.router.add_get("/v1/promotion_codes/{id}", retrieve_promotion_code)
    app.router.add_post("/v1/promotion_codes/{id}", update_promotion_code)
    app.middlewares.append(fixed_subscription_middleware)
    app.middlewares.append(coupon_middleware)
    app.router.add_post("/_config/subscriptions", put_subscription)
    app.router.add_get("/v1/prices", list_prices)
    app.router.add_post("/v1/prices", create_price)
    app.router.add_get("/v1/prices/{id}", retrieve_price)
    app.router.add_post("/v1/checkout/sessions", create_checkout_session)
    app.router.add_get("/v1/checkout/sessions/{id}", retrieve_checkout_session)
    app.router.add_get("/_config/checkout/{id}", checkout_page)
    app.router.add_post("/_config/checkout/{id}/complete", complete_checkout_session)
    app.router.add_post("/v1/billing_portal/sessions", create_portal_session)
    app.router.add_get("/_config/portal/{id}", portal_page)


def main() -> None:
    add_routes(server.app)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    web.run_app(server.app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    sys.exit(main())
