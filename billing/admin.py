from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from newsletter.admin import ReadOnlyAdmin

from . import (
    money_admin,  # noqa: F401  (offers, gifts, tips: registered there)
    stripe_api,
    webhooks,
)
from .access import paid_subscribers
from .models import (
    Comp,
    Customer,
    Plan,
    ReferralReward,
    ReferralRewardGrant,
    StripeEvent,
    Subscription,
    Tier,
)

# What makes a Stripe price: Stripe never changes a price's amount, so a change makes a new one.
PRICE_FIELDS = ("amount", "currency", "interval")


class TierPlanFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        creating = any(
            form.has_changed() and not getattr(form, "cleaned_data", {}).get("DELETE")
            for form in self.forms
            if form.instance.pk is None or set(PRICE_FIELDS) & set(form.changed_data)
        )
        if creating and not stripe_api.is_configured():
            raise ValidationError(
                _("Payments are off: set STRIPE_SECRET_KEY to create this tier's prices in Stripe.")
            )


class TierPlanInline(admin.TabularInline):
    """A tier's prices: saving creates each new one in Stripe, on the tier's product."""

    model = Plan
    formset = TierPlanFormSet
    extra = 0
    fields = [
        "name",
        "slug",
        "amount",
        "currency",
        "interval",
        "trial_days",
        "minimum_amount",
        "active",
        "order",
        "stripe_price_id",
    ]
    readonly_fields = ["stripe_price_id"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    """Tiers made here are made in Stripe too: a product (metadata solo = true) and a price per
    plan. Tiers made in Stripe come in with `sync_plans`."""

    list_display = ["name", "position", "active", "stripe_product_id"]
    list_editable = ["position", "active"]
    fields = ["name", "description", "benefits", "position", "active", "stripe_product_id"]
    readonly_fields = ["stripe_product_id"]
    inlines = [TierPlanInline]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except stripe_api.StripeError as error:  # the save's transaction is rolled back
            self.message_user(
                request,
                _("Stripe did not answer as expected (%(error)s): nothing was saved here.")
                % {"error": error.user_message or type(error).__name__},
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        if stripe_api.is_configured():
            if not obj.stripe_product_id:
                obj.stripe_product_id = stripe_api.create_product(obj.name, obj.description)["id"]
            elif {"name", "description"} & set(form.changed_data):
                stripe_api.update_product(obj.stripe_product_id, obj.name, obj.description)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        tier = form.instance
        for plan_form in formset.forms:
            plan = plan_form.instance
            if not plan_form.has_changed() or plan_form.cleaned_data.get("DELETE"):
                continue
            if plan.pk is None or set(PRICE_FIELDS) & set(plan_form.changed_data):
                # Readers on an earlier price keep their tier: it is the same product.
                plan.stripe_price_id = stripe_api.create_price(
                    product_id=tier.stripe_product_id,
                    amount=plan.amount,
                    currency=plan.currency,
                    interval=plan.interval,
                    nickname=plan.name,
                )["id"]
        super().save_formset(request, form, formset, change)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "slug", "amount", "currency", "interval", "active", "order"]
    list_editable = ["active", "order"]
    list_select_related = ["tier"]
    prepopulated_fields = {"slug": ["name"]}

    def changelist_view(self, request, extra_context=None):
        self._warn_while_payments_are_off(request)
        return super().changelist_view(request, extra_context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        self._warn_while_payments_are_off(request)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _warn_while_payments_are_off(self, request):
        """A plan added without Stripe keys changes nothing on the site: say so, not silently."""
        if request.method == "GET" and not (
            stripe_api.is_configured() and settings.STRIPE_WEBHOOK_SECRET
        ):
            self.message_user(
                request,
                _(
                    "Payments are off: set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, then "
                    "restart. Until then readers see no plans and no upgrade prompts."
                ),
                messages.WARNING,
            )


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["stripe_id", "subscriber", "email", "created_at"]
    search_fields = ["stripe_id", "email", "subscriber__email"]
    raw_id_fields = ["subscriber"]


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):  # a mirror of Stripe: changed by Stripe only
    list_display = [
        "stripe_id",
        "subscriber",
        "status",
        "tier",
        "plan",
        "trial_end",
        "current_period_end",
        "cancel_at_period_end",
    ]
    list_filter = ["status", "tier", "plan", "cancel_at_period_end"]
    search_fields = ["stripe_id", "subscriber__email", "customer__stripe_id"]
    list_select_related = ["subscriber", "plan", "tier"]
    readonly_fields = [f.name for f in Subscription._meta.fields]

    def changelist_view(self, request, extra_context=None):
        mrr = ", ".join(
            f"{cents / 100:.2f} {currency}"
            for currency, cents in Subscription.objects.mrr_by_currency().items()
        )
        extra_context = {
            **(extra_context or {}),
            "billing_mrr": mrr or "0.00",
            "billing_paid_readers": paid_subscribers().count(),
        }
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(Comp)
class CompAdmin(admin.ModelAdmin):
    list_display = ["subscriber", "tier", "until", "note", "created_at"]
    list_select_related = ["subscriber", "tier"]
    raw_id_fields = ["subscriber"]
    search_fields = ["subscriber__email", "note"]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = [
        "event_id",
        "type",
        "received_at",
        "processed_at",
        "attempts",
        "result",
        "error",
    ]
    list_filter = ["type", ("processed_at", admin.EmptyFieldListFilter)]
    search_fields = ["event_id", "type"]
    readonly_fields = [f.name for f in StripeEvent._meta.fields]
    actions = ["reapply"]

    @admin.action(description=_("Re-apply the selected events"))
    def reapply(self, request, queryset):
        for event in queryset:
            try:
                result = webhooks.reapply(event)
            except Exception as error:  # shown to the author, who can retry later
                self.message_user(request, f"{event.event_id}: {error}", messages.ERROR)
            else:
                self.message_user(request, f"{event.event_id}: {result}", messages.SUCCESS)


@admin.register(ReferralReward)
class ReferralRewardAdmin(admin.ModelAdmin):
    """Rewards for referrals: granted automatically, once, when a reader reaches the threshold."""

    list_display = ["threshold", "days", "active", "granted"]
    list_editable = ["active"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(granted_count=Count("grants"))

    @admin.display(description=_("granted"), ordering="granted_count")
    def granted(self, reward):
        return reward.granted_count


@admin.register(ReferralRewardGrant)
class ReferralRewardGrantAdmin(ReadOnlyAdmin):
    list_display = ["subscriber", "reward", "comp", "created_at"]
    list_select_related = ["subscriber", "reward", "comp"]
    search_fields = ["subscriber__email"]
