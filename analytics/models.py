"""What is kept of page views: counts per day, never who viewed (see the /privacy/ page)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyPageViews(models.Model):
    """Views of one page from one source on one day; kept for good (one row per day×path×source)."""

    day = models.DateField(_("day"))
    # The page's path without its query string.
    path = models.CharField(_("path"), max_length=300)
    # Set when the path is a note's, so a note's views survive a change of its address.
    note = models.ForeignKey(
        "notes.Note",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="daily_views",
        verbose_name=_("note"),
    )
    # "" for direct visits; else the referring domain, or a utm_source/ref value.
    source = models.CharField(_("source"), max_length=100, blank=True)
    views = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("daily page views")
        verbose_name_plural = _("daily page views")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "path", "source"], name="analytics_one_row_per_day_path_source"
            )
        ]
        indexes = [models.Index(fields=["note", "day"], name="analytics_note_day")]

    def __str__(self):
        return f"{self.day} {self.path} {self.source or '-'}: {self.views}"


class DailyTotals(models.Model):
    """The whole site's figures for one day."""

    day = models.DateField(_("day"), unique=True)
    views = models.PositiveIntegerField(_("views"), default=0)
    # A HyperLogLog estimate (about 0.81 % standard error) of the distinct visitors that day.
    visitors = models.PositiveIntegerField(_("visitors"), default=0)
    feed_fetches = models.PositiveIntegerField(_("feed fetches"), default=0)
    # Requests from bots and crawlers: not counted in views.
    bots = models.PositiveIntegerField(_("bots"), default=0)

    class Meta:
        verbose_name = _("daily totals")
        verbose_name_plural = _("daily totals")

    def __str__(self):
        return f"{self.day}: {self.views}"


class FlushedBatch(models.Model):
    """A batch of Redis counters already added to the tables above (analytics/flush.py).

    Written in the same transaction as the counts: a flush that dies after its commit but before
    deleting the batch from Redis finds it here next time and deletes it without adding it twice.
    """

    key = models.CharField(max_length=100, unique=True)
    flushed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return self.key
