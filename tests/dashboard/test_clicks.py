"""Clicks on links in issues: a signed redirect on our own domain, counted once per reader and link.

Scanners (HEAD, known agents, a click in the first seconds after delivery) are sent on but not
counted; forged links answer 400 and send nobody anywhere; the unsubscribe link is never rewritten.
"""

import re
from datetime import timedelta
from itertools import count
from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from newsletter import clicks, subscribing, tasks
from newsletter.models import Click, Delivery, Issue
from tests.fixtures_newsletter import make_subscribers

pytestmark = pytest.mark.django_db

BROWSER = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15"
)
LINK = "https://example.org/read?a=1&b=2"
NOTE_BODY = (
    "Read [the paper](https://example.org/paper) and [the (long) thread](https://example.org/t_(x)).\n\n"
    "Also https://example.org/plain."
)


_serial = count()


def _delivery(issue, sent_seconds_ago=120):
    [reader] = make_subscribers(1, prefix=f"clicker{next(_serial)}-")
    sent_at = timezone.now() - timedelta(seconds=sent_seconds_ago)
    return Delivery.objects.create(issue=issue, subscriber=reader, status="sent", sent_at=sent_at)


def _path(issue_id, delivery_id, url=LINK):
    return urlsplit(clicks.redirect_url(issue_id, url, clicks.delivery_part(delivery_id))).path


def _links(body: str) -> list[str]:
    return re.findall(r"http://testserver/c/[\w:.-]+/[\w:.-]+/", body)


def _issue_for_note(make_note):
    note = make_note("Links", body=NOTE_BODY, slug="links")
    return Issue.objects.create(note=note)


def test_redirect_is_signed_and_a_reader_counts_once_per_link(client):
    issue = Issue.objects.create(subject="Hello", body="x")
    first, second = _delivery(issue), _delivery(issue)

    for _ in range(3):
        response = client.get(_path(issue.pk, first.pk), HTTP_USER_AGENT=BROWSER)
        assert response.status_code == 302
        assert response["Location"] == LINK
        assert "no-store" in response["Cache-Control"]
    client.get(_path(issue.pk, second.pk), HTTP_USER_AGENT=BROWSER)
    client.get(_path(issue.pk, second.pk, "https://example.org/other"), HTTP_USER_AGENT=BROWSER)

    assert Click.objects.count() == 3
    assert clicks.per_link(issue) == [(LINK, 2), ("https://example.org/other", 1)]
    assert clicks.totals(issue) == {"clicks": 3, "clickers": 2}


def _forged_paths(issue_id, delivery_id):
    good = urlsplit(clicks.redirect_url(issue_id, LINK, clicks.delivery_part(delivery_id))).path
    _, _, part, link, _ = good.split("/")
    other_key = signing.dumps(
        {"i": issue_id, "u": "https://evil.example/"}, key="x" * 50, salt=clicks.LINK_SALT
    )
    right_salt_wrong_scheme = signing.dumps(
        {"i": issue_id, "u": "javascript:alert(1)"}, salt=clicks.LINK_SALT
    )
    wrong_salt = signing.dumps({"i": issue_id, "u": "https://evil.example/"})
    flipped = link[:-1] + ("A" if link[-1] != "A" else "B")
    return [
        f"/c/{part}/{flipped}/",  # link part altered
        f"/c/{part}/{other_key}/",  # signed with another key
        f"/c/{part}/{wrong_salt}/",  # a token from elsewhere on the site
        f"/c/{part}/{right_salt_wrong_scheme}/",  # never anything but http(s)
        f"/c/{delivery_id}-0000000000000000/{link}/",  # delivery part forged
        f"/c/{delivery_id + 1}-{part.split('-')[1]}/{link}/",  # another reader's id
        f"/c/{part}/not-a-token/",
        f"/c/nonsense/{link}/",
    ]


def test_forged_or_damaged_links_are_refused_and_count_nothing(client):
    issue = Issue.objects.create(subject="Hello", body="x")
    delivery = _delivery(issue)
    for path in _forged_paths(issue.pk, delivery.pk):
        response = client.get(path, HTTP_USER_AGENT=BROWSER)
        assert response.status_code == 400, path
        assert "Location" not in response, path
        assert "This link does not work" in response.content.decode(), path
    assert client.post(_path(issue.pk, delivery.pk), HTTP_USER_AGENT=BROWSER).status_code == 405
    assert Click.objects.count() == 0


@pytest.mark.parametrize(
    ("method", "agent", "seconds_ago"),
    [
        ("head", BROWSER, 120),  # a HEAD request checks the link
        ("get", "Mozilla/5.0 (compatible; Barracuda Sentinel)", 120),
        ("get", "Mozilla/5.0 AppleWebKit/537.36 (KHTML) HeadlessChrome/124.0 Safari", 120),
        ("get", "Microsoft Office Existence Discovery", 120),
        ("get", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", 120),
        ("get", "", 120),  # no user agent at all
        ("get", BROWSER, 3),  # a "click" 3 seconds after delivery: a gateway scanning mail
    ],
)
def test_scanners_are_sent_on_but_not_counted(client, method, agent, seconds_ago):
    issue = Issue.objects.create(subject="Hello", body="x")
    delivery = _delivery(issue, sent_seconds_ago=seconds_ago)
    response = getattr(client, method)(_path(issue.pk, delivery.pk), HTTP_USER_AGENT=agent)
    assert response.status_code == 302
    assert response["Location"] == LINK
    assert Click.objects.count() == 0
    assert clicks.totals(issue) == {"clicks": 0, "clickers": 0}


def test_a_link_from_an_erased_or_other_delivery_still_works_but_is_not_counted(client):
    issue = Issue.objects.create(subject="Hello", body="x")
    other_issue = Issue.objects.create(subject="Other", body="x")
    delivery = _delivery(issue)
    # Parts of two different emails put together: both signed, so safe to follow, not counted.
    response = client.get(_path(other_issue.pk, delivery.pk), HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 302
    gone = delivery.pk
    delivery.delete()
    response = client.get(_path(issue.pk, gone), HTTP_USER_AGENT=BROWSER)
    assert (response.status_code, response["Location"]) == (302, LINK)
    assert Click.objects.count() == 0


def test_an_email_through_the_real_smtp_server_has_working_redirect_links(
    client, make_note, smtp_server, django_capture_on_commit_callbacks
):
    readers = make_subscribers(2)
    issue = _issue_for_note(make_note)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(issue)
    messages = {m.rcpt_tos[0]: m.message for m in smtp_server.wait_for(2)}
    # The reader opens the email a minute later, past the scanners' window.
    Delivery.objects.update(sent_at=F("sent_at") - timedelta(minutes=1))

    note_url = "http://testserver/notes/links/"
    wanted = {
        note_url,
        "https://example.org/paper",
        "https://example.org/t_(x)",
        "https://example.org/plain",
    }
    for reader in readers:
        delivery = Delivery.objects.get(subscriber=reader)
        message = messages[reader.email]
        html = message.get_body(("html",)).get_content()
        text = message.get_body(("plain",)).get_content()
        part = clicks.delivery_part(delivery.pk)
        for body in (html, text):
            links = _links(body)
            assert links and all(f"/c/{part}/" in link for link in links)
            assert clicks.DELIVERY_PLACEHOLDER not in body
            assert "https://example.org/paper" not in body  # no link around the redirect
            unsubscribe = subscribing.unsubscribe_url(reader.pk)
            assert unsubscribe in body  # the unsubscribe link is never rewritten
        assert subscribing.unsubscribe_url(reader.pk) in message["List-Unsubscribe"]
        followed = set()
        for link in set(_links(html)) | set(_links(text)):
            response = client.get(urlsplit(link).path, HTTP_USER_AGENT=BROWSER)
            assert response.status_code == 302
            followed.add(response["Location"])
        assert followed == wanted

    assert sorted(clicks.per_link(issue)) == sorted((url, 2) for url in wanted)
    assert clicks.totals(issue) == {"clicks": 8, "clickers": 2}


def test_files_and_other_backends_get_each_readers_own_links(
    make_note, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """`make run` writes mail to files (the per-recipient slow path): links are filled in too."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_subscribers(2)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(_issue_for_note(make_note))
    assert len(mailoutbox) == 2
    for message in mailoutbox:
        delivery = Delivery.objects.get(subscriber__email=message.to[0])
        part = clicks.delivery_part(delivery.pk)
        for body in (message.body, message.alternatives[0][0]):
            assert _links(body) and all(f"/c/{part}/" in link for link in _links(body))
            assert clicks.DELIVERY_PLACEHOLDER not in body


def test_with_tracking_off_links_are_left_alone(
    make_note, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.NEWSLETTER_TRACK_CLICKS = False
    make_subscribers(1)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(_issue_for_note(make_note))
    [received] = smtp_server.wait_for(1)
    html = received.message.get_body(("html",)).get_content()
    text = received.message.get_body(("plain",)).get_content()
    for body in (html, text):
        assert "/c/" not in body
        assert "https://example.org/paper" in body and "http://testserver/notes/links/" in body


def test_the_admin_lists_clicks_by_issue_read_only(admin_client, client):
    first = Issue.objects.create(subject="First issue", body="x")
    second = Issue.objects.create(subject="Second issue", body="x")
    for issue, url in ((first, "https://example.org/one"), (second, "https://example.org/two")):
        client.get(_path(issue.pk, _delivery(issue).pk, url), HTTP_USER_AGENT=BROWSER)

    url = reverse("admin:newsletter_click_changelist")
    page = admin_client.get(url, {"issue__id__exact": first.pk}).content.decode()
    assert "https://example.org/one" in page and "https://example.org/two" not in page
    assert "clicker" not in page  # which link and when, never who
    click = Click.objects.get(url="https://example.org/one")
    assert admin_client.get(reverse("admin:newsletter_click_add")).status_code == 403
    change = admin_client.post(
        reverse("admin:newsletter_click_change", args=[click.pk]), {"url": "https://x.example/"}
    )
    assert change.status_code == 403
    click.refresh_from_db()
    assert click.url == "https://example.org/one"


def test_the_author_can_delete_an_issue_readers_clicked_in_the_admin(admin_client, client):
    issue = Issue.objects.create(subject="Sent by mistake", body="x", status="sent")
    client.get(_path(issue.pk, _delivery(issue).pk), HTTP_USER_AGENT=BROWSER)
    assert Click.objects.filter(issue=issue).exists()  # control: the click was counted

    delete = reverse("admin:newsletter_issue_delete", args=[issue.pk])
    response = admin_client.post(delete, {"post": "yes"})

    assert response.status_code == 302
    assert not Issue.objects.filter(pk=issue.pk).exists()
    assert not Click.objects.filter(issue_id=issue.pk).exists()
