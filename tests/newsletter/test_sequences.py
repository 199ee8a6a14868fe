"""Welcome sequences as a reader and the author notice them: which emails arrive on which day.

Days are played, not waited: `dispatch_due(now)` is the beat at a later moment, and its batches are
sent in this process to the real SMTP sink (the worker's part is in test_sequence_worker_killed).
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from newsletter import privacy, sequences, subscribing, tokens
from newsletter.models import (
    Enrollment,
    Sequence,
    SequenceStep,
    StepClick,
    StepDelivery,
    Subscriber,
)
from tests.billing import payloads

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"


def free_sequence(*days: int) -> list[SequenceStep]:
    sequence = Sequence.objects.create(trigger=Sequence.Trigger.FREE)
    return [
        SequenceStep.objects.create(
            sequence=sequence, days=d, subject=f"Day {d}", body=f"Hello on **day {d}**."
        )
        for d in days
    ]


def confirmed(email: str, language: str = "en") -> Subscriber:
    """A reader who subscribed with the form and followed the confirmation link."""
    reader = Subscriber.objects.create(email=email, language=language)
    assert subscribing.confirm(tokens.confirm_token(reader))
    reader.refresh_from_db()
    return reader


def play(smtp_server, at) -> list:
    """The beat at `at`: due steps snapshotted, then each batch sent; returns what arrived."""
    before = len(smtp_server.messages)
    for batch in sequences.dispatch_due(at):
        sequences.send_batch(batch.step_id, batch.delivery_ids)
    return smtp_server.messages[before:]


def subjects(received) -> list[tuple[str, str]]:
    return sorted((item.rcpt_tos[0], item.message["Subject"]) for item in received)


def test_each_step_arrives_on_its_day_once(smtp_server):
    free_sequence(0, 2, 5)
    ann, bob = confirmed("ann@example.com"), confirmed("bob@example.com")
    start = timezone.now()

    assert subjects(play(smtp_server, start)) == [
        ("ann@example.com", "Day 0"),
        ("bob@example.com", "Day 0"),
    ]
    assert play(smtp_server, start + DAY) == []
    assert subjects(play(smtp_server, start + 2 * DAY)) == [
        ("ann@example.com", "Day 2"),
        ("bob@example.com", "Day 2"),
    ]
    assert play(smtp_server, start + 3 * DAY) == []  # day 2 again: nothing twice
    assert len(play(smtp_server, start + 5 * DAY)) == 2
    assert play(smtp_server, start + 30 * DAY) == []
    rows = StepDelivery.objects.filter(subscriber__in=[ann, bob])
    assert rows.count() == 6 and {row.status for row in rows} == {"sent"}


def test_a_step_email_carries_one_click_unsubscribe_and_the_markdown(smtp_server, client):
    free_sequence(0)
    reader = confirmed("ann@example.com")
    [item] = play(smtp_server, timezone.now())
    message = item.message
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = re.search(r"<(http[^>]+/unsubscribe/[^>]+/)>", message["List-Unsubscribe"]).group(1)
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "<strong>day 0</strong>" in html and "day 0" in text
    assert url in html and url in text

    # RFC 8058: the mailbox provider POSTs, with no cookie and no token of ours.
    response = client.post(urlsplit(url).path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED


def test_a_step_is_written_in_the_readers_language(smtp_server):
    free_sequence(0)
    confirmed("marie@example.com", language="fr")
    [item] = play(smtp_server, timezone.now())
    text = item.message.get_body(("plain",)).get_content()
    assert "Se désabonner" in text


def test_unsubscribing_stops_the_next_steps_and_coming_back_does_not_restart(smtp_server):
    free_sequence(0, 1, 2)
    confirmed("ann@example.com")
    bob = confirmed("bob@example.com")
    start = timezone.now()
    play(smtp_server, start)

    bob.unsubscribe()
    assert subjects(play(smtp_server, start + DAY)) == [("ann@example.com", "Day 1")]
    bob.activate()  # back from the account page: still out of the sequence
    assert subjects(play(smtp_server, start + 2 * DAY)) == [("ann@example.com", "Day 2")]
    assert Enrollment.objects.get(subscriber=bob).stopped_at is not None


def test_a_bounced_reader_gets_no_further_step(smtp_server):
    free_sequence(0, 1)
    confirmed("ann@example.com")
    bob = confirmed("bob@example.com")
    start = timezone.now()
    play(smtp_server, start)
    bob.bounce()
    assert subjects(play(smtp_server, start + DAY)) == [("ann@example.com", "Day 1")]


def test_a_reader_who_leaves_between_snapshot_and_send_is_skipped(smtp_server):
    free_sequence(0)
    confirmed("ann@example.com")
    bob = confirmed("bob@example.com")
    [batch] = sequences.dispatch_due(timezone.now())
    bob.unsubscribe()
    sequences.send_batch(batch.step_id, batch.delivery_ids)
    assert smtp_server.recipients() == ["ann@example.com"]
    assert StepDelivery.objects.get(subscriber=bob).status == "failed"


def test_a_paused_step_holds_its_readers_and_later_steps_keep_their_day(smtp_server):
    first, second, third = free_sequence(0, 1, 2)
    confirmed("ann@example.com")
    start = timezone.now()
    play(smtp_server, start)
    SequenceStep.objects.filter(pk=second.pk).update(paused=True)

    assert play(smtp_server, start + DAY) == []  # held
    assert subjects(play(smtp_server, start + 2 * DAY)) == [("ann@example.com", "Day 2")]

    SequenceStep.objects.filter(pk=second.pk).update(paused=False)
    assert subjects(play(smtp_server, start + 3 * DAY)) == [("ann@example.com", "Day 1")]
    assert play(smtp_server, start + 4 * DAY) == []


def test_pausing_mid_send_holds_the_rest_of_the_step(smtp_server):
    [step] = free_sequence(0)
    confirmed("ann@example.com")
    [batch] = sequences.dispatch_due(timezone.now())
    SequenceStep.objects.filter(pk=step.pk).update(paused=True)
    sequences.send_batch(batch.step_id, batch.delivery_ids)
    assert smtp_server.messages == []
    assert sequences.requeue_stale(timezone.now() + DAY) == []  # held, not re-sent
    SequenceStep.objects.filter(pk=step.pk).update(paused=False)
    for again in sequences.requeue_stale(timezone.now() + DAY):
        sequences.send_batch(again.step_id, again.delivery_ids)
    assert smtp_server.recipients() == ["ann@example.com"]


def test_an_edit_reaches_readers_who_have_not_had_the_step(smtp_server):
    step, later = free_sequence(0, 3)
    confirmed("early@example.com")
    start = timezone.now()
    play(smtp_server, start)
    confirmed("late@example.com")

    later.subject, later.body = "Day 3, rewritten", "A **better** third email."
    later.save()
    step.subject = "Welcome, rewritten"
    step.save()

    received = play(smtp_server, start + 3 * DAY + HOUR)  # late confirmed a moment after
    assert subjects(received) == [
        ("early@example.com", "Day 3, rewritten"),
        ("late@example.com", "Day 3, rewritten"),
        ("late@example.com", "Welcome, rewritten"),
    ]
    # Moving a step's day applies as well: to day 5 for those who have not had it.
    later.days = 5
    later.save()
    confirmed("third@example.com")
    assert subjects(play(smtp_server, start + 4 * DAY)) == [
        ("third@example.com", "Welcome, rewritten")
    ]


def test_a_step_added_later_does_not_reach_readers_long_past_its_day(smtp_server):
    sequence = Sequence.objects.create(trigger=Sequence.Trigger.FREE)
    start = timezone.now()
    confirmed("old@example.com")
    Enrollment.objects.update(started_at=start - 10 * DAY)
    confirmed("new@example.com")
    SequenceStep.objects.create(sequence=sequence, days=2, subject="Day 2", body="Hi")
    assert subjects(play(smtp_server, start + 2 * DAY + HOUR)) == [("new@example.com", "Day 2")]


def test_imported_readers_enter_no_sequence(smtp_server):
    free_sequence(0)
    Subscriber.objects.create(email="imported@example.com", status="active")
    assert play(smtp_server, timezone.now()) == []


def test_a_new_paying_reader_gets_the_paid_sequence_and_an_upgrade_the_upgrade_one(
    smtp_server, local_stripe, monthly_plan, post_event
):
    free_sequence(0, 3)
    for trigger in (Sequence.Trigger.PAID, Sequence.Trigger.UPGRADE):
        sequence = Sequence.objects.create(trigger=trigger)
        SequenceStep.objects.create(sequence=sequence, days=0, subject=trigger, body="Thanks")
    confirmed("free@example.com")
    start = timezone.now()
    play(smtp_server, start)

    for email, sub_id in (("free@example.com", "sub_up"), ("new@example.com", "sub_new")):
        customer = local_stripe.create_customer(email)
        sub = payloads.subscription(sub_id, customer.id)
        local_stripe.put_subscription(sub)
        assert post_event(payloads.event("customer.subscription.created", sub)).status_code == 200
        post_event(payloads.event("customer.subscription.updated", sub))  # again: still once

    assert subjects(play(smtp_server, start + 3 * DAY)) == [
        ("free@example.com", "upgrade"),
        ("new@example.com", "paid"),
    ]  # and the upgraded reader left the free sequence: no "Day 3"


def test_a_click_and_an_unsubscribe_count_for_the_step_in_the_admin(smtp_server, admin_client):
    sequence = Sequence.objects.create(trigger=Sequence.Trigger.FREE)
    SequenceStep.objects.create(
        sequence=sequence, days=0, subject="Hi", body="See [the archive](https://example.org/a)."
    )
    SequenceStep.objects.create(sequence=sequence, days=1, subject="Two", body="Second.")
    ann, bob, cat = (confirmed(f"{n}@example.com") for n in ("ann", "bob", "cat"))
    start = timezone.now()
    received = play(smtp_server, start)
    StepDelivery.objects.update(sent_at=start - timedelta(minutes=5))  # past the scanner grace
    for item in received[:2]:
        html = item.message.get_body(("html",)).get_content()
        link = re.search(r'href="([^"]+)"[^>]*>the archive<', html).group(1)
        response = admin_client.get(urlsplit(link).path, headers={"user-agent": BROWSER})
        assert response.status_code == 302 and response["Location"] == "https://example.org/a"
    cat.unsubscribe()
    play(smtp_server, start + DAY)
    ann.unsubscribe()  # after step two: counts for step two, not step one

    page = admin_client.get(reverse("admin:newsletter_sequence_change", args=[sequence.pk]))
    text = page.content.decode()
    assert "3 sent · 2 clicked · 1 unsubscribed after it" in text
    assert "2 sent · 0 clicked · 1 unsubscribed after it" in text


def test_the_sequence_page_costs_the_same_queries_for_few_and_many_readers(admin_client):
    steps = free_sequence(0, 1, 2)
    url = reverse("admin:newsletter_sequence_change", args=[steps[0].sequence_id])
    admin_client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert admin_client.get(url).status_code == 200

    readers = Subscriber.objects.bulk_create(
        Subscriber(email=f"r{i}@example.com", status="active") for i in range(300)
    )
    for step in steps:
        StepDelivery.objects.bulk_create(
            StepDelivery(step=step, subscriber=r, status="sent", sent_at=timezone.now())
            for r in readers
        )
    SequenceStep.objects.create(sequence_id=steps[0].sequence_id, days=9, subject="x", body="y")
    with CaptureQueriesContext(connection) as large:
        assert admin_client.get(url).status_code == 200
    assert len(large) == len(small)
    listing = reverse("admin:newsletter_sequence_changelist")
    assert admin_client.get(listing).status_code == 200


def test_a_readers_data_export_lists_their_sequence_emails_and_erasure_ends_it(smtp_server):
    free_sequence(0, 1)
    reader = confirmed("ann@example.com")
    play(smtp_server, timezone.now())
    data = privacy.export_data(reader)
    assert [row["sequence"] for row in data["welcome_sequences"]] == ["free"]
    assert [(row["subject"], row["status"]) for row in data["welcome_sequence_emails"]] == [
        ("Day 0", "sent")
    ]
    sent = StepDelivery.objects.get(subscriber=reader)
    StepClick.objects.create(step=sent.step, delivery=sent, url="https://example.org/ann-read")
    privacy.erase(reader)
    assert play(smtp_server, timezone.now() + DAY) == []
    assert not StepClick.objects.exists()  # which links she followed goes with her address


def test_the_author_sends_herself_a_test_of_each_step(smtp_server, admin_client, admin_user):
    steps = free_sequence(0, 3)
    page = admin_client.post(
        reverse("admin:newsletter_sequence_changelist"),
        {"action": "send_test", "_selected_action": [steps[0].sequence_id]},
        follow=True,
    )
    assert "2 tests sent to" in page.content.decode()
    assert subjects(smtp_server.messages) == [
        (admin_user.email, "[Test, day 0] Day 0"),
        (admin_user.email, "[Test, day 3] Day 3"),
    ]
    assert StepDelivery.objects.count() == 0  # a test is not a delivery
