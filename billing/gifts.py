"""Gifts: a tier for 1, 3 or 12 months, paid once by the buyer, redeemed by the recipient.

Bought through Checkout in payment mode (metadata kind=gift); `checkout.session.completed`
creates the Gift once per session (rule stripe-events-once) and emails the buyer a receipt. The
recipient's email with the redeem link goes on the chosen day (beat's `send_due_gifts`, claimed
by a row update so it goes once). Redeeming (a POST) makes a Comp for the tier until the gift
ends; a reminder with the way to keep reading goes GIFT_REMINDER_DAYS before that.
"""

import calendar
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newsletter.models import Subscriber, normalize_email
from newsletter.tasks import send_email

from .models import Comp, Gift, Interval, Plan
from .sync import subscriber_for_email

KIND = "gift"


def gift_plans():
    """What may be given: each tier's active monthly plan (its price makes the gift's)."""
    return Plan.objects.filter(active=True, interval=Interval.MONTH).select_related("tier")


def plan_label(plan: Plan) -> str:
    return plan.tier.name if plan.tier_id else plan.name


class GiftForm(forms.Form):
    plan = forms.ModelChoiceField(
        label=gettext_lazy("Membership"), queryset=Plan.objects.none(), empty_label=None
    )
    months = forms.TypedChoiceField(
        label=gettext_lazy("Length"), choices=Gift.Months.choices, coerce=int
    )
    recipient_email = forms.EmailField(label=gettext_lazy("Recipient's email"), max_length=254)
    message = forms.CharField(
        label=gettext_lazy("Message (optional)"),
        required=False,
        max_length=450,  # Stripe metadata values hold 500 characters
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    send_on = forms.DateField(
        label=gettext_lazy("Send on (empty: now)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = gift_plans()
        self.fields["plan"].label_from_instance = plan_label

    def clean_send_on(self) -> date | None:
        day = self.cleaned_data["send_on"]
        today = timezone.localdate()
        if day and not today <= day <= today + timedelta(days=365):
            raise forms.ValidationError(_("Choose a day from today to a year from now."))
        return day if day and day > today else None


def price(plan: Plan, months: int) -> int:
    return plan.amount * months


def send_time(day: date | None) -> datetime:
    """Now, or the chosen day's morning (8:00) in the site's time zone."""
    if day is None:
        return timezone.now()
    return timezone.make_aware(datetime.combine(day, time(8)))


def metadata(form: GiftForm) -> dict[str, str]:
    data = form.cleaned_data
    return {
        "kind": KIND,
        "plan": data["plan"].slug,
        "months": str(data["months"]),
        "recipient": normalize_email(data["recipient_email"]),
        "message": data["message"],
        "send_on": data["send_on"].isoformat() if data["send_on"] else "",
    }


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` calendar months later (the month's last day when it is shorter)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def record(session: dict[str, Any]) -> tuple[Gift, bool]:
    """The gift a paid session bought, created once; the buyer's receipt goes once, and the
    recipient's email at once when it is due now."""
    meta = session.get("metadata") or {}
    plan = Plan.objects.filter(slug=meta.get("plan") or "").first()
    send_on = date.fromisoformat(meta["send_on"]) if meta.get("send_on") else None
    gift, created = Gift.objects.get_or_create(
        stripe_session_id=session["id"],
        defaults={
            "tier": plan.tier if plan else None,
            "months": int(meta.get("months") or 1),
            "amount": session.get("amount_total") or 0,
            "currency": session.get("currency") or settings.BILLING_CURRENCY,
            "buyer_email": normalize_email(
                (session.get("customer_details") or {}).get("email") or ""
            ),
            "recipient_email": normalize_email(meta.get("recipient") or ""),
            "message": meta.get("message") or "",
            "send_at": send_time(send_on),
        },
    )
    if created:
        if gift.buyer_email:
            _email(gift.buyer_email, _("Your gift receipt"), "gift_receipt", gift)
        if gift.send_at <= timezone.now():
            send_to_recipient(gift)
    return gift, created


def _email(to: str, subject: str, template: str, gift: Gift, **context) -> None:
    context = {"gift": gift, "site_url": settings.SITE_URL, **context}
    text = render_to_string(f"billing/email/{template}.txt", context)
    transaction.on_commit(lambda: send_email.delay(to, subject, text))


def _claim(gift: Gift, field: str) -> bool:
    """True for the first caller only: each email of a gift goes once."""
    unsent = Gift.objects.filter(pk=gift.pk, **{f"{field}__isnull": True})
    return unsent.update(**{field: timezone.now()}) == 1


def send_to_recipient(gift: Gift) -> bool:
    if not _claim(gift, "sent_at"):
        return False
    link = settings.SITE_URL + gift.get_absolute_url()
    _email(
        gift.recipient_email,
        _("You have been given a membership"),
        "gift_received",
        gift,
        link=link,
    )
    return True


def send_due(now: datetime | None = None) -> int:
    """Beat: recipients' emails whose day has come, and reminders before gifts end."""
    now = now or timezone.now()
    sent = 0
    for gift in Gift.objects.filter(sent_at__isnull=True, send_at__lte=now):
        sent += send_to_recipient(gift)
    soon = now + timedelta(days=settings.GIFT_REMINDER_DAYS)
    ending = Gift.objects.filter(
        reminded_at__isnull=True, comp__until__lte=soon, comp__until__gt=now
    ).select_related("comp")
    for gift in ending:
        if _claim(gift, "reminded_at"):
            link = settings.SITE_URL + reverse("billing:pricing")
            _email(
                gift.recipient_email,
                _("Your gift membership ends soon"),
                "gift_ending",
                gift,
                link=link,
            )
            sent += 1
    return sent


class Refused(Exception):
    """The gift cannot be redeemed (already redeemed, or the link expired)."""


@transaction.atomic
def redeem(token: str, now: datetime | None = None) -> Subscriber:
    """Redeem once: the recipient's subscriber (confirmed: the link reached their inbox) and a
    Comp for the gift's tier until it ends. Raises Refused on a second use or after expiry."""
    now = now or timezone.now()
    gift = Gift.objects.select_for_update().get(token=token)
    if gift.redeemed_at is not None:
        raise Refused(_("This gift has already been redeemed."))
    if gift.redeem_by <= now:
        raise Refused(_("This gift link has expired."))
    subscriber = subscriber_for_email(gift.recipient_email)
    gift.comp = Comp.objects.create(
        subscriber=subscriber,
        tier=gift.tier,
        until=add_months(now, gift.months),
        note=_("Gift from %(email)s") % {"email": gift.buyer_email},
    )
    gift.redeemed_at = now
    gift.save(update_fields=["comp", "redeemed_at"])
    return subscriber
