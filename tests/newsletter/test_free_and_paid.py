"""Rule premium-never-leaks in email: free readers get the teaser and an upgrade link, paid
readers everything."""

from billing.models import Comp
from newsletter import emails, tasks
from newsletter.models import Issue
from tests.fixtures_newsletter import SECRET, TEASER, make_subscribers


def test_free_variant_has_the_teaser_and_an_upgrade_link_only(premium_note, payments_on):
    issue = Issue.objects.create(note=premium_note)
    free = emails.render_issue(issue, emails.SAMPLE_READERS[emails.FREE])
    for part in (free.text, free.html):
        assert TEASER in part
        assert SECRET not in part
        assert "http://testserver/pricing/" in part
        assert "http://testserver" + premium_note.get_absolute_url() in part
    assert "paywall" not in free.text


def test_paid_variant_has_the_whole_note(premium_note):
    issue = Issue.objects.create(note=premium_note)
    paid = emails.render_issue(issue, emails.SAMPLE_READERS[emails.PAID])
    for part in (paid.text, paid.html):
        assert TEASER in part and SECRET in part
        assert "/pricing/" not in part
    assert "<!-- paywall -->" not in paid.text


def test_one_send_gives_each_reader_their_variant(
    premium_note, smtp_server, django_capture_on_commit_callbacks
):
    free_reader, comped_reader = make_subscribers(2)
    Comp.objects.create(subscriber=comped_reader)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(Issue.objects.create(note=premium_note))
    by_recipient = {m.rcpt_tos[0]: m.message for m in smtp_server.wait_for(2)}
    free_text = by_recipient[free_reader.email].get_body(("plain",)).get_content()
    paid_text = by_recipient[comped_reader.email].get_body(("plain",)).get_content()
    free_html = by_recipient[free_reader.email].get_body(("html",)).get_content()
    assert SECRET not in free_text and SECRET not in free_html
    assert SECRET in paid_text


def test_paid_audience_reaches_only_paid_readers(
    premium_note, smtp_server, django_capture_on_commit_callbacks
):
    free_reader, comped_reader = make_subscribers(2)
    Comp.objects.create(subscriber=comped_reader)
    issue = Issue.objects.create(note=premium_note, audience=Issue.Audience.PAID)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(issue)
    smtp_server.wait_for(1)
    assert smtp_server.recipients() == [comped_reader.email]
