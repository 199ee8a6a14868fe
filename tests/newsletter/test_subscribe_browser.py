"""A reader subscribes in Chromium, without JavaScript tricks, and confirms from the email."""

import re

import pytest
from django.db import connections
from django.urls import reverse

from newsletter.models import Subscriber


@pytest.mark.browser
def test_reader_subscribes_and_confirms_in_a_real_browser(browser_page, live_server, smtp_server):
    page = browser_page
    page.goto(live_server.url + reverse("newsletter:subscribe"))
    assert not page.locator("input[name=website]").is_visible()  # the honeypot stays hidden
    page.get_by_label("Email address").fill("reader@example.com")
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()

    [confirmation] = smtp_server.wait_for(1)
    text = confirmation.message.get_body(("plain",)).get_content()
    path = re.search(r"https?://[^/\s]+(/subscribe/confirm/\S+)", text).group(1)
    page.goto(live_server.url + path)
    page.get_by_role("button", name="Confirm my subscription").click()
    page.get_by_role("heading", name="Thank you, you are subscribed").wait_for()
    try:
        assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE
    finally:
        # Under Playwright's sync API this ORM call got its own connection; close it, or it
        # outlives the test and blocks dropping the test database.
        connections.close_all()
