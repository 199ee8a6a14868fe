"""Sending a batch (rule each-issue-once: every subscriber gets each issue once).

`send_batch()` claims its queued rows (`select_for_update(skip_locked=True)`), asks the access rule
which email each recipient gets, prepares each variant once, and sends over SMTP connections kept
open for the whole batch, marking each row sent as soon as the server accepts it. A refused mailbox
counts towards bouncing its reader.

Speed: a variant is rendered, CSS-inlined, its links rewritten for click counting and MIME-encoded
once; each recipient then costs a byte-level copy (`recipient_template`) and one SMTP transaction.
"""

from __future__ import annotations

import logging
import queue
import smtplib
import threading
import time
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from billing.access import ANONYMOUS, Reader, readers_for_subscribers

from . import tokens
from .dispatch import finish_if_done
from .emails import Prepared, build_message, message_id, prepare, teaser_only
from .models import Delivery, Issue, Subscriber

log = logging.getLogger(__name__)

HARD_BOUNCE_LIMIT = 3  # permanent refusals before a subscriber is marked bounced


class TransientSendError(Exception):
    """Some rows could not be sent for a temporary reason; they are queued again for a retry."""


@dataclass
class Job:
    delivery_id: int
    subscriber_id: int
    email: str
    language: str
    reader: Reader = ANONYMOUS  # the recipient, to the access rule, when the batch runs
    prepared: Prepared | None = None  # the email they get


def claim(issue_id: int, delivery_ids: list[int]) -> list[Job]:
    """Claim this batch's queued rows; rows another worker holds or already sent are skipped."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=delivery_ids, issue_id=issue_id, status=Delivery.Status.QUEUED)
            .values_list(
                "pk",
                "subscriber_id",
                "subscriber__email",
                "subscriber__language",
                "subscriber__status",
            )
        )
        gone = [row[0] for row in rows if row[4] != Subscriber.Status.ACTIVE]
        Delivery.objects.filter(pk__in=gone).update(
            status=Delivery.Status.FAILED, last_error="subscriber no longer active"
        )
        live = [row for row in rows if row[4] == Subscriber.Status.ACTIVE]
        Delivery.objects.filter(pk__in=[row[0] for row in live]).update(
            status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    return [
        Job(pk, sid, email, language or settings.LANGUAGE_CODE)
        for pk, sid, email, language, _status in live
    ]


def _smtp_answer(exc: Exception) -> tuple[int, str]:
    """The server's code and text: for this recipient, or for the whole message."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
    else:
        code, text = exc.smtp_code, exc.smtp_error
    return code or 451, text.decode(errors="replace") if isinstance(text, bytes) else str(text)


@dataclass
class Outcome:
    job: Job
    ok: bool
    permanent: bool = False
    bounce: bool = False  # the server refused this recipient's mailbox
    error: str = ""
    msgid: str = ""
    recorded: threading.Event | None = None


def _sender(
    issue: Issue,
    jobs: list[Job],
    results: queue.Queue,
    rate: float,
    abort: threading.Event,
):
    """Send `jobs` over one connection; report each outcome. Runs in its own thread."""
    interval = 1.0 / rate if rate else 0.0
    try:
        connection = get_connection()
        connection.open()
    except Exception as exc:  # noqa: BLE001 - e.g. relay down, or a mail folder it cannot use
        for job in jobs:  # every job must report, or the batch waits for ever
            results.put(Outcome(job, ok=False, error=f"connection: {exc}"[:500]))
        return
    fast = isinstance(connection, SMTPBackend)
    from_addr = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    try:
        for index, job in enumerate(jobs):
            if abort.is_set():  # the batch stopped (database gone): the rest waits for a retry
                return
            started = time.monotonic()
            token = tokens.unsubscribe_token(job.subscriber_id)
            msgid = message_id(job.delivery_id, issue.pk)
            template = job.prepared.template if fast else None
            try:
                data = None
                if template is not None:
                    data = template.fill(job.email, token, msgid, job.delivery_id)
                if data is not None:
                    connection.connection.sendmail(from_addr, [job.email], data)
                else:
                    personal = job.prepared.personal(token, job.delivery_id)
                    connection.send_messages(
                        [build_message(issue, personal, job.email, token, msgid)]
                    )
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
                code, text = _smtp_answer(exc)
                # Only a refused mailbox counts towards bouncing the reader: a server refusing the
                # message or the sender, or refusing by policy (5.7.x: relay denied, blocked), is
                # not their fault.
                refused = isinstance(exc, smtplib.SMTPRecipientsRefused)
                policy = text.startswith("5.7.")
                results.put(
                    Outcome(
                        job,
                        ok=False,
                        permanent=code >= 500,
                        bounce=refused and not policy and code >= 500,
                        error=str(exc)[:500],
                    )
                )
                continue
            except (OSError, smtplib.SMTPException) as exc:
                # Connection lost: this and the remaining rows go back to the queue.
                for rest in jobs[index:]:
                    results.put(Outcome(rest, ok=False, error=f"connection: {exc}"[:500]))
                return
            except Exception as exc:  # noqa: BLE001 - every job must report, or the batch waits
                log.exception("newsletter: unexpected error sending delivery %s", job.delivery_id)
                for rest in jobs[index:]:
                    results.put(Outcome(rest, ok=False, error=f"error: {exc!r}"[:500]))
                return
            # Wait until the row is marked sent, so a crash can repeat at most one message per
            # connection (rule each-issue-once: duplicates bounded by the messages in flight).
            recorded = threading.Event()
            results.put(Outcome(job, ok=True, msgid=msgid, recorded=recorded))
            recorded.wait()
            if interval:
                time.sleep(max(0.0, interval - (time.monotonic() - started)))
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - a dead connection cannot be closed politely
            pass


def _with_readers(issue: Issue, jobs: list[Job]) -> list[Job]:
    """Each claimed recipient as the access rule sees them now, not at the snapshot (which a
    retried batch may follow by hours): a reader who stopped paying since gets the teaser, and no
    paid-only issue at all. One query for the batch."""
    readers = readers_for_subscribers([job.subscriber_id for job in jobs])
    for job in jobs:
        job.reader = readers.get(job.subscriber_id, ANONYMOUS)
    if issue.audience == Issue.Audience.PAID:
        left = [job.delivery_id for job in jobs if not job.reader.is_paid]
        Delivery.objects.filter(pk__in=left).update(
            status=Delivery.Status.FAILED, last_error="no longer a paid reader"
        )
        jobs = [job for job in jobs if job.reader.is_paid]
    return jobs


def send_batch(issue_id: int, delivery_ids: list[int]) -> dict[str, int]:
    """Send one batch. Raises TransientSendError when some rows must be retried later."""
    issue = Issue.objects.select_related("note__minimum_tier").get(pk=issue_id)
    if issue.status != Issue.Status.SENDING:
        return {"sent": 0}
    jobs = _with_readers(issue, claim(issue_id, delivery_ids))
    if not jobs:
        finish_if_done(issue_id)
        return {"sent": 0}
    variants: dict[tuple[bool, str], Prepared] = {}
    for job in jobs:  # each email rendered once per batch, for the first reader who gets it
        key = (teaser_only(issue, job.reader), job.language)
        if key not in variants:
            variants[key] = prepare(issue, job.reader, job.language)
        job.prepared = variants[key]

    connections = max(1, min(settings.NEWSLETTER_SMTP_CONNECTIONS, len(jobs)))
    rate = settings.NEWSLETTER_RATE_LIMIT / connections if settings.NEWSLETTER_RATE_LIMIT else 0
    chunks = [jobs[i::connections] for i in range(connections)]
    results: queue.Queue = queue.Queue()
    abort = threading.Event()
    threads = [
        threading.Thread(target=_sender, args=(issue, chunk, results, rate, abort), daemon=True)
        for chunk in chunks
    ]
    for thread in threads:
        thread.start()
    # Database writes stay in this thread: each row is marked the moment its outcome arrives.
    counts = {"sent": 0, "failed": 0, "retry": 0}
    outcome = None
    try:
        for _index in range(len(jobs)):
            outcome = results.get()
            counts[_record(outcome)] += 1
            if outcome.recorded is not None:
                outcome.recorded.set()
    except BaseException:
        # Recording failed (e.g. the database connection was killed): release the senders, which
        # wait for each row to be recorded, so no thread or SMTP connection is left behind. The
        # claimed rows go back to the queue after NEWSLETTER_CLAIM_TIMEOUT.
        abort.set()
        if outcome is not None and outcome.recorded is not None:
            outcome.recorded.set()
        _release(threads, results)
        raise
    for thread in threads:
        thread.join()
    finish_if_done(issue_id)
    if counts["retry"]:
        raise TransientSendError(f"{counts['retry']} deliveries of issue {issue_id} to retry")
    return counts


def _release(threads: list[threading.Thread], results: queue.Queue) -> None:
    while any(thread.is_alive() for thread in threads):
        try:
            outcome = results.get(timeout=0.1)
        except queue.Empty:
            continue
        if outcome.recorded is not None:
            outcome.recorded.set()


_MARK_SENT = (
    f"UPDATE {Delivery._meta.db_table} SET status = %s, sent_at = %s, message_id = %s WHERE id = %s"
)


def _record(outcome: Outcome) -> str:
    if outcome.ok:
        # The hot path (one statement per message): plain SQL skips the ORM's query building.
        with connection.cursor() as cursor:
            cursor.execute(
                _MARK_SENT,
                [Delivery.Status.SENT, timezone.now(), outcome.msgid, outcome.job.delivery_id],
            )
        return "sent"
    rows = Delivery.objects.filter(pk=outcome.job.delivery_id)
    if outcome.permanent:
        rows.update(status=Delivery.Status.FAILED, last_error=outcome.error)
        if outcome.bounce:
            record_hard_bounce(outcome.job.subscriber_id)
        return "failed"
    rows.update(
        status=Delivery.Status.QUEUED,
        claimed_at=None,
        queued_at=timezone.now(),
        last_error=outcome.error,
    )
    return "retry"


def record_hard_bounce(subscriber_id: int) -> None:
    Subscriber.objects.filter(pk=subscriber_id).update(hard_bounces=F("hard_bounces") + 1)
    reader = Subscriber.objects.filter(
        pk=subscriber_id, hard_bounces__gte=HARD_BOUNCE_LIMIT
    ).first()
    if reader is not None:
        reader.bounce()  # the reader lifecycle decides from which statuses a bounce applies
