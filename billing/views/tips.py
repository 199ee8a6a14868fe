"""/support/: a one-off tip of the reader's chosen amount, paid on Stripe Checkout."""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from newsletter.models import note_from_slug
from notes.origin import same_origin_required
from notes.publication import SiteSettings

from .. import stripe_api, tips
from .payment import to_checkout


@same_origin_required
@require_http_methods(["GET", "POST"])
def support(request):
    available = stripe_api.is_configured()
    if request.method == "GET":
        note = note_from_slug(request.GET.get("note"))
        form = tips.TipForm(initial={"amount": 5, "note": note.slug if note else ""})
        return _page(request, form, available, thanks="thanks" in request.GET)
    form = tips.TipForm(request.POST)
    if not available:
        return render(request, "billing/unavailable.html", status=503)
    if not form.is_valid():
        return _page(request, form, available, status=400)
    note = note_from_slug(form.cleaned_data["note"])
    site = settings.SITE_URL
    return to_checkout(
        request,
        amount=form.cleaned_data["amount"],
        currency=settings.BILLING_CURRENCY,
        product_name=_("Support for %(name)s") % {"name": SiteSettings.for_request(request).name},
        metadata={"kind": tips.KIND, **({"note": note.slug} if note else {})},
        success_url=site + reverse("billing:support") + "?thanks=1",
        cancel_url=site + reverse("billing:support"),
    )


def _page(request, form, available, *, thanks=False, status=200):
    context = {
        "form": form,
        "available": available,
        "thanks": thanks,
        "currency": settings.BILLING_CURRENCY.upper(),
        "min": settings.TIP_MIN,
        "max": settings.TIP_MAX,
    }
    return render(request, "billing/support.html", context, status=status)
