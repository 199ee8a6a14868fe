"""Growth in the author's desk: recommendations, referrals, and the bots the forms stopped."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..models import Recommendation, Referral, StoppedSignup
from .base import ReadOnlyAdmin


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "why", "shown", "position", "clicks"]
    list_editable = ["shown", "position"]
    fields = ["name", "url", "why", "feed_url", "subscribe_url", "position", "shown", "clicks"]
    readonly_fields = ["clicks"]
    search_fields = ["name", "url"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # "example.com" typed


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["referrer", "referred", "referred_status", "created_at"]
    list_select_related = ["referrer", "referred"]
    search_fields = ["referrer__email", "referred__email"]

    @admin.display(description=_("status of the referred reader"))
    def referred_status(self, referral):
        return referral.referred.get_status_display()


@admin.register(StoppedSignup)
class StoppedSignupAdmin(ReadOnlyAdmin):
    list_display = ["day", "defence", "count"]
    list_filter = ["defence"]
    date_hierarchy = "day"
