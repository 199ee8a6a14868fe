"""Rule premium-never-leaks, read the other way: a reader who may read a note in full on the site
gets it in full by email. A members-only note is for every confirmed subscriber, paid or not."""

from billing.models import Comp
from newsletter import tasks
from newsletter.models import Issue
from tests.fixtures_newsletter import SECRET, TEASER, make_note, make_subscribers


def _parts(message) -> list[str]:
    return [message.get_body((kind,)).get_content() for kind in ("plain", "html")]


def test_free_subscriber_gets_a_members_only_note_in_full_without_an_upgrade_prompt(
    db, smtp_server, django_capture_on_commit_callbacks
):
    note = make_note(slug="for-members", visibility="members")
    free_reader, comped_reader = make_subscribers(2)
    Comp.objects.create(subscriber=comped_reader)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(Issue.objects.create(note=note))
    by_recipient = {m.rcpt_tos[0]: m.message for m in smtp_server.wait_for(2)}
    for reader in (free_reader, comped_reader):
        text, html = _parts(by_recipient[reader.email])
        for part in (text, html):
            assert TEASER in part and SECRET in part
            assert "paid subscribers" not in part and "Upgrade" not in part
        assert "paywall" not in text  # the marker line is not part of the note's text


def test_free_subscriber_still_gets_only_the_teaser_of_a_paid_note(
    db, smtp_server, django_capture_on_commit_callbacks, payments_on
):
    note = make_note(slug="for-paid", visibility="paid")
    [free_reader] = make_subscribers(1)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(Issue.objects.create(note=note))
    [message] = smtp_server.wait_for(1)
    for part in _parts(message.message):
        assert TEASER in part and SECRET not in part
        assert "paid subscribers" in part and "Upgrade" in part
