"""The admin's import and export pages: upload, see what would change, then import.

The preview writes nothing (the importers' dry runs); the import step re-reads the same uploads,
kept for an hour under a token only the author who sent them can use (solo/moving.py).
"""

import datetime as dt
import io
import tempfile
from collections import Counter
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from newsletter.importing import import_csv
from notes.caching import invalidate
from notes.importers import import_files

from . import moving

SHOWN = 20  # items and warnings listed in a preview; the counts cover everything
MAX_CSV_BYTES = 20 * 1024 * 1024
OUTCOMES = {
    "created": pgettext_lazy("import outcome", "created"),
    "updated": pgettext_lazy("import outcome", "updated"),
    "unchanged": pgettext_lazy("import outcome", "unchanged"),
    "failed": pgettext_lazy("import outcome", "failed"),
}


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


def _notes_summary(results, folder: Path) -> dict:
    """Counts, the first items and every problem of an import's results."""
    counts = Counter({outcome: 0 for outcome in OUTCOMES})
    items, problems = [], []
    for file, result, error in results:
        name = str(Path(file).relative_to(folder))
        if error:
            counts["failed"] += 1
            problems.append(f"{name}: {error}")
            continue
        counts[result.outcome] += 1
        items.append((name, OUTCOMES[result.outcome], result.slug))
        problems += [f"{name}: {reason}" for reason in result.refused]
    return {
        "counts": [(OUTCOMES[outcome], count) for outcome, count in counts.items()],
        "raw": counts,
        "items": items[:SHOWN],
        "more": max(0, len(items) - SHOWN),
        "problems": problems,
    }


@require_http_methods(["GET", "POST"])
def import_notes(request):
    _require(request, "notes.add_note", "notes.change_note")
    if "token" in request.POST:
        return _import_notes_now(request)
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
                preview = _notes_summary(import_files([folder], dry_run=True), Path(folder))
                preview["problems"] = unpacked.warnings + preview["problems"]
                preview["formats"] = unpacked.formats
                preview["images"] = moving.new_images(unpacked)
                preview["token"] = moving.stash(uploads, request.user.pk)
    return _page(request, "import_notes.html", _("Import notes"), form=form, preview=preview)


def _import_notes_now(request):
    token = request.POST["token"]
    uploads = moving.unstash(token, request.user.pk)
    if uploads is None:
        messages.error(request, _("This upload has expired: choose the files again."))
        return redirect("admin:moving_import_notes")
    with tempfile.TemporaryDirectory(prefix="solo-import-") as folder:
        unpacked = moving.unpack(uploads, Path(folder))  # read without error at the preview
        images = moving.restore_images(unpacked)
        summary = _notes_summary(import_files([folder]), Path(folder))
    invalidate()
    moving.forget(token)
    counts = summary["raw"]
    messages.success(
        request,
        _(
            "Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(failed)d failed; %(images)d image(s) added."
        )
        % {**counts, "images": images},
    )
    for problem in summary["problems"][:SHOWN]:
        messages.warning(request, _("Warning: %(problem)s") % {"problem": problem})
    return redirect("admin:notes_note_changelist")


@require_http_methods(["GET", "POST"])
def import_subscribers(request):
    _require(request, "newsletter.add_subscriber", "newsletter.change_subscriber")
    if "token" in request.POST:
        return _import_subscribers_now(request)
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


def _import_subscribers_now(request):
    token = request.POST["token"]
    uploads = moving.unstash(token, request.user.pk)
    if uploads is None:
        messages.error(request, _("This upload has expired: choose the file again."))
        return redirect("admin:moving_import_subscribers")
    report = import_csv(io.StringIO(uploads[0][1].decode(), newline=""))
    moving.forget(token)
    messages.success(
        request,
        _(
            "Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(rejected)d rejected."
        )
        % {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected": len(report.errors),
        },
    )
    return redirect("admin:newsletter_subscriber_changelist")


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
    ]
