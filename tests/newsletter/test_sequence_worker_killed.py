"""A three-step welcome sequence over played days, sent by the real worker to the real SMTP server:
500 readers get each step once (rule each-issue-once), with the worker killed in the middle of a
step, and readers who left in between get nothing more.

Days are played, not waited: the beat task is queued with `at`, a later moment, which the worker
reads from the task itself; stale claims are judged by the real clock.
"""

import collections
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from newsletter import tasks
from newsletter.models import Enrollment, Sequence, SequenceStep, StepDelivery
from tests.fixtures_newsletter import make_subscribers

READERS = 500
CLAIM_TIMEOUT = 4  # seconds, for the restarted worker
STEPS = {0: "Step one", 2: "Step two", 5: "Step three"}


def _count(smtp_server, subject: str) -> collections.Counter:
    """How many times each reader received the step with this subject."""
    needle = f"Subject: {subject}\r\n".encode()
    with smtp_server.lock:
        return collections.Counter(m.rcpt_tos[0] for m in smtp_server.messages if needle in m.data)


def _play_day(at) -> None:
    tasks.send_due_steps.delay(at=at.isoformat())


def _until(condition, timeout: float, beat: bool = False):
    """Wait for `condition()`; with `beat`, queue the minute's beat task every second meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if beat:
            tasks.send_due_steps.delay()
        time.sleep(1 if beat else 0.05)  # watching a send closely: catch it mid-step
    assert condition(), f"not true after {timeout}s"


def test_three_steps_reach_500_readers_once_each_with_the_worker_killed_mid_step(
    worker, smtp_server
):
    sequence = Sequence.objects.create(trigger=Sequence.Trigger.FREE)
    for days, subject in STEPS.items():
        SequenceStep.objects.create(
            sequence=sequence, days=days, subject=subject, body=f"{subject}, **in Markdown**."
        )
    readers = make_subscribers(READERS)
    start = timezone.now()
    Enrollment.objects.bulk_create(
        Enrollment(sequence=sequence, subscriber=r, started_at=start) for r in readers
    )
    everyone = {r.email for r in readers}

    # Day 0: the first step, to everyone, once.
    _play_day(start)
    _until(lambda: set(_count(smtp_server, "Step one")) == everyone, timeout=90)
    _play_day(start + timedelta(days=1))  # nothing is due on day 1
    time.sleep(2)
    assert len(smtp_server.messages) == READERS
    assert set(_count(smtp_server, "Step one").values()) == {1}

    # Day 2: the worker dies in the middle of the second step, and comes back.
    _play_day(start + timedelta(days=2))
    _until(lambda: sum(_count(smtp_server, "Step two").values()) >= 120, timeout=60)
    worker.kill()
    at_kill = sum(_count(smtp_server, "Step two").values())
    assert at_kill < READERS, "the step finished before the crash; nothing was tested"
    worker.extra_env["NEWSLETTER_CLAIM_TIMEOUT"] = str(CLAIM_TIMEOUT)
    worker.start()
    _until(lambda: set(_count(smtp_server, "Step two")) == everyone, timeout=90, beat=True)
    time.sleep(1)  # let anything still in flight land, to count duplicates honestly
    second = _count(smtp_server, "Step two")
    duplicates = sum(n - 1 for n in second.values())
    # One worker process sends one batch at a time: at most one message per connection in flight.
    assert duplicates <= settings.NEWSLETTER_SMTP_CONNECTIONS, f"{duplicates} duplicates"
    assert not StepDelivery.objects.exclude(status=StepDelivery.Status.SENT).exists()

    # Between day 2 and day 5, ten readers unsubscribe: the third step skips them.
    leaving = readers[:10]
    for reader in leaving:
        reader.unsubscribe()
    _play_day(start + timedelta(days=5))
    staying = everyone - {r.email for r in leaving}
    _until(lambda: set(_count(smtp_server, "Step three")) >= staying, timeout=90)
    _play_day(start + timedelta(days=9))  # nothing more, to anyone
    time.sleep(2)
    third = _count(smtp_server, "Step three")
    assert set(third) == staying and set(third.values()) == {1}
    assert _count(smtp_server, "Step one") == {email: 1 for email in everyone}
    assert StepDelivery.objects.filter(status=StepDelivery.Status.SENT).count() == 3 * READERS - 10
