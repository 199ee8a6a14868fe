"""The admin's import and export pages: upload, see what would change, then import.

The preview writes nothing (the importers' dry runs); the import step takes the same uploads,
kept for an hour under a token only the author who sent them can use (solo/moving.py), into an
ImportRun row and queues it for a worker; the run's page shows its progress, then its report.
"""

import datetime as dt
import io
import tempfile
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from billing import linking, stripe_api
from newsletter.importing import import_csv
from notes.importers import import_files

from . import import_runs, moving, tasks
from .models import ImportRun

SHOWN = 20  # items and warnings listed in a preview; the counts cover everything
MAX_CSV_BYTES = 20 * 1024 * 1024
# The counts a run may have, in the order shown.
COUNTS = {
    **import_runs.OUTCOMES,
    "rejected": pgettext_lazy("import outcome", "rejected"),
    "images": _("images added"),
    "linked": _("linked"),
    "already": _("already linked"),
    "not_linked": _("not linked"),
    "other_prices": _("on other prices, left alone"),
}
# Who may follow a run: whoever may start one of its kind.
RUN_PERMISSIONS = {
    ImportRun.Kind.NOTES: ("notes.add_note", "notes.change_note"),
    ImportRun.Kind.SUBSCRIBERS: ("newsletter.add_subscriber", "newsletter.change_subscriber"),
    ImportRun.Kind.STRIPE: ("billing.add_plan", "newsletter.add_subscriber"),
}
REPORT_LINES_SHOWN = 200


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the pattern Django's documentation gives)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class NotesUploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Markdown files, zips or exports"),
        help_text=_(
            "A Hashnode export, Markdown files with front matter, a zip exported from Solo "
            "(notes, images and old addresses), a Substack export zip, a Ghost JSON export, a "
            "WordPress export (WXR) or a beehiiv posts CSV. Up to 50 MB at once."
        ),
        widget=MultipleFileInput(attrs={"accept": ".md,.markdown,.zip,.json,.xml,.csv"}),
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        if sum(file.size for file in files) > moving.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("These files weigh more than 50 MB: send fewer."))
        return files


class SubscribersUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "A header row with an email column: a plain email,name file, the subscribers.csv of "
            "a Solo export, or the subscriber export of Substack, Ghost, beehiiv, Kit or "
            "Mailchimp. Up to 20 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_CSV_BYTES:
            raise forms.ValidationError(_("This file weighs more than 20 MB."))
        try:
            file.text = file.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("This file is not UTF-8 text.")) from None
        return file


def _require(request, *permissions):
    if not request.user.has_perms(permissions):
        raise PermissionDenied


def _page(request, template, title, **context):
    context = {**admin.site.each_context(request), "title": title, **context}
    return TemplateResponse(request, f"admin/moving/{template}", context)


@require_http_methods(["GET", "POST"])
def import_notes(request):
    _require(request, "notes.add_note", "notes.change_note")
    if "token" in request.POST:
        return _start(request, ImportRun.Kind.NOTES, "admin:moving_import_notes")
    form = NotesUploadForm(request.POST or None, request.FILES or None)
    preview = None
    if form.is_valid():
        uploads = [(file.name, file.read()) for file in form.cleaned_data["files"]]
        with tempfile.TemporaryDirectory(prefix="solo-import-") as folder:
            try:
                unpacked = moving.unpack(uploads, Path(folder))
            except moving.ArchiveError as error:
                form.add_error("files", str(error))
            else:
                summary = import_runs.notes_summary(
                    import_files([folder], dry_run=True), Path(folder)
                )
                items = summary["items"]
                preview = {
                    "counts": summary["counts"],
                    "items": [(n, import_runs.OUTCOMES[o], slug) for n, o, slug in items[:SHOWN]],
                    "more": max(0, len(items) - SHOWN),
                    "problems": unpacked.warnings + summary["problems"],
                    "formats": unpacked.formats,
                    "images": moving.new_images(unpacked),
                    "token": moving.stash(uploads, request.user.pk),
                }
    return _page(request, "import_notes.html", _("Import notes"), form=form, preview=preview)


def _start(request, kind: str, upload_page: str):
    """Hand the previewed uploads to a worker and show the run's progress."""
    token = request.POST["token"]
    uploads = moving.unstash(token, request.user.pk)
    if uploads is None:
        messages.error(request, _("This upload has expired: choose the files again."))
        return redirect(upload_page)
    run = ImportRun.objects.create(kind=kind, user=request.user, upload=import_runs.pack(uploads))
    moving.forget(token)
    tasks.start(run)
    return redirect("admin:moving_run", run.pk)


@require_http_methods(["GET", "POST"])
def import_subscribers(request):
    _require(request, "newsletter.add_subscriber", "newsletter.change_subscriber")
    if "token" in request.POST:
        return _start(request, ImportRun.Kind.SUBSCRIBERS, "admin:moving_import_subscribers")
    form = SubscribersUploadForm(request.POST or None, request.FILES or None)
    preview = None
    if form.is_valid():
        file = form.cleaned_data["file"]
        report = import_csv(io.StringIO(file.text, newline=""), dry_run=True)
        preview = {
            "report": report,
            "rejected": report.errors[:SHOWN],
            "first": report.first,
            "token": moving.stash([(file.name, file.text.encode())], request.user.pk),
        }
    return _page(
        request, "import_subscribers.html", _("Import subscribers"), form=form, preview=preview
    )


def _run_for(request, pk: int) -> ImportRun:
    run = get_object_or_404(ImportRun.objects.defer("upload"), pk=pk)
    _require(request, *RUN_PERMISSIONS[run.kind])
    return run


@require_GET
def run_progress(request, pk: int):
    """Queued, running, done or failed, with the counts so far; reloads itself until over."""
    run = _run_for(request, pk)
    lines = run.report.splitlines()
    context = {
        "run": run,
        "counts": [(label, run.counts[key]) for key, label in COUNTS.items() if key in run.counts],
        "report_lines": lines[:REPORT_LINES_SHOWN],
        "more_lines": max(0, len(lines) - REPORT_LINES_SHOWN),
    }
    return _page(request, "run.html", _("Import #%(pk)d") % {"pk": run.pk}, **context)


@require_GET
def run_report(request, pk: int):
    run = _run_for(request, pk)
    if not run.is_over:
        raise Http404("The report is written when the run is over.")
    response = HttpResponse(run.report, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="solo-import-{run.pk}.txt"'
    return response


class PricesForm(forms.Form):
    prices = forms.MultipleChoiceField(
        label=_("Prices that count as plans here"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one price.")},
    )


@require_http_methods(["GET", "POST"])
def link_stripe(request):
    """The author ticks which of the Stripe account's prices count as plans here; a dry run shows
    who would be linked, then "Link these readers" does it. Both run on a worker: each reader may
    cost a call to Stripe, too slow for one request with thousands of them."""
    _require(request, *RUN_PERMISSIONS[ImportRun.Kind.STRIPE])
    title = _("Link paying readers from Stripe")
    if not stripe_api.is_configured():
        return _page(request, "link_stripe.html", title, configured=False)
    try:
        choices = linking.price_choices()
    except stripe_api.StripeError as error:
        return _page(request, "link_stripe.html", title, configured=True, stripe_error=error)
    data = request.POST if request.method == "POST" else None
    form = PricesForm(data, initial={"prices": [c.id for c in choices if c.is_plan]})
    form.fields["prices"].choices = [(c.id, c.id) for c in choices]
    if form.is_valid():
        run = ImportRun.objects.create(
            kind=ImportRun.Kind.STRIPE,
            user=request.user,
            options={"prices": form.cleaned_data["prices"], "dry_run": "link" not in request.POST},
        )
        tasks.start(run)
        return redirect("admin:moving_run", run.pk)
    return _page(request, "link_stripe.html", title, configured=True, form=form, choices=choices)


@require_GET
def export(request):
    _require(request, "notes.view_note", "newsletter.view_subscriber")
    file = tempfile.TemporaryFile()
    moving.write_export(file)
    file.seek(0)
    name = f"solo-export-{dt.date.today():%Y-%m-%d}.zip"
    return FileResponse(file, as_attachment=True, filename=name, content_type="application/zip")


def urls(site) -> list:
    """The pages, behind the admin's own sign-in (staff, and the authenticator code if set)."""
    return [
        path("moving/notes/", site.admin_view(import_notes), name="moving_import_notes"),
        path(
            "moving/subscribers/",
            site.admin_view(import_subscribers),
            name="moving_import_subscribers",
        ),
        path("moving/export/", site.admin_view(export), name="moving_export"),
        path("moving/stripe/", site.admin_view(link_stripe), name="moving_link_stripe"),
        path("moving/runs/<int:pk>/", site.admin_view(run_progress), name="moving_run"),
        path(
            "moving/runs/<int:pk>/report/",
            site.admin_view(run_report),
            name="moving_run_report",
        ),
    ]
