"""Sign-ups that bots cannot flood: the checks a subscribe post must pass, and their daily tally.

Double opt-in stays the last word; these checks keep bots from making us send the confirmation
emails at all. A post must pass, in order of cost:

- the honeypot (forms.SubscribeForm.is_bot): a field people never see;
- the address: not from a disposable-address service (REFUSE_DISPOSABLE_EMAILS);
- time: at least SIGNUP_MIN_SECONDS between the form reaching the reader and the post. With
  JavaScript, the ALTCHA widget fetches a challenge when the reader starts on the form; its
  issue time travels inside the challenge's signed salt, so the measure is exact even on a page
  served from a cache. Without JavaScript, the form's own signed time is the page's render time;
  a cached page is kept for up to a minute (notes/caching.py), so then the measure can only be
  longer than the truth, never shorter: such a post may pass up to 60 s early. A post without any
  time at all is refused;
- proof of work (ALTCHA, HMAC-signed SHA-256 challenges): required when a solution is sent (a
  forged, expired or replayed one is refused); a post without one (JavaScript off) falls back to
  the checks above unless SIGNUP_REQUIRE_ALTCHA;
- then the per-network rate limit (limits.py) and the per-address limit on confirmation emails
  (subscribing.request_subscription).
"""

import base64
import binascii
import json
import time
from datetime import timedelta

from altcha import create_challenge_v1, extract_params_v1, verify_solution_v1
from disposable_email_domains import blocklist
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .models import StoppedSignup

# What each refusal tells a person who happened to trip it (a bot reads the same 4xx page).
MESSAGES = {
    "too_fast": _(
        "That was faster than a person can fill in the form. Please wait a few seconds and "
        "send it again."
    ),
    "stale": _("This form has expired. Please send it again."),
    "proof_of_work": _(
        "Your browser's automatic anti-spam check did not go through. Please send the form again."
    ),
    "disposable": _(
        "Addresses from disposable email services cannot subscribe. Please use an address you keep."
    ),
    "address_limit": _(
        "We have already sent several confirmation emails to this address today. Please look "
        "for them in your inbox and spam folder, or try again tomorrow."
    ),
}

CHALLENGE_LIFETIME = timedelta(minutes=20)
_STAMP_SALT = "newsletter.signup-form"


def _altcha_key() -> str:
    return salted_hmac("newsletter.altcha", "challenge", algorithm="sha256").hexdigest()


def form_stamp(now: float | None = None) -> str:
    """The signed time a form is rendered at (kept with the page by any cache)."""
    return signing.Signer(salt=_STAMP_SALT).sign(str(int(now or time.time())))


def _stamp_time(stamp) -> float | None:
    try:
        return float(int(signing.Signer(salt=_STAMP_SALT).unsign(str(stamp or ""))))
    except (signing.BadSignature, ValueError):
        return None


def new_challenge() -> dict:
    """A fresh ALTCHA challenge for the widget; its salt carries the signed time it was issued."""
    challenge = create_challenge_v1(
        hmac_key=_altcha_key(),
        max_number=settings.SIGNUP_ALTCHA_MAX_NUMBER,
        expires=timezone.now() + CHALLENGE_LIFETIME,
        params={"issued": str(int(time.time()))},
    )
    return challenge.to_dict()


def _solved_challenge_time(payload: str) -> float | None:
    """When the solved challenge was issued; None for a forged, expired or reused solution."""
    try:
        data = json.loads(base64.b64decode(payload, validate=True))
    except (ValueError, binascii.Error, TypeError):
        return None
    if not isinstance(data, dict) or not all(isinstance(v, str | int) for v in data.values()):
        return None
    try:
        valid, _error = verify_solution_v1(data, _altcha_key(), check_expires=True)
        issued = float(extract_params_v1(data)["issued"][0])
    except (KeyError, IndexError, ValueError, TypeError):
        return None
    if not valid:
        return None
    # One solution, one sign-up: a bot cannot solve once and post a thousand times.
    lifetime = int(CHALLENGE_LIFETIME.total_seconds())
    if not cache.add(f"newsletter:altcha:{data['signature']}", 1, lifetime):
        return None
    return issued


def timing_and_work(data) -> str | None:
    """The refusal (a key of MESSAGES) for the time and proof-of-work checks, or None."""
    payload = data.get("altcha")
    if payload:
        started = _solved_challenge_time(payload)
        if started is None:
            return "proof_of_work"
    elif settings.SIGNUP_REQUIRE_ALTCHA:
        return "proof_of_work"
    elif not settings.SIGNUP_MIN_SECONDS:
        return None
    else:
        started = _stamp_time(data.get("stamp"))
        if started is None:
            return "stale"
    elapsed = time.time() - started
    if elapsed > settings.SIGNUP_FORM_MAX_AGE:
        return "stale"
    if elapsed < settings.SIGNUP_MIN_SECONDS:
        return "too_fast"
    return None


def is_disposable(email: str) -> bool:
    """True for an address at a disposable-address service, or at one of its subdomains."""
    if not settings.REFUSE_DISPOSABLE_EMAILS:
        return False
    parts = email.rpartition("@")[2].lower().split(".")
    return any(".".join(parts[i:]) in blocklist for i in range(len(parts) - 1))


# The tally: refusals are counted per defence and per day, shown on the author's dashboard.
TALLIED = {
    "honeypot": "honeypot",
    "too_fast": "timing",
    "stale": "timing",
    "proof_of_work": "proof_of_work",
    "disposable": "disposable",
    "address_limit": "address_limit",
    "rate_limit": "rate_limit",
}


def count_stopped(refusal: str) -> None:
    defence = TALLIED[refusal]
    today = timezone.localdate()
    rows = StoppedSignup.objects.filter(day=today, defence=defence)
    if rows.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            StoppedSignup.objects.create(day=today, defence=defence, count=1)
    except IntegrityError:  # another request created today's row first
        rows.update(count=F("count") + 1)
