"""A reader's newsletter status changes only through the Subscriber moves, and only as allowed.

activate (the reader's own choice, a payment), activate(double_opt_in=True) (a fresh
confirmation link), unsubscribe, bounce, complain and erase: each from every status, compared
with the table below; then the cases readers met before the moves existed.
"""

import re
from datetime import timedelta

import pytest
from anymail.signals import AnymailTrackingEvent, tracking
from django.urls import reverse
from django.utils import timezone

from newsletter import tokens
from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db

S = Subscriber.Status
STATUSES = [S.PENDING, S.ACTIVE, S.UNSUBSCRIBED, S.BOUNCED, S.COMPLAINED]
SAME, REFUSED = "same", "refused"

# Where each move takes a reader in each status (columns in the order of STATUSES).
EXPECTED = {
    "activate": [S.ACTIVE, SAME, S.ACTIVE, S.ACTIVE, REFUSED],
    "confirm": [S.ACTIVE, SAME, S.ACTIVE, S.ACTIVE, S.ACTIVE],
    "unsubscribe": [S.UNSUBSCRIBED, S.UNSUBSCRIBED, SAME, S.UNSUBSCRIBED, SAME],
    "bounce": [S.BOUNCED, S.BOUNCED, SAME, SAME, SAME],
    "complain": [S.COMPLAINED, S.COMPLAINED, S.COMPLAINED, S.COMPLAINED, SAME],
}
MOVE = {
    "activate": lambda s: s.activate(),
    "confirm": lambda s: s.activate(double_opt_in=True),
    "unsubscribe": lambda s: s.unsubscribe(),
    "bounce": lambda s: s.bounce(),
    "complain": lambda s: s.complain(),
}
LONG_AGO = timezone.now() - timedelta(days=90)


def _reader(status, email="reader@example.com") -> Subscriber:
    """A reader in `status` with the side fields that status has in real life."""
    left = status in (S.UNSUBSCRIBED, S.COMPLAINED)
    return Subscriber.objects.create(
        email=email,
        status=status,
        confirmed_at=None if status == S.PENDING else LONG_AGO,
        unsubscribed_at=LONG_AGO if left else None,
        hard_bounces=3 if status == S.BOUNCED else 0,
    )


def _row(subscriber) -> dict:
    return Subscriber.objects.filter(pk=subscriber.pk).values().get()


@pytest.mark.parametrize("move", EXPECTED)
@pytest.mark.parametrize("status", STATUSES)
def test_each_status_change_follows_the_table_of_allowed_moves(move, status):
    reader = _reader(status)
    before = _row(reader)
    expected = EXPECTED[move][STATUSES.index(status)]
    started = timezone.now()

    if expected == REFUSED:
        with pytest.raises(Subscriber.MoveRefused):
            MOVE[move](reader)
        assert _row(reader) == before
        return
    changed = MOVE[move](reader)
    after = _row(reader)
    if expected == SAME:
        assert changed is False and after == before
        return
    assert changed is True and after["status"] == expected == reader.status
    if expected == S.ACTIVE:  # (re)confirmed now, with a clean slate
        assert after["confirmed_at"] >= started
        assert after["unsubscribed_at"] is None and after["hard_bounces"] == 0
    elif expected in (S.UNSUBSCRIBED, S.COMPLAINED):  # when the reader left
        assert after["unsubscribed_at"] >= started
    else:  # bounced: the reader did not leave, the address failed
        assert after["unsubscribed_at"] == before["unsubscribed_at"]
    untouched = {"email", "name", "confirmed_at", "hard_bounces", "user_id", "language"}
    if expected != S.ACTIVE:
        assert {k: after[k] for k in untouched} == {k: before[k] for k in untouched}


@pytest.mark.parametrize("status", STATUSES)
def test_erasing_a_reader_leaves_no_address_from_any_status_and_twice_changes_nothing(status):
    reader = _reader(status)
    reader.name = "Ada"
    reader.save()
    assert reader.erase() is True
    after = _row(reader)
    assert after["email"] == f"erased-{reader.pk}@invalid" and after["name"] == ""
    assert after["status"] == S.UNSUBSCRIBED and after["unsubscribed_at"] is not None
    assert reader.erase() is False and _row(reader) == after


def test_a_move_does_not_overwrite_what_another_process_changed_meanwhile():
    reader = _reader(S.ACTIVE)
    Subscriber.objects.filter(pk=reader.pk).update(name="Renamed", language="fr")
    reader.unsubscribe()  # this copy still has the old name and language
    row = _row(reader)
    assert (row["status"], row["name"], row["language"]) == (S.UNSUBSCRIBED, "Renamed", "fr")


# "Receive the newsletter" on the account page turned a bounced or complained address active
# without setting confirmed_at or clearing hard_bounces.


def test_turning_the_newsletter_back_on_after_bounces_confirms_the_address_and_clears_them():
    reader = _reader(S.BOUNCED)
    reader.activate()
    reader.refresh_from_db()
    assert reader.status == S.ACTIVE and reader.hard_bounces == 0
    assert reader.confirmed_at > LONG_AGO


def test_a_reader_who_reported_spam_cannot_turn_the_newsletter_back_on_from_the_account():
    reader = _reader(S.COMPLAINED)
    with pytest.raises(Subscriber.MoveRefused, match="subscribe with the form"):
        reader.activate()
    reader.refresh_from_db()
    assert reader.status == S.COMPLAINED


# An old confirmation link re-activated a reader who had since unsubscribed or complained.


def _leave_by_unsubscribe_link(client, reader):
    unsubscribe = reverse("newsletter:unsubscribe", args=[tokens.unsubscribe_token(reader.pk)])
    assert client.post(unsubscribe).status_code == 200


def _leave_by_spam_complaint(client, reader):
    event = AnymailTrackingEvent(event_type="complained", recipient=reader.email)
    tracking.send(sender=object, event=event, esp_name="Postmark")


@pytest.mark.parametrize(
    "leave, left_as",
    [(_leave_by_unsubscribe_link, S.UNSUBSCRIBED), (_leave_by_spam_complaint, S.COMPLAINED)],
)
def test_an_old_confirmation_link_does_not_bring_back_a_reader_who_left(
    client, leave, left_as, django_capture_on_commit_callbacks
):
    reader = _reader(S.PENDING)
    old_link = reverse("newsletter:confirm", args=[tokens.confirm_token(reader)])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(old_link).status_code == 200
    reader.refresh_from_db()
    assert reader.status == S.ACTIVE

    leave(client, reader)
    for answer in (client.get, client.post):
        response = answer(old_link)
        assert response.status_code == 400
        assert b"This link does not work" in response.content
    reader.refresh_from_db()
    assert reader.status == left_as


def test_a_reader_who_reported_spam_comes_back_through_the_form_and_a_fresh_link(
    client, smtp_server, django_capture_on_commit_callbacks
):
    reader = _reader(S.COMPLAINED)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("newsletter:subscribe"), {"email": reader.email})
    [confirmation] = smtp_server.wait_for(1)
    text = confirmation.message.get_body(("plain",)).get_content()
    fresh_link = re.search(r"http://testserver(/subscribe/confirm/\S+)", text).group(1)

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(fresh_link).status_code == 200
    reader.refresh_from_db()
    assert reader.status == S.ACTIVE and reader.unsubscribed_at is None
