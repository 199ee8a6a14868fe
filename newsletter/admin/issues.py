"""Issues in the admin: writing, previewing, scheduling and watching a send; deliveries."""

from csp.decorators import csp_replace, csp_update
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from .. import emails, progress, tasks
from ..models import Delivery, Issue
from .base import ReadOnlyAdmin


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["__str__", "audience", "status", "scheduled_at", "progress_summary"]
    list_filter = ["status", "audience"]
    search_fields = ["subject", "note__title"]
    autocomplete_fields = ["note"]
    fields = [
        "note",
        "subject",
        "body",
        "audience",
        "scheduled_at",
        "status",
        "previews",
    ]
    # Progress, times, rate and failures are in the panel above the form (change_form.html).
    readonly_fields = ["status", "previews"]
    actions = ["schedule", "cancel", "send_test"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("note")

    def get_changelist_instance(self, request):
        """The list's page of issues, each with its delivery counts (one query for the page)."""
        changelist = super().get_changelist_instance(request)
        issues = list(changelist.result_list)  # evaluated once: the list shows these same rows
        counts = Delivery.objects.filter(issue__in=issues).counts_by_status(per="issue")
        for issue in issues:
            issue.delivery_counts = counts.get(issue.pk, {})
        return changelist

    @admin.display(description=_("progress"))
    def progress_summary(self, issue):
        counts = getattr(issue, "delivery_counts", {})
        return _("%(queued)s queued · %(sent)s sent · %(failed)s failed") % {
            "queued": counts.get("queued", 0) + counts.get("sending", 0),
            "sent": counts.get("sent", 0),
            "failed": counts.get("failed", 0),
        }

    @admin.display(description=_("preview"))
    def previews(self, issue):
        if issue.pk is None:
            return _("Save the issue to preview it.")
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:newsletter_issue_previews", args=[issue.pk]),
            _("side by side (HTML and plain text)"),
            reverse("admin:newsletter_issue_preview", args=[issue.pk, emails.FREE]),
            _("as a free reader"),
            reverse("admin:newsletter_issue_preview", args=[issue.pk, emails.PAID]),
            _("as a paid reader"),
        )

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        return [
            path(
                "<int:pk>/preview/<str:variant>/",
                view(self.preview_view),
                name="newsletter_issue_preview",
            ),
            path("<int:pk>/preview/", view(self.previews_view), name="newsletter_issue_previews"),
            path("<int:pk>/progress/", view(self.progress_view), name="newsletter_issue_progress"),
            path("<int:pk>/send-test/", view(self.send_test_view), name="newsletter_issue_test"),
            *super().get_urls(),
        ]

    def _issue_or_404(self, request, pk) -> Issue:
        issue = get_object_or_404(Issue.objects.select_related("note"), pk=pk)
        if not self.has_view_permission(request, issue):
            raise Http404
        return issue

    def _progress_context(self, request, issue) -> dict:
        figures = progress.progress(issue)
        return {
            "issue": issue,
            "progress": figures,
            "failures": progress.failures(issue, figures.failed),
            "live": progress.is_live(issue, figures),
            "progress_url": reverse("admin:newsletter_issue_progress", args=[issue.pk]),
            "page_url": reverse("admin:newsletter_issue_change", args=[issue.pk]),
            "failed_list_url": reverse("admin:newsletter_delivery_changelist")
            + f"?issue__id__exact={issue.pk}&status__exact={Delivery.Status.FAILED}",
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        issue = self.get_object(request, unquote(object_id))
        if issue is not None and self.has_view_permission(request, issue):
            extra_context.update(self._progress_context(request, issue))
            extra_context["link_clicks"] = progress.link_clicks(issue)
        return super().change_view(request, object_id, form_url, extra_context)

    def progress_view(self, request, pk):
        """The progress panel alone, fetched every few seconds by the issue page while sending."""
        issue = self._issue_or_404(request, pk)
        context = self._progress_context(request, issue)
        return TemplateResponse(request, "admin/newsletter/issue/_progress.html", context)

    # The email's own inline styles, shown as the reader will see them (no scripts allowed), in
    # a sandboxed frame on the side-by-side preview page of this site only.
    @method_decorator(xframe_options_sameorigin)
    @csp_update({"style-src": ["'unsafe-inline'"]})
    @csp_replace({"frame-ancestors": ["'self'"]})
    def preview_view(self, request, pk, variant):
        if variant not in emails.SAMPLE_READERS:
            raise Http404
        issue = self._issue_or_404(request, pk)
        return HttpResponse(emails.render_issue(issue, emails.SAMPLE_READERS[variant]).html)

    def previews_view(self, request, pk):
        """Free and paid variants, each as HTML (framed) and plain text side by side."""
        issue = self._issue_or_404(request, pk)
        variants = [
            {
                "key": variant,
                "label": label,
                "html_url": reverse("admin:newsletter_issue_preview", args=[issue.pk, variant]),
                "text": emails.render_issue(issue, emails.SAMPLE_READERS[variant]).text,
            }
            for variant, label in [
                (emails.FREE, _("As a free reader")),
                (emails.PAID, _("As a paid reader")),
            ]
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": issue,
            "title": _("Preview: %s") % issue,
            "subject": issue.get_subject(),
            "variants": variants,
            "has_change_permission": self.has_change_permission(request, issue),
        }
        return TemplateResponse(request, "admin/newsletter/issue/preview.html", context)

    @method_decorator(require_POST)
    def send_test_view(self, request, pk):
        """Both variants to the signed-in author's address; back to the page the button was on."""
        issue = self._issue_or_404(request, pk)
        if not self.has_change_permission(request, issue):
            raise PermissionDenied
        self._send_tests(request, [issue])
        back = "previews" if request.POST.get("next") == "preview" else "change"
        return redirect(f"admin:newsletter_issue_{back}", issue.pk)

    def _send_tests(self, request, issues) -> None:
        if not request.user.email:
            self.message_user(request, _("Your account has no email address."), messages.ERROR)
            return
        for issue in issues:
            for variant in (emails.FREE, emails.PAID):
                emails.send_test(issue, request.user.email, variant)
        self.message_user(
            request, _("Test sent to %s (free and paid versions).") % request.user.email
        )

    @admin.action(description=_("Schedule (at its send time, or now)"))
    def schedule(self, request, queryset):
        count = 0
        for issue in queryset.filter(status__in=[Issue.Status.DRAFT, Issue.Status.CANCELLED]):
            if issue.note_id is None and not issue.body:
                self.message_user(request, _("%s has no note and no body.") % issue, messages.ERROR)
                continue
            tasks.schedule(issue, issue.scheduled_at or timezone.now())
            count += 1
        self.message_user(
            request, ngettext("%d issue scheduled.", "%d issues scheduled.", count) % count
        )

    @admin.action(description=_("Cancel (stops sending; sent mail stays sent)"))
    def cancel(self, request, queryset):
        count = queryset.filter(
            status__in=[Issue.Status.DRAFT, Issue.Status.SCHEDULED, Issue.Status.SENDING]
        ).update(status=Issue.Status.CANCELLED)
        self.message_user(
            request, ngettext("%d issue cancelled.", "%d issues cancelled.", count) % count
        )

    @admin.action(description=_("Send a test to me (free and paid versions)"))
    def send_test(self, request, queryset):
        self._send_tests(request, queryset.select_related("note"))


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["issue", "subscriber", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "issue"]
    search_fields = ["subscriber__email", "message_id"]
    list_select_related = ["issue", "issue__note", "subscriber"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
