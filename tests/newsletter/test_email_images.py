"""An issue is read in a mail client, far from the site: its images and links must carry the
site's address, or the reader sees broken pictures."""

from billing.access import ANONYMOUS
from newsletter import tasks
from newsletter.emails import render_issue
from newsletter.models import Issue
from notes.models import Note
from tests.fixtures_newsletter import make_subscribers


def test_an_image_uploaded_in_the_editor_shows_in_the_email(
    db, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://author.example"
    note = Note.objects.create(
        title="With a picture",
        slug="with-a-picture",
        status=Note.Status.PUBLISHED,
        body="Look:\n\n![A heron](/media/notes/heron-800x600.jpg)\n\nSee [the archive](/archive/).",
    )
    make_subscribers(1)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(Issue.objects.create(note=note))
    [message] = smtp_server.wait_for(1)
    html = message.message.get_body(("html",)).get_content()
    assert 'src="https://author.example/media/notes/heron-800x600.jpg"' in html
    assert 'src="/media/' not in html and 'href="/' not in html


def test_a_plain_text_reader_gets_the_picture_and_links_as_full_addresses(
    db, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://author.example"
    settings.NEWSLETTER_TRACK_CLICKS = False  # the addresses as written, not the click redirects
    note = Note.objects.create(
        title="With a picture",
        slug="with-a-picture",
        status=Note.Status.PUBLISHED,
        body="Look:\n\n![A heron](/media/notes/heron-800x600.jpg)\n\n"
        "See [the archive](/archive/), [Django](https://djangoproject.com/) and [a tag][t].\n\n"
        "[t]: /tags/birds/\n",
    )
    make_subscribers(1)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(Issue.objects.create(note=note))
    [message] = smtp_server.wait_for(1)
    text = message.message.get_body(("plain",)).get_content()
    assert "![A heron](https://author.example/media/notes/heron-800x600.jpg)" in text
    assert "[the archive](https://author.example/archive/)" in text
    assert "[Django](https://djangoproject.com/)" in text
    assert "[t]: https://author.example/tags/birds/" in text
    assert "](/" not in text


def test_an_uploaded_cover_is_shared_with_its_full_address():
    note = Note(title="Cover", slug="cover")
    note.cover_image.name = "covers/heron-1600x900.jpg"
    assert note.cover_absolute_url == "http://testserver/media/covers/heron-1600x900.jpg"


def test_an_issue_written_in_place_shows_no_paywall_marker_in_its_text(db):
    issue = Issue.objects.create(subject="News", body="Hello.\r\n\r\n<!-- paywall -->\r\n\r\nMore.")
    rendered = render_issue(issue, ANONYMOUS)
    assert "Hello." in rendered.text and "More." in rendered.text
    assert "paywall" not in rendered.text
