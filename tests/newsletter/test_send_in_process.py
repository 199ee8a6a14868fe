"""Sending without a worker (tasks run eagerly): what one batch puts on the wire."""

from newsletter import recipient_template, subscribing, tasks
from newsletter.models import Delivery, Issue, Subscriber
from tests.fixtures_newsletter import SECRET, TEASER, make_subscribers


def test_public_note_reaches_each_active_reader_once(
    public_note, smtp_server, django_capture_on_commit_callbacks
):
    make_subscribers(5)
    make_subscribers(2, status=Subscriber.Status.PENDING, prefix="pending")
    issue = Issue.objects.create(note=public_note)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(issue)
    messages = smtp_server.wait_for(5)
    assert sorted(smtp_server.recipients()) == sorted(f"reader{i}@example.com" for i in range(5))
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert issue.deliveries.counts_by_status()["sent"] == 5
    body = messages[0].message.get_body(("plain",)).get_content()
    assert TEASER in body and SECRET in body
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 5


def test_non_smtp_backends_get_the_same_message_per_recipient(
    public_note, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """`make run` writes mail to files: the per-recipient parts are filled in there too."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    readers = make_subscribers(2)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(Issue.objects.create(note=public_note))
    assert sorted(m.to[0] for m in mailoutbox) == sorted(r.email for r in readers)
    for message in mailoutbox:
        [reader] = [r for r in readers if r.email == message.to[0]]
        url = subscribing.unsubscribe_url(reader.pk)
        assert url in message.body and url in message.alternatives[0][0]
        assert url in message.extra_headers["List-Unsubscribe"]
        assert recipient_template.TOKEN not in message.message().as_string()


def test_optional_send_rate_limit_paces_the_batch(
    public_note, smtp_server, settings, django_capture_on_commit_callbacks
):
    import time

    settings.NEWSLETTER_RATE_LIMIT = 20  # messages per second
    settings.NEWSLETTER_SMTP_CONNECTIONS = 2
    make_subscribers(8)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(Issue.objects.create(note=public_note))
    elapsed = time.monotonic() - started
    assert len(smtp_server.wait_for(8)) == 8
    assert elapsed >= 0.3  # 8 messages at 20/s: at least 7 intervals of 50 ms
