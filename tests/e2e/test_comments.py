"""A comment thread in Chromium: a member comments (approve first: hidden until the author
approves it in the admin), the author replies under it, the reader sees the thread, loaded
outside the cached note page; images in comments are never shown."""

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from sesame.utils import get_query_string

from billing.sync import ensure_user
from comments.models import Comment
from newsletter.models import Subscriber
from tests.e2e.conftest import axe_violations, serious


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_member_comments_the_author_approves_and_replies(
    page, live_server, shots, make_note, django_user_model
):
    note = make_note("Counting tokens", slug="counting-tokens", body="How a tokenizer splits.")
    django_user_model.objects.create_user(
        "author", "author@example.com", "pw-author-1", is_staff=True, is_superuser=True
    )
    reader = ensure_user(
        Subscriber.objects.create(email="ana@example.com", name="Ana", status="active")
    )
    failed = []
    page.on("response", lambda r: r.status >= 400 and "favicon" not in r.url and failed.append(r))

    # Anonymous: the note's comments section invites to sign in; no form.
    page.goto(live_server.url + note.get_absolute_url())
    page.locator("#comments[data-loaded]").wait_for()
    assert page.get_by_text("Sign in as a subscriber to comment.").is_visible()
    assert page.locator("#comments textarea").count() == 0

    # The reader signs in with their link (as emailed), then comments under the note.
    link = django_settings.SITE_URL + reverse("billing:login_link") + get_query_string(reader)
    page.goto(link)
    page.get_by_role("button", name="Sign in to my account").click()
    page.wait_for_url("**/account/")
    page.goto(live_server.url + note.get_absolute_url())
    page.locator("#comments[data-loaded]").wait_for()
    page.get_by_label("Your comment").fill(
        "Does *BPE* still win? ![pixel](https://tracker.example/p.png)"
    )
    shots("reader-writes")
    page.get_by_role("button", name="Post the comment").click()
    page.get_by_text("Your comment will appear once approved.").wait_for()
    assert page.locator(".comment").count() == 0  # waiting for the author
    shots("awaiting-approval")

    # The author approves it in the admin, then answers it from the note's page.
    author = page.context.browser.new_context().new_page()
    author.goto(live_server.url + "/admin/")
    author.get_by_label("Username").fill("author")
    author.get_by_label("Password").fill("pw-author-1")
    author.get_by_role("button", name="Log in").click()
    author.wait_for_url("**/admin/")
    author.goto(live_server.url + "/admin/comments/comment/")
    author.locator("input.action-select").first.check()
    author.locator("select[name=action]").select_option(
        label="Approve (publish) the selected comments"
    )
    author.get_by_role("button", name="Go").click()
    author.get_by_text("1 comment published.").wait_for()
    shots("author-approves", page=author)
    author.goto(live_server.url + note.get_absolute_url())
    author.locator("#comments[data-loaded]").wait_for()
    author.locator(".comment-reply summary").first.click()
    author.get_by_label("Your reply").fill("It does, for **most** languages.")
    author.get_by_role("button", name="Post the reply").click()
    author.locator(".comment.reply").wait_for()

    # The reader sees the thread: their comment, the author's reply one level under it.
    page.goto(live_server.url + note.get_absolute_url())
    page.locator("#comments[data-loaded]").wait_for()
    thread = page.locator("#comments")
    assert thread.get_by_role("heading", name="2 comments").is_visible()
    assert thread.locator(".comment em").first.inner_text() == "BPE"
    reply = thread.locator(".comment-replies .comment.by-author")
    assert "It does, for most languages." in reply.inner_text()
    assert reply.locator(".badge").inner_text().lower() == "author"
    assert thread.locator("img").count() == 0  # no image from a comment ever loads
    shots("thread")
    assert serious(axe_violations(page)) == []  # the loaded thread, its forms included
    assert Comment.objects.filter(status="published").count() == 2
    assert not failed, [f"{r.status} {r.url}" for r in failed]
    author.context.close()
