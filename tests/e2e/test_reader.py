"""A reader in Chromium: home → note → tag → search → subscribe → confirm → unsubscribe.

The confirmation and the welcome email (which carries the unsubscribe link) are read from a real
SMTP server, as the reader would open them from their inbox.
"""

import re

import pytest

from newsletter.models import Subscriber


def link_in(received, path_prefix: str) -> str:
    """The path of the first link to `path_prefix` in an email's plain-text part."""
    text = received.message.get_body(("plain",)).get_content()
    return re.search(rf"https?://[^/\s]+({re.escape(path_prefix)}\S+)", text).group(1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reader_browses_searches_subscribes_confirms_and_unsubscribes(
    page, live_server, smtp_server, shots, make_note
):
    make_note("Counting tokens", body="How a *tokenizer* splits words.", tags=["AI"])
    make_note("Evaluating models", body="Benchmarks lie, **evals** less so.", tags=["AI"])
    make_note("Gardening", body="Tomatoes need sun.", tags=["Life"])
    failed = []
    page.on("response", lambda r: r.status >= 400 and "favicon" not in r.url and failed.append(r))

    page.goto(live_server.url + "/")
    assert page.locator(".note-card h2 a").all_inner_texts() == [
        "Gardening",
        "Evaluating models",
        "Counting tokens",
    ]
    shots("home")

    page.get_by_role("link", name="Counting tokens").click()
    page.wait_for_url("**/notes/counting-tokens/")
    assert page.get_by_role("heading", level=1).inner_text() == "Counting tokens"
    assert page.locator(".note-body em").inner_text() == "tokenizer"  # Markdown rendered
    shots("note")

    page.locator(".note-meta a.tag", has_text="AI").click()
    page.wait_for_url("**/tags/ai/")
    assert page.locator(".note-card h2 a").all_inner_texts() == [
        "Evaluating models",
        "Counting tokens",
    ]
    shots("tag")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Search").click()
    page.get_by_label("Search the notes").fill("tomatoes")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    page.wait_for_url("**/search/?q=tomatoes")
    assert page.locator(".note-card h2 a").all_inner_texts() == ["Gardening"]
    assert page.get_by_text("1 note found.").is_visible()
    shots("search")

    # The subscribe form under a public note.
    page.get_by_role("link", name="Gardening").click()
    page.get_by_label("Email address").fill("Reader@Example.com")
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    shots("check-inbox")

    [confirmation] = smtp_server.wait_for(1)
    assert confirmation.rcpt_tos == ["reader@example.com"]
    page.goto(live_server.url + link_in(confirmation, "/subscribe/confirm/"))
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING  # opening changes nothing
    page.get_by_role("button", name="Confirm my subscription").click()
    page.get_by_role("heading", name="Thank you, you are subscribed").wait_for()
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE
    shots("confirmed")

    welcome = smtp_server.wait_for(2)[1]
    unsubscribe = link_in(welcome, "/unsubscribe/")
    assert welcome.message["List-Unsubscribe"].strip() == f"<{live_server.url}{unsubscribe}>"
    page.goto(live_server.url + unsubscribe)
    assert page.get_by_text("Stop sending the newsletter to reader@example.com?").is_visible()
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE  # a GET changes nothing
    shots("unsubscribe")
    page.get_by_role("button", name="Unsubscribe").click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED
    shots("unsubscribed")

    assert failed == []
    assert len(smtp_server.messages) == 2  # a confirmation and a welcome, nothing more
