"""Rule 2 under failure: a killed worker or an SMTP outage delays mail but loses none."""

import collections
import time

from newsletter import tasks
from newsletter.models import Delivery, Issue
from tests.fixtures_newsletter import make_note, make_subscribers

CLAIM_TIMEOUT = 4  # seconds, for the restarted worker


def _until_everyone_has_it(smtp_server, expected: set[str], timeout: float):
    """Play beat: ask for stale rows to be requeued every second until every reader has mail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if expected <= set(smtp_server.recipients()):
            return
        tasks.requeue_stale_deliveries.delay()
        time.sleep(1)
    missing = expected - set(smtp_server.recipients())
    raise AssertionError(f"{len(missing)} readers never got the issue")


def test_worker_killed_mid_send_of_2000_everyone_gets_it_once_or_in_flight_twice(
    worker, smtp_server, settings
):
    note = make_note(visibility="public")
    readers = make_subscribers(2000)
    expected = {r.email for r in readers}
    issue = tasks.schedule(Issue.objects.create(note=note))

    smtp_server.wait_for(300, timeout=60)
    worker.kill()
    at_kill = len(smtp_server.messages)
    assert at_kill < 2000, "the send finished before the crash; nothing was tested"
    worker.extra_env["NEWSLETTER_CLAIM_TIMEOUT"] = str(CLAIM_TIMEOUT)
    worker.start()

    _until_everyone_has_it(smtp_server, expected, timeout=60)
    time.sleep(1)  # let anything still in flight land, to count duplicates honestly
    counts = collections.Counter(smtp_server.recipients())
    duplicates = sum(n - 1 for n in counts.values())
    in_flight = settings.NEWSLETTER_SMTP_CONNECTIONS  # one worker process, one batch at a time
    assert set(counts) == expected
    assert duplicates <= in_flight, f"{duplicates} duplicates"
    assert not Delivery.objects.filter(issue=issue).exclude(status=Delivery.Status.SENT).exists()


def test_smtp_outage_is_retried_and_nobody_is_lost(worker, smtp_server):
    note = make_note(visibility="public")
    readers = make_subscribers(30)
    smtp_server.stop()
    issue = tasks.schedule(Issue.objects.create(note=note))
    time.sleep(3)
    rows = Delivery.objects.filter(issue=issue)
    assert not rows.filter(status=Delivery.Status.SENT).exists()
    assert rows.filter(status=Delivery.Status.QUEUED).exclude(last_error="").exists()

    smtp_server.start()  # same port: the relay is back
    smtp_server.wait_for(30, timeout=45)
    time.sleep(0.5)
    assert sorted(smtp_server.recipients()) == sorted(r.email for r in readers)
    assert rows.filter(status=Delivery.Status.SENT).count() == 30
    assert max(rows.values_list("attempts", flat=True)) >= 2


def test_smtp_server_saying_try_later_is_retried(worker, smtp_server):
    note = make_note(visibility="public")
    readers = make_subscribers(5)
    smtp_server.respond_with("451 4.3.0 Try again later")
    issue = tasks.schedule(Issue.objects.create(note=note))
    time.sleep(2)
    assert not Delivery.objects.filter(issue=issue, status=Delivery.Status.SENT).exists()
    smtp_server.respond_with(None)
    smtp_server.wait_for(5, timeout=45)
    assert sorted(smtp_server.recipients()) == sorted(r.email for r in readers)
