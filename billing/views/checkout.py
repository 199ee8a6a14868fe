"""Pricing, Stripe Checkout and its success page, the billing portal and the webhook."""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from newsletter.models import Subscriber, normalize_email, note_from_slug, record_signup_note
from notes.caching import shared_for_anonymous
from notes.origin import same_origin_required

from .. import offers as discounts  # Offer rules (`offers` below are the pricing's tiers)
from .. import pricing as comparison
from .. import sign_in, stripe_api, sync, webhooks
from ..forms import EmailForm
from ..models import CheckoutSession, Offer, Plan, Subscription
from . import offers as offer_views

logger = logging.getLogger(__name__)

CHECKOUTS_SESSION_KEY = "billing_checkout_sessions"
LAST_CHECKOUT_SESSION_KEY = "billing_last_checkout"
CHECKOUT_ID = re.compile(r"^cs_[A-Za-z0-9_]{1,200}$")
# A checkout sent again from the same browser within this delay reopens the same Stripe page,
# so a double submit cannot become two subscriptions.
CHECKOUT_REOPEN_WINDOW = timedelta(hours=1)


@shared_for_anonymous
def pricing(request, form=None, status=200, amount_error=None):
    offers = comparison.offers()
    context = {
        "offers": offers,
        "plans": [plan for offer in offers for plan in offer.plans],
        "yearly_anywhere": any(offer.yearly for offer in offers),
        "available": stripe_api.is_configured(),
        "signed_in": sign_in.signed_in_subscriber(request) is not None,
        "form": form or EmailForm(),
        "amount_error": amount_error,  # (plan slug, message)
        # An active offer the author chose to show, above the tiers.
        "offer": discounts.featured(),
    }
    return render(request, "billing/pricing.html", context, status=status)


@same_origin_required
@require_POST
def checkout(request, slug):
    plan = get_object_or_404(Plan.objects.select_related("tier"), slug=slug, active=True)
    if not stripe_api.is_configured():
        return render(request, "billing/unavailable.html", status=503)
    price_data = None
    if plan.lets_reader_choose:
        try:
            amount = comparison.chosen_amount(plan, request.POST.get("amount"))
        except comparison.AmountRefused as refused:
            return pricing(request, status=400, amount_error=(plan.slug, str(refused)))
        if amount != plan.amount:
            # Stripe's custom unit amounts work for one-time payments only: a subscription for
            # an amount the reader chose is an inline price of the tier's product.
            price_data = {
                "currency": plan.currency,
                "product": plan.tier.stripe_product_id,
                "unit_amount": amount,
                "recurring": {"interval": plan.interval},
            }
    subscriber = sign_in.signed_in_subscriber(request)
    signed_in = subscriber is not None
    if signed_in:
        email = subscriber.email
    else:
        form = EmailForm(request.POST)
        if not form.is_valid():
            return pricing(request, form=form, status=400)
        email = normalize_email(form.cleaned_data["email"])
        subscriber = Subscriber.objects.filter(email__iexact=email).first()
    # One subscription per reader: a second checkout would charge them twice.
    live = Subscription.objects.filter(status__in=Subscription.LIVE_STATUSES)
    if subscriber is not None and live.filter(subscriber=subscriber).exists():
        if signed_in:
            messages.info(
                request, _("You already have a paid membership: manage it with Manage billing.")
            )
            return redirect("billing:account")
        messages.info(
            request,
            _(
                "This address already has a paid membership. Sign in to manage it in the "
                "billing portal."
            ),
        )
        return redirect("billing:login")
    # Started from an offer's page: refused with a clear page if it can no longer be taken.
    offer = Offer.objects.filter(code=request.POST.get("offer") or "").first()
    if request.POST.get("offer") and (offer is None or discounts.refusal(offer, plan)):
        return offer_views.gone(request, offer, discounts.refusal(offer, plan) if offer else "")
    # Sent twice from this browser (double submit, back button): the same Stripe page again.
    last = request.session.get(LAST_CHECKOUT_SESSION_KEY) or {}
    same_amount = last.get("amount") == (price_data or {}).get("unit_amount")
    same_offer = last.get("offer", "") == (offer.code if offer else "")
    if (
        (last.get("plan"), last.get("email")) == (plan.slug, email)
        and same_amount
        and same_offer
        and (
            CheckoutSession.objects.filter(
                stripe_id=last.get("id"),
                completed_at__isnull=True,
                created_at__gt=timezone.now() - CHECKOUT_REOPEN_WINDOW,
            ).exists()
        )
    ):
        return HttpResponseRedirect(last["url"], status=303)
    # Started from a note's page (`from`): credit the note, now or once the subscriber exists.
    note = note_from_slug(request.POST.get("from"))
    if subscriber is not None:
        record_signup_note(subscriber.pk, note)
    # Reuse the Stripe customer of a signed-in reader only: an anonymous checkout for a known
    # address must not reach that reader's billing details.
    customer = subscriber.stripe_customers.first() if signed_in else None
    # A free trial is for new members: not again for someone who has subscribed before.
    had_subscription = subscriber is not None and subscriber.subscriptions.exists()
    site = settings.SITE_URL
    try:
        session = stripe_api.create_checkout_session(
            price_id=plan.stripe_price_id,
            customer_id=customer.stripe_id if customer else "",
            email=email,
            client_reference_id=str(subscriber.pk) if subscriber else "",
            metadata={"plan": plan.slug, "email": email, **({"note": note.slug} if note else {})},
            success_url=site + reverse("billing:success") + "?session_id={CHECKOUT_SESSION_ID}",
            cancel_url=site + reverse("billing:pricing"),
            promotion_code=offer.stripe_promotion_code_id if offer else "",
            trial_days=0 if had_subscription else plan.trial_days,
            price_data=price_data,
        )
    except stripe_api.StripeError as error:
        if offer is not None and isinstance(error, stripe_api.stripe.InvalidRequestError):
            # Stripe refused the code (used up or expired by its own count): the offer's page.
            logger.warning("Stripe refused offer %s: %s", offer.code, error)
            return offer_views.gone(request, offer, "exhausted")
        logger.exception("Checkout Session creation failed")
        return render(request, "billing/unavailable.html", status=502)
    CheckoutSession.objects.create(stripe_id=session["id"])
    # Only this browser may be signed in by the success page, never whoever has the URL.
    started = request.session.get(CHECKOUTS_SESSION_KEY, [])[-9:]
    request.session[CHECKOUTS_SESSION_KEY] = [*started, session["id"]]
    request.session[LAST_CHECKOUT_SESSION_KEY] = {
        "id": session["id"],
        "url": session["url"],
        "plan": plan.slug,
        "email": email,
        "offer": offer.code if offer else "",
        "amount": (price_data or {}).get("unit_amount"),
    }
    return HttpResponseRedirect(session["url"], status=303)


@require_GET
def success(request):
    session_id = request.GET.get("session_id", "")
    if not stripe_api.is_configured():
        raise Http404
    if not CHECKOUT_ID.match(session_id):
        return HttpResponseBadRequest(_("Unknown checkout."))
    checkout = get_object_or_404(CheckoutSession, stripe_id=session_id)
    if checkout.completed_at is None:  # once applied, Stripe is not asked again
        try:
            session = stripe_api.retrieve_checkout_session(session_id)
        except stripe_api.StripeError:
            raise Http404 from None
        try:
            sync.apply_checkout_session(session)
        except stripe_api.StripeError:  # the webhook will apply it; the reader can sign in later
            logger.exception("Applying Checkout Session %s failed", session_id)
        checkout.refresh_from_db()
        if checkout.completed_at is None:
            return render(request, "billing/success.html", {"paid": False}, status=202)
    subscriber = checkout.subscriber
    signed_in = request.user.is_authenticated and subscriber.user_id == request.user.pk
    started_here = session_id in request.session.get(CHECKOUTS_SESSION_KEY, [])
    address_limited = False
    if not signed_in and started_here and checkout.created_its_subscriber():
        login(request, sync.ensure_user(subscriber), backend=sign_in.PASSWORDLESS_BACKEND)
        signed_in = True
    elif not signed_in and checkout.sign_in_emailed_at is None:
        # Another browser, or an account this checkout did not create: the address's owner
        # signs in from their inbox, never from this page. Claimed only once an email may go,
        # so a later visit neither sends a second one nor claims one that was never sent.
        address_limited = sign_in.emails_exhausted(request, subscriber.email)
        if not address_limited and checkout.claim_sign_in_email():
            sign_in.email_link(subscriber)
    # A trial started here: say when it ends and how to cancel before paying anything.
    trial = Subscription.objects.filter(
        customer__stripe_id=checkout.customer_id, status=Subscription.Status.TRIALING
    ).first()
    context = {
        "paid": True,
        "signed_in": signed_in,
        "address_limited": address_limited,
        "trial": trial,
    }
    return render(request, "billing/success.html", context)


@require_POST
@sign_in.subscriber_required
def portal(request, subscriber):
    customer = subscriber.stripe_customers.first()
    if customer is None or not stripe_api.is_configured():
        messages.info(request, _("There is no billing account to manage yet."))
        return redirect("billing:account")
    try:
        url = stripe_api.create_portal_session(
            customer.stripe_id, settings.SITE_URL + reverse("billing:account")
        )
    except stripe_api.StripeError:
        logger.exception("Billing portal session creation failed")
        return render(request, "billing/unavailable.html", status=502)
    return HttpResponseRedirect(url, status=303)


@csrf_exempt
@require_POST
def webhook(request):
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise Http404
    try:
        event = stripe_api.construct_event(
            request.body, request.headers.get("Stripe-Signature", "")
        )
    except (ValueError, stripe_api.stripe.SignatureVerificationError):
        return HttpResponseBadRequest("bad signature or payload")
    try:
        result = webhooks.process(event)
    except webhooks.ApplyFailed:
        return HttpResponse("apply failed, retry later", status=500)
    return HttpResponse(result, content_type="text/plain")
