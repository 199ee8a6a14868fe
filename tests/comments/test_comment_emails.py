"""The author hears of new comments (each, or a daily digest) and readers of replies to them,
through the real Celery worker and SMTP server; a reader can stop reply emails from the email."""

import re
import time

import pytest

from comments import rules, tasks
from comments.models import Comment, CommentSettings

from .conftest import post

pytestmark = [pytest.mark.redis, pytest.mark.postgres]


def text(received) -> str:
    return received.message.get_body(("plain",)).get_content()


@pytest.fixture
def author(django_user_model):
    return django_user_model.objects.create_user(
        "author", "author@example.com", "pw-author-1", is_staff=True
    )


def test_the_author_gets_each_comment_and_the_reader_each_reply(
    celery_worker, smtp_server, author, reader_client, note, comment_settings, client
):
    comment_settings(
        moderation=CommentSettings.Moderation.APPROVE_FIRST,
        author_emails=CommentSettings.AuthorEmails.EACH,
    )
    ana, ben = reader_client("free"), reader_client("paid")
    post(ana, note, "Which tokenizer do you use?")
    [first] = smtp_server.wait_for(1)
    assert first.rcpt_tos == ["author@example.com"]
    assert first.message["Subject"].strip() == "New comment on “Counting tokens”"
    body = text(first)
    assert "Which tokenizer do you use?" in body and "(awaiting your approval)" in body
    assert "/admin/comments/comment/" in body

    rules.publish(Comment.objects.all())
    question = Comment.objects.get()
    post(ben, note, "BPE, mostly.", parent=question.pk)
    smtp_server.wait_for(2)  # the author hears of the reply, still waiting for approval
    rules.publish(Comment.objects.filter(body="BPE, mostly."))
    reply = smtp_server.wait_for(3)[2]
    assert reply.rcpt_tos == ["free@example.com"]
    assert reply.message["Subject"].strip() == "A reply to your comment on “Counting tokens”"
    assert "BPE, mostly." in text(reply)
    off = re.search(r"http://testserver(/comments/replies/off/\S+/)", text(reply))[1]
    assert reply.message["List-Unsubscribe"].strip() == f"<http://testserver{off}>"

    # The reader stops reply emails from the email: the next reply reaches the author only.
    assert "Stop reply emails" in client.get(off).content.decode()
    assert "no longer get an email" in client.post(off).content.decode()
    comment_settings(moderation=CommentSettings.Moderation.PUBLISH)
    post(ben, note, "Also WordPiece.", parent=question.pk)
    post(ana, note, "Thanks!")
    received = smtp_server.wait_for(5)
    assert [r.rcpt_tos for r in received[3:]] == [["author@example.com"]] * 2
    time.sleep(2)  # time enough for a reply email, had one been sent
    assert len(smtp_server.messages) == 5


def test_the_daily_digest_gathers_the_days_comments_in_one_email(
    celery_worker, smtp_server, author, reader_client, note, comment_settings
):
    comment_settings(
        moderation=CommentSettings.Moderation.PUBLISH,
        author_emails=CommentSettings.AuthorEmails.DIGEST,
    )
    member = reader_client("free")
    post(member, note, "One.")
    post(member, note, "Two.")
    tasks.send_digest.delay()
    [digest] = smtp_server.wait_for(1)
    assert digest.message["Subject"].strip() == "2 new comments"
    assert "One." in text(digest) and "Two." in text(digest)
    tasks.send_digest.delay()  # nothing new: no second email
    time.sleep(2)
    assert len(smtp_server.messages) == 1
    assert not Comment.objects.filter(author_notified_at=None).exists()
