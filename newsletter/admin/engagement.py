"""Engagement in the admin, read-only: clicks on links in issues, and sign-ups per note."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.access import paid_subscribers

from ..models import Click, NoteConversion
from .base import ReadOnlyAdmin


@admin.register(Click)
class ClickAdmin(ReadOnlyAdmin):
    # Which link, in which issue, when: never who (the privacy promise of the feature).
    list_display = ["url", "issue", "clicked_at"]
    list_filter = ["issue"]
    list_select_related = ["issue", "issue__note"]
    search_fields = ["url"]
    date_hierarchy = "clicked_at"
    fields = ["url", "issue", "clicked_at"]
    show_full_result_count = False  # no second COUNT(*) over every click


@admin.register(NoteConversion)
class NoteConversionAdmin(ReadOnlyAdmin):
    list_display = ["title", "signups", "confirmed", "paid", "published_at"]
    list_display_links = None
    search_fields = ["title"]
    fields = ["title", "slug", "published_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # a row here is the note itself

    def get_queryset(self, request):
        return NoteConversion.objects.with_signups(paid_subscribers()).only(
            "pk", "title", "slug", "published_at"
        )

    def get_ordering(self, request):
        return ["-signup_count", "-paid_count", "title"]

    @admin.display(description=_("sign-ups"), ordering="signup_count")
    def signups(self, obj):
        url = reverse("admin:newsletter_subscriber_changelist")
        return format_html(
            '<a href="{}?signup_note__id__exact={}">{}</a>', url, obj.pk, obj.signup_count
        )

    @admin.display(
        description=pgettext_lazy("subscriber count", "confirmed"), ordering="confirmed_count"
    )
    def confirmed(self, obj):
        return obj.confirmed_count

    @admin.display(description=_("paid now"), ordering="paid_count")
    def paid(self, obj):
        return obj.paid_count
