"""The per-recipient copy of an issue's encoded message (newsletter/recipient_template.py).

Each test pins one invariant of that module's docstring: a copy is the message with its slots
filled and nothing else changed, so each recipient's copy carries their own values and nothing of
another's, headers and both parts intact; a value cannot land in another slot; what cannot go in
as plain bytes is built whole instead.
"""

from email import message_from_bytes, policy

import pytest
from django.core.mail import EmailMessage

from billing.access import Reader
from newsletter import clicks, emails, tasks
from newsletter.models import Issue, Subscriber
from newsletter.recipient_template import DELIVERY, MESSAGE_ID, TO, TOKEN, RecipientTemplate
from tests.fixtures_newsletter import make_note


@pytest.fixture
def raw(db) -> bytes:
    """A tracked issue encoded once with placeholders, as `emails.prepare` builds it."""
    issue = Issue.objects.create(note=make_note(visibility="public"))
    rendered = emails.render_issue(issue, Reader(is_member=True), track=True)
    message = emails.build_message(issue, rendered, TO, TOKEN, MESSAGE_ID)
    return message.message().as_bytes(linesep="\r\n")


def _expected(raw: bytes, to: str, token: str, msgid: str, delivery_id: int) -> bytes:
    for placeholder, value in (
        (TO, to),
        (MESSAGE_ID, msgid),
        (TOKEN, token),
        (DELIVERY, clicks.delivery_part(delivery_id)),
    ):
        raw = raw.replace(placeholder.encode(), value.encode())
    return raw


def _parsed(data: bytes):
    return message_from_bytes(data, policy=policy.default)


def test_each_copy_carries_its_own_recipient_in_headers_and_both_parts_and_nothing_else(raw):
    template = RecipientTemplate.from_message(raw)
    assert template is not None
    for to, token, msgid, delivery_id in (
        ("ann@example.com", "11:tokenofann", "<issue1.d101@example.com>", 101),
        ("bob@example.com", "22:tokenofbob", "<issue1.d202@example.com>", 202),
    ):
        data = template.fill(to, token, msgid, delivery_id)
        assert data == _expected(raw, to, token, msgid, delivery_id)  # only the slots change
        message = _parsed(data)
        assert (message["To"], message["Message-ID"]) == (to, msgid)
        assert f"/unsubscribe/{token}/" in message["List-Unsubscribe"]
        for kind in ("plain", "html"):
            part = message.get_body((kind,)).get_content()
            assert f"/unsubscribe/{token}/" in part
            assert f"/c/{clicks.delivery_part(delivery_id)}/" in part
        other = "bob" if to.startswith("ann") else "ann"
        assert other.encode() not in data


def test_headers_and_parts_of_a_copy_are_those_of_the_message(raw):
    copy = _parsed(RecipientTemplate(raw).fill("ann@example.com", "11:t", "<m@example.com>", 1))
    original = _parsed(raw)
    assert copy.keys() == original.keys()
    assert copy["Subject"] == original["Subject"] and copy["From"] == original["From"]
    assert [p.get_content_type() for p in copy.walk()] == [
        p.get_content_type() for p in original.walk()
    ]


def test_a_value_that_looks_like_a_placeholder_stays_in_its_own_slot(raw):
    template = RecipientTemplate(raw)
    sly_address = f"{TOKEN}.{DELIVERY}@example.com"
    sly_token = TO  # a token that looks like the address placeholder
    data = template.fill(sly_address, sly_token, "<m@example.com>", 7)
    innocent = template.fill("ann@example.com", "11:t", "<m@example.com>", 7)
    assert data == innocent.replace(b"ann@example.com", sly_address.encode()).replace(
        b"11:t", sly_token.encode()
    )
    assert _parsed(data)["To"] == sly_address


def test_values_that_are_not_plain_ascii_on_one_line_are_not_spliced_in(raw):
    template = RecipientTemplate(raw)
    assert template.fill("lecteur@exämple.fr", "1:t", "<m@example.com>", 1) is None
    assert template.fill("a@example.com\r\nBcc: b@example.com", "1:t", "<m@example.com>", 1) is None


def test_a_message_whose_encoding_could_hide_a_placeholder_gets_no_template():
    message = EmailMessage("Hi", "é" * 2000 + "\n" + TOKEN, to=["a@example.com"])
    data = message.message().as_bytes(linesep="\r\n")
    assert b"base64" in data or b"quoted-printable" in data
    assert RecipientTemplate.from_message(data) is None


def test_a_reader_with_an_internationalised_address_gets_the_issue_too(
    db, smtp_server, django_capture_on_commit_callbacks
):
    for email in ("ann@example.com", "lecteur@exämple.fr"):
        Subscriber.objects.create(email=email, status=Subscriber.Status.ACTIVE)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.schedule(Issue.objects.create(note=make_note(visibility="public")))
    recipients = sorted(m.rcpt_tos[0] for m in smtp_server.wait_for(2))
    assert recipients == ["ann@example.com", "lecteur@xn--exmple-cua.fr"]
