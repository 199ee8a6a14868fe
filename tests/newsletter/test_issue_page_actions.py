"""The issue page sends: Schedule / Send now after confirming the audience, Cancel back to draft,
and a test to a few real addresses with the versions the audience gets."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import Comp
from newsletter.models import Delivery, Issue
from tests.fixtures_newsletter import SECRET, TEASER, make_note, make_subscribers


def _change_url(issue):
    return reverse("admin:newsletter_issue_change", args=[issue.pk])


def _send_url(issue):
    return reverse("admin:newsletter_issue_send", args=[issue.pk])


def _save(client, issue, button, at=None, **fields):
    """Press a button of the issue's form, as the browser posts it (Send at in two boxes)."""
    local = timezone.localtime(at) if at else None
    data = {
        "note": issue.note_id or "",
        "subject": issue.subject,
        "body": issue.body,
        "audience": issue.audience,
        "scheduled_at_0": local.strftime("%Y-%m-%d") if local else "",
        "scheduled_at_1": local.strftime("%H:%M:%S") if local else "",
        button: "1",
        **fields,
    }
    return client.post(_change_url(issue), data)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _readers(free: int, paid: int, prefix: str = "r") -> None:
    make_subscribers(free, prefix=f"{prefix}free")
    for reader in make_subscribers(paid, prefix=f"{prefix}paid"):
        Comp.objects.create(subscriber=reader)


def test_schedule_on_the_issue_page_states_the_audience_then_schedules_at_send_at(
    admin_client, premium_note
):
    _readers(free=3, paid=2)
    issue = Issue.objects.create(note=premium_note)
    at = (timezone.now() + timedelta(days=1)).replace(microsecond=0)

    response = _save(admin_client, issue, "_schedule", at=at)
    assert response.status_code == 302 and response["Location"] == _send_url(issue) + "?when=later"
    issue.refresh_from_db()
    assert issue.scheduled_at == at and issue.status == Issue.Status.DRAFT  # not before confirming

    page = admin_client.get(response["Location"]).content.decode()
    for figure, count in [("free", 3), ("paid", 2), ("whole", 2), ("teaser", 3)]:
        assert f'<dd id="audience-{figure}">{count}</dd>' in page
    assert "Yes, schedule it" in page

    confirmed = admin_client.post(_send_url(issue), {"when": "later"}, follow=True)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SCHEDULED and issue.scheduled_at == at
    assert not Delivery.objects.exists()
    assert any(
        m.startswith("Scheduled for ") and m.endswith(" (UTC).") for m in _messages(confirmed)
    )
    assert "Cancel the send" in confirmed.content.decode()


def test_a_members_only_note_is_whole_for_every_reader_on_the_confirmation(admin_client):
    _readers(free=3, paid=2)
    issue = Issue.objects.create(note=make_note(slug="members", visibility="members"))
    page = admin_client.get(_send_url(issue) + "?when=now").content.decode()
    assert '<dd id="audience-whole">5</dd>' in page and '<dd id="audience-teaser">0</dd>' in page


def test_a_paid_audience_counts_only_paid_readers(admin_client, premium_note):
    _readers(free=3, paid=2)
    issue = Issue.objects.create(note=premium_note, audience=Issue.Audience.PAID)
    page = admin_client.get(_send_url(issue) + "?when=now").content.decode()
    assert '<dd id="audience-free">0</dd>' in page and '<dd id="audience-paid">2</dd>' in page


def test_the_confirmation_costs_the_same_queries_with_many_readers(admin_client, premium_note):
    issue = Issue.objects.create(note=premium_note)
    _readers(free=1, paid=1, prefix="few")
    admin_client.get(_send_url(issue) + "?when=now")  # the site settings reach the cache
    with CaptureQueriesContext(connection) as few:
        admin_client.get(_send_url(issue) + "?when=now")
    _readers(free=40, paid=20, prefix="many")
    with CaptureQueriesContext(connection) as many:
        page = admin_client.get(_send_url(issue) + "?when=now").content.decode()
    assert '<dd id="audience-free">41</dd>' in page and '<dd id="audience-paid">21</dd>' in page
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("at", "said"),
    [
        (None, "Fill in “Send at”, then press Schedule."),
        (timezone.now() - timedelta(hours=1), "is in the past: choose a later time"),
    ],
)
def test_schedule_refuses_an_empty_or_past_send_time(admin_client, premium_note, at, said):
    issue = Issue.objects.create(note=premium_note)
    response = _save(admin_client, issue, "_schedule", at=at)
    page = admin_client.get(response["Location"], follow=True)
    assert page.redirect_chain[-1][0] == _change_url(issue)
    assert any(said in m for m in _messages(page))
    # A confirmation posted anyway changes nothing either.
    admin_client.post(_send_url(issue), {"when": "later"})
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT


def test_send_now_after_confirming_reaches_every_reader(
    admin_client, premium_note, smtp_server, django_capture_on_commit_callbacks
):
    _readers(free=2, paid=1)
    issue = Issue.objects.create(note=premium_note)
    response = _save(admin_client, issue, "_send_now")
    assert response["Location"] == _send_url(issue) + "?when=now"
    assert "Yes, send it now" in admin_client.get(response["Location"]).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(_send_url(issue), {"when": "now"})
    assert len(smtp_server.wait_for(3)) == 3
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    # Pressed again (a second tab, the back button): refused, nobody gets it twice.
    again = admin_client.post(_send_url(issue), {"when": "now"}, follow=True)
    assert any("only a draft can be scheduled or sent" in m for m in _messages(again))
    assert Delivery.objects.count() == 3


def test_a_new_issue_goes_from_the_add_page_to_the_confirmation(admin_client, premium_note):
    response = admin_client.post(
        reverse("admin:newsletter_issue_add"),
        {"note": premium_note.pk, "subject": "", "body": "", "audience": "all", "_send_now": "1"},
    )
    issue = Issue.objects.get()
    assert response["Location"] == _send_url(issue) + "?when=now"
    assert issue.status == Issue.Status.DRAFT


def test_saving_a_send_time_alone_says_the_issue_is_still_a_draft(admin_client, premium_note):
    issue = Issue.objects.create(note=premium_note)
    response = _save(admin_client, issue, "_continue", at=timezone.now() + timedelta(days=1))
    page = admin_client.get(response["Location"])
    assert "Still a draft: nothing is sent until you press Schedule." in _messages(page)


def test_an_unknown_send_choice_is_a_404(admin_client, premium_note):
    issue = Issue.objects.create(note=premium_note)
    assert admin_client.get(_send_url(issue) + "?when=yesterday").status_code == 404
    assert admin_client.post(_send_url(issue), {"when": "soon"}).status_code == 404


def test_cancel_returns_a_scheduled_issue_to_draft_but_not_once_sending_started(
    admin_client, premium_note
):
    later = timezone.now() + timedelta(days=1)
    issue = Issue.objects.create(
        note=premium_note, status=Issue.Status.SCHEDULED, scheduled_at=later
    )
    cancel_url = reverse("admin:newsletter_issue_cancel", args=[issue.pk])
    assert f'formaction="{cancel_url}"' in admin_client.get(_change_url(issue)).content.decode()
    assert admin_client.get(cancel_url).status_code == 405

    response = admin_client.post(cancel_url, follow=True)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT and issue.scheduled_at == later
    assert "Cancelled: the issue is a draft again." in _messages(response)
    assert 'name="_schedule"' in response.content.decode()

    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENDING, started_at=timezone.now())
    response = admin_client.post(cancel_url, follow=True)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENDING
    assert any("it can no longer be cancelled" in m for m in _messages(response))


def test_a_localhost_account_is_asked_for_a_real_test_address(
    admin_client, admin_user, premium_note, smtp_server
):
    admin_user.email = "admin@localhost"
    admin_user.save()
    issue = Issue.objects.create(note=premium_note)
    page = admin_client.get(_change_url(issue)).content.decode()
    assert 'name="to" value=""' in page and "admin@localhost" not in page

    test_url = reverse("admin:newsletter_issue_test", args=[issue.pk])
    for to, said in [
        ("admin@localhost", "admin@localhost cannot receive mail: enter a real address."),
        ("me@intranet", "me@intranet cannot receive mail"),
        ("", "Enter an address to send the test to."),
        (",".join(f"a{i}@example.com" for i in range(6)), "at most 5 addresses"),
    ]:
        response = admin_client.post(test_url, {"to": to}, follow=True)
        assert any(said in m for m in _messages(response)), to
    assert smtp_server.messages == []


def test_a_test_goes_to_each_address_given_in_each_version_and_is_offered_again(
    admin_client, premium_note, smtp_server
):
    make_subscribers(2)
    issue = Issue.objects.create(note=premium_note)
    test_url = reverse("admin:newsletter_issue_test", args=[issue.pk])
    response = admin_client.post(test_url, {"to": "ana@example.com, bo@example.org"}, follow=True)
    assert "Test sent to ana@example.com, bo@example.org (free and paid versions)." in _messages(
        response
    )
    received = smtp_server.wait_for(4)
    by = {(m.rcpt_tos[0], m.message["Subject"]): m.message for m in received}
    assert set(by) == {
        (to, f"[Test, {version} version] Weekly notes")
        for to in ("ana@example.com", "bo@example.org")
        for version in ("free", "paid")
    }
    assert len({m.message["Message-ID"] for m in received}) == 4  # no mailbox drops one
    assert not Delivery.objects.exists()
    assert 'value="ana@example.com, bo@example.org"' in response.content.decode()


def test_a_paid_only_issue_is_tested_in_its_paid_version_only(
    admin_client, premium_note, smtp_server
):
    issue = Issue.objects.create(note=premium_note, audience=Issue.Audience.PAID)
    test_url = reverse("admin:newsletter_issue_test", args=[issue.pk])
    response = admin_client.post(test_url, {"to": "ana@example.com"}, follow=True)
    assert "Test sent to ana@example.com (paid version)." in _messages(response)
    [message] = smtp_server.wait_for(1)
    assert message.message["Subject"] == "[Test, paid version] Weekly notes"


def test_paid_readers_text_has_no_paywall_marker_for_a_note_written_in_a_browser(
    admin_client, smtp_server, django_capture_on_commit_callbacks
):
    note = make_note()
    # What a browser's form submits: CRLF line ends around the marker line.
    note.body = f"{TEASER}\r\n\r\n<!-- paywall -->\r\n\r\n{SECRET}"
    note.save()
    issue = Issue.objects.create(note=note)
    [reader] = make_subscribers(1, prefix="paying")
    Comp.objects.create(subscriber=reader)

    test_url = reverse("admin:newsletter_issue_test", args=[issue.pk])
    admin_client.post(test_url, {"to": "ana@example.com"})
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(_send_url(issue), {"when": "now"})
    received = smtp_server.wait_for(3)
    paid = [
        m.message
        for m in received
        if m.rcpt_tos[0] == reader.email or "paid version" in m.message["Subject"]
    ]
    assert len(paid) == 2
    for message in paid:
        text = message.get_body(("plain",)).get_content()
        assert TEASER in text and SECRET in text
        assert "paywall" not in text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_author_schedules_cancels_and_tests_an_issue_from_its_page(
    browser_page, live_server, smtp_server, django_user_model
):
    from playwright.sync_api import expect

    _readers(free=2, paid=1)
    issue = Issue.objects.create(note=make_note())
    django_user_model.objects.create_user(
        "author", "admin@localhost", "pw-author-1", is_staff=True, is_superuser=True
    )
    page = browser_page
    issue_url = live_server.url + _change_url(issue)
    page.goto(issue_url)
    page.get_by_label("Username").fill("author")
    page.get_by_label("Password").fill("pw-author-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(issue_url)

    at = timezone.localtime(timezone.now() + timedelta(days=2))
    page.locator("#id_scheduled_at_0").fill(at.strftime("%Y-%m-%d"))
    page.locator("#id_scheduled_at_1").fill("09:30:00")
    page.get_by_role("button", name="Schedule…").click()
    page.wait_for_url("**/send/?when=later")
    expect(page.locator("#audience-free")).to_have_text("2")
    expect(page.locator("#audience-paid")).to_have_text("1")
    expect(page.locator("#audience-whole")).to_have_text("1")
    expect(page.locator("#audience-teaser")).to_have_text("2")
    page.get_by_role("button", name="Yes, schedule it").click()
    page.wait_for_url(issue_url)
    expect(page.locator(".field-status .readonly")).to_have_text("Scheduled")
    expect(page.locator("#issue-send")).to_contain_text("Scheduled for")

    page.get_by_role("button", name="Cancel the send").click()
    expect(page.locator(".messagelist")).to_contain_text("the issue is a draft again")
    expect(page.locator(".field-status .readonly")).to_have_text("Draft")

    # The account's address is not a real one: the author types two.
    addresses = page.get_by_label("Test addresses")
    expect(addresses).to_have_value("")
    addresses.fill("ana@example.com, bo@example.org")
    page.get_by_role("button", name="Send a test").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Test sent to ana@example.com, bo@example.org (free and paid versions)."
    )
    received = smtp_server.wait_for(4)
    texts = {
        (m.rcpt_tos[0], m.message["Subject"]): m.message.get_body(("plain",)).get_content()
        for m in received
    }
    for to in ("ana@example.com", "bo@example.org"):
        free = texts[(to, "[Test, free version] Weekly notes")]
        paid = texts[(to, "[Test, paid version] Weekly notes")]
        assert TEASER in free and SECRET not in free
        assert SECRET in paid and "paywall" not in paid
