"""Referrals: each reader's link, who came through it, and how many count.

A reader's code is their row id with a short HMAC (nothing stored, nothing guessable). A sign-up
through `/r/<code>/` records a Referral only for an address new to the list, and never for the
referrer's own address; each address is referred once at most (Referral.referred is unique). It
counts once the new reader confirms, and stops counting if the address bounces or complains
(a reward already granted stays granted). Rewards are billing's (billing/referral_rewards.py):
`referral_confirmed` tells it a referrer's count went up.
"""

from django.db.models import Q
from django.dispatch import Signal
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36

from .models import Referral, Subscriber

# Sent after the commit that confirmed a referred reader: referrer=Subscriber, count=int.
referral_confirmed = Signal()

_NOT_COUNTED = (Subscriber.Status.BOUNCED, Subscriber.Status.COMPLAINED)


def _mac(pk: int) -> str:
    return salted_hmac("newsletter.referral", str(pk), algorithm="sha256").hexdigest()[:10]


def code_for(subscriber: Subscriber) -> str:
    return f"{int_to_base36(subscriber.pk)}-{_mac(subscriber.pk)}"


def link_for(subscriber: Subscriber) -> str:
    return reverse("newsletter:referral", args=[code_for(subscriber)])


def referrer_for(code) -> Subscriber | None:
    """The reader behind a referral code; None for a forged or unknown one."""
    key, _dash, mac = str(code or "").partition("-")
    try:
        pk = base36_to_int(key)
    except ValueError:
        return None
    if not constant_time_compare(mac, _mac(pk)):
        return None
    return Subscriber.objects.filter(pk=pk).first()


def record(referrer: Subscriber | None, referred: Subscriber) -> None:
    """Remember that a new address came through `referrer`'s link (not their own address)."""
    if referrer is None or referrer.pk == referred.pk or referrer.email == referred.email:
        return
    Referral.objects.get_or_create(referred=referred, defaults={"referrer": referrer})


def counted(referrer: Subscriber) -> int:
    """Referred readers who confirmed and whose address still takes mail."""
    return (
        Referral.objects.filter(referrer=referrer, referred__confirmed_at__isnull=False)
        .exclude(referred__status__in=_NOT_COUNTED)
        .count()
    )


def confirmed(referred: Subscriber) -> None:
    """A reader confirmed: if someone referred them, tell billing the referrer's new count."""
    referral = (
        Referral.objects.select_related("referrer")
        .filter(referred=referred)
        .exclude(Q(referrer__status__in=_NOT_COUNTED) | Q(referred__status__in=_NOT_COUNTED))
        .first()
    )
    if referral is not None:
        referrer = referral.referrer
        referral_confirmed.send(Referral, referrer=referrer, count=counted(referrer))
