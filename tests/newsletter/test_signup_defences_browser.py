"""A real browser with JavaScript solves the proof of work and subscribes; the defences stay on."""

import pytest
from django.db import connections

from newsletter.models import StoppedSignup, Subscriber
from tests.fixtures_newsletter import make_note


@pytest.mark.browser
def test_a_reader_with_javascript_solves_the_challenge_and_subscribes(
    browser_page, live_server, smtp_server, settings
):
    settings.SIGNUP_MIN_SECONDS = 2
    settings.SIGNUP_REQUIRE_ALTCHA = True  # so a post without the solved challenge would fail
    page = browser_page
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + "/subscribe/")
    page.get_by_label("Email address").fill("reader@example.com")
    # The widget loads on the first focus, fetches a challenge and solves it in a worker.
    solved = page.locator("input[name=altcha]")
    for _ in range(100):  # the page's CSP forbids Playwright's wait_for_function (eval)
        if solved.count() and len(solved.input_value()) > 20:
            break
        page.wait_for_timeout(100)
    assert len(solved.input_value()) > 20, errors
    page.wait_for_timeout(2000)  # a person takes this long anyway
    page.get_by_role("button", name="Subscribe").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    [confirmation] = smtp_server.wait_for(1)
    try:
        assert confirmation.rcpt_tos == ["reader@example.com"]
        assert Subscriber.objects.get().email == "reader@example.com"
        assert not StoppedSignup.objects.exists()
        assert errors == []  # nothing refused by the CSP, no script error
    finally:
        connections.close_all()


@pytest.mark.browser
def test_pressing_subscribe_while_the_challenge_is_solved_waits_for_it(
    browser_page, live_server, smtp_server, settings, db
):
    settings.SIGNUP_REQUIRE_ALTCHA = True  # the post only passes with the solved challenge
    make_note("gardening", visibility="public")
    page = browser_page
    page.goto(live_server.url + "/notes/gardening/")
    page.get_by_label("Email address").fill("quick@example.com")
    page.get_by_role("button", name="Subscribe").click()  # at once: the widget is still working
    page.get_by_role("heading", name="Check your inbox").wait_for()
    [confirmation] = smtp_server.wait_for(1)
    try:
        assert confirmation.rcpt_tos == ["quick@example.com"]
        assert not StoppedSignup.objects.exists()
    finally:
        connections.close_all()
