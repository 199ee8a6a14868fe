"""The send pipeline (DESIGN.md "Sending" and rule 2: every subscriber gets each issue once).

- `dispatch_due()` takes due issues under a row lock, snapshots the audience into Delivery rows
  and queues batch tasks;
- `send_batch()` claims queued rows (`select_for_update(skip_locked=True)`), renders each audience
  variant once, and sends over SMTP connections kept open for the whole batch, marking each row
  sent as soon as the server accepts it;
- `requeue_stale()` gives rows claimed by a dead worker back to the queue.

Speed: a variant is rendered, CSS-inlined, its links rewritten for click counting and MIME-encoded
once; each recipient then costs a few byte substitutions (address, Message-ID, unsubscribe token,
click delivery part) and one SMTP transaction.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import smtplib
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.access import payments_on
from notes.markdown import render_markdown, split_teaser, strip_paywall

from . import clicks, tokens
from .models import Delivery, Issue, Subscriber

log = logging.getLogger(__name__)

FREE = Issue.Audience.FREE.value
PAID = Issue.Audience.PAID.value
HARD_BOUNCE_LIMIT = 3  # permanent refusals before a subscriber is marked bounced

# Placeholders replaced per recipient in the encoded message. ASCII without `=` or spaces, so they
# survive 8bit bodies and header folding unchanged.
TO_PLACEHOLDER = "recipient@placeholder.invalid"
MSGID_PLACEHOLDER = "<message-id@placeholder.invalid>"
TOKEN_PLACEHOLDER = "XUNSUBSCRIBETOKENX"
_MAX_LINE = 900  # below SMTP's 998, so Django keeps bodies 8bit instead of quoted-printable


class TransientSendError(Exception):
    """Some rows could not be sent for a temporary reason; they are queued again for a retry."""


# --- audience ----------------------------------------------------------------------------------


def _paid_only(queryset: QuerySet) -> QuerySet:
    from billing.access import paid_subscribers

    return paid_subscribers(queryset)


def variant_for(subscriber: Subscriber) -> str:
    """Which email a subscriber gets: the whole note (paid) or the teaser (free)."""
    from billing.access import subscriber_is_paid

    return PAID if subscriber_is_paid(subscriber) else FREE


def audience(issue: Issue) -> QuerySet:
    active = Subscriber.objects.filter(status=Subscriber.Status.ACTIVE)
    if issue.audience == Issue.Audience.PAID:
        return _paid_only(active)
    if issue.audience == Issue.Audience.FREE:
        return active.exclude(pk__in=_paid_only(active).values("pk"))
    return active


def paid_ids(subscriber_ids: list[int]) -> set[int]:
    return set(
        _paid_only(Subscriber.objects.filter(pk__in=subscriber_ids)).values_list("pk", flat=True)
    )


# --- dispatching -------------------------------------------------------------------------------


def schedule(issue: Issue, at=None) -> Issue:
    """Schedule an issue (now when `at` is None) and, when due, dispatch it at once."""
    issue.scheduled_at = at or timezone.now()
    issue.status = Issue.Status.SCHEDULED
    issue.save()
    if issue.scheduled_at <= timezone.now():
        dispatch_due()
    return issue


def snapshot(issue: Issue) -> int:
    """One Delivery row per reader in the audience; re-running adds nothing (unique constraint)."""
    rows = (
        Delivery(issue_id=issue.pk, subscriber_id=pk)
        for pk in audience(issue).values_list("pk", flat=True).iterator(chunk_size=2000)
    )
    Delivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return issue.deliveries.count()


def dispatch_due(now=None) -> list[int]:
    """Start every due issue: snapshot, mark sending, queue batches. Returns the issue ids."""
    now = now or timezone.now()
    started = []
    with transaction.atomic():
        for issue in Issue.objects.due(now).select_for_update(skip_locked=True):
            issue.recipients_count = snapshot(issue)
            issue.status = Issue.Status.SENDING
            issue.started_at = now
            issue.save(update_fields=["recipients_count", "status", "started_at"])
            queue_batches(
                issue.pk, Delivery.objects.filter(issue=issue, status=Delivery.Status.QUEUED)
            )
            started.append(issue.pk)
    return started


def queue_batches(issue_id: int, rows: QuerySet) -> int:
    """Queue send tasks for these queued rows, after the current transaction commits."""
    from .tasks import send_batch

    size = settings.NEWSLETTER_BATCH_SIZE
    ids = list(rows.order_by("pk").values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids).update(queued_at=timezone.now())
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        transaction.on_commit(lambda chunk=chunk: send_batch.delay(issue_id, chunk))
    return len(ids)


def requeue_stale(now=None) -> int:
    """Rows claimed by a dead worker, or queued with their task lost, get a new task."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.NEWSLETTER_CLAIM_TIMEOUT)
    released = Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=cutoff
    ).update(status=Delivery.Status.QUEUED, claimed_at=None, last_error="claim timed out")
    with transaction.atomic():
        for issue_id in Issue.objects.filter(status=Issue.Status.SENDING).values_list(
            "pk", flat=True
        ):
            stale = Delivery.objects.filter(
                issue_id=issue_id, status=Delivery.Status.QUEUED, queued_at__lt=cutoff
            )
            queue_batches(issue_id, stale)
            finish_if_done(issue_id)
    return released


def finish_if_done(issue_id: int) -> None:
    pending = Delivery.objects.filter(
        issue_id=issue_id, status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]
    )
    if not pending.exists():
        Issue.objects.filter(pk=issue_id, status=Issue.Status.SENDING).update(
            status=Issue.Status.SENT, finished_at=timezone.now()
        )


# --- rendering ---------------------------------------------------------------------------------


def _wrap_long_lines(text: str) -> str:
    """Break lines longer than _MAX_LINE at a space (HTML and plain text read the same)."""
    out = []
    for line in text.splitlines():
        while len(line) > _MAX_LINE:
            cut = line.rfind(" ", 0, _MAX_LINE)
            if cut <= 0:
                break
            out.append(line[:cut])
            line = line[cut + 1 :]
        out.append(line)
    return "\n".join(out)


@dataclass
class Rendered:
    subject: str
    text: str
    html: str


def render_issue(
    issue: Issue, variant: str, unsubscribe_token: str = TOKEN_PLACEHOLDER, track: bool = False
) -> Rendered:
    """The email for one audience variant (free: teaser + upgrade link; paid: everything).

    With `track`, links go through the click redirect with `clicks.DELIVERY_PLACEHOLDER` in place
    of the recipient's part (previews and tests to the author are not tracked).
    """
    note = issue.note
    site = settings.SITE_URL
    teaser_only = False
    if note is not None:
        full = variant == PAID or not note.is_premium
        teaser_only = not full
        markdown_text = strip_paywall(note.body) if full else split_teaser(note.body)[0]
        content_html = note.body_html if full else note.teaser_html
        read_url = site + note.get_absolute_url()
    else:
        markdown_text = issue.body
        content_html = render_markdown(issue.body)
        read_url = site + "/"
    context = {
        "issue": issue,
        "subject": issue.get_subject(),
        "title": note.title if note else issue.get_subject(),
        "content_html": content_html,
        "content_text": markdown_text,
        "teaser_only": teaser_only,
        "read_url": read_url,
        "pricing_url": site + "/pricing/" if payments_on() else "",  # no upgrade to a dead end
        "unsubscribe_url": site + reverse("newsletter:unsubscribe", args=[unsubscribe_token]),
        "site_name": settings.SITE_NAME,
        "site_url": site,
    }
    html = render_to_string("newsletter/email/issue.html", context)
    text = render_to_string("newsletter/email/issue.txt", context)
    html = css_inline.CSSInliner(load_remote_stylesheets=False).inline(html)
    if track:
        html = clicks.rewrite_html(html, issue.pk)
        text = clicks.rewrite_text(text, issue.pk)
    return Rendered(context["subject"], _wrap_long_lines(text), _wrap_long_lines(html))


def _domain() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"


def message_id(delivery_id: int, issue_id: int) -> str:
    """Stable per delivery: a resend after a crash keeps its Message-ID (receivers dedupe)."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{delivery_id}".encode()).hexdigest()[:12]
    return f"<issue{issue_id}.d{delivery_id}.{digest}@{_domain()}>"


def headers(issue: Issue, token: str) -> dict[str, str]:
    url = settings.SITE_URL + reverse("newsletter:unsubscribe", args=[token])
    list_host = urlsplit(settings.SITE_URL).hostname or _domain()
    mailto = f"mailto:unsubscribe@{_domain()}?subject=unsubscribe%20{token}"
    return {
        # RFC 2369 + RFC 8058: one-click unsubscribe by POST to the https URL.
        "List-Unsubscribe": f"<{url}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{settings.SITE_NAME} <newsletter.{list_host}>",
        "Precedence": "bulk",
        "Auto-Submitted": "auto-generated",
    }


def build_message(issue: Issue, rendered: Rendered, to: str, token: str, msgid: str):
    message = EmailMultiAlternatives(
        rendered.subject,
        rendered.text,
        to=[to],
        headers={**headers(issue, token), "Message-ID": msgid},
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


@dataclass
class Prepared:
    """One variant, encoded once; `for_recipient` only substitutes the per-recipient parts."""

    rendered: Rendered
    template: bytes | None  # None when the body could not stay 8bit: build per recipient
    tracked: bool = False  # links hold clicks.DELIVERY_PLACEHOLDER

    def for_recipient(self, to: str, token: str, msgid: str, delivery_id: int = 0) -> bytes:
        data = (
            self.template.replace(TO_PLACEHOLDER.encode(), to.encode())
            .replace(MSGID_PLACEHOLDER.encode(), msgid.encode())
            .replace(TOKEN_PLACEHOLDER.encode(), token.encode())
        )
        if self.tracked:
            part = clicks.delivery_part(delivery_id).encode()
            data = data.replace(clicks.DELIVERY_PLACEHOLDER.encode(), part)
        return data

    def personal(self, token: str, delivery_id: int) -> Rendered:
        """The slow path's copy for one recipient (same substitutions, on text)."""
        text, html = self.rendered.text, self.rendered.html
        if self.tracked:
            text = clicks.personalise(text, delivery_id)
            html = clicks.personalise(html, delivery_id)
        return Rendered(
            self.rendered.subject,
            text.replace(TOKEN_PLACEHOLDER, token),
            html.replace(TOKEN_PLACEHOLDER, token),
        )


def prepare(issue: Issue, variant: str, language: str) -> Prepared:
    track = clicks.tracking_on()
    with translation.override(language):
        rendered = render_issue(issue, variant, track=track)
    raw = build_message(issue, rendered, TO_PLACEHOLDER, TOKEN_PLACEHOLDER, MSGID_PLACEHOLDER)
    data = raw.message().as_bytes(linesep="\r\n")
    encoded = b"quoted-printable" in data or b"base64" in data
    return Prepared(rendered, None if encoded else data, tracked=track)


# --- sending -----------------------------------------------------------------------------------


@dataclass
class Job:
    delivery_id: int
    subscriber_id: int
    email: str
    language: str
    variant: str = FREE


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
    prepared: dict,
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
            variant = prepared[(job.variant, job.language)]
            try:
                if fast and variant.template is not None:
                    data = variant.for_recipient(job.email, token, msgid, job.delivery_id)
                    connection.connection.sendmail(from_addr, [job.email], data)
                else:
                    personal = variant.personal(token, job.delivery_id)
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
            # connection (rule 2: duplicates bounded by the messages in flight).
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


def _assign_variants(issue: Issue, jobs: list[Job]) -> list[Job]:
    """Each claimed reader's email, from billing's access rule now, not from the snapshot (which a
    retried batch may follow by hours): a reader who stopped paying since gets the teaser, and no
    paid-only issue at all."""
    premium = issue.note is not None and issue.note.is_premium
    if issue.audience == Issue.Audience.PAID or (issue.audience == Issue.Audience.ALL and premium):
        paid = paid_ids([job.subscriber_id for job in jobs])
    else:  # a public note, an issue without a note, or the free audience: one variant
        paid = set()
    if issue.audience == Issue.Audience.PAID:
        left = [job.delivery_id for job in jobs if job.subscriber_id not in paid]
        Delivery.objects.filter(pk__in=left).update(
            status=Delivery.Status.FAILED, last_error="no longer a paid reader"
        )
        jobs = [job for job in jobs if job.subscriber_id in paid]
    for job in jobs:
        job.variant = PAID if job.subscriber_id in paid else FREE
    return jobs


def send_batch(issue_id: int, delivery_ids: list[int]) -> dict[str, int]:
    """Send one batch. Raises TransientSendError when some rows must be retried later."""
    issue = Issue.objects.select_related("note").get(pk=issue_id)
    if issue.status != Issue.Status.SENDING:
        return {"sent": 0}
    jobs = _assign_variants(issue, claim(issue_id, delivery_ids))
    if not jobs:
        finish_if_done(issue_id)
        return {"sent": 0}
    prepared = {}
    for job in jobs:
        key = (job.variant, job.language)
        if key not in prepared:
            prepared[key] = prepare(issue, job.variant, job.language)

    connections = max(1, min(settings.NEWSLETTER_SMTP_CONNECTIONS, len(jobs)))
    rate = settings.NEWSLETTER_RATE_LIMIT / connections if settings.NEWSLETTER_RATE_LIMIT else 0
    chunks = [jobs[i::connections] for i in range(connections)]
    results: queue.Queue = queue.Queue()
    abort = threading.Event()
    threads = [
        threading.Thread(
            target=_sender, args=(issue, prepared, chunk, results, rate, abort), daemon=True
        )
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
    Subscriber.objects.filter(
        pk=subscriber_id, hard_bounces__gte=HARD_BOUNCE_LIMIT, status=Subscriber.Status.ACTIVE
    ).update(status=Subscriber.Status.BOUNCED)


def send_test(issue: Issue, to: str, variant: str) -> None:
    """The admin's "send a test to me": the real message, to one address, outside the audience."""
    rendered = render_issue(issue, variant)
    message = build_message(issue, rendered, to, TOKEN_PLACEHOLDER, message_id(0, issue.pk))
    label = _("paid version") if variant == PAID else _("free version")
    message.subject = _("[Test, %(label)s] %(subject)s") % {
        "label": label,
        "subject": rendered.subject,
    }
    message.send()
