"""Tips: a one-off payment of the reader's chosen amount (Checkout in payment mode).

A tip exists once Stripe says it was paid (`checkout.session.completed`, metadata kind=tip):
recorded once per Checkout Session (unique id, rule stripe-events-once), thanked by email once.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newsletter.models import normalize_email, note_from_slug
from newsletter.tasks import send_email

from .models import Tip

KIND = "tip"


class TipForm(forms.Form):
    amount = forms.DecimalField(label=gettext_lazy("Amount"), max_digits=8, decimal_places=2)
    note = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        low, high = Decimal(settings.TIP_MIN), Decimal(settings.TIP_MAX)
        if not low <= amount <= high:
            raise forms.ValidationError(
                _("Choose an amount between %(min)s and %(max)s.")
                % {"min": f"{low:g}", "max": f"{high:g}"}
            )
        return int(amount * 100)  # Stripe counts in cents


def record(session: dict[str, Any]) -> tuple[Tip, bool]:
    """The tip a completed payment-mode session paid for, created once; thanked once."""
    email = normalize_email((session.get("customer_details") or {}).get("email") or "")
    note = note_from_slug((session.get("metadata") or {}).get("note"))
    tip, created = Tip.objects.get_or_create(
        stripe_session_id=session["id"],
        defaults={
            "amount": session.get("amount_total") or 0,
            "currency": session.get("currency") or settings.BILLING_CURRENCY,
            "payment_intent": session.get("payment_intent") or "",
            "email": email,
            "note": note,
        },
    )
    if created and email:
        context = {"tip": tip}
        subject = _("Thank you for your support")
        text = render_to_string("billing/email/tip_thanks.txt", context)
        transaction.on_commit(lambda: send_email.delay(email, subject, text))
    return tip, created
