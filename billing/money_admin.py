"""The admin's offers and tips (gifts join them): what each brought, in one query per list."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import offers, stripe_api
from .models import Gift, Offer, Tip

# A Stripe coupon cannot change once made: these are fixed when the offer is created.
FIXED_FIELDS = [
    "code",
    "percent_off",
    "amount_off",
    "currency",
    "duration",
    "duration_in_months",
    "max_redemptions",
    "expires_at",
]


class OfferForm(forms.ModelForm):
    class Meta:
        model = Offer
        fields = [
            "name",
            "code",
            "description",
            *FIXED_FIELDS[1:],
            "plans",
            "active",
            "on_pricing",
        ]

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            return data
        if not stripe_api.is_configured():
            raise forms.ValidationError(_("Payments are off: set STRIPE_SECRET_KEY first."))
        if (data.get("percent_off") is None) == (data.get("amount_off") is None):
            raise forms.ValidationError(_("Give either a percentage or an amount off, not both."))
        if data.get("percent_off") is not None and not 0 < data["percent_off"] <= 100:
            self.add_error("percent_off", _("Between 1 and 100."))
        if data.get("amount_off") == 0:
            self.add_error("amount_off", _("More than zero."))
        if data.get("duration") == Offer.Duration.REPEATING and not data.get("duration_in_months"):
            self.add_error("duration_in_months", _("How many months the discount lasts."))
        return data


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    form = OfferForm
    list_display = ["name", "code", "redemptions", "revenue", "status", "expires_at", "active"]
    filter_horizontal = ["plans"]
    prepopulated_fields = {"code": ["name"]}

    def get_queryset(self, request):
        return offers.with_figures(super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        return FIXED_FIELDS if obj else []

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else self.prepopulated_fields

    @admin.display(description=_("redemptions"), ordering="redemptions")
    def redemptions(self, offer):
        return offer.redemptions

    @admin.display(description=_("revenue brought"), ordering="revenue")
    def revenue(self, offer):
        return f"{(offer.revenue or 0) / 100:.2f} {offer.currency.upper()}"

    @admin.display(description=_("status"))
    def status(self, offer):
        why = offers.state(offer)
        return _("open") if why == offers.OPEN else offers.REASONS[why]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the plans, before Stripe
        obj = form.instance
        try:
            if not change:
                offers.create_in_stripe(obj)
            elif "active" in form.changed_data and obj.stripe_promotion_code_id:
                stripe_api.set_promotion_code_active(obj.stripe_promotion_code_id, obj.active)
        except stripe_api.StripeError as error:
            self.message_user(request, _("Stripe refused: %s") % error, messages.ERROR)


@admin.register(Tip)
class TipAdmin(admin.ModelAdmin):
    list_display = ["created_at", "amount_display", "email", "note"]
    list_select_related = ["note"]
    search_fields = ["email", "note__title"]
    readonly_fields = [f.name for f in Tip._meta.fields]

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, tip):
        return str(tip)

    def has_add_permission(self, request):
        return False  # tips come from Stripe only


@admin.register(Gift)
class GiftAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "recipient_email",
        "tier",
        "months",
        "amount_display",
        "send_at",
        "sent_at",
        "redeemed_at",
        "ends",
    ]
    list_filter = ["months", "tier", ("redeemed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["tier", "comp"]
    search_fields = ["recipient_email", "buyer_email"]
    readonly_fields = [f.name for f in Gift._meta.fields if f.name not in ("send_at", "token")]
    exclude = ["token"]  # the recipient's redeem link: not for the admin's screen

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, gift):
        return gift.display_amount

    @admin.display(description=_("ends"), ordering="comp__until")
    def ends(self, gift):
        return gift.comp.until if gift.comp else None

    def has_add_permission(self, request):
        return False  # gifts are bought through Checkout
