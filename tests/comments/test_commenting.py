"""Members comment on notes and reply one level deep; the author's choices decide who may and
whether a comment waits for approval. Bad input is a form error and stores nothing."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from comments import rules
from comments.models import Comment, Commenter, CommentSettings
from newsletter.models import Subscriber
from tests.billing.readers import make_reader

from .conftest import post, thread_url

pytestmark = pytest.mark.django_db


def fragment(client, note) -> str:
    response = client.get(thread_url(note), headers={"X-Solo-Fragment": "1"})
    assert response.status_code == 200
    return response.content.decode()


def test_approve_first_a_comment_is_hidden_until_the_author_approves_it(
    reader_client, note, comment_settings, client
):
    comment_settings(moderation=CommentSettings.Moderation.APPROVE_FIRST)
    member = reader_client("free")
    response = post(member, note, "Tokenizers are *underrated*.")
    assert response.status_code == 302
    follow = member.get(response["Location"]).content.decode()
    assert "Your comment will appear once approved." in follow
    assert "underrated" not in follow
    assert "underrated" not in fragment(client, note)

    rules.publish(Comment.objects.all())
    assert "Tokenizers are <em>underrated</em>." in fragment(client, note)
    assert "1 comment" in fragment(member, note)


def test_publish_at_once_shows_the_comment_immediately_and_counts_it_on_the_cards(
    reader_client, note, comment_settings, client
):
    comment_settings(moderation=CommentSettings.Moderation.PUBLISH)
    assert "1 comment" not in client.get("/").content.decode()
    client.get("/")  # cached for anonymous readers, with no count
    post(reader_client("free"), note, "Published at once.")
    assert "Published at once." in fragment(client, note)
    home = client.get("/").content.decode()  # the cached page was invalidated
    assert '<a href="/notes/counting-tokens/#comments">1 comment</a>' in home


def test_a_reply_to_a_reply_joins_the_first_comments_thread(reader_client, note, comment_settings):
    comment_settings(moderation=CommentSettings.Moderation.PUBLISH)
    ana, ben = reader_client("free"), reader_client("paid")
    post(ana, note, "First.")
    first = Comment.objects.get()
    post(ben, note, "Reply.", parent=first.pk)
    reply = Comment.objects.get(body="Reply.")
    post(ana, note, "Reply to the reply.", parent=reply.pk)
    deeper = Comment.objects.get(body="Reply to the reply.")
    assert reply.parent == first and deeper.parent == first  # one level deep
    page = fragment(ana, note)
    replies = re.search(r'<div class="comment-replies">(.*?)</div>\s*<details', page, re.S)[1]
    assert "Reply." in replies and "Reply to the reply." in replies
    assert "3 comments" in page


def test_a_reply_to_a_comment_of_another_note_is_a_form_error(
    reader_client, note, make_note, comment_settings
):
    comment_settings(moderation=CommentSettings.Moderation.PUBLISH)
    member = reader_client("free")
    other = make_note("Other", slug="other")
    post(member, other, "Elsewhere.")
    response = post(member, note, "Lost reply.", parent=Comment.objects.get().pk)
    assert response.status_code == 400
    assert "The comment you answer is no longer here." in response.content.decode()
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("kind", ["anonymous", "unsubscribed"])
def test_readers_who_are_not_members_cannot_comment(kind, reader_client, client, note):
    browser = client if kind == "anonymous" else reader_client("free")
    Subscriber.objects.update(status=Subscriber.Status.UNSUBSCRIBED)  # left the list: no member
    response = post(browser, note)
    assert response.status_code == 403
    assert "Sign in as a subscriber to comment." in response.content.decode()
    assert 'name="body"' not in fragment(browser, note)
    assert not Comment.objects.exists()


def test_paid_only_comments_refuse_free_members(reader_client, note, comment_settings):
    comment_settings(who=CommentSettings.Who.PAID, moderation=CommentSettings.Moderation.PUBLISH)
    free = reader_client("free")
    assert post(free, note).status_code == 403
    assert "Only paid readers can comment." in fragment(free, note)
    assert post(reader_client("paid"), note).status_code == 302
    assert Comment.objects.count() == 1


def test_a_banned_reader_cannot_comment(reader_client, note):
    member = reader_client("free")
    post(member, note, "Spam spam.")
    Commenter.ban([Comment.objects.get().subscriber_id])
    response = post(member, note, "More spam.")
    assert response.status_code == 403
    assert "You can no longer comment here." in response.content.decode()
    assert Comment.objects.count() == 1


def test_comments_off_on_one_note(reader_client, note, comment_settings):
    settings = comment_settings()
    settings.closed_notes.add(note)
    member = reader_client("free")
    assert post(member, note).status_code == 403
    assert "Comments are closed on this note." in fragment(member, note)


def test_a_paid_notes_comments_are_for_its_readers_only(
    reader_client, make_note, premium_body, comment_settings, client
):
    comment_settings(moderation=CommentSettings.Moderation.PUBLISH)
    paid_note = make_note("Locked", slug="locked", body=premium_body, visibility="paid")
    post(reader_client("paid"), paid_note, "About SECRET-PREMIUM-TEXT.")
    assert Comment.objects.count() == 1
    for browser in (client, reader_client("free")):
        page = fragment(browser, paid_note)
        assert "SECRET-PREMIUM-TEXT" not in page
        assert "Comments are for readers of the whole note." in page
        assert post(browser, paid_note).status_code == 403


def test_comments_render_markdown_without_images_and_with_ugc_links(
    reader_client, note, comment_settings
):
    comment_settings(moderation=CommentSettings.Moderation.PUBLISH)
    body = (
        "See [my site](https://example.com) ![tracker](https://evil.example/pixel.png)\n\n"
        '<img src="https://evil.example/x.png" onerror="alert(1)"><script>alert(2)</script>'
        "[bad](javascript:alert(3)) `code`"
    )
    assert post(reader_client("free"), note, body).status_code == 302
    stored = Comment.objects.get().body_html
    assert '<a href="https://example.com" rel="nofollow ugc noopener">my site</a>' in stored
    assert "<img" not in stored and "evil.example" not in stored
    assert "<script" not in stored and "javascript:" not in stored and "onerror" not in stored
    assert "<code>code</code>" in stored


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 5001, "Ensure this value has at most 5000 characters (it has 5001)."),
    ],
)
def test_an_empty_or_too_long_comment_is_a_form_error(reader_client, note, body, error):
    response = post(reader_client("free"), note, body)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Comment.objects.exists()


def test_a_filled_honeypot_looks_like_success_but_stores_nothing(reader_client, note):
    response = post(reader_client("free"), note, "Buy now", website="http://spam.example")
    assert response.status_code == 302
    assert not Comment.objects.exists()


def test_comments_are_rate_limited_per_reader(reader_client, note, settings):
    settings.COMMENT_RATE_LIMIT = "3/h"
    member = reader_client("free")
    statuses = [post(member, note, f"Comment {i}").status_code for i in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert Comment.objects.count() == 3
    cache.clear()


def test_posting_needs_the_csrf_token(db, django_user_model, note):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_reader("free", django_user_model))
    assert post(browser, note).status_code == 403
    assert not Comment.objects.exists()


def test_the_cached_note_page_holds_no_readers_own_comments_part(
    reader_client, note, comment_settings, client
):
    comment_settings(moderation=CommentSettings.Moderation.PUBLISH)
    member = reader_client("free")
    post(member, note, "Visible only in the fragment.")
    anonymous = client.get(note.get_absolute_url()).content.decode()
    signed_in = member.get(note.get_absolute_url()).content.decode()
    for page in (anonymous, signed_in):
        section = re.search(r'<section id="comments".*?</section>', page, re.S)[0]
        assert 'data-comments-src="/notes/counting-tokens/comments/"' in section
        assert "Visible only in the fragment." not in page and "csrfmiddlewaretoken" not in section
    response = member.get(thread_url(note), headers={"X-Solo-Fragment": "1"})
    assert "private" in response["Cache-Control"] and "<html" not in response.content.decode()


def test_a_refused_reply_comes_back_open_under_its_comment_with_the_readers_text(
    reader_client, note, comment_settings
):
    comment_settings(moderation=CommentSettings.Moderation.PUBLISH)
    member = reader_client("free")
    post(member, note, "First.")
    first = Comment.objects.get()
    response = post(member, note, "y" * 5001, parent=first.pk)
    assert response.status_code == 400
    page = response.content.decode()
    assert '<details class="comment-reply" open>' in page
    assert f'id="comment-body-{first.pk}"' in page and "y" * 5001 in page
    assert "Ensure this value has at most 5000 characters (it has 5001)." in page
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    "fields",
    [{"parent": "abc"}, {"parent": "-1"}, {"parent": "99999999999999999999"}, {"body": "a\x00b"}],
)
def test_forged_fields_are_refused_with_a_4xx_and_store_nothing(reader_client, note, fields):
    response = post(reader_client("free"), note, **{"body": "Fine.", **fields})
    assert 400 <= response.status_code < 500
    assert not Comment.objects.exists()
