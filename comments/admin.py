"""The author's moderation desk: approve, hide, delete, ban; and the comment settings."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import rules
from .models import Comment, Commenter, CommentSettings


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "note", "writer", "status", "parent", "created_at"]
    list_filter = ["status", "by_author"]
    list_select_related = ["note", "subscriber", "parent"]
    search_fields = ["body", "subscriber__email", "subscriber__name", "note__title"]
    readonly_fields = ["note", "parent", "subscriber", "user", "by_author", "created_at"]
    fields = [*readonly_fields, "body", "status"]
    actions = ["approve", "hide", "ban_writers"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # comments are written on the site, as readers see them

    @admin.display(description=_("comment"))
    def excerpt(self, comment):
        return comment.body[:80]

    @admin.display(description=_("written by"))
    def writer(self, comment):
        if comment.by_author:
            return _("you")
        return comment.subscriber.email if comment.subscriber_id else "—"

    def save_model(self, request, obj, form, change):
        obj.body_html = rules.render(obj.body)
        status_changed = "status" in form.changed_data
        super().save_model(request, obj, form, change)
        if status_changed and obj.status == Comment.Status.PUBLISHED:
            rules.reply_published(obj)

    @admin.action(description=_("Approve (publish) the selected comments"))
    def approve(self, request, queryset):
        count = rules.publish(queryset)
        self.message_user(
            request, ngettext("%d comment published.", "%d comments published.", count) % count
        )

    @admin.action(description=_("Hide the selected comments"))
    def hide(self, request, queryset):
        count = rules.hide(queryset)
        self.message_user(
            request, ngettext("%d comment hidden.", "%d comments hidden.", count) % count
        )

    @admin.action(description=_("Ban their writers from commenting (and hide these comments)"))
    def ban_writers(self, request, queryset):
        ids = sorted({c.subscriber_id for c in queryset if c.subscriber_id})
        Commenter.ban(ids)
        rules.hide(queryset)
        self.message_user(
            request,
            ngettext("%d reader banned.", "%d readers banned.", len(ids)) % len(ids),
            messages.SUCCESS,
        )


@admin.register(Commenter)
class CommenterAdmin(admin.ModelAdmin):
    list_display = ["subscriber", "banned_at", "reply_emails"]
    list_filter = [("banned_at", admin.EmptyFieldListFilter), "reply_emails"]
    search_fields = ["subscriber__email", "subscriber__name"]
    autocomplete_fields = ["subscriber"]
    actions = ["unban"]

    @admin.action(description=_("Let them comment again"))
    def unban(self, request, queryset):
        queryset.update(banned_at=None)


@admin.register(CommentSettings)
class CommentSettingsAdmin(admin.ModelAdmin):
    """One row: the list goes straight to it."""

    filter_horizontal = ["closed_notes"]

    def changelist_view(self, request, extra_context=None):
        if not CommentSettings.objects.filter(pk=1).exists():
            CommentSettings().save()
        return redirect("admin:comments_commentsettings_change", 1)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
