"""Stripe webhooks: each verified event is stored once and applied once (stripe-events-once).

The event is only a trigger: subscriptions are re-fetched from Stripe and upserted by id, so the
newest state wins whatever order Stripe delivers in. A failure rolls the apply back, records the
error on the event row and answers 5xx so that Stripe retries.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from newsletter.tasks import send_email
from notes.publication import SiteSettings

from . import gifts, offers, sync, tips
from .models import CheckoutSession, StripeEvent, Subscription

logger = logging.getLogger(__name__)


class ApplyFailed(Exception):
    """Applying an event failed; it is recorded and Stripe should retry."""


def _subscription_of_invoice(invoice: dict[str, Any]) -> str:
    # Older API versions: invoice.subscription; current: invoice.parent.subscription_details.
    # An id either way: Stripe never expands fields in an event's payload.
    parent = (invoice.get("parent") or {}).get("subscription_details") or {}
    return invoice.get("subscription") or parent.get("subscription") or ""


def on_checkout_completed(obj: dict, event: StripeEvent) -> str:
    if obj.get("mode") == "payment":
        return _apply_payment(obj)
    subscriber = sync.apply_checkout_session(obj)
    if subscriber is None:
        return "ignored: not complete or not started here"
    offers.record_checkout(obj, subscriber)
    return f"linked {subscriber}"


# One-off payments (Checkout in payment mode), by what the session's metadata says they buy.
PAYMENT_KINDS: dict[str, Callable[[dict], tuple[Any, bool]]] = {
    tips.KIND: tips.record,
    gifts.KIND: gifts.record,
}


def _apply_payment(session: dict) -> str:
    checkout = CheckoutSession.objects.select_for_update().filter(stripe_id=session["id"]).first()
    record = PAYMENT_KINDS.get((session.get("metadata") or {}).get("kind") or "")
    if checkout is None or record is None:
        return "ignored: not started here"
    if session.get("status") != "complete" or session.get("payment_status") != "paid":
        return "ignored: not paid"
    thing, created = record(session)
    checkout.completed_at = checkout.completed_at or timezone.now()
    checkout.save(update_fields=["completed_at"])
    return f"{'recorded' if created else 'already recorded'} {thing}"


def on_subscription_changed(obj: dict, event: StripeEvent) -> str:
    subscription = sync.sync_subscription(obj["id"], fallback=obj, fallback_at=event.created)
    if subscription is None:
        return f"{obj['id']} ignored: not a Solo plan"
    return f"{subscription.stripe_id} {subscription.status}"


def on_invoice_paid(obj: dict, event: StripeEvent) -> str:
    subscription_id = _subscription_of_invoice(obj)
    if not subscription_id:
        return "no subscription"
    offers.record_invoice(obj, subscription_id)
    subscription = sync.sync_subscription(subscription_id)
    return f"{subscription_id} {subscription.status if subscription else 'unknown or ignored'}"


def on_invoice_payment_failed(obj: dict, event: StripeEvent) -> str:
    subscription_id = _subscription_of_invoice(obj)
    if not subscription_id:
        return "no subscription"
    already_past_due = Subscription.objects.filter(
        stripe_id=subscription_id, status=Subscription.Status.PAST_DUE
    ).exists()
    subscription = sync.sync_subscription(subscription_id)
    if subscription is None:
        return f"{subscription_id} unknown or ignored"
    if subscription.status in Subscription.PAID_STATUSES:
        # Stripe may send the event before the subscription turns past_due: the payment failed.
        subscription.status = Subscription.Status.PAST_DUE
        subscription.past_due_since = subscription.past_due_since or timezone.now()
        subscription.save(update_fields=["status", "past_due_since", "updated_at"])
    if already_past_due:  # Stripe retries the card several times: one email is enough
        return f"{subscription_id} still past_due"
    email_payment_failed(subscription.subscriber.email)
    return f"{subscription_id} past_due, reader emailed"


def on_trial_will_end(obj: dict, event: StripeEvent) -> str:
    """Stripe's warning three days before a trial ends: the reader is told when, what they will
    pay and how to cancel. One email per trial, however often the event comes."""
    subscription = sync.sync_subscription(obj["id"], fallback=obj, fallback_at=event.created)
    if subscription is None:
        return f"{obj['id']} ignored: not a Solo plan"
    trial_end = subscription.trial_end
    if subscription.status != Subscription.Status.TRIALING or trial_end is None:
        return f"{subscription.stripe_id} {subscription.status}: no trial to warn about"
    warned = (
        Subscription.objects.filter(pk=subscription.pk)
        .exclude(trial_warned_for=trial_end)
        .update(trial_warned_for=trial_end)
    )
    if not warned:
        return f"{subscription.stripe_id} trial end already announced"
    email_trial_ending(subscription)
    return f"{subscription.stripe_id} trial ends {trial_end:%Y-%m-%d}, reader emailed"


def email_trial_ending(subscription: Subscription) -> None:
    link = settings.BILLING_PORTAL_LOGIN_URL or settings.SITE_URL + reverse("billing:account")
    context = {
        "link": link,
        "site_name": SiteSettings.current().name,
        "trial_end": subscription.trial_end,
        "amount": f"{subscription.amount / 100:.2f} {subscription.currency.upper()}",
        "interval": subscription.get_interval_display(),
        "ends_with_trial": subscription.cancel_at_period_end,
    }
    subject = _("Your free trial ends soon")
    text = render_to_string("billing/email/trial_ending.txt", context)
    email = subscription.subscriber.email
    transaction.on_commit(lambda: send_email.delay(email, subject, text))


def email_payment_failed(email: str) -> None:
    link = settings.BILLING_PORTAL_LOGIN_URL or settings.SITE_URL + reverse("billing:account")
    context = {"link": link, "site_name": SiteSettings.current().name}
    subject = _("Your payment did not go through")
    text = render_to_string("billing/email/payment_failed.txt", context)
    transaction.on_commit(lambda: send_email.delay(email, subject, text))


HANDLERS: dict[str, Callable[[dict, StripeEvent], str]] = {
    "checkout.session.completed": on_checkout_completed,
    "customer.subscription.created": on_subscription_changed,
    "customer.subscription.updated": on_subscription_changed,
    "customer.subscription.deleted": on_subscription_changed,
    "customer.subscription.trial_will_end": on_trial_will_end,
    "invoice.paid": on_invoice_paid,
    "invoice.payment_succeeded": on_invoice_paid,  # older API versions (and localstripe)
    "invoice.payment_failed": on_invoice_payment_failed,
}


def apply(event: StripeEvent) -> str:
    """Run the handler for a stored event (the webhook, or the admin's re-apply)."""
    handler = HANDLERS.get(event.type)
    if handler is None:
        return "ignored"
    return handler(event.payload["data"]["object"], event)


def process(payload: dict[str, Any]) -> str:
    """Store a verified event once and apply it once; raises ApplyFailed (answer 5xx)."""
    failure = None
    with transaction.atomic():
        event, _ = StripeEvent.objects.get_or_create(
            event_id=payload["id"],
            defaults={
                "type": payload["type"],
                "payload": payload,
                "created": datetime.fromtimestamp(payload.get("created") or 0, tz=UTC),
            },
        )
        event = StripeEvent.objects.select_for_update().get(pk=event.pk)  # one delivery at a time
        if event.processed_at:
            return "duplicate"
        event.attempts += 1
        try:
            with transaction.atomic():
                event.result = apply(event)[:200]
        except Exception as error:  # recorded on the row, then Stripe retries
            logger.exception("Stripe event %s failed", event.event_id)
            event.error = f"{type(error).__name__}: {error}"
            event.save(update_fields=["attempts", "error"])
            failure = error
        else:
            event.error = ""
            event.processed_at = timezone.now()
            event.save(update_fields=["attempts", "error", "result", "processed_at"])
    if failure is not None:
        raise ApplyFailed(str(failure)) from failure
    return event.result


def reapply(event: StripeEvent) -> str:
    """Admin action: apply a stored event again, whatever happened before."""
    with transaction.atomic():
        event.result = apply(event)[:200]
        event.error = ""
        event.processed_at = timezone.now()
        event.attempts += 1
        event.save(update_fields=["attempts", "error", "result", "processed_at"])
    return event.result
