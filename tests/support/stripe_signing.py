"""Stripe webhook signatures, computed as Stripe does.

The header is t=<unix>,v1=HMAC-SHA256(secret, "t.payload").
"""

import hashlib
import hmac
import json
import time


def sign_stripe_payload(payload: str | bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header value for this payload."""
    if isinstance(payload, bytes):
        payload = payload.decode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.{payload}".encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def signed_event(event: dict, secret: str, timestamp: int | None = None) -> tuple[str, str]:
    """(body, Stripe-Signature header) for an event dict, ready to POST to the webhook."""
    body = json.dumps(event)
    return body, sign_stripe_payload(body, secret, timestamp)
