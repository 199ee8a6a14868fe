"""Topics: the audience an issue snapshots, leaving a topic from an email's footer link, choosing
topics on the subscribe form and the account page, bad values, the reader's data, the admin."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.sync import ensure_user
from newsletter import dispatch, privacy, tokens
from newsletter.models import Issue, Subscriber, Topic
from notes.models import Tag
from tests.fixtures_newsletter import make_note

pytestmark = pytest.mark.django_db


def _topic(name, slug, *tags):
    topic = Topic.objects.create(name=name, slug=slug)
    topic.tags.add(*(Tag.named(tag) for tag in tags))
    return topic


def _reader(email, *topics, every=False, status="active"):
    reader = Subscriber.objects.create(email=email, status=status, all_topics=every)
    reader.topics.set(topics)
    return reader


@pytest.fixture
def tools():
    return _topic("AI tools", "ai-tools", "ai", "llm")


@pytest.fixture
def business():
    return _topic("Business", "business", "money")


def _emails(issue):
    return sorted(dispatch.audience(issue).values_list("email", flat=True))


# The audience ------------------------------------------------------------------------------


def test_the_audience_follows_the_issue_targeting(tools, business):
    _reader("fan@example.com", tools)
    _reader("other@example.com", business)
    _reader("all@example.com", every=True)
    _reader("general@example.com")
    _reader("gone@example.com", tools, status="unsubscribed")
    ai_note = make_note(slug="agents", visibility="public")
    ai_note.tags.add(Tag.named("llm"))
    untagged = make_note(slug="diary", visibility="public")

    everyone = ["all@example.com", "fan@example.com", "general@example.com", "other@example.com"]
    assert _emails(Issue(note=ai_note)) == ["all@example.com", "fan@example.com"]
    # A note whose tags match no topic goes to everyone, and so does an issue without a note.
    assert _emails(Issue(note=untagged)) == everyone
    assert _emails(Issue(body="Hello")) == everyone
    assert _emails(Issue(note=ai_note, targeting=Issue.Targeting.ALL)) == everyone
    chosen = Issue.objects.create(body="Deals", targeting=Issue.Targeting.CHOSEN)
    chosen.topics.set([business, tools])
    assert _emails(chosen) == ["all@example.com", "fan@example.com", "other@example.com"]
    counts = dispatch.audience_counts(Issue(note=ai_note))
    assert (counts.free, counts.paid) == (2, 0)


def test_the_audience_is_one_query_whatever_the_topics_and_readers(tools):
    note = make_note(slug="agents", visibility="public")
    note.tags.add(Tag.named("ai"))
    issue = Issue.objects.create(note=note)
    _reader("fan@example.com", tools)
    with CaptureQueriesContext(connection) as few:
        assert len(list(dispatch.audience(issue).values_list("pk"))) == 1
    more = [_topic(f"T{i}", f"t{i}", "ai") for i in range(10)]
    for i in range(30):
        _reader(f"r{i}@example.com", *more[: i % 4], every=i % 5 == 0)
    with CaptureQueriesContext(connection) as many:
        # The fan, 6 readers of every topic, 18 who chose some of these (i % 4 != 0).
        assert len(list(dispatch.audience(issue).values_list("pk"))) == 1 + 6 + 18
    assert len(few) == len(many) == 1
    with CaptureQueriesContext(connection) as counted:
        dispatch.audience_counts(issue)
    assert len(counted) == 1  # rule constant-sql


# Leaving from an email's footer link ------------------------------------------------------


def _link(reader, *topics):
    url = reverse("newsletter:unsubscribe", args=[tokens.unsubscribe_token(reader.pk)])
    return url + ("?topics=" + ",".join(str(t.pk) for t in topics) if topics else "")


def test_the_leave_link_asks_first_and_changes_nothing(client, tools):
    reader = _reader("fan@example.com", tools)
    page = client.get(_link(reader, tools))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Leave AI tools</button>" in html and "Unsubscribe from everything</button>" in html
    reader.refresh_from_db()
    assert reader.status == "active" and list(reader.topics.all()) == [tools]


def test_the_page_button_leaves_the_topic_and_keeps_the_newsletter(client, tools, business):
    reader = _reader("fan@example.com", tools, business)
    page = client.post(_link(reader, tools))
    assert page.status_code == 200
    assert "You left AI tools" in page.content.decode()
    reader.refresh_from_db()
    assert reader.status == "active" and list(reader.topics.all()) == [business]


def test_a_reader_of_every_topic_who_leaves_one_keeps_the_others(client, tools, business):
    reader = _reader("all@example.com", every=True)
    Client(enforce_csrf_checks=True).post(
        _link(reader, tools),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    reader.refresh_from_db()
    assert reader.status == "active" and not reader.all_topics
    assert list(reader.topics.all()) == [business]


def test_the_everything_button_unsubscribes(client, tools):
    reader = _reader("fan@example.com", tools)
    page = client.post(_link(reader, tools), {"everything": "1"})
    assert page.status_code == 200
    reader.refresh_from_db()
    assert reader.status == "unsubscribed"


@pytest.mark.parametrize("query", ["?topics=abc", "?topics=1;2", "?topics=" + ",".join("1" * 101)])
def test_a_damaged_topics_link_is_a_400_and_changes_nothing(client, tools, query):
    reader = _reader("fan@example.com", tools)
    base = _link(reader)
    for method in (client.get, client.post):
        assert method(base + query).status_code == 400
    reader.refresh_from_db()
    assert reader.status == "active" and list(reader.topics.all()) == [tools]


def test_a_link_to_a_deleted_topic_offers_to_unsubscribe_from_everything(client, tools):
    reader = _reader("fan@example.com", tools)
    link = _link(reader, tools)
    tools.delete()
    page = client.get(link)
    assert page.status_code == 200 and "Stop sending the newsletter" in page.content.decode()
    client.post(
        link, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    reader.refresh_from_db()
    assert reader.status == "unsubscribed"


# Choosing when subscribing ----------------------------------------------------------------


def test_the_subscribe_page_offers_each_topic_as_a_named_checkbox(client, tools, business):
    html = client.get(reverse("newsletter:subscribe")).content.decode()
    assert 'type="checkbox" name="topics" value="ai-tools"' in html
    assert 'type="checkbox" name="topics" value="business"' in html


def test_without_topics_the_subscribe_page_has_no_topic_choice(client):
    assert 'name="topics"' not in client.get(reverse("newsletter:subscribe")).content.decode()


def test_a_plain_post_with_topics_subscribes_to_those_topics(
    client, tools, business, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            reverse("newsletter:subscribe"),
            {"email": "new@example.com", "topics": ["business", "ai-tools"]},
        )
    assert page.status_code == 200
    smtp_server.wait_for(1)
    reader = Subscriber.objects.get(email="new@example.com")
    assert reader.status == "pending" and not reader.all_topics
    assert sorted(reader.topics.values_list("slug", flat=True)) == ["ai-tools", "business"]


def test_a_plain_post_without_topics_takes_everything(client, tools):
    client.post(reverse("newsletter:subscribe"), {"email": "new@example.com"})
    reader = Subscriber.objects.get(email="new@example.com")
    assert reader.all_topics and not reader.topics.exists()


def test_an_unknown_topic_is_a_form_error_and_changes_nothing(client, tools, smtp_server):
    page = client.post(
        reverse("newsletter:subscribe"),
        {"email": "new@example.com", "topics": ["ai-tools", "no-such-topic"]},
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "no-such-topic is not one of the available choices" in html
    assert 'value="ai-tools" checked' in html  # the reader's ticks are kept
    assert not Subscriber.objects.exists() and not smtp_server.messages


def test_the_public_form_never_changes_an_active_readers_topics(client, tools, business):
    reader = _reader("fan@example.com", tools)
    client.post(
        reverse("newsletter:subscribe"), {"email": "FAN@example.com", "topics": ["business"]}
    )
    reader.refresh_from_db()
    assert list(reader.topics.all()) == [tools] and not reader.all_topics


# Choosing on the account page -------------------------------------------------------------


@pytest.fixture
def signed_in(client, tools):
    reader = _reader("fan@example.com", every=True)
    client.force_login(ensure_user(reader))
    return reader


def test_the_account_page_shows_the_choice(client, signed_in, business):
    html = client.get(reverse("billing:account")).content.decode()
    assert 'name="receive" value="all" checked' in html
    assert 'name="topics" value="ai-tools">' in html and 'name="topics" value="business">' in html


def test_the_account_page_saves_chosen_topics_then_everything(client, signed_in, business):
    url = reverse("billing:topics")
    page = client.post(url, {"receive": "chosen", "topics": ["business"]})
    assert page.status_code == 302
    signed_in.refresh_from_db()
    assert not signed_in.all_topics and list(signed_in.topics.all()) == [business]
    html = client.get(reverse("billing:account")).content.decode()
    assert "Your topics are saved." in html
    assert 'name="topics" value="business" checked' in html

    client.post(url, {"receive": "all"})
    signed_in.refresh_from_db()
    assert signed_in.all_topics and not signed_in.topics.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"receive": "chosen", "topics": ["business", "nope"]},
        {"receive": "some", "topics": ["business"]},
        {"topics": ["business"]},
    ],
)
def test_bad_account_choices_are_form_errors_and_change_nothing(client, signed_in, business, data):
    page = client.post(reverse("billing:topics"), data)
    assert page.status_code == 400
    assert 'role="alert"' in page.content.decode()
    signed_in.refresh_from_db()
    assert signed_in.all_topics and not signed_in.topics.exists()


def test_the_topics_form_is_for_signed_in_readers(client, tools):
    page = client.post(reverse("billing:topics"), {"receive": "all"})
    assert page.status_code == 302 and page.url == reverse("billing:login")


# The reader's data ------------------------------------------------------------------------


def test_export_and_erasure_include_topics(client, tools, business):
    reader = _reader("fan@example.com", business, tools)
    assert privacy.export_data(reader)["topics"] == {
        "every_topic": False,
        "chosen": ["ai-tools", "business"],
    }
    client.force_login(ensure_user(reader))
    data = json.loads(client.get(reverse("billing:account_data")).content)
    assert data["topics"]["chosen"] == ["ai-tools", "business"]
    privacy.erase(reader)
    reader.refresh_from_db()
    assert not reader.topics.exists() and reader.all_topics


# The author's admin -----------------------------------------------------------------------


def test_an_issue_for_chosen_topics_needs_a_topic(admin_client, tools):
    page = admin_client.post(
        reverse("admin:newsletter_issue_add"),
        {"subject": "Deals", "body": "Hi", "audience": "all", "targeting": "chosen"},
    )
    assert page.status_code == 200
    assert "Choose at least one topic, or send to everyone." in page.content.decode()
    assert not Issue.objects.exists()
    page = admin_client.post(
        reverse("admin:newsletter_issue_add"),
        {
            "subject": "Deals",
            "body": "Hi",
            "audience": "all",
            "targeting": "chosen",
            "topics": [tools.pk],
        },
    )
    assert page.status_code == 302
    assert list(Issue.objects.get().topics.all()) == [tools]


def test_the_topic_list_counts_who_chose_each(admin_client, tools):
    _reader("fan@example.com", tools)
    _reader("gone@example.com", tools, status="unsubscribed")
    page = admin_client.get(reverse("admin:newsletter_topic_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "AI tools" in html and "ai, llm" in html
    assert '<td class="field-chosen_by">1</td>' in html


def test_the_send_confirmation_names_the_topics(admin_client, tools):
    _reader("fan@example.com", tools)
    _reader("other@example.com")
    note = make_note(slug="agents", visibility="public")
    note.tags.add(Tag.named("ai"))
    issue = Issue.objects.create(note=note)
    url = reverse("admin:newsletter_issue_send", args=[issue.pk]) + "?when=now"
    html = admin_client.get(url).content.decode()
    assert "Only readers of AI tools, and readers who take every topic." in html
    assert 'id="audience-free">1</dd>' in html
