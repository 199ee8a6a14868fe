"""The issue page: a send's progress, times, rate and failures; the preview; a test to me."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from newsletter import progress, tasks
from newsletter.models import Delivery, Issue, Subscriber
from tests.fixtures_newsletter import SECRET, TEASER, make_subscribers

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _page(client, issue):
    return client.get(reverse("admin:newsletter_issue_change", args=[issue.pk]))


def _panel(html: str) -> str:
    start = html.index('id="issue-progress"')
    return html[start : html.index("</section>", start)]


def _deliveries(issue, **by_status):
    """`sent=3, failed=1, …`: that many rows per status, each to its own new subscriber."""
    rows = []
    for status, count in by_status.items():
        for reader in make_subscribers(count, prefix=f"{status}-{issue.pk}-"):
            rows.append(Delivery(issue=issue, subscriber=reader, status=status))
    Delivery.objects.bulk_create(rows)


def _local(value):
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def test_counts_for_every_status_come_from_one_query(public_note, django_assert_num_queries):
    issue = Issue.objects.create(note=public_note, status=Issue.Status.SENDING, started_at=START)
    _deliveries(issue, queued=3, sending=1, sent=7, failed=2)
    with django_assert_num_queries(1):
        figures = progress.progress(issue, now=START + timedelta(minutes=2))
    assert (figures.queued, figures.sending, figures.sent, figures.failed) == (3, 1, 7, 2)
    assert (figures.total, figures.done, figures.percent) == (13, 9, 69)
    assert figures.per_minute == 3.5  # 7 sent in 2 minutes


def test_a_sending_issue_shows_its_progress_and_keeps_watching(admin_client, public_note):
    issue = Issue.objects.create(
        note=public_note, status=Issue.Status.SENDING, started_at=timezone.now()
    )
    _deliveries(issue, queued=3, sending=1, sent=7, failed=2)

    panel = _panel(_page(admin_client, issue).content.decode())
    assert 'data-live="1"' in panel
    assert '<progress id="issue-progress-bar" max="13" value="9"' in panel
    assert "9 of 13 done (69%)" in panel
    for name, count in [("queued", 3), ("sending", 1), ("sent", 7), ("failed", 2)]:
        assert f'<dd id="issue-{name}">{count}</dd>' in panel
    assert 'id="issue-finished">—' in panel
    assert "Refresh</a>" in panel

    # What the page fetches every few seconds: the same panel, fresh from the database.
    Delivery.objects.filter(issue=issue, status__in=["queued", "sending"]).update(status="sent")
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENT, finished_at=timezone.now())
    fresh = admin_client.get(reverse("admin:newsletter_issue_progress", args=[issue.pk]))
    assert "no-store" in fresh["Cache-Control"]  # admin_view: never from a cache
    body = fresh.content.decode()
    assert '<progress id="issue-progress-bar" max="13" value="13"' in body
    assert '<dd id="issue-sent">11</dd>' in body
    assert "data-live" not in body  # sent: the page stops asking


def test_a_finished_send_shows_its_times_and_rate_in_the_authors_zone(
    admin_client, public_note, settings
):
    settings.TIME_ZONE = "Europe/Paris"
    issue = Issue.objects.create(
        note=public_note,
        status=Issue.Status.SENT,
        started_at=START,
        finished_at=START + timedelta(minutes=4),
    )
    _deliveries(issue, sent=120, failed=3)

    panel = _panel(_page(admin_client, issue).content.decode())
    assert f'id="issue-started"><time datetime="2025-03-03T10:00:00+01:00">{_local(START)}' in panel
    assert _local(START + timedelta(minutes=4)) in panel
    assert "30.0 messages/minute" in panel  # 120 accepted over 4 minutes
    assert "Times in Europe/Paris" in panel
    assert "data-live" not in panel


def test_failures_are_listed_with_the_mail_servers_answer(
    admin_client, public_note, smtp_server, django_capture_on_commit_callbacks
):
    readers = make_subscribers(3)
    smtp_server.refusals["reader1@example.com"] = "550 5.1.1 No such mailbox here"
    issue = Issue.objects.create(note=public_note)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(issue)  # the real send, through the real SMTP server
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT

    panel = _panel(_page(admin_client, issue).content.decode())
    assert '<dd id="issue-sent">2</dd>' in panel and '<dd id="issue-failed">1</dd>' in panel
    assert "1 failed delivery" in panel
    subscriber_url = reverse("admin:newsletter_subscriber_change", args=[readers[1].pk])
    assert f'<a href="{subscriber_url}">reader1@example.com</a>' in panel
    row = panel[panel.index(subscriber_url) :]
    assert "<td>1</td>" in row[:300]  # one attempt
    assert "550" in row and "No such mailbox here" in row
    assert "reader0@example.com" not in panel  # delivered rows are not failures


def test_the_page_costs_the_same_queries_with_many_failures(
    admin_client, public_note, django_assert_max_num_queries
):
    small = Issue.objects.create(note=public_note, subject="Small", started_at=START)
    _deliveries(small, sent=2, failed=2)
    big = Issue.objects.create(note=public_note, subject="Big", started_at=START)
    _deliveries(big, sent=30, failed=progress.FAILURES_SHOWN + 10)
    Delivery.objects.filter(issue=big, status="failed").update(last_error="552 mailbox full")

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_queries:
        _page(admin_client, small)
    with django_assert_max_num_queries(len(small_queries)):
        html = _page(admin_client, big).content.decode()
    panel = _panel(html)
    assert panel.count("552 mailbox full") == progress.FAILURES_SHOWN
    failed_list = (
        reverse("admin:newsletter_delivery_changelist")
        + f"?issue__id__exact={big.pk}&amp;status__exact=failed"
    )
    assert f'<a href="{failed_list}">and 10 more</a>' in panel


def test_a_draft_says_nothing_was_sent_yet(admin_client, public_note):
    issue = Issue.objects.create(note=public_note)
    panel = _panel(_page(admin_client, issue).content.decode())
    assert "No deliveries yet" in panel and "<progress" not in panel
    assert "data-live" not in panel


def test_only_staff_see_the_progress(client, public_note, django_user_model):
    issue = Issue.objects.create(note=public_note, status=Issue.Status.SENDING)
    _deliveries(issue, failed=1)
    url = reverse("admin:newsletter_issue_progress", args=[issue.pk])
    assert client.get(url).status_code == 302  # to the sign-in page
    reader = django_user_model.objects.create_user("reader", "r@example.com", "pw-reader-1")
    client.force_login(reader)
    response = client.get(url)
    assert response.status_code == 302 and b"failed-" not in response.content


def test_the_preview_shows_both_variants_side_by_side(admin_client, premium_note):
    issue = Issue.objects.create(note=premium_note)
    page = admin_client.get(reverse("admin:newsletter_issue_previews", args=[issue.pk]))
    html = page.content.decode()
    free = html[html.index('id="preview-free"') : html.index('id="preview-paid"')]
    paid = html[html.index('id="preview-paid"') :]

    # Plain text beside the HTML: the paid-only part is in the paid variant only.
    assert TEASER in free and SECRET not in free
    assert TEASER in paid and SECRET in paid
    assert "The rest of this note is for paid subscribers." in free

    # The HTML is framed from its own URL, sandboxed (no scripts, no access to the admin).
    for variant, part in [("free", free), ("paid", paid)]:
        url = reverse("admin:newsletter_issue_preview", args=[issue.pk, variant])
        assert f'<iframe class="issue-frame" src="{url}" sandbox title=' in part
        framed = admin_client.get(url)
        assert framed["X-Frame-Options"] == "SAMEORIGIN"
        assert "frame-ancestors 'self'" in framed["Content-Security-Policy"]
        assert "script-src 'self'" in framed["Content-Security-Policy"]
        assert (SECRET in framed.content.decode()) is (variant == "paid")
    assert (
        admin_client.get(
            reverse("admin:newsletter_issue_previews", args=[issue.pk + 1])
        ).status_code
        == 404
    )


def test_send_a_test_to_me_delivers_both_variants(
    admin_client, admin_user, premium_note, smtp_server
):
    make_subscribers(2)
    issue = Issue.objects.create(note=premium_note)
    url = reverse("admin:newsletter_issue_test", args=[issue.pk])

    assert admin_client.get(url).status_code == 405  # a link or a prefetch sends nothing
    response = admin_client.post(url, {"next": "preview"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "admin:newsletter_issue_previews", args=[issue.pk]
    )
    assert f"Test sent to {admin_user.email} (free and paid versions)." in response.content.decode()

    received = smtp_server.wait_for(2)
    assert len(received) == 2
    assert {m.rcpt_tos[0] for m in received} == {admin_user.email}
    by_subject = {m.message["Subject"]: m.message for m in received}
    free = by_subject["[Test, free version] Weekly notes"]
    paid = by_subject["[Test, paid version] Weekly notes"]
    assert SECRET not in free.get_body(("plain",)).get_content()
    assert SECRET in paid.get_body(("plain",)).get_content()
    assert SECRET in paid.get_body(("html",)).get_content()
    # Nobody in the audience got anything, and no delivery was recorded.
    assert not Delivery.objects.exists()
    assert Subscriber.objects.count() == 2


def test_a_test_needs_an_address_and_a_staff_session(
    admin_client, admin_user, client, premium_note, smtp_server
):
    issue = Issue.objects.create(note=premium_note)
    url = reverse("admin:newsletter_issue_test", args=[issue.pk])
    assert client.post(url).status_code == 302  # anonymous: to the sign-in page

    admin_user.email = ""
    admin_user.save()
    response = admin_client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "admin:newsletter_issue_change", args=[issue.pk]
    )
    assert "Your account has no email address." in response.content.decode()
    assert smtp_server.messages == []


@pytest.mark.parametrize("status", [Issue.Status.DRAFT, Issue.Status.SENT])
def test_the_issue_page_links_to_the_preview_and_the_test(admin_client, public_note, status):
    issue = Issue.objects.create(note=public_note, status=status)
    html = _page(admin_client, issue).content.decode()
    assert reverse("admin:newsletter_issue_previews", args=[issue.pk]) in html
    assert f'action="{reverse("admin:newsletter_issue_test", args=[issue.pk])}"' in html
    assert "as a free reader" in html


def test_clicks_per_link_are_shown_on_the_issue_page(client, admin_client, public_note):
    from newsletter import clicks

    issue = Issue.objects.create(note=public_note, status=Issue.Status.SENT, started_at=START)
    _deliveries(issue, sent=3)
    Delivery.objects.filter(issue=issue).update(sent_at=timezone.now() - timedelta(hours=1))
    first, second, third = Delivery.objects.filter(issue=issue).order_by("pk")
    browser = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}

    def click(delivery, url):
        path = clicks.redirect_url(issue.pk, url, clicks.delivery_part(delivery.pk))
        response = client.get(path.removeprefix("http://testserver"), **browser)
        assert response.status_code in (301, 302, 303, 307) and response["Location"] == url

    for delivery in (first, second, third):
        click(delivery, "https://example.org/popular")
    click(first, "https://example.org/popular")  # the same reader again: not counted twice
    click(second, "https://example.org/other")

    html = _page(admin_client, issue).content.decode()
    section = html[html.index('id="issue-clicks"') :]
    section = section[: section.index("</section>")]
    assert "4 clicks · 3 readers clicked" in section
    rows = [line.strip() for line in section.splitlines() if "issue-url" in line]
    assert rows == [
        '<tr><td class="issue-url">https://example.org/popular</td><td>3</td></tr>'
        '<tr><td class="issue-url">https://example.org/other</td><td>1</td></tr>'
    ]
