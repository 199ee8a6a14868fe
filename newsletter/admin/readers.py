"""Readers in the admin: the list, its exports and GDPR actions, and the welcome email."""

import json

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .. import exports, privacy
from ..models import Subscriber, WelcomeEmail


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "status", "source", "language", "created_at", "confirmed_at"]
    list_filter = ["status", "source", "language"]
    search_fields = ["email", "name"]
    readonly_fields = ["created_at", "confirmed_at", "unsubscribed_at", "hard_bounces"]
    raw_id_fields = ["user"]
    actions = ["export_csv", "export_personal_data", "erase_personal_data"]
    date_hierarchy = "created_at"

    @admin.action(description=_("Export selected subscribers as CSV"))
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="subscribers.csv"'
        writer = exports.SafeWriter(response)
        fields = ["email", "name", "status", "source", "language", "created_at", "confirmed_at"]
        writer.writerow(fields)
        for row in queryset.order_by("pk").values_list(*fields).iterator(chunk_size=2000):
            writer.writerow(row)
        return response

    @admin.action(description=_("Download the personal data of selected subscribers (JSON)"))
    def export_personal_data(self, request, queryset):
        data = [privacy.export_data(s) for s in queryset.select_related("user").order_by("pk")]
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="subscribers-data.json"'
        return response

    @admin.action(
        description=_("Erase the personal data of selected subscribers"),
        permissions=["change"],
    )
    def erase_personal_data(self, request, queryset):
        erased = 0
        for subscriber in queryset:
            if not subscriber.is_erased:
                privacy.erase(subscriber)
                erased += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d subscriber erased; delivery counts are kept.",
                "%(count)d subscribers erased; delivery counts are kept.",
                erased,
            )
            % {"count": erased},
            messages.SUCCESS,
        )


@admin.register(WelcomeEmail)
class WelcomeEmailAdmin(admin.ModelAdmin):
    list_display = ["subject"]

    def has_add_permission(self, request):
        return not WelcomeEmail.objects.exists()  # one welcome email
