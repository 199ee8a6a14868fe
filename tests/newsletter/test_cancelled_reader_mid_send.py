"""A reader who stops paying after a send started no longer gets paid content from it.

The audience is snapshotted when the send starts, but a batch may run hours later (a queue, a
retry): whether a reader is paid is asked again when their batch is claimed. Like Substack and
Ghost, a paid-only issue goes to paying readers only, so a reader who cancelled gets nothing of it;
an issue for everyone gives them the teaser and the upgrade link, as to any free reader.
"""

from django.utils import timezone

from billing.models import Subscription
from newsletter import tasks
from newsletter.models import Delivery, Issue
from tests.billing.readers import make_reader
from tests.fixtures_newsletter import SECRET, TEASER


def test_a_reader_who_cancels_before_their_batch_gets_the_teaser_or_no_paid_only_issue(
    premium_note, smtp_server, django_user_model, django_capture_on_commit_callbacks
):
    reader = make_reader("paid", django_user_model).subscriber
    for_everyone = Issue.objects.create(note=premium_note)
    paid_only = Issue.objects.create(note=premium_note, audience=Issue.Audience.PAID)
    with django_capture_on_commit_callbacks() as batches:  # snapshot taken, batches not run yet
        tasks.schedule(for_everyone)
        tasks.schedule(paid_only)
    assert Delivery.objects.filter(subscriber=reader).count() == 2

    Subscription.objects.filter(subscriber=reader).update(
        status=Subscription.Status.CANCELED, canceled_at=timezone.now()
    )
    for run_batch in batches:
        run_batch()

    (message,) = [m.message for m in smtp_server.wait_for(1)]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert TEASER in text and "The rest of this note is for paid subscribers." in text
    assert SECRET not in text and SECRET not in html
    skipped = Delivery.objects.get(issue=paid_only, subscriber=reader)
    assert skipped.status == Delivery.Status.FAILED
    assert "no longer a paid reader" in skipped.last_error
    for issue in (for_everyone, paid_only):
        issue.refresh_from_db()
        assert issue.status == Issue.Status.SENT
