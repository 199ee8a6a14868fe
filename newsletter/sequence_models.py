"""Welcome sequences: emails the author writes once, each sent N days after a reader arrives.

A `Sequence` per trigger (a free reader confirms, a new reader pays, a free reader upgrades), its
`SequenceStep`s, an `Enrollment` per (sequence, reader) saying when their clock started, and the
delivery ledger `StepDelivery`, shaped like `Delivery` (rule each-issue-once): one row per
(step, reader) under a unique constraint, whose status makes every step reach a reader once.

Imported by `newsletter.models` (Django finds the models there); foreign keys to its models are
strings, so this module needs only the ledger's abstract row.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .ledger import LedgerRow


class Sequence(models.Model):
    class Trigger(models.TextChoices):
        FREE = "free", _("A new free reader confirms")
        PAID = "paid", _("A new reader pays")
        UPGRADE = "upgrade", _("A free reader upgrades to paid")

    trigger = models.CharField(_("sent to"), max_length=8, choices=Trigger.choices, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["trigger"]
        verbose_name = _("welcome sequence")
        verbose_name_plural = _("welcome sequences")

    def __str__(self):
        return self.name or str(self.get_trigger_display())


class SequenceStep(models.Model):
    """One email of a sequence. Its text is read when it is sent: an edit reaches every reader who
    has not received it yet. A paused step holds its readers until it is resumed."""

    sequence = models.ForeignKey(
        Sequence, on_delete=models.CASCADE, related_name="steps", verbose_name=_("sequence")
    )
    days = models.PositiveSmallIntegerField(
        _("days after"),
        default=0,
        help_text=_(
            "Days after the reader confirms (or pays, for the paid sequences). 0: within a minute."
        ),
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(
        _("body"), help_text=_("Markdown, like notes. An unsubscribe link is added below it.")
    )
    paused = models.BooleanField(
        _("paused"),
        default=False,
        help_text=_(
            "Readers who reach a paused step wait for it and get it once it is resumed; "
            "later steps still go out on their own days."
        ),
    )
    # A step goes only to readers whose day for it comes after it was written: adding a "day 3"
    # email today does not mail everyone who confirmed long ago.
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["sequence", "days", "pk"]
        verbose_name = _("sequence step")
        verbose_name_plural = _("sequence steps")

    def __str__(self):
        return self.subject


class Enrollment(models.Model):
    """A reader in a sequence: the steps' days count from `started_at`. Once per (sequence,
    reader): coming back after leaving does not start the sequence again."""

    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="enrollments")
    subscriber = models.ForeignKey(
        "newsletter.Subscriber", on_delete=models.CASCADE, related_name="enrollments"
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    # Set when the reader leaves (unsubscribes, bounces, complains) or moves to a paid sequence.
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(fields=["sequence", "subscriber"], name="enrollment_once"),
        ]
        indexes = [models.Index(fields=["sequence", "started_at"])]

    def __str__(self):
        return f"{self.sequence_id} ← {self.subscriber_id}"


class StepDelivery(LedgerRow):
    """One (step, subscriber) pair: the same ledger as an issue's `Delivery`."""

    step = models.ForeignKey(SequenceStep, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(
        "newsletter.Subscriber", on_delete=models.CASCADE, related_name="step_deliveries"
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("step delivery")
        verbose_name_plural = _("step deliveries")
        constraints = [
            models.UniqueConstraint(fields=["step", "subscriber"], name="step_delivery_once"),
        ]
        indexes = [models.Index(fields=["step", "status"]), models.Index(fields=["status"])]

    def __str__(self):
        return f"{self.step_id} → {self.subscriber_id} ({self.status})"


class StepClick(models.Model):
    """A reader followed a link in a step's email: at most one row per (delivery, url)."""

    step = models.ForeignKey(SequenceStep, on_delete=models.CASCADE, related_name="clicks")
    delivery = models.ForeignKey(StepDelivery, on_delete=models.CASCADE, related_name="clicks")
    url = models.URLField(_("link"), max_length=2000)
    clicked_at = models.DateTimeField(_("clicked"), default=timezone.now)

    class Meta:
        ordering = ["-clicked_at"]
        verbose_name = _("step click")
        verbose_name_plural = _("step clicks")
        constraints = [
            models.UniqueConstraint(fields=["delivery", "url"], name="step_click_once"),
        ]

    def __str__(self):
        return self.url
