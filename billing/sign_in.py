"""How a reader signs in: a short-lived, single-use link emailed to them (django-sesame).

No password, and never a way into the admin. The views ask `signed_in_subscriber` (or wear
`subscriber_required`); the link is emailed by `email_link`, at most SIGN_IN_EMAIL_RATE times
per address whatever network asks (the forms' per-network limit is separate).
"""

from functools import wraps

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from sesame.utils import get_query_string

from newsletter.limits import over_limit
from newsletter.models import Subscriber, normalize_email
from newsletter.tasks import send_email
from notes.publication import SiteSettings

from .sync import ensure_user

PASSWORDLESS_BACKEND = "sesame.backends.ModelBackend"  # never opens the admin


def signed_in_subscriber(request) -> Subscriber | None:
    if not request.user.is_authenticated:
        return None
    return Subscriber.objects.filter(user=request.user).first()


def subscriber_required(view):
    """The view runs as `view(request, subscriber, …)` for a signed-in reader; anyone else is
    sent to the sign-in page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        subscriber = signed_in_subscriber(request)
        if subscriber is None:
            return redirect("billing:login")
        return view(request, subscriber, *args, **kwargs)

    return wrapper


def emails_exhausted(request, email: str) -> bool:
    """Counts one more sign-in email to this address; True once its allowance is spent."""
    address = normalize_email(email)
    return over_limit(
        request, "billing.sign_in_email", per=address, rate=settings.SIGN_IN_EMAIL_RATE
    )


def email_link(subscriber: Subscriber) -> None:
    """Emails the reader a sign-in link, once the current transaction commits."""
    user = ensure_user(subscriber)
    link = settings.SITE_URL + reverse("billing:login_link") + get_query_string(user)
    minutes = settings.SESAME_MAX_AGE // 60
    context = {"link": link, "site_name": SiteSettings.current().name, "minutes": minutes}
    text = render_to_string("billing/email/sign_in.txt", context)
    subject = _("Your sign-in link")
    email = subscriber.email
    transaction.on_commit(lambda: send_email.delay(email, subject, text))
