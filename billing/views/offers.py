"""/offer/<code>/: an offer's landing page; a clear 404 or 410 page when it cannot be taken."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import offers, sign_in, stripe_api
from ..forms import EmailForm
from ..models import Offer


@require_GET
def offer(request, code):
    found = offers.with_figures(Offer.objects.filter(code__iexact=code)).first()
    if found is None:
        return gone(request, None, "")
    why = offers.state(found)
    if why != offers.OPEN:
        return gone(request, found, why)
    plans = [
        (plan, f"{offers.discounted(found, plan) / 100:.2f} {plan.currency.upper()}")
        for plan in found.plans.filter(active=True)
    ]
    context = {
        "offer": found,
        "plans": plans,
        "available": stripe_api.is_configured(),
        "signed_in": sign_in.signed_in_subscriber(request) is not None,
        "form": EmailForm(),
    }
    return render(request, "billing/offer.html", context)


def gone(request, offer: Offer | None, why: str):
    """Unknown code: 404; an offer that ended, expired or ran out (or not on this plan): 410."""
    context = {"offer": offer, "reason": offers.REASONS.get(why, "")}
    return render(request, "billing/offer_gone.html", context, status=410 if offer else 404)
