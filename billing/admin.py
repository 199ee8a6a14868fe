from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from newsletter.admin import ReadOnlyAdmin

from . import stripe_api, webhooks
from .access import paid_subscribers
from .models import (
    Comp,
    Customer,
    Plan,
    ReferralReward,
    ReferralRewardGrant,
    StripeEvent,
    Subscription,
)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "amount", "currency", "interval", "active", "order"]
    list_editable = ["active", "order"]
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
        "plan",
        "current_period_end",
        "cancel_at_period_end",
    ]
    list_filter = ["status", "plan", "cancel_at_period_end"]
    search_fields = ["stripe_id", "subscriber__email", "customer__stripe_id"]
    list_select_related = ["subscriber", "plan"]
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
    list_display = ["subscriber", "until", "note", "created_at"]
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
