"""Permanent refusals fail the row and, repeated, mark the reader bounced; ESP webhooks too."""

from anymail.signals import AnymailTrackingEvent, tracking

from newsletter import delivery, tasks
from newsletter.models import Delivery, Issue, Subscriber
from tests.fixtures_newsletter import make_note, make_subscribers


def _send(note, django_capture_on_commit_callbacks):
    issue = Issue.objects.create(note=note)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(issue)
    return issue


def _send_until_bounced(django_capture_on_commit_callbacks):
    """One issue per round, as many rounds as refusals take to mark a reader bounced."""
    for round_ in range(delivery.HARD_BOUNCE_LIMIT):
        note = make_note(slug=f"n{round_}", visibility="public")
        yield _send(note, django_capture_on_commit_callbacks)


def test_hard_bounce_fails_the_row_then_repeated_ones_mark_the_reader_bounced(
    db, smtp_server, django_capture_on_commit_callbacks
):
    good, gone = make_subscribers(2)
    smtp_server.refusals[gone.email] = "550 5.1.1 No such user"
    for issue in _send_until_bounced(django_capture_on_commit_callbacks):
        row = Delivery.objects.get(issue=issue, subscriber=gone)
        assert row.status == Delivery.Status.FAILED and "550" in row.last_error
        issue.refresh_from_db()
        assert issue.status == Issue.Status.SENT
    gone.refresh_from_db()
    assert gone.status == Subscriber.Status.BOUNCED
    assert smtp_server.recipients().count(good.email) == delivery.HARD_BOUNCE_LIMIT
    assert gone.email not in smtp_server.recipients()


def test_a_relay_refusing_by_policy_bounces_nobody(
    db, smtp_server, django_capture_on_commit_callbacks
):
    (reader,) = make_subscribers(1)
    smtp_server.refusals[reader.email] = "554 5.7.1 Relay access denied"
    for issue in _send_until_bounced(django_capture_on_commit_callbacks):
        row = Delivery.objects.get(issue=issue, subscriber=reader)
        assert row.status == Delivery.Status.FAILED and "Relay access denied" in row.last_error
    reader.refresh_from_db()
    assert (reader.status, reader.hard_bounces) == (Subscriber.Status.ACTIVE, 0)


def test_esp_tracking_events_mark_bounces_and_complaints(db):
    bounced, complained, fine = make_subscribers(3)
    for event_type, subscriber in [("bounced", bounced), ("complained", complained)]:
        event = AnymailTrackingEvent(event_type=event_type, recipient=subscriber.email.upper())
        tracking.send(sender=object, event=event, esp_name="Postmark")
    tracking.send(
        sender=object,
        event=AnymailTrackingEvent(event_type="delivered", recipient=fine.email),
        esp_name="Postmark",
    )
    statuses = dict(Subscriber.objects.values_list("email", "status"))
    assert statuses == {
        bounced.email: Subscriber.Status.BOUNCED,
        complained.email: Subscriber.Status.COMPLAINED,
        fine.email: Subscriber.Status.ACTIVE,
    }
