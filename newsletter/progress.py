"""An issue's send as the author watches it: counts by status, times, rate, failures, clicks.

Everything here is a small, fixed number of queries whatever the number of deliveries: counts
come from one aggregate, the failure list is capped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from . import clicks
from .models import Delivery, Issue

FAILURES_SHOWN = 50  # the rest are one click away in the delivery list
# A scheduled issue's page starts watching this long before its send time (dispatch runs each
# minute), not days ahead.
LIVE_BEFORE_START = timedelta(minutes=10)


@dataclass
class Progress:
    queued: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    per_minute: float | None = None  # messages accepted by the SMTP server per minute

    @property
    def total(self) -> int:
        return self.queued + self.sending + self.sent + self.failed

    @property
    def done(self) -> int:
        return self.sent + self.failed

    @property
    def percent(self) -> int:
        """Share of rows with a final answer (sent or failed), rounded down."""
        return self.done * 100 // self.total if self.total else 0


def progress(issue: Issue, now: datetime | None = None) -> Progress:
    """Counts for every status in one query; the rate over the send so far (or the whole send)."""
    counts = Delivery.objects.filter(issue_id=issue.pk).counts_by_status()
    result = Progress(
        **{status: n or 0 for status, n in counts.items()},
        started_at=issue.started_at,
        finished_at=issue.finished_at,
    )
    result.per_minute = rate(result.sent, issue.started_at, issue.finished_at, now)
    return result


def is_live(issue: Issue, figures: Progress, now: datetime | None = None) -> bool:
    """Whether the page should keep asking: sending, rows still open, or due within minutes."""
    if issue.status == Issue.Status.SENDING or figures.queued + figures.sending:
        return True
    now = now or timezone.now()
    return (
        issue.status == Issue.Status.SCHEDULED
        and issue.scheduled_at is not None
        and issue.scheduled_at <= now + LIVE_BEFORE_START
    )


def rate(sent: int, started_at, finished_at, now=None) -> float | None:
    """Messages sent per minute from the start to the end of the send (or to now while sending).

    None before the send starts or when no time has passed (a rate would be meaningless).
    """
    if started_at is None:
        return None
    end = finished_at or now or timezone.now()
    seconds = (end - started_at).total_seconds()
    if seconds <= 0:
        return None
    return round(sent * 60 / seconds, 1)


@dataclass
class Failures:
    count: int
    rows: list = field(default_factory=list)  # Delivery objects with their subscriber

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


def failures(issue: Issue, failed_count: int, limit: int = FAILURES_SHOWN) -> Failures:
    """The failed deliveries with the server's answer, newest first (none queried when none)."""
    if not failed_count:
        return Failures(0)
    rows = list(
        Delivery.objects.filter(issue_id=issue.pk, status=Delivery.Status.FAILED)
        .select_related("subscriber")
        .only("pk", "attempts", "last_error", "sent_at", "subscriber__email")
        .order_by("-pk")[:limit]
    )
    return Failures(failed_count, rows)


def link_clicks(issue: Issue) -> dict:
    """Clicks per link (most clicked first), clicks in all, and how many recipients clicked."""
    figures = clicks.totals(issue)
    return {
        "links": clicks.per_link(issue),
        "clicks": figures["clicks"],
        "clickers": figures["clickers"],
    }
