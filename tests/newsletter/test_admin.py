"""The author's newsletter desk in the admin."""

import csv
import io

from django.urls import reverse

from newsletter.models import Delivery, Issue, Subscriber
from tests.fixtures_newsletter import SECRET, TEASER, make_subscribers


def _action(admin_client, model, action, pks):
    return admin_client.post(
        reverse(f"admin:newsletter_{model}_changelist"),
        {"action": action, "_selected_action": [str(pk) for pk in pks]},
    )


def test_preview_as_free_and_as_paid_reader(admin_client, premium_note):
    issue = Issue.objects.create(note=premium_note)
    page = admin_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk]))
    assert b"as a free reader" in page.content
    free = admin_client.get(reverse("admin:newsletter_issue_preview", args=[issue.pk, "free"]))
    paid = admin_client.get(reverse("admin:newsletter_issue_preview", args=[issue.pk, "paid"]))
    assert TEASER.encode() in free.content and SECRET.encode() not in free.content
    assert SECRET.encode() in paid.content
    other = admin_client.get(reverse("admin:newsletter_issue_preview", args=[issue.pk, "vip"]))
    assert other.status_code == 404


def test_issue_list_shows_progress_in_constant_queries(
    admin_client, public_note, django_assert_max_num_queries
):
    readers = make_subscribers(6)
    for n in range(3):
        issue = Issue.objects.create(note=public_note, subject=f"Issue {n}")
        Delivery.objects.bulk_create(
            Delivery(issue=issue, subscriber=r, status="sent" if i < 4 else "failed")
            for i, r in enumerate(readers)
        )
    with django_assert_max_num_queries(12):
        page = admin_client.get(reverse("admin:newsletter_issue_changelist"))
    assert page.content.count(b"0 queued \xc2\xb7 4 sent \xc2\xb7 2 failed") == 3


def test_schedule_then_cancel_and_send_a_test_to_me(
    admin_client, admin_user, premium_note, smtp_server, django_capture_on_commit_callbacks
):
    make_subscribers(2)
    issue = Issue.objects.create(note=premium_note)
    _action(admin_client, "issue", "send_test", [issue.pk])
    tests = smtp_server.wait_for(2)
    assert {m.rcpt_tos[0] for m in tests} == {admin_user.email}
    assert sorted(m.message["Subject"] for m in tests) == [
        "[Test, free version] Weekly notes",
        "[Test, paid version] Weekly notes",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        _action(admin_client, "issue", "schedule", [issue.pk])
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert len(smtp_server.wait_for(4)) == 4

    later = Issue.objects.create(note=premium_note, subject="Later")
    _action(admin_client, "issue", "cancel", [later.pk])
    later.refresh_from_db()
    assert later.status == Issue.Status.CANCELLED


def test_subscribers_export_as_csv_and_filter_by_status(admin_client):
    make_subscribers(3)
    Subscriber.objects.create(email="left@example.com", status="unsubscribed")
    response = _action(
        admin_client, "subscriber", "export_csv", Subscriber.objects.values_list("pk", flat=True)
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["email"] for r in rows} == {
        "reader0@example.com",
        "reader1@example.com",
        "reader2@example.com",
        "left@example.com",
    }
    page = admin_client.get(
        reverse("admin:newsletter_subscriber_changelist") + "?status__exact=unsubscribed"
    )
    assert b"left@example.com" in page.content and b"reader0@example.com" not in page.content
