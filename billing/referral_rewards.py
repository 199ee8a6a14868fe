"""Referral rewards: when a reader's count of confirmed referrals reaches a threshold the author
set (ReferralReward, in the admin), they get that reward once, as a Comp, and an email.

Answers newsletter.referrals.referral_confirmed (newsletter may not import billing). Each reward
is granted once per reader (a unique row, ReferralRewardGrant), however often confirmations
arrive; a reward is kept if referred addresses later bounce.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from newsletter.referrals import referral_confirmed
from newsletter.tasks import send_email
from notes.publication import SiteSettings

from .models import Comp, ReferralReward, ReferralRewardGrant


@receiver(referral_confirmed, dispatch_uid="billing.referral_rewards")
def grant_rewards(sender, referrer, count: int, **kwargs) -> None:
    due = ReferralReward.objects.filter(active=True, threshold__lte=count).exclude(
        grants__subscriber=referrer
    )
    for reward in due:
        grant(referrer, reward, count)


def grant(subscriber, reward: ReferralReward, count: int) -> bool:
    """Comp `subscriber` for `reward` and email them; False if they already had it."""
    now = timezone.now()
    until = now + timedelta(days=reward.days) if reward.days else None
    note = _("Referral reward: %(n)s readers referred") % {"n": reward.threshold}
    try:
        with transaction.atomic():
            comp = Comp.objects.create(subscriber=subscriber, until=until, note=note[:200])
            ReferralRewardGrant.objects.create(subscriber=subscriber, reward=reward, comp=comp)
    except IntegrityError:  # granted already (at the same moment, by another confirmation)
        return False
    transaction.on_commit(lambda: _email_reward(subscriber, until, count))
    return True


def _email_reward(subscriber, until, count: int) -> None:
    site = SiteSettings.current()
    context = {
        "until": until,
        "count": count,
        "link": settings.SITE_URL + reverse("billing:account"),
        "site_name": site.name,
    }
    with translation.override(subscriber.language):
        subject = _("Thank you for spreading the word: paid access to %(site)s") % {
            "site": site.name
        }
        text = render_to_string("billing/email/referral_reward.txt", context)
    send_email.delay(subscriber.email, subject, text)
