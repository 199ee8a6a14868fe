"""/gift/ (buy a membership as a present) and /gift/<token>/ (redeem it, with a button)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from notes.origin import same_origin_required

from .. import gifts, sign_in, stripe_api
from ..models import Gift
from ..sync import ensure_user
from .payment import to_checkout


@same_origin_required
@require_http_methods(["GET", "POST"])
def buy(request):
    available = stripe_api.is_configured()
    if request.method == "GET":
        return _buy_page(request, gifts.GiftForm(), available, bought="bought" in request.GET)
    if not available:
        return render(request, "billing/unavailable.html", status=503)
    form = gifts.GiftForm(request.POST)
    if not form.is_valid():
        return _buy_page(request, form, available, status=400)
    plan, months = form.cleaned_data["plan"], form.cleaned_data["months"]
    site = settings.SITE_URL
    return to_checkout(
        request,
        amount=gifts.price(plan, months),
        currency=plan.currency,
        product_name=_("Gift: %(tier)s, %(months)s months")
        % {"tier": gifts.plan_label(plan), "months": months},
        metadata=gifts.metadata(form),
        success_url=site + reverse("billing:gift") + "?bought=1",
        cancel_url=site + reverse("billing:gift"),
    )


def _buy_page(request, form, available, *, bought=False, status=200):
    choices = [
        (
            plan,
            [
                (months, f"{gifts.price(plan, months) / 100:.2f} {plan.currency.upper()}")
                for months, _label in Gift.Months.choices
            ],
        )
        for plan in form.fields["plan"].queryset
    ]
    context = {"form": form, "available": available, "bought": bought, "prices": choices}
    return render(request, "billing/gift.html", context, status=status)


@same_origin_required
@require_http_methods(["GET", "POST"])
def redeem(request, token):
    gift = Gift.objects.select_related("tier").filter(token=token[:64]).first()
    if gift is None or gift.sent_at is None:  # unknown, or not yet sent: nobody has the link
        return render(request, "billing/gift_redeem.html", {"gift": None}, status=404)
    refusal = ""
    if gift.redeemed_at is not None:
        refusal = _("This gift has already been redeemed.")
    elif gift.redeem_by <= timezone.now():
        refusal = _("This gift link has expired.")
    if request.method == "POST" and not refusal:
        try:
            subscriber = gifts.redeem(gift.token)
        except gifts.Refused as error:  # redeemed meanwhile by another request
            refusal = str(error)
        else:
            # The link was emailed to the recipient: opening it proves the address, so the
            # reader is signed in (a passwordless session, never the admin's).
            if sign_in.signed_in_subscriber(request) != subscriber:
                login(request, ensure_user(subscriber), backend=sign_in.PASSWORDLESS_BACKEND)
            messages.success(request, _("Your gift is redeemed: enjoy your reading."))
            return redirect("billing:account")
    context = {"gift": gift, "refusal": refusal}
    return render(request, "billing/gift_redeem.html", context, status=410 if refusal else 200)
