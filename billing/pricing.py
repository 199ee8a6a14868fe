"""The pricing page's comparison: each tier with its monthly and yearly plans side by side, what
a year saves against twelve months, trials, and the amount a reader may choose.

Built from one query (active plans with their tiers), whatever the number of tiers and plans
(rule constant-sql). Plans without a tier (made before tiers existed) form one group of their own.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from .models import Interval, Plan, Tier

# The most a reader may choose to pay, as a multiple of the minimum: a typo (an extra zero or
# three) is refused rather than charged.
CHOSEN_AMOUNT_CAP = 100


@dataclass
class TierOffer:
    tier: Tier | None
    plans: list[Plan] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.tier.name if self.tier else ""

    @property
    def monthly(self) -> Plan | None:
        return next((p for p in self.plans if p.interval == Interval.MONTH), None)

    @property
    def yearly(self) -> Plan | None:
        return next((p for p in self.plans if p.interval == Interval.YEAR), None)

    @property
    def others(self) -> list[Plan]:
        """Plans neither monthly nor yearly, and extra plans of an interval: shown always."""
        shown = {self.monthly, self.yearly}
        return [p for p in self.plans if p not in shown]

    @property
    def yearly_saving(self) -> dict | None:
        """What the yearly plan saves against twelve monthly payments, if anything."""
        monthly, yearly = self.monthly, self.yearly
        if not monthly or not yearly or monthly.currency != yearly.currency:
            return None
        twelve = 12 * monthly.amount
        saved = twelve - yearly.amount
        if saved <= 0:
            return None
        return {
            "amount": f"{saved / 100:.2f} {yearly.currency.upper()}",
            "percent": round(100 * saved / twelve),
        }


def offers() -> list[TierOffer]:
    """Active plans grouped by tier, tiers in their order (untiered plans first)."""
    plans = Plan.objects.filter(active=True).select_related("tier")
    groups: dict[int | None, TierOffer] = {}
    for plan in sorted(plans, key=_order):
        if plan.tier is not None and not plan.tier.active:
            continue
        key = plan.tier_id
        groups.setdefault(key, TierOffer(plan.tier)).plans.append(plan)
    return list(groups.values())


def _order(plan: Plan):
    tier = plan.tier
    return (tier is not None, tier.position if tier else 0, tier.pk if tier else 0, plan.order)


class AmountRefused(ValueError):
    pass


def chosen_amount(plan: Plan, value: str | None) -> int:
    """The amount (cents) a reader chose for a plan that lets them: at least its minimum."""
    minimum = plan.minimum_amount or 0
    try:
        cents = int(
            (Decimal((value or "").strip().replace(",", ".")) * 100).to_integral_value(
                ROUND_HALF_UP
            )
        )
    except (InvalidOperation, ValueError, OverflowError):
        raise AmountRefused(_("Enter an amount, for example 10 or 12.50.")) from None
    if cents < minimum:
        raise AmountRefused(
            _("The minimum is %(amount)s.")
            % {"amount": f"{minimum / 100:.2f} {plan.currency.upper()}"}
        )
    if cents > max(minimum, plan.amount, 100) * CHOSEN_AMOUNT_CAP:
        raise AmountRefused(_("That amount is too large: check it for a typo."))
    return cents
