"""Topic targeting through the real worker and SMTP server, then the emails' own unsubscribe links:
readers of topic A get an A issue, readers of B don't, readers who chose nothing get everything;
the one-click POST leaves what the email was sent for."""

import re

from django.test import Client

from newsletter import tasks
from newsletter.models import Issue, Subscriber, Topic
from notes.models import Tag
from tests.fixtures_newsletter import make_note

from .test_send_issue import _wait_until_sent


def _topic(name, slug, tag):
    topic = Topic.objects.create(name=name, slug=slug)
    topic.tags.add(Tag.named(tag))
    return topic


def _reader(email, *topics, every=False):
    reader = Subscriber.objects.create(email=email, status="active", all_topics=every)
    reader.topics.set(topics)
    return reader


def _send(note, **fields):
    issue = Issue.objects.create(note=note, **fields)
    tasks.schedule(issue)
    return issue


def _one_click(header: str) -> int:
    url = re.search(r"<(http[^>]+/unsubscribe/[^>]+)>", header).group(1)
    path = url.removeprefix("http://testserver")
    response = Client(enforce_csrf_checks=True).post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    return response.status_code


def test_an_issue_of_topic_a_reaches_its_readers_and_one_click_leaves_only_a(worker, smtp_server):
    tools = _topic("AI tools", "ai-tools", "ai")
    business = _topic("Business", "business", "money")
    fan = _reader("fan@example.com", tools)
    _reader("other@example.com", business)
    everything = _reader("all@example.com", every=True)
    _reader("general@example.com")  # chose topics, then left them all: issues to everyone only
    note = make_note(slug="agents", visibility="public")
    note.tags.add(Tag.named("ai"))

    issue = _send(note)  # targeting defaults to the note's topics (its tags)
    received = smtp_server.wait_for(2, timeout=60)
    _wait_until_sent(issue)
    assert sorted(smtp_server.recipients()) == ["all@example.com", "fan@example.com"]
    issue.refresh_from_db()
    assert issue.recipients_count == 2

    by_reader = {item.rcpt_tos[0]: item.message for item in received}
    message = by_reader["fan@example.com"]
    assert f"?topics={tools.pk}>" in message["List-Unsubscribe"]
    text = message.get_body(("plain",)).get_content()
    assert "Sent to readers of AI tools." in text
    assert re.search(rf"Leave AI tools: http://testserver/unsubscribe/\S+\?topics={tools.pk}", text)
    assert re.search(r"Unsubscribe from everything: http://testserver/unsubscribe/[^?\s]+/\s", text)
    html = message.get_body(("html",)).get_content()
    assert ">Leave AI tools</a>" in html and ">Unsubscribe from everything</a>" in html

    # One-click from the fan's email: AI tools left, the newsletter kept.
    assert _one_click(message["List-Unsubscribe"]) == 200
    fan.refresh_from_db()
    assert fan.status == Subscriber.Status.ACTIVE
    assert list(fan.topics.all()) == []
    # One-click from the email of a reader who took everything: every topic but AI tools.
    assert _one_click(by_reader["all@example.com"]["List-Unsubscribe"]) == 200
    everything.refresh_from_db()
    assert everything.status == Subscriber.Status.ACTIVE and not everything.all_topics
    assert list(everything.topics.all()) == [business]

    # A second AI issue reaches nobody now; an issue to everyone reaches all four.
    with smtp_server.lock:
        smtp_server.messages.clear()
    more = make_note(slug="more-agents", visibility="public")
    more.tags.add(Tag.named("ai"))
    second = _send(more)
    to_all = _send(note, targeting=Issue.Targeting.ALL, subject="To everyone")
    received = smtp_server.wait_for(4, timeout=60)
    _wait_until_sent(to_all)
    _wait_until_sent(second)
    second.refresh_from_db()
    assert second.recipients_count == 0
    assert sorted(item.rcpt_tos[0] for item in received) == [
        "all@example.com",
        "fan@example.com",
        "general@example.com",
        "other@example.com",
    ]
    assert {item.message["Subject"] for item in received} == {"To everyone"}
    message = next(item.message for item in received if item.rcpt_tos == ["other@example.com"])
    assert "?topics=" not in message["List-Unsubscribe"]
    assert "Leave " not in message.get_body(("plain",)).get_content()
    # Its one-click leaves everything.
    assert _one_click(message["List-Unsubscribe"]) == 200
    assert Subscriber.objects.get(email="other@example.com").status == "unsubscribed"
