from django import forms
from django.contrib import admin, messages
from django.db import models, transaction
from django.db.models import Count
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from markdownx.admin import MarkdownxModelAdmin

from .caching import invalidate
from .forms import NoteAdminForm
from .models import Note, NoteSlugRedirect, SiteSettings, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "note_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(note_count=Count("notes")).order_by("name")

    @admin.display(description=_("notes"), ordering="note_count")
    def note_count(self, tag):
        return tag.note_count


class NoteSlugRedirectInline(admin.TabularInline):
    model = NoteSlugRedirect
    extra = 0
    fields = ["old_slug", "created_at"]
    readonly_fields = ["created_at"]
    verbose_name_plural = _("old addresses (they redirect to this note)")


@admin.register(Note)
class NoteAdmin(MarkdownxModelAdmin):
    list_display = ["title", "status", "visibility", "published_at", "is_live", "updated_at"]
    list_filter = ["status", "visibility", "tags", "published_at"]
    search_fields = ["title", "slug", "body", "summary"]
    date_hierarchy = "published_at"
    form = NoteAdminForm
    actions = ["publish", "unpublish"]
    inlines = [NoteSlugRedirectInline]
    readonly_fields = ["reading_minutes", "created_at", "updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["title", "slug", "body", "tags"]}),
        (_("Publication"), {"fields": ["status", "published_at", "visibility", "minimum_tier"]}),
        (
            _("Presentation and search engines"),
            {
                "classes": ["collapse"],
                "fields": [
                    "summary",
                    "seo_title",
                    "seo_description",
                    "cover_image",
                    "cover_url",
                    "canonical_url",
                    "language",
                    "front_matter",
                ],
            },
        ),
        (_("Record"), {"fields": ["reading_minutes", "created_at", "updated_at"]}),
    ]

    class Media:
        css = {"all": ["css/admin-note.css"]}  # the writing desk: editor beside its preview
        js = ["js/admin-note.js"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.status == Note.Status.PUBLISHED and not obj.is_live:
            self.message_user(
                request,
                _("“%(title)s” is scheduled: it goes live on %(when)s (%(zone)s).")
                % {
                    "title": obj.title,
                    "when": date_format(timezone.localtime(obj.published_at), "DATETIME_FORMAT"),
                    "zone": timezone.get_current_timezone_name(),
                },
                messages.SUCCESS,
            )

    @admin.display(description=_("live"), boolean=True)
    def is_live(self, note):
        return note.is_live

    @admin.action(description=_("Publish the selected notes (now, unless scheduled)"))
    def publish(self, request, queryset):
        now = timezone.now()
        with transaction.atomic():  # nothing changes if readers' caches cannot hear of it
            queryset.filter(published_at__isnull=True).update(published_at=now)
            count = queryset.update(status=Note.Status.PUBLISHED)
            invalidate()
        self.message_user(
            request,
            ngettext("%(n)d note published.", "%(n)d notes published.", count) % {"n": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish the selected notes (back to draft)"))
    def unpublish(self, request, queryset):
        with transaction.atomic():
            count = queryset.update(status=Note.Status.DRAFT)
            invalidate()
        self.message_user(
            request,
            ngettext("%(n)d note unpublished.", "%(n)d notes unpublished.", count) % {"n": count},
            messages.SUCCESS,
        )


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    """One page for the publication: the list goes straight to it; nothing to add or delete."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (
            _("Publication"),
            {"fields": ["name", "description", "logo", "icon", "accent", "language"]},
        ),
        (_("Author"), {"fields": ["author_name", "author_bio", "avatar"]}),
        (_("Author's links"), {"fields": SiteSettings.LINKS}),
        (_("Footer"), {"fields": ["footer_text"]}),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "accent":
            kwargs["widget"] = forms.TextInput(attrs={"type": "color"})  # the browser's picker
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not SiteSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        site = SiteSettings.objects.first()
        if site is None:  # first visit: the form, filled with the first-run values
            return redirect("admin:notes_sitesettings_add")
        return redirect("admin:notes_sitesettings_change", site.pk)
