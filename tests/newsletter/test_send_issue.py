"""An issue sent by the real worker to the real SMTP server: each reader once, headers and parts."""

import re

from django.conf import settings

from newsletter import clicks, tasks
from newsletter.models import Delivery, Issue, Subscriber
from tests.fixtures_newsletter import SECRET, TEASER, make_note, make_subscribers


def test_twenty_confirmed_readers_get_exactly_twenty_messages(worker, smtp_server):
    note = make_note(visibility="public")
    readers = make_subscribers(20)
    make_subscribers(3, status=Subscriber.Status.PENDING, prefix="unconfirmed")
    make_subscribers(2, status=Subscriber.Status.UNSUBSCRIBED, prefix="gone")
    issue = tasks.schedule(Issue.objects.create(note=note))

    received = smtp_server.wait_for(20, timeout=60)
    _wait_until_sent(issue)
    assert len(smtp_server.messages) == 20
    assert sorted(smtp_server.recipients()) == sorted(r.email for r in readers)

    message_ids = set()
    for item in received:
        message = item.message
        [to] = item.rcpt_tos
        assert message["To"] == to
        assert message["Subject"] == "Weekly notes"
        unsubscribe = re.search(r"<(http[^>]+/unsubscribe/[^>]+/)>", message["List-Unsubscribe"])
        assert unsubscribe and unsubscribe.group(1).startswith(settings.SITE_URL)
        assert "<mailto:unsubscribe@" in message["List-Unsubscribe"]
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["List-Id"] == "Solo <newsletter.testserver>"
        message_ids.add(message["Message-ID"])
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert TEASER in text and SECRET in text
        assert TEASER in html and SECRET in html
        assert unsubscribe.group(1) in text and unsubscribe.group(1) in html
        # "Read on the site" leads to the note, through the click redirect (clicks.py).
        read = re.search(r'href="([^"]+)"[^>]*>Read on the site<', html).group(1)
        assert clicks.link_from(read.split("/")[-2])[1].endswith(note.get_absolute_url())
        assert 'style="' in html  # CSS inlined
        assert "prefers-color-scheme: dark" in html
    assert len(message_ids) == 20

    rows = Delivery.objects.filter(issue=issue)
    assert {row.status for row in rows} == {Delivery.Status.SENT}
    assert {row.message_id for row in rows} == message_ids
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT and issue.recipients_count == 20


def _wait_until_sent(issue, timeout=30):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        issue.refresh_from_db()
        if issue.status == Issue.Status.SENT:
            return
        time.sleep(0.1)
    raise AssertionError(f"issue still {issue.status}: {issue.deliveries.counts_by_status()}")
