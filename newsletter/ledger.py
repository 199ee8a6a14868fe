"""The delivery ledger's row (rule each-issue-once), shared by issues and welcome sequences.

An email to one reader is one row whose status (queued, sending, sent, failed) makes every send
happen exactly once: `Delivery` for an issue, `StepDelivery` for a sequence step. Each adds its
parent and reader under a unique constraint; `delivery.py` claims, sends and records either.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LedgerRow(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    # When a queued row last had a task queued for it; queued rows whose task was lost with a
    # killed worker are queued again after NEWSLETTER_CLAIM_TIMEOUT.
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=200, blank=True)

    class Meta:
        abstract = True
