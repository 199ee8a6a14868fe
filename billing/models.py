"""Billing: plans, the Stripe mirror (customers, subscriptions), received events and comps."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, FloatField, Sum, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from newsletter.models import Subscriber


class Interval(models.TextChoices):
    DAY = "day", _("day")
    WEEK = "week", _("week")
    MONTH = "month", _("month")
    YEAR = "year", _("year")


# How many of each interval make a month, to express any price as monthly revenue (MRR).
MONTHS_PER_INTERVAL = {"day": 1 / 30.4375, "week": 7 / 30.4375, "month": 1, "year": 12}


def monthly_amount():
    """A subscription's monthly revenue in cents, as SQL (yearly amount / 12, and so on)."""
    return Case(
        *[
            When(interval=interval, then=F("amount") / Value(months, output_field=FloatField()))
            for interval, months in MONTHS_PER_INTERVAL.items()
        ],
        default=Value(0.0),
        output_field=FloatField(),
    )


class Tier(models.Model):
    """A level of paid membership ("Member", "Founding member"): a Stripe product marked
    solo=true, whose prices are its plans. Tiers are ranked by `position`: a note for a tier is
    for that tier and every tier placed after it (rule premium-never-leaks, `billing/access.py`)."""

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    benefits = models.TextField(
        _("benefits"), blank=True, help_text=_("One benefit per line, shown on the pricing page.")
    )
    position = models.PositiveSmallIntegerField(
        _("position"),
        default=0,
        help_text=_(
            "Tiers are shown and ranked in this order: a higher tier reads what lower ones do."
        ),
    )
    stripe_product_id = models.CharField(
        _("Stripe product id"), max_length=100, unique=True, null=True, blank=True
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive tiers are not offered; members keep them.")
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")

    def __str__(self):
        return self.name

    @property
    def benefit_list(self) -> list[str]:
        return [line.strip() for line in self.benefits.splitlines() if line.strip()]


class Plan(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    stripe_price_id = models.CharField(_("Stripe price id"), max_length=100, unique=True)
    amount = models.PositiveIntegerField(_("amount (cents)"))
    currency = models.CharField(_("currency"), max_length=3, default="eur")
    interval = models.CharField(
        _("interval"), max_length=5, choices=Interval.choices, default=Interval.MONTH
    )
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # No tier: the plan belongs to the lowest tier (plans made before tiers existed).
    tier = models.ForeignKey(
        Tier,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name=_("tier"),
    )
    trial_days = models.PositiveSmallIntegerField(
        _("free trial (days)"),
        default=0,
        help_text=_("Days of free access before the first payment; 0 for none."),
    )
    # Set: the reader chooses what to pay, at least this much (in cents) per interval; `amount`
    # is then the suggested amount.
    minimum_amount = models.PositiveIntegerField(
        _("minimum amount (cents)"),
        null=True,
        blank=True,
        help_text=_("Set it to let readers choose how much they pay, at least this amount."),
    )

    class Meta:
        ordering = ["order", "amount"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self):
        return self.name

    @property
    def display_amount(self) -> str:
        return f"{self.amount / 100:.2f} {self.currency.upper()}"

    @property
    def lets_reader_choose(self) -> bool:
        """The reader types the amount: only on a tier's product, whose prices count as the tier."""
        return self.minimum_amount is not None and bool(self.tier and self.tier.stripe_product_id)

    def clean(self):
        # `tier`, not `tier_id`: in the tier admin, a new tier has no id yet when plans are checked.
        if self.minimum_amount is not None and self.tier is None:
            raise ValidationError(
                {"minimum_amount": _("A chosen amount needs a tier: set the plan's tier.")}
            )

    @property
    def amount_units(self) -> str:
        """The amount in currency units, as a form field shows it ("12.50")."""
        return f"{self.amount / 100:.2f}"

    @property
    def minimum_units(self) -> str:
        return f"{(self.minimum_amount or 0) / 100:.2f}"


class Customer(models.Model):
    """A Stripe customer; a subscriber may have several (e.g. a second checkout, a repair)."""

    stripe_id = models.CharField(_("Stripe customer id"), max_length=100, unique=True)
    subscriber = models.ForeignKey(
        Subscriber,
        on_delete=models.CASCADE,
        related_name="stripe_customers",
        verbose_name=_("subscriber"),
    )
    email = models.EmailField(_("email"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Stripe customer")
        verbose_name_plural = _("Stripe customers")

    def __str__(self):
        return self.stripe_id


# A subscription past due within this long after its trial ended failed its first payment.
TRIAL_PAYMENT_WINDOW = timedelta(days=1)


class SubscriptionQuerySet(models.QuerySet):
    def granting_access(self, now=None):
        """Subscriptions that make their subscriber a paid reader right now."""
        now = now or timezone.now()
        grace = timedelta(days=settings.BILLING_GRACE_DAYS)
        # The first payment after a free trial failed: the trial ended unpaid, no grace (grace
        # is for paying readers whose card failed).
        trial_ended_unpaid = models.Q(
            trial_end__isnull=False, past_due_since__lt=F("trial_end") + TRIAL_PAYMENT_WINDOW
        )
        return self.filter(
            models.Q(status__in=Subscription.PAID_STATUSES)
            | (
                models.Q(status=Subscription.Status.PAST_DUE, past_due_since__gt=now - grace)
                & ~trial_ended_unpaid
            )
        )

    def renewing(self):
        """Subscriptions Stripe will charge again: not ended, and not set to end with the period."""
        ended = (Subscription.Status.CANCELED, Subscription.Status.INCOMPLETE_EXPIRED)
        return self.exclude(status__in=ended).filter(cancel_at_period_end=False)

    def mrr_by_currency(self, now=None) -> dict[str, float]:
        """Monthly recurring revenue in cents per currency, from subscriptions granting access
        now, the largest first."""
        rows = (
            self.granting_access(now)
            .values("currency")
            .annotate(mrr=Sum(monthly_amount()))
            .order_by("-mrr")
        )
        return {(row["currency"] or "").upper(): row["mrr"] or 0.0 for row in rows}


class Subscription(models.Model):
    """Stripe's subscription as last seen; Stripe is the source of truth."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TRIALING = "trialing", _("Trialing")
        PAST_DUE = "past_due", _("Past due")
        CANCELED = "canceled", _("Canceled")
        INCOMPLETE = "incomplete", _("Incomplete")
        INCOMPLETE_EXPIRED = "incomplete_expired", _("Incomplete, expired")
        UNPAID = "unpaid", _("Unpaid")
        PAUSED = "paused", _("Paused")

    PAID_STATUSES = (Status.ACTIVE, Status.TRIALING)
    # Still running at Stripe, so still billing or about to: a second one would charge twice.
    LIVE_STATUSES = (*PAID_STATUSES, Status.PAST_DUE, Status.UNPAID, Status.PAUSED)

    stripe_id = models.CharField(_("Stripe subscription id"), max_length=100, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="subscriptions")
    subscriber = models.ForeignKey(
        Subscriber,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("subscriber"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, db_index=True)
    price_id = models.CharField(_("price or plan id"), max_length=100, blank=True)
    plan = models.ForeignKey(
        Plan, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("plan")
    )
    # The tier paid for, from the price's product (a chosen amount has a price of its own);
    # no tier: the lowest tier.
    tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("tier")
    )
    trial_start = models.DateTimeField(_("trial started"), null=True, blank=True)
    trial_end = models.DateTimeField(_("trial ends"), null=True, blank=True)
    # The trial end the reader was warned about (Stripe's trial_will_end): one email per trial.
    trial_warned_for = models.DateTimeField(_("trial end warned about"), null=True, blank=True)
    amount = models.PositiveIntegerField(_("amount (cents)"), default=0)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    interval = models.CharField(_("interval"), max_length=5, choices=Interval.choices, blank=True)
    current_period_end = models.DateTimeField(_("current period ends"), null=True, blank=True)
    cancel_at_period_end = models.BooleanField(_("cancels at period end"), default=False)
    canceled_at = models.DateTimeField(_("canceled"), null=True, blank=True)
    past_due_since = models.DateTimeField(_("past due since"), null=True, blank=True)
    stripe_created = models.DateTimeField(_("created in Stripe"), null=True, blank=True)
    # When the state we hold was true at Stripe (fetch time or event time): older states never
    # overwrite newer ones, whatever order webhooks arrive in.
    state_at = models.DateTimeField(_("state as of"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-stripe_created", "-id"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self):
        return f"{self.stripe_id} ({self.status})"


class IgnoredSubscription(models.Model):
    """A Stripe subscription to a price that is not one of Solo's plans (the account may sell
    other things): noted so that `reconcile_stripe` can show it, and never granting access."""

    stripe_id = models.CharField(_("Stripe subscription id"), max_length=100, unique=True)
    customer_id = models.CharField(_("Stripe customer id"), max_length=100)
    price_id = models.CharField(_("price or plan id"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20)
    seen_at = models.DateTimeField(_("last seen"), auto_now=True)

    class Meta:
        ordering = ["-seen_at"]
        verbose_name = _("ignored subscription")
        verbose_name_plural = _("ignored subscriptions")

    def __str__(self):
        return f"{self.stripe_id} ({self.price_id})"


class CheckoutSession(models.Model):
    """A Stripe Checkout Session this site started. Only these are applied (the account may run
    other checkouts), and the success page answers from this row once the session is applied:
    no new Stripe call and no new email however often its URL is opened. No address is kept
    here: an abandoned checkout leaves no personal data behind."""

    stripe_id = models.CharField(_("Stripe checkout session id"), max_length=255, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    subscriber = models.ForeignKey(
        Subscriber,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="checkout_sessions",
        verbose_name=_("subscriber"),
    )
    customer_id = models.CharField(_("Stripe customer id"), max_length=100, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    sign_in_emailed_at = models.DateTimeField(_("sign-in link emailed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("checkout session")
        verbose_name_plural = _("checkout sessions")

    def __str__(self):
        return self.stripe_id

    def created_its_subscriber(self) -> bool:
        """Whether this checkout brought its subscriber into being: created after the checkout
        started, by a checkout, and paying through this checkout's Stripe customer only. Only such
        an account may be opened by the success page; any other belongs to someone who may not
        be the payer."""
        subscriber = self.subscriber
        return (
            subscriber is not None
            and subscriber.source == Subscriber.Source.CHECKOUT
            and subscriber.created_at >= self.created_at
            and not subscriber.stripe_customers.exclude(stripe_id=self.customer_id).exists()
        )

    def claim_sign_in_email(self) -> bool:
        """True once only, for the first caller: one sign-in email per checkout session."""
        unsent = CheckoutSession.objects.filter(pk=self.pk, sign_in_emailed_at__isnull=True)
        return unsent.update(sign_in_emailed_at=timezone.now()) == 1


class StripeEvent(models.Model):
    """Each Stripe event, stored once (unique id) and applied once."""

    event_id = models.CharField(_("event id"), max_length=100, unique=True)
    type = models.CharField(_("type"), max_length=100, db_index=True)
    payload = models.JSONField(_("payload"))
    created = models.DateTimeField(_("created in Stripe"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    result = models.CharField(_("result"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")

    def __str__(self):
        return f"{self.type} {self.event_id}"


class CompQuerySet(models.QuerySet):
    def current(self, now=None):
        now = now or timezone.now()
        return self.filter(models.Q(until__isnull=True) | models.Q(until__gt=now))


class Comp(models.Model):
    """Free paid access granted by the author, forever or until a date."""

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="comps", verbose_name=_("subscriber")
    )
    until = models.DateTimeField(_("until"), null=True, blank=True)
    # The tier this comp grants; empty: the lowest paid tier.
    tier = models.ForeignKey(
        Tier,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("tier"),
        help_text=_("The tier this grants; empty: the lowest paid tier."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CompQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("comp")
        verbose_name_plural = _("comps")

    def __str__(self):
        return f"{self.subscriber} → {self.until or _('forever')}"


def _feed_token() -> str:
    return secrets.token_urlsafe(24)


class PrivateFeed(models.Model):
    """A secret feed URL per subscriber, for reading premium notes in a feed reader."""

    subscriber = models.OneToOneField(
        Subscriber, on_delete=models.CASCADE, related_name="private_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("private feed")
        verbose_name_plural = _("private feeds")

    def __str__(self):
        return f"{self.subscriber}"

    def get_absolute_url(self):
        return reverse("billing:private_feed", args=[self.token])


class Tip(models.Model):
    """A one-off payment to the author (Checkout in payment mode), recorded once per session."""

    stripe_session_id = models.CharField(
        _("Stripe checkout session id"), max_length=255, unique=True
    )
    payment_intent = models.CharField(_("Stripe payment intent"), max_length=255, blank=True)
    amount = models.PositiveIntegerField(_("amount (cents)"))
    currency = models.CharField(_("currency"), max_length=3)
    email = models.EmailField(_("email"), blank=True)
    note = models.ForeignKey(
        "notes.Note",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tips",
        verbose_name=_("note"),
    )
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("tip")
        verbose_name_plural = _("tips")

    def __str__(self):
        return f"{self.amount / 100:.2f} {self.currency.upper()}"


class Offer(models.Model):
    """A discount behind a link (/offer/<code>/): a Stripe coupon plus its promotion code,
    applied at Checkout on the chosen plans."""

    class Duration(models.TextChoices):
        ONCE = "once", _("Once")
        REPEATING = "repeating", _("For a number of months")
        FOREVER = "forever", _("Forever")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    percent_off = models.PositiveSmallIntegerField(_("percent off"), null=True, blank=True)
    amount_off = models.PositiveIntegerField(_("amount off (cents)"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="eur")
    duration = models.CharField(
        _("duration"), max_length=10, choices=Duration.choices, default=Duration.ONCE
    )
    duration_in_months = models.PositiveSmallIntegerField(
        _("months (when repeating)"), null=True, blank=True
    )
    plans = models.ManyToManyField(Plan, related_name="offers", verbose_name=_("plans"))
    max_redemptions = models.PositiveIntegerField(_("maximum redemptions"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    on_pricing = models.BooleanField(_("shown on the pricing page"), default=False)
    stripe_coupon_id = models.CharField(_("Stripe coupon id"), max_length=100, blank=True)
    stripe_promotion_code_id = models.CharField(
        _("Stripe promotion code id"), max_length=100, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent_off__isnull=True) ^ models.Q(amount_off__isnull=True),
                name="offer_percent_or_amount",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("billing:offer", args=[self.code])

    @property
    def display_amount_off(self) -> str:
        return f"{(self.amount_off or 0) / 100:.2f} {self.currency.upper()}"


class OfferPayment(models.Model):
    """Money an offer brought: its checkout (first=True, one per redemption), then each paid
    invoice of the subscription it started; one row per Stripe id, so a replay adds nothing."""

    offer = models.ForeignKey(
        Offer, on_delete=models.CASCADE, related_name="payments", verbose_name=_("offer")
    )
    stripe_id = models.CharField(_("Stripe session or invoice id"), max_length=255, unique=True)
    first = models.BooleanField(_("redemption"), default=True)
    subscription_id = models.CharField(_("Stripe subscription id"), max_length=100, blank=True)
    subscriber = models.ForeignKey(
        Subscriber, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("subscriber")
    )
    amount = models.PositiveIntegerField(_("amount (cents)"), default=0)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("offer payment")
        verbose_name_plural = _("offer payments")

    def __str__(self):
        return self.stripe_id


def _gift_token() -> str:
    return secrets.token_urlsafe(24)


class Gift(models.Model):
    """A paid membership given as a present: bought with a one-time Checkout payment, sent to
    its recipient on the chosen day, redeemed once into a Comp for its tier until it ends."""

    class Months(models.IntegerChoices):
        ONE = 1, _("1 month")
        THREE = 3, _("3 months")
        TWELVE = 12, _("12 months")

    token = models.CharField(max_length=64, unique=True, default=_gift_token)
    stripe_session_id = models.CharField(
        _("Stripe checkout session id"), max_length=255, unique=True
    )
    tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("tier")
    )
    months = models.PositiveSmallIntegerField(_("months"), choices=Months.choices)
    amount = models.PositiveIntegerField(_("amount (cents)"))
    currency = models.CharField(_("currency"), max_length=3)
    buyer_email = models.EmailField(_("buyer's email"))
    recipient_email = models.EmailField(_("recipient's email"))
    message = models.TextField(_("message"), blank=True, max_length=500)
    send_at = models.DateTimeField(_("to be sent"), db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    redeemed_at = models.DateTimeField(_("redeemed"), null=True, blank=True)
    comp = models.OneToOneField(
        Comp, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("comp")
    )
    reminded_at = models.DateTimeField(_("end reminder sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("bought"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("gift")
        verbose_name_plural = _("gifts")

    def __str__(self):
        return f"{self.get_months_display()} → {self.recipient_email}"

    def get_absolute_url(self):
        return reverse("billing:gift_redeem", args=[self.token])

    @property
    def display_amount(self) -> str:
        return f"{self.amount / 100:.2f} {self.currency.upper()}"

    @property
    def redeem_by(self):
        """The redeem link works this long after it was sent (or was due to be)."""
        return (self.sent_at or self.send_at) + timedelta(days=settings.GIFT_REDEEM_DAYS)


class ReferralReward(models.Model):
    """A reward the author offers for referrals: paid access as a comp at a threshold."""

    threshold = models.PositiveSmallIntegerField(
        _("referrals needed"),
        unique=True,
        help_text=_("Confirmed readers a reader must have brought in."),
    )
    days = models.PositiveSmallIntegerField(
        _("days of paid access"),
        null=True,
        blank=True,
        help_text=_("Empty: paid access for good."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["threshold"]
        verbose_name = _("referral reward")
        verbose_name_plural = _("referral rewards")

    def __str__(self):
        return _("%(n)s referrals") % {"n": self.threshold}


class ReferralRewardGrant(models.Model):
    """A reward granted to a reader, once (billing/referral_rewards.py)."""

    subscriber = models.ForeignKey(
        Subscriber,
        on_delete=models.CASCADE,
        related_name="referral_rewards",
        verbose_name=_("subscriber"),
    )
    reward = models.ForeignKey(
        ReferralReward, on_delete=models.PROTECT, related_name="grants", verbose_name=_("reward")
    )
    comp = models.OneToOneField(Comp, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("granted referral reward")
        verbose_name_plural = _("granted referral rewards")
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "reward"], name="referral_reward_once_per_reader"
            )
        ]

    def __str__(self):
        return f"{self.subscriber} · {self.reward}"
