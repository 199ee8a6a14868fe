"""Mail that cannot go out: an SMTP server refusing everything, the file backend's disk full.

What the author sees is the delivery list (and the issue's counts) in the admin: each row that did
not go says why; no row is marked sent unless the server accepted it or the file holds it whole.
Temporary refusals (4xx, a full disk, an unusable mail folder) keep the row queued and retried;
permanent ones (5xx) fail it.
"""

import email
import email.policy
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from newsletter.models import Delivery, Issue, Subscriber
from tests.conftest import missing_service
from tests.faults.conftest import (
    copies_per_reader,
    play_beat_until,
    send_now,
    statuses,
    wait_until,
)
from tests.fixtures_newsletter import make_note, make_subscribers

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

READERS = 20
SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # Django's file backend writes this after each message


def delivery_list(admin_client, issue) -> str:
    url = reverse("admin:newsletter_delivery_changelist") + f"?issue__id__exact={issue.pk}"
    page = admin_client.get(url)
    assert page.status_code == 200
    return page.content.decode()


def issue_row(admin_client, issue) -> str:
    page = admin_client.get(reverse("admin:newsletter_issue_changelist"))
    assert page.status_code == 200
    return page.content.decode()


def test_smtp_saying_try_later_then_refusing_everything(
    start_worker, beat, smtp_server, admin_client
):
    note = make_note(visibility="public")
    readers = make_subscribers(READERS)
    start_worker(f"smtp://{smtp_server.host}:{smtp_server.port}")
    rows = Delivery.objects.filter(issue__note=note)

    smtp_server.respond_with("451 4.3.0 Mailbox store busy, try later")
    issue = send_now(Issue.objects.create(note=note), beat)
    wait_until(lambda: rows.count() == READERS and rows.filter(attempts__gte=2).count() == READERS)
    assert not rows.filter(status=Delivery.Status.SENT).exists()
    assert not rows.filter(status=Delivery.Status.FAILED).exists()  # queued: retried later
    page = delivery_list(admin_client, issue)
    assert page.count("Mailbox store busy") == READERS

    smtp_server.respond_with("550 5.7.1 Message refused by policy")
    play_beat_until(lambda: statuses(issue) == {Delivery.Status.FAILED: READERS}, beat, 30)
    assert smtp_server.messages == []  # nothing accepted...
    assert not rows.filter(sent_at__isnull=False).exists()  # ...and nothing marked sent
    page = delivery_list(admin_client, issue)
    assert page.count("Message refused by policy") == READERS
    assert "Failed" in page
    assert f"0 queued · 0 sent · {READERS} failed" in issue_row(admin_client, issue)
    # The server refused the message, not the readers' addresses: nobody is counted as bounced.
    assert set(Subscriber.objects.values_list("status", "hard_bounces")) == {("active", 0)}
    assert {r.email for r in readers} == set(rows.values_list("subscriber__email", flat=True))


def _tmpfs_prefix(mountpoint: str, size: str) -> list[str]:
    """A command prefix running the worker with a tiny tmpfs on `mountpoint`, in a mount namespace
    of its own: unprivileged where user namespaces are allowed, or as root."""
    if not shutil.which("unshare"):
        missing_service("unshare (util-linux) is not installed")
    script = f'mount -t tmpfs -o size={size},mode=0777 solo-full "$0" && exec "$@"'
    for flags in (["--user", "--map-root-user", "--mount"], ["--mount"]):
        probe = subprocess.run(
            ["unshare", *flags, "sh", "-c", script, mountpoint, "true"], capture_output=True
        )
        if probe.returncode == 0:
            return ["unshare", *flags, "sh", "-c", script, mountpoint]
    missing_service("cannot mount a small tmpfs (no user namespaces here, and not root)")


def _messages_in(folder: Path) -> list[email.message.EmailMessage]:
    """The messages the file backend wrote whole (a message cut by the full disk is not one)."""
    complete = []
    for path in sorted(folder.glob("*.log")):
        *whole, _tail = path.read_bytes().split(SEPARATOR)
        complete += [email.message_from_bytes(m, policy=email.policy.default) for m in whole]
    return complete


def test_mail_folder_disk_full_marks_only_whole_messages_sent(
    start_worker, beat, admin_client, tmp_path
):
    mountpoint = str(tmp_path)  # the tmpfs is mounted on it in the worker's namespace only
    note = make_note(visibility="public")
    readers = make_subscribers(READERS)
    # 64 KiB: room for about a dozen messages of ~5 KiB written one after the other (one
    # connection: one file), then ENOSPC; once freed, room for the rest.
    worker = start_worker(
        f"file://{mountpoint}",
        prefix=_tmpfs_prefix(mountpoint, "64k"),
        NEWSLETTER_SMTP_CONNECTIONS="1",
    )
    folder = Path(f"/proc/{worker.process.pid}/root{mountpoint}")  # the worker's view of it
    rows = Delivery.objects.filter(issue__note=note)

    issue = send_now(Issue.objects.create(note=note), beat)
    # One read of the rows between two retries: the next retry (its backoff has jitter, so it may
    # come at once) claims the unsent rows again, so later reads could see them "sending".
    seen = {}

    def between_retries():
        seen["rows"] = list(
            rows.values_list("subscriber__email", "status", "attempts", "last_error")
        )
        statuses = {status for _email, status, _attempts, _error in seen["rows"]}
        return (
            len(seen["rows"]) == READERS
            and any(attempts >= 2 for _email, _status, attempts, _error in seen["rows"])
            and Delivery.Status.SENDING not in statuses
        )

    wait_until(between_retries)
    written = _messages_in(folder)
    on_disk = sorted(m["To"] for m in written)
    marked_sent = sorted(email for email, status, *_ in seen["rows"] if status == "sent")
    sizes = [len(m.as_bytes()) for m in written]
    print(f"disk full after {len(on_disk)} of {READERS} messages of {min(sizes)}-{max(sizes)} B")
    assert 0 < len(on_disk) < READERS
    assert marked_sent == on_disk  # sent means the whole message is in the file
    unsent = [
        (status, error) for _email, status, _attempts, error in seen["rows"] if status != "sent"
    ]
    assert {status for status, _error in unsent} == {Delivery.Status.QUEUED}
    assert all("No space left on device" in error for _status, error in unsent)
    # A claim keeps the row's last error, so the page says it whatever the retry is doing.
    assert delivery_list(admin_client, issue).count("No space left on device") == len(unsent)

    for path in folder.glob("*.log"):  # the author frees the disk
        path.unlink()
    play_beat_until(lambda: statuses(issue) == {Delivery.Status.SENT: READERS}, beat, 30)
    counts = copies_per_reader([m["To"] for m in written + _messages_in(folder)])
    assert set(counts) == {r.email for r in readers}
    assert set(counts.values()) == {1}


def test_unusable_mail_folder_keeps_rows_queued_with_the_error(start_worker, beat, admin_client):
    note = make_note(visibility="public")
    make_subscribers(READERS)
    # /dev/full is no folder: the file backend refuses to open, as with a folder it may not write.
    start_worker("file:///dev/full")
    rows = Delivery.objects.filter(issue__note=note)
    issue = send_now(Issue.objects.create(note=note), beat)
    wait_until(
        lambda: (
            rows.count() == READERS
            and rows.filter(attempts__gte=2).count() == READERS
            and not rows.filter(status=Delivery.Status.SENDING).exists()
        )
    )
    assert set(rows.values_list("status", flat=True)) == {Delivery.Status.QUEUED}
    assert delivery_list(admin_client, issue).count("/dev/full") == READERS
