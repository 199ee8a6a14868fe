"""Checkout in payment mode, shared by gifts and tips: one payment, no subscription."""

import logging

from django.http import HttpResponseRedirect
from django.shortcuts import render

from .. import stripe_api
from ..models import CheckoutSession

logger = logging.getLogger(__name__)


def to_checkout(request, **session):
    """Stripe's hosted page for this payment (`stripe_api.create_payment_session` arguments), or
    a 502 page saying payments cannot be taken now."""
    try:
        created = stripe_api.create_payment_session(**session)
    except stripe_api.StripeError:
        logger.exception("Checkout in payment mode could not be created")
        return render(request, "billing/unavailable.html", status=502)
    CheckoutSession.objects.create(stripe_id=created["id"])  # only sessions started here count
    return HttpResponseRedirect(created["url"], status=303)
