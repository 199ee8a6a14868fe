"""Fixtures for the billing tests: a local Stripe (localstripe + stand-in) and signed webhooks."""

import subprocess
import sys
import time

import pytest
import requests
import stripe
from django.conf import settings as django_settings

from tests.support.stripe_signing import signed_event

WEBHOOK_SECRET = "whsec_test_solo"
SECRET_KEY = "sk_test_solo"


class LocalStripe:
    """Talks to the stand-in: what Stripe's dashboard, hosted pages and clock would do."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": base_url})
        self.http = requests.Session()
        self.delivering = False  # webhooks go to a live server

    def reset(self) -> None:
        self.http.delete(f"{self.base_url}/_config/data", timeout=5).raise_for_status()
        # A webhook endpoint nobody listens to, replacing any earlier test's endpoint.
        self.register_webhook("http://127.0.0.1:9/nowhere")

    def register_webhook(self, url: str) -> None:
        self.delivering = not url.endswith("/nowhere")
        response = self.http.post(
            f"{self.base_url}/_config/webhooks/solo",
            data={"url": url, "secret": WEBHOOK_SECRET},
            timeout=5,
        )
        response.raise_for_status()

    def create_price(
        self,
        price_id="monthly",
        amount=500,
        interval="month",
        lookup_key=None,
        product_name="Solo membership",
        solo=True,
    ):
        """A recurring price (a legacy plan in localstripe, presented as a price) of a new product,
        marked as Solo's (metadata `solo` = `true`) unless `solo` is false."""
        metadata = {"solo": "true"} if solo else {}
        product = self.client.v1.products.create({"name": product_name, "metadata": metadata})
        params = {
            "id": price_id,
            "product": product.id,
            "amount": amount,
            "currency": "eur",
            "interval": interval,
        }
        if lookup_key:
            params["metadata"] = {"lookup_key": lookup_key}
        return self.client.v1.plans.create(params)

    def create_customer(self, email: str):
        return self.client.v1.customers.create({"email": email})

    def subscribe(self, customer_id: str, price_id: str = "monthly"):
        """A paid subscription created straight in Stripe (as the dashboard would)."""
        card = self.client.v1.payment_methods.attach("pm_card_visa", {"customer": customer_id})
        self.client.v1.customers.update(
            customer_id, {"invoice_settings": {"default_payment_method": card.id}}
        )
        return self.client.v1.subscriptions.create(
            {"customer": customer_id, "items": [{"plan": price_id}]}
        )

    def pay(self, checkout_url: str, email: str = "") -> dict:
        """The customer pays on the hosted Checkout page (giving `email` when Checkout asks)."""
        data = {"email": email} if email else {}
        response = self.http.post(checkout_url + "/complete", data=data, timeout=5)
        response.raise_for_status()
        return response.json()

    def put_subscription(self, data: dict) -> None:
        """Serve this subscription object (current API shape) when it is retrieved."""
        self.http.post(f"{self.base_url}/_config/subscriptions", json=data, timeout=5)


@pytest.fixture(scope="session")
def stripe_standin_url():
    """localstripe + the stand-in on a free 127.0.0.1 port, state in memory, for the session."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.billing.stripe_standin"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=django_settings.BASE_DIR,
    )
    port = process.stdout.readline().strip()
    if not port.isdigit():
        process.kill()
        pytest.fail("the local Stripe stand-in did not start")
    url = f"http://127.0.0.1:{port}"
    for _ in range(50):
        try:
            requests.get(url + "/v1/customers", auth=(SECRET_KEY, ""), timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)
    process.stdout.close()


@pytest.fixture
def payments_on(settings):
    """Stripe keys are set (nothing calls Stripe): upgrade prompts are shown."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY


@pytest.fixture
def local_stripe(stripe_standin_url, settings) -> LocalStripe:
    """Stripe is configured and answered by a fresh local Stripe for this test."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_API_BASE = stripe_standin_url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    server = LocalStripe(stripe_standin_url)
    server.reset()
    yield server
    if server.delivering:
        # localstripe delivers each event a second after the call: let the last ones land
        # before the live server and the test database go away.
        server.register_webhook("http://127.0.0.1:9/nowhere")
        time.sleep(1.5)


@pytest.fixture
def post_event(client):
    """POST an event dict to the webhook, signed as Stripe signs it."""

    def post(event: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
        body, signature = signed_event(event, secret, timestamp)
        return client.post(
            "/billing/webhook/",
            data=body,
            content_type="application/json",
            headers={"Stripe-Signature": signature},
        )

    return post


@pytest.fixture
def monthly_plan(local_stripe):
    """Solo's monthly plan: the price `monthly` in the local Stripe and its Plan row (the price
    the payloads in tests/billing/payloads.py subscribe to)."""
    from billing.models import Plan

    local_stripe.create_price("monthly", amount=500, interval="month")
    return Plan.objects.create(
        name="Monthly", slug="monthly", stripe_price_id="monthly", amount=500, interval="month"
    )
