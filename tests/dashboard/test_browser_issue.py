"""In Chromium: the author watches a send finish without a reload, then previews both variants."""

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from newsletter.models import Delivery, Issue
from tests.fixtures_newsletter import SECRET, TEASER, make_note, make_subscribers


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_author_watches_a_send_and_previews_both_variants(
    browser_page, live_server, django_user_model
):
    from playwright.sync_api import expect

    try:
        issue = Issue.objects.create(
            note=make_note(), status=Issue.Status.SENDING, started_at=timezone.now()
        )
        readers = make_subscribers(4)
        Delivery.objects.bulk_create(
            Delivery(issue=issue, subscriber=r, status="sent" if i < 2 else "queued")
            for i, r in enumerate(readers)
        )
        django_user_model.objects.create_user(
            "author", "author@example.com", "pw-author-1", is_staff=True, is_superuser=True
        )
        page = browser_page
        issue_url = live_server.url + reverse("admin:newsletter_issue_change", args=[issue.pk])

        page.goto(issue_url)
        page.get_by_label("Username").fill("author")
        page.get_by_label("Password").fill("pw-author-1")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(issue_url)

        bar = page.locator("#issue-progress-bar")
        assert (bar.get_attribute("value"), bar.get_attribute("max")) == ("2", "4")
        assert bar.bounding_box()["width"] > 100  # the stylesheet loaded under the strict CSP
        page.evaluate("window.stillTheSamePage = true")

        # The worker finishes the send; the panel follows without a page load.
        Delivery.objects.filter(issue=issue).update(status="sent", sent_at=timezone.now())
        Issue.objects.filter(pk=issue.pk).update(
            status=Issue.Status.SENT, finished_at=timezone.now()
        )
        expect(page.locator("#issue-sent")).to_have_text("4", timeout=15_000)
        expect(page.locator("#issue-progress-bar")).to_have_attribute("value", "4")
        expect(page.locator("#issue-progress")).not_to_have_attribute("data-live", "1")
        assert page.evaluate("window.stillTheSamePage") is True

        page.get_by_role("link", name="Preview", exact=True).click()
        free_html = page.frame_locator("#preview-free iframe").locator("body")
        paid_html = page.frame_locator("#preview-paid iframe").locator("body")
        expect(free_html).to_contain_text(TEASER)
        expect(paid_html).to_contain_text(SECRET)
        assert SECRET not in free_html.inner_text()
        free_text = page.get_by_label("Plain-text email — As a free reader")
        paid_text = page.get_by_label("Plain-text email — As a paid reader")
        assert TEASER in free_text.inner_text() and SECRET not in free_text.inner_text()
        assert SECRET in paid_text.inner_text()
        # Side by side: the HTML frame and the plain text share a row on a desktop screen.
        frame_box = page.locator("#preview-paid iframe").bounding_box()
        text_box = paid_text.bounding_box()
        assert abs(frame_box["y"] - text_box["y"]) < 5 and text_box["x"] > frame_box["x"]
    finally:
        connections.close_all()  # the ORM connection made under Playwright
