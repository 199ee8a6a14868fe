"""Sending without a worker (tasks run eagerly): what one batch puts on the wire."""

from newsletter import sending
from newsletter.models import Delivery, Issue, Subscriber
from tests.fixtures_newsletter import SECRET, TEASER, make_subscribers


def test_public_note_reaches_each_active_reader_once(
    public_note, smtp_server, django_capture_on_commit_callbacks
):
    make_subscribers(5)
    make_subscribers(2, status=Subscriber.Status.PENDING, prefix="pending")
    issue = Issue.objects.create(note=public_note)
    with django_capture_on_commit_callbacks(execute=True):
        sending.schedule(issue)
    messages = smtp_server.wait_for(5)
    assert sorted(smtp_server.recipients()) == sorted(f"reader{i}@example.com" for i in range(5))
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert issue.progress()["sent"] == 5
    body = messages[0].message.get_body(("plain",)).get_content()
    assert TEASER in body and SECRET in body
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 5
