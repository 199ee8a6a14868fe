"""Issues in the admin: writing, previewing, scheduling and watching a send; deliveries."""

import smtplib

from csp.decorators import csp_replace, csp_update
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from .. import dispatch, emails, progress, tasks, topics
from ..models import Delivery, Issue
from .base import ReadOnlyAdmin
from .issue_forms import LATER, NOW, IssueForm, SendForm, TestAddressesForm, is_real_address

# The buttons beside Save that save the issue, then ask to confirm the send.
SEND_BUTTONS = {"_schedule": LATER, "_send_now": NOW}
# The test addresses the author last used, offered again on the next test.
TEST_ADDRESSES_KEY = "newsletter_test_to"


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "audience",
        "targeting",
        "status",
        "scheduled_at",
        "progress_summary",
    ]
    list_filter = ["status", "audience"]
    search_fields = ["subject", "note__title"]
    autocomplete_fields = ["note"]
    fields = [
        "note",
        "subject",
        "body",
        "audience",
        "targeting",
        "topics",
        "scheduled_at",
        "status",
        "previews",
    ]
    # Progress, times, rate and failures are in the panel above the form (change_form.html).
    readonly_fields = ["status", "previews"]
    form = IssueForm
    filter_horizontal = ["topics"]
    actions = ["schedule", "cancel", "send_test"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("note")

    def get_form(self, request, obj=None, change=False, **kwargs):
        help_texts = {
            "scheduled_at": _(
                "Saving alone sends nothing: press Schedule… below to send at this time."
            )
        }
        return super().get_form(request, obj, change, help_texts=help_texts, **kwargs)

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
            path("<int:pk>/send/", view(self.send_view), name="newsletter_issue_send"),
            path("<int:pk>/cancel/", view(self.cancel_view), name="newsletter_issue_cancel"),
            *super().get_urls(),
        ]

    def _issue_or_404(self, request, pk, *, change=False) -> Issue:
        """The issue, if this author may see it (and, with `change`, act on it)."""
        issue = get_object_or_404(Issue.objects.select_related("note"), pk=pk)
        if not self.has_view_permission(request, issue):
            raise Http404
        if change and not self.has_change_permission(request, issue):
            raise PermissionDenied
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
            extra_context["test_to"] = self._test_to(request)
        return super().change_view(request, object_id, form_url, extra_context)

    def response_add(self, request, obj, post_url_continue=None):
        return self._confirm_send(request, obj) or super().response_add(
            request, obj, post_url_continue
        )

    def response_change(self, request, obj):
        if response := self._confirm_send(request, obj):
            return response
        if obj.status == Issue.Status.DRAFT and obj.scheduled_at:
            self.message_user(
                request,
                _("Still a draft: nothing is sent until you press Schedule."),
                messages.WARNING,
            )
        return super().response_change(request, obj)

    def _confirm_send(self, request, issue):
        """Schedule… and Send now… save the issue first, then ask to confirm."""
        for button, when in SEND_BUTTONS.items():
            if button in request.POST:
                url = reverse("admin:newsletter_issue_send", args=[issue.pk])
                return redirect(f"{url}?when={when}")
        return None

    def send_view(self, request, pk):
        """GET: who the send would reach and what they get, to confirm; POST: schedule or send."""
        issue = self._issue_or_404(request, pk, change=True)
        page = redirect("admin:newsletter_issue_change", issue.pk)
        if request.method == "POST":
            with transaction.atomic():  # a double click schedules once
                issue = (
                    Issue.objects.select_for_update(of=("self",)).select_related("note").get(pk=pk)
                )
                form = SendForm(issue, request.POST)
                if form.is_valid():
                    tasks.schedule(issue, form.at)
            if form.is_valid():
                if form.at:
                    done = _("Scheduled for %(at)s (%(zone)s).") % {
                        "at": date_format(timezone.localtime(form.at), "DATETIME_FORMAT"),
                        "zone": timezone.get_current_timezone_name(),
                    }
                else:
                    done = _("Sending now.")
                self.message_user(request, done, messages.SUCCESS)
                return page
        else:
            form = SendForm(issue, request.GET)
        if not form.is_valid():
            if "when" in form.errors:
                raise Http404  # not a button of the page
            for error in form.non_field_errors():
                self.message_user(request, error, messages.ERROR)
            return page
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": issue,
            "title": _("Schedule “%s”?") % issue if form.at else _("Send “%s” now?") % issue,
            "when": form.cleaned_data["when"],
            "at": form.at,
            "counts": dispatch.audience_counts(issue),
            "topic_names": ", ".join(topic.name for topic in topics.sent_for(issue)),
            "has_note": issue.note_id is not None,
        }
        return TemplateResponse(request, "admin/newsletter/issue/send_confirm.html", context)

    @method_decorator(require_POST)
    def cancel_view(self, request, pk):
        """A scheduled issue back to draft; once its send has started, it goes on."""
        issue = self._issue_or_404(request, pk, change=True)
        if dispatch.cancel(issue):
            self.message_user(
                request, _("Cancelled: the issue is a draft again."), messages.SUCCESS
            )
        else:
            issue.refresh_from_db()
            if issue.status in (Issue.Status.SENDING, Issue.Status.SENT):
                problem = _("Sending has started: it can no longer be cancelled.")
            else:
                problem = _("This issue was not scheduled: nothing to cancel.")
            self.message_user(request, problem, messages.ERROR)
        return redirect("admin:newsletter_issue_change", issue.pk)

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
            "test_to": self._test_to(request),
        }
        return TemplateResponse(request, "admin/newsletter/issue/preview.html", context)

    @method_decorator(require_POST)
    def send_test_view(self, request, pk):
        """The variants the audience gets, to the addresses given; back to the button's page."""
        issue = self._issue_or_404(request, pk, change=True)
        self._send_tests(request, [issue], request.POST.get("to"))
        back = "previews" if request.POST.get("next") == "preview" else "change"
        return redirect(f"admin:newsletter_issue_{back}", issue.pk)

    def _test_to(self, request) -> str:
        """The addresses offered for a test: the last ones used, else the author's own if real."""
        email = request.user.email
        return request.session.get(TEST_ADDRESSES_KEY) or (email if is_real_address(email) else "")

    def _send_tests(self, request, issues, to: str | None = None) -> None:
        """Tests to `to`, or to the author's own address (the list's action has no field)."""
        if to is None and not request.user.email:
            self.message_user(request, _("Your account has no email address."), messages.ERROR)
            return
        form = TestAddressesForm({"to": request.user.email if to is None else to})
        if not form.is_valid():
            for error in form.errors["to"]:
                self.message_user(request, error, messages.ERROR)
            return
        addresses = form.cleaned_data["to"]
        # Sent during the request, unlike real sends: a few messages, and the author waits to
        # hear whether the mail server took them.
        sent = set()
        try:
            for issue in issues:
                sent.update(emails.send_test(issue, addresses))
        except (smtplib.SMTPException, OSError) as error:
            self.message_user(
                request, _("The mail server did not take the test: %s") % error, messages.ERROR
            )
            return
        request.session[TEST_ADDRESSES_KEY] = ", ".join(addresses)
        versions = {
            (emails.FREE, emails.PAID): _("free and paid versions"),
            (emails.FREE,): _("free version"),
            (emails.PAID,): _("paid version"),
        }
        self.message_user(
            request,
            _("Test sent to %(to)s (%(versions)s).")
            % {"to": ", ".join(addresses), "versions": versions[tuple(sorted(sent))]},
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
