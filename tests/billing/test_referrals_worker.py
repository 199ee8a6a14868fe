"""A referral counted once and rewarded once, with the emails sent by a real Celery worker
process to a real SMTP server (the web side queues them on the broker, as in production)."""

import re
import time

import pytest
from django.test import Client
from django.utils import timezone

from billing.models import Comp, ReferralReward
from newsletter import referrals
from newsletter.models import Referral, Subscriber
from solo.celery import app

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queued(celery_worker):
    """Tasks go to the broker and the worker runs them, not this test's process."""
    eager = app.conf["task_always_eager"]
    app.conf["task_always_eager"] = False
    yield celery_worker
    app.conf["task_always_eager"] = eager


def test_a_referral_is_counted_and_rewarded_once_through_the_worker(queued, smtp_server):
    ada = Subscriber.objects.create(
        email="ada@example.com", status="active", confirmed_at=timezone.now()
    )
    ReferralReward.objects.create(threshold=1, days=None)
    link = referrals.link_for(ada)

    def mail_to(address: str, count: int) -> str:
        """The text of the count-th message to address, once the worker has sent it."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = [m for m in list(smtp_server.messages) if m.rcpt_tos == [address]]
            if len(found) >= count:
                return found[count - 1].message.get_body(("plain",)).get_content()
            time.sleep(0.1)
        raise AssertionError(f"no message {count} to {address}:\n{queued.log()[-2000:]}")

    visitor = Client()
    code = re.search(r'name="ref" value="([^"]*)"', visitor.get(link).content.decode())[1]
    assert visitor.post("/subscribe/", {"email": "bea@example.com", "ref": code}).status_code == 200
    confirm = re.search(r"http://testserver(/subscribe/confirm/\S+)", mail_to("bea@example.com", 1))
    assert visitor.post(confirm[1]).status_code == 200
    assert "paid access for good" in mail_to("ada@example.com", 1)

    # Confirming again (the link, twice) and the same address again change nothing.
    visitor.post(confirm[1])
    visitor.post("/subscribe/", {"email": "bea@example.com", "ref": code})
    assert Referral.objects.count() == 1 and Comp.objects.filter(subscriber=ada).count() == 1
    assert referrals.counted(ada) == 1
    mail_to("bea@example.com", 2)  # the welcome: the worker has done what the posts queued
    time.sleep(1)
    assert [m.rcpt_tos for m in smtp_server.messages].count(["ada@example.com"]) == 1
    assert queued.log().count("newsletter.tasks.send_email") >= 2  # the worker sent them
