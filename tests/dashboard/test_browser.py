"""In Chromium: the author signs in at /admin/login/ and sees the dashboard above the app list."""

import pytest
from django.db import connections

from .data import known_data_set


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_author_signs_in_and_sees_the_dashboard(browser_page, live_server, django_user_model):
    try:
        known_data_set()
        django_user_model.objects.create_user("author", password="pw-author-1", is_staff=True)
        page = browser_page

        page.goto(live_server.url + "/admin/")
        page.get_by_label("Username").fill("author")
        page.get_by_label("Password").fill("pw-author-1")
        page.get_by_role("button", name="Log in").click()

        page.wait_for_url("**/admin/")
        assert page.locator("#dash-paid").inner_text() == "5"
        assert page.locator(".dash-mrr").inner_text() == "19.17"
        chart = page.get_by_role("img", name="New subscribers per day, last 90 days")
        assert chart.is_visible()
        assert chart.bounding_box()["height"] > 50  # the stylesheet loaded under the strict CSP
        assert page.get_by_role("link", name="Spring issue", exact=False).count() >= 1
        assert page.get_by_text("1 Stripe event not applied").is_visible()
        # The data tables are for screen readers only: they take no room on the screen.
        hidden = page.locator(".dash-data")
        assert hidden.count() == 5  # and the analytics' views and visitors
        assert hidden.first.bounding_box()["width"] <= 1
        assert hidden.first.locator("caption").inner_text() == chart.get_attribute("aria-label")
    finally:
        connections.close_all()  # the ORM connection made under Playwright
