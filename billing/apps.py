from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from . import (
            privacy,  # noqa: F401  (connects billing's part of data export and erasure)
            referral_rewards,  # noqa: F401  (grants rewards for confirmed referrals)
            signals,  # noqa: F401  (tiers and plans changed: cached pages go)
        )
