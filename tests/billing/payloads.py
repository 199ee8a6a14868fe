"""Stripe objects and events in the current API shape (2026 API: `price` and the period on each
subscription item, invoice → subscription under `parent.subscription_details`)."""

import time
import uuid


def now() -> int:
    return int(time.time())


def subscription(
    sub_id: str,
    customer: str,
    status: str = "active",
    price: str = "monthly",
    amount: int = 500,
    interval: str = "month",
    period_end: int | None = None,
    cancel_at_period_end: bool = False,
) -> dict:
    period_end = period_end or now() + 30 * 86400
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer,
        "status": status,
        "created": now() - 86400,
        "cancel_at_period_end": cancel_at_period_end,
        "canceled_at": now() if status == "canceled" else None,
        "items": {
            "object": "list",
            "data": [
                {
                    "id": "si_" + uuid.uuid4().hex[:14],
                    "object": "subscription_item",
                    "quantity": 1,
                    "current_period_start": period_end - 30 * 86400,
                    "current_period_end": period_end,
                    "price": {
                        "id": price,
                        "object": "price",
                        "currency": "eur",
                        "unit_amount": amount,
                        "recurring": {"interval": interval, "interval_count": 1},
                        "type": "recurring",
                    },
                }
            ],
        },
    }


def invoice(subscription_id: str, customer: str, paid: bool = False) -> dict:
    return {
        "id": "in_" + uuid.uuid4().hex[:14],
        "object": "invoice",
        "customer": customer,
        "status": "paid" if paid else "open",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"subscription": subscription_id},
        },
    }


def event(event_type: str, obj: dict, created: int | None = None, event_id: str = "") -> dict:
    return {
        "id": event_id or "evt_" + uuid.uuid4().hex[:14],
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": created or now(),
        "type": event_type,
        "livemode": False,
        "data": {"object": obj},
    }
