"""The reader's account: signing in by emailed link, membership and newsletter preference, and
their data (download, erasure)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)
from sesame.utils import get_user

from newsletter import privacy, referrals, topics
from newsletter.forms import TopicsForm
from newsletter.limits import over_limit
from newsletter.models import Subscriber, Topic, normalize_email
from notes.origin import same_origin_required

from .. import sign_in
from ..access import reader_for
from ..forms import EmailForm
from ..models import PrivateFeed, ReferralReward


@same_origin_required
@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.method == "POST":
        if over_limit(request, "billing.sign_in"):
            context = {"form": EmailForm(), "network_limited": True}
            return render(request, "billing/login.html", context, status=429)
        form = EmailForm(request.POST)
        if form.is_valid():
            email = normalize_email(form.cleaned_data["email"])
            # Counted for any address, known or not: the answer says nothing about who exists.
            if sign_in.emails_exhausted(request, email):
                context = {"form": form, "address_limited": True}
                return render(request, "billing/login.html", context, status=429)
            subscriber = Subscriber.objects.filter(email__iexact=email).first()
            if subscriber is not None:
                with transaction.atomic():
                    sign_in.email_link(subscriber)
            # The same answer whether or not the address is known.
            return render(request, "billing/login_sent.html")
        return render(request, "billing/login.html", {"form": form}, status=400)
    return render(request, "billing/login.html", {"form": EmailForm()})


@same_origin_required  # a sign-in from another site would sign the reader in as someone else
@require_http_methods(["GET", "POST"])
def login_link(request):
    """GET: a page with one button (link scanners only GET); POST: sign in, burning the link."""
    token = request.POST.get("sesame") or request.GET.get("sesame", "")
    if request.method == "POST":
        user = get_user(token, update_last_login=False) if token else None
        if user is None:
            return render(request, "billing/login_link.html", {"valid": False}, status=400)
        login(request, user, backend=sign_in.PASSWORDLESS_BACKEND)  # sets last_login: single use
        return redirect("billing:account")
    valid = bool(token) and get_user(token, update_last_login=False) is not None
    context = {"valid": valid, "token": token}
    return render(request, "billing/login_link.html", context, status=200 if valid else 400)


@require_safe
@sign_in.subscriber_required
def account(request, subscriber):
    context = {
        "subscriber": subscriber,
        "subscriptions": subscriber.subscriptions.select_related("plan", "tier")[:5],
        "comps": subscriber.comps.current(),
        "reader": reader_for(request),
        "has_customer": subscriber.stripe_customers.exists(),
        "private_feed": PrivateFeed.objects.get_or_create(subscriber=subscriber)[0],
        **_topics_context(subscriber),
        "referral_link": settings.SITE_URL + referrals.link_for(subscriber),
        "referral_count": referrals.counted(subscriber),
        "referral_rewards": ReferralReward.objects.filter(active=True),
    }
    return render(request, "billing/account.html", context)


def _topics_context(subscriber, form=None) -> dict:
    chosen = [] if subscriber.all_topics else [t.slug for t in subscriber.topics.all()]
    return {
        "topics": list(Topic.objects.all()),
        "topics_form": form or TopicsForm(),
        "topics_every": subscriber.all_topics,
        "chosen_topics": chosen,
    }


@require_POST
@sign_in.subscriber_required
def newsletter_topics(request, subscriber):
    """The reader's topics: everything, or only the ticked ones. A bad value changes nothing."""
    form = TopicsForm(request.POST)
    if not form.is_valid():
        context = {
            "subscriber": subscriber,
            "reader": reader_for(request),
            **_topics_context(subscriber, form),
        }
        return render(request, "billing/account_topics.html", context, status=400)
    topics.choose(subscriber, form.cleaned_data["topics"], every=form.every)
    messages.success(request, _("Your topics are saved."))
    return redirect("billing:account")


@require_POST
@sign_in.subscriber_required
def newsletter_preference(request, subscriber):
    wanted = request.POST.get("receive") == "yes"
    try:
        subscriber.activate() if wanted else subscriber.unsubscribe()
    except Subscriber.MoveRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Your newsletter preference is saved."))
    return redirect("billing:account")


@require_GET
@sign_in.subscriber_required
def account_data(request, subscriber):
    """The reader's data as a JSON download (GDPR access and portability)."""
    data = privacy.export_data(subscriber)
    response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@sign_in.subscriber_required
def account_erase(request, subscriber):
    """GET: what erasure means, and a button; POST: erase and sign out (GDPR erasure)."""
    # A running membership must be cancelled first, or Stripe would go on charging a reader
    # the site can no longer name.
    paying = subscriber.subscriptions.renewing().exists()
    if request.method == "POST" and not paying:
        privacy.erase(subscriber)
        logout(request)
        messages.success(request, _("Your personal data has been erased."))
        return redirect("notes:home")
    status = 409 if request.method == "POST" else 200
    context = {"paying": paying, "subscriber": subscriber}
    return render(request, "billing/account_erase.html", context, status=status)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("notes:home")
