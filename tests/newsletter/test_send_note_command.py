"""send_note: now (without waiting for beat) or at a given time; once per note and audience."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from newsletter import dispatch, tasks
from newsletter.models import Issue
from tests.fixtures_newsletter import make_subscribers


def test_without_at_the_send_starts_now(
    public_note, smtp_server, capsys, django_capture_on_commit_callbacks
):
    make_subscribers(3)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_note", public_note.slug)
    smtp_server.wait_for(3)
    issue = Issue.objects.get()
    assert issue.status == Issue.Status.SENT
    assert "sending to 3 readers" in capsys.readouterr().out


def test_with_at_it_waits_for_the_dispatcher(
    public_note, smtp_server, capsys, django_capture_on_commit_callbacks
):
    make_subscribers(2)
    when = (timezone.now() + timedelta(hours=2)).replace(microsecond=0)
    call_command("send_note", public_note.slug, "--at", when.isoformat(), "--audience", "free")
    issue = Issue.objects.get()
    assert (issue.status, issue.audience, issue.scheduled_at) == ("scheduled", "free", when)
    # Running it again reschedules the same issue.
    call_command("send_note", public_note.slug, "--at", when.isoformat(), "--audience", "free")
    assert Issue.objects.count() == 1
    assert dispatch.dispatch_due() == []
    with django_capture_on_commit_callbacks(execute=True):
        batches = dispatch.dispatch_due(now=when + timedelta(seconds=1))
        assert {batch.issue_id for batch in batches} == {issue.pk}
        tasks.queue(batches)
    smtp_server.wait_for(2)


def test_unknown_slug_or_bad_date_is_a_clear_error(public_note):
    with pytest.raises(CommandError, match="no note"):
        call_command("send_note", "missing")
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("send_note", public_note.slug, "--at", "next tuesday")
