"""In Chromium: a reader asks for a sign-in link, opens it from the email, presses the button."""

import re

import pytest
from django.db import connections

from billing.sync import ensure_user
from newsletter.models import Subscriber


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reader_signs_in_with_the_emailed_link(browser_page, live_server, smtp_server, settings):
    try:
        settings.SITE_URL = live_server.url
        ensure_user(Subscriber.objects.create(email="ada@example.com", status="active"))
        page = browser_page

        page.goto(live_server.url + "/account/")  # not signed in: sent to the sign-in form
        page.get_by_label("Your email").fill("ada@example.com")
        page.get_by_role("button", name="Email me a sign-in link").click()
        assert page.get_by_text("Check your email").is_visible()

        [received] = smtp_server.wait_for(1)
        link = re.search(
            r"http://\S+/account/login/link/\?sesame=\S+", received.message.get_content()
        )[0]
        page.goto(link)
        assert page.get_by_role("heading", name="Your account").count() == 0  # not yet signed in
        page.get_by_role("button", name="Sign in to my account").click()

        page.wait_for_url("**/account/")
        assert page.get_by_text("ada@example.com").is_visible()
        page.get_by_role("button", name="Sign out").click()
        page.goto(live_server.url + "/account/")
        assert page.get_by_role("button", name="Email me a sign-in link").is_visible()
    finally:
        connections.close_all()  # the ORM connection made under Playwright (see the paywall test)
