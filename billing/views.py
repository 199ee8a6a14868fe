"""Pricing, checkout, portal, webhook and the reader account: thin views over billing modules."""

import logging
import re
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.db import transaction
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit
from sesame.utils import get_query_string, get_user

from newsletter import privacy
from newsletter.models import Subscriber, normalize_email, note_from_slug, record_signup_note
from newsletter.tasks import send_email

from . import stripe_api, sync, webhooks
from .access import reader_for
from .models import CheckoutSession, Plan, PrivateFeed, Subscription

logger = logging.getLogger(__name__)

CHECKOUTS_SESSION_KEY = "billing_checkout_sessions"
LAST_CHECKOUT_SESSION_KEY = "billing_last_checkout"
CHECKOUT_ID = re.compile(r"^cs_[A-Za-z0-9_]{1,200}$")
PASSWORDLESS_BACKEND = "sesame.backends.ModelBackend"  # never opens the admin
# Sign-in emails to one address, whatever network asks (the form's per-IP limit is separate):
# a flood from many addresses still reaches one inbox only a few times an hour.
SIGN_IN_EMAILS_PER_ADDRESS = "5/h"
# A checkout sent again from the same browser within this delay reopens the same Stripe page,
# so a double submit cannot become two subscriptions.
CHECKOUT_REOPEN_WINDOW = timedelta(hours=1)


class EmailForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)


def _form_rate(group, request):
    return settings.FORM_RATE_LIMIT


def _sign_in_emails_exhausted(request, email: str) -> bool:
    """Counts one more sign-in email to this address; True once its hourly allowance is spent."""
    return is_ratelimited(
        request,
        group="billing.sign_in_email",
        key=lambda group, request: normalize_email(email),
        rate=SIGN_IN_EMAILS_PER_ADDRESS,
        increment=True,
    )


def _subscriber(request) -> Subscriber | None:
    if not request.user.is_authenticated:
        return None
    return Subscriber.objects.filter(user=request.user).first()


def pricing(request, form=None, status=200):
    context = {
        "plans": Plan.objects.filter(active=True),
        "available": stripe_api.is_configured(),
        "signed_in": _subscriber(request) is not None,
        "form": form or EmailForm(),
    }
    return render(request, "billing/pricing.html", context, status=status)


@require_POST
def checkout(request, slug):
    plan = get_object_or_404(Plan, slug=slug, active=True)
    if not stripe_api.is_configured():
        return render(request, "billing/unavailable.html", status=503)
    subscriber = _subscriber(request)
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
    # Sent twice from this browser (double submit, back button): the same Stripe page again.
    last = request.session.get(LAST_CHECKOUT_SESSION_KEY) or {}
    if (last.get("plan"), last.get("email")) == (plan.slug, email) and (
        CheckoutSession.objects.filter(
            stripe_id=last.get("id"),
            completed_at__isnull=True,
            created_at__gt=timezone.now() - CHECKOUT_REOPEN_WINDOW,
        ).exists()
    ):
        return HttpResponseRedirect(last["url"], status=303)
    # Started from a note's page (`from`): credit the note, now or once the subscriber exists.
    note = note_from_slug(request.POST.get("from"))
    if subscriber is not None:
        record_signup_note(subscriber.pk, note)
    # Reuse the Stripe customer of a signed-in reader only: an anonymous checkout for a known
    # address must not reach that reader's billing details.
    customer = subscriber.stripe_customers.first() if signed_in else None
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
        )
    except stripe_api.StripeError:
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
    if not signed_in and started_here and checkout.created_its_subscriber():
        login(request, sync.ensure_user(subscriber), backend=PASSWORDLESS_BACKEND)
        signed_in = True
    elif not signed_in and checkout.claim_sign_in_email():
        # Another browser, or an account this checkout did not create: the address's owner
        # signs in from their inbox, never from this page.
        if not _sign_in_emails_exhausted(request, subscriber.email):
            _email_sign_in_link(subscriber)
    return render(request, "billing/success.html", {"paid": True, "signed_in": signed_in})


@require_POST
def portal(request):
    subscriber = _subscriber(request)
    if subscriber is None:
        return redirect("billing:login")
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


# --- Reader account ------------------------------------------------------------------------------


def _email_sign_in_link(subscriber: Subscriber) -> None:
    user = sync.ensure_user(subscriber)
    link = settings.SITE_URL + reverse("billing:login_link") + get_query_string(user)
    minutes = settings.SESAME_MAX_AGE // 60
    context = {"link": link, "site_name": settings.SITE_NAME, "minutes": minutes}
    text = render_to_string("billing/email/sign_in.txt", context)
    subject = _("Your sign-in link")
    email = subscriber.email
    transaction.on_commit(lambda: send_email.delay(email, subject, text))


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=_form_rate, method="POST", block=False)
def login_view(request):
    if request.method == "POST":
        if getattr(request, "limited", False):
            return render(request, "billing/login.html", {"form": EmailForm()}, status=429)
        form = EmailForm(request.POST)
        if form.is_valid():
            email = normalize_email(form.cleaned_data["email"])
            # Counted for any address, known or not: the answer says nothing about who exists.
            if _sign_in_emails_exhausted(request, email):
                context = {"form": form, "address_limited": True}
                return render(request, "billing/login.html", context, status=429)
            subscriber = Subscriber.objects.filter(email__iexact=email).first()
            if subscriber is not None:
                with transaction.atomic():
                    _email_sign_in_link(subscriber)
            # The same answer whether or not the address is known.
            return render(request, "billing/login_sent.html")
        return render(request, "billing/login.html", {"form": form}, status=400)
    return render(request, "billing/login.html", {"form": EmailForm()})


@require_http_methods(["GET", "POST"])
def login_link(request):
    """GET: a page with one button (link scanners only GET); POST: sign in, burning the link."""
    token = request.POST.get("sesame") or request.GET.get("sesame", "")
    if request.method == "POST":
        user = get_user(token, update_last_login=False) if token else None
        if user is None:
            return render(request, "billing/login_link.html", {"valid": False}, status=400)
        login(request, user, backend="sesame.backends.ModelBackend")  # sets last_login: single use
        return redirect("billing:account")
    valid = bool(token) and get_user(token, update_last_login=False) is not None
    context = {"valid": valid, "token": token}
    return render(request, "billing/login_link.html", context, status=200 if valid else 400)


@require_safe
def account(request):
    subscriber = _subscriber(request)
    if subscriber is None:
        return redirect("billing:login")
    context = {
        "subscriber": subscriber,
        "subscriptions": subscriber.subscriptions.select_related("plan")[:5],
        "comps": subscriber.comps.current(),
        "reader": reader_for(request),
        "has_customer": subscriber.stripe_customers.exists(),
        "private_feed": PrivateFeed.objects.get_or_create(subscriber=subscriber)[0],
    }
    return render(request, "billing/account.html", context)


@require_POST
def newsletter_preference(request):
    subscriber = _subscriber(request)
    if subscriber is None:
        return redirect("billing:login")
    wanted = request.POST.get("receive") == "yes"
    if wanted:
        subscriber.status = Subscriber.Status.ACTIVE
        subscriber.unsubscribed_at = None
    elif subscriber.status == Subscriber.Status.ACTIVE:
        subscriber.status = Subscriber.Status.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
    subscriber.save(update_fields=["status", "unsubscribed_at"])
    messages.success(request, _("Your newsletter preference is saved."))
    return redirect("billing:account")


@require_GET
def account_data(request):
    """The reader's data as a JSON download (GDPR access and portability)."""
    subscriber = _subscriber(request)
    if subscriber is None:
        return redirect("billing:login")
    data = privacy.export_data(subscriber)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def account_erase(request):
    """GET: what erasure means, and a button; POST: erase and sign out (GDPR erasure)."""
    subscriber = _subscriber(request)
    if subscriber is None:
        return redirect("billing:login")
    # A running membership must be cancelled first, or Stripe would go on charging a reader
    # the site can no longer name.
    paying = (
        subscriber.subscriptions.exclude(status__in=["canceled", "incomplete_expired"])
        .filter(cancel_at_period_end=False)
        .exists()
    )
    if request.method == "POST" and not paying:
        privacy.erase(subscriber)
        logout(request)
        messages.success(request, _("Your personal data has been erased."))
        return redirect("/")
    status = 409 if request.method == "POST" else 200
    context = {"paying": paying, "subscriber": subscriber}
    return render(request, "billing/account_erase.html", context, status=status)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("/")
