from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class SentTestEmail(models.Model):
    """A test email the author sent from the dashboard: the setup checklist's proof that mail
    leaves the site."""

    to = models.EmailField(_("to"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("test email")
        verbose_name_plural = _("test emails")

    def __str__(self):
        return self.to


class ImportRun(models.Model):
    """One import started from the admin and run by a worker: what it was given, how far it got,
    and the report the author can download. Holding the upload in the row (not the cache) lets
    any worker read it, whatever cache and broker the site runs with."""

    class Kind(models.TextChoices):
        NOTES = "notes", _("notes")
        SUBSCRIBERS = "subscribers", _("subscribers")
        STRIPE = "stripe", _("paying readers from Stripe")

    class Status(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("import run", "queued")
        RUNNING = "running", pgettext_lazy("import run", "running")
        DONE = "done", pgettext_lazy("import run", "done")
        FAILED = "failed", pgettext_lazy("import run", "failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The uploaded files (a zip of them), emptied once the run is over: readers' addresses are
    # not kept longer than needed. For a Stripe run, the picked prices go in `options`.
    upload = models.BinaryField(_("upload"), default=bytes, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    report = models.TextField(_("report"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_over(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
