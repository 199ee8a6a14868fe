"""A reader in a real browser: home → a premium note (teaser and paywall) → its tag page."""

import pytest

from notes.models import Note


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_reader_goes_from_home_to_note_to_tag(
    browser_page, live_server, make_note, premium_body, payments_on
):
    reader_walk(browser_page, live_server, make_note, premium_body)


def reader_walk(browser_page, live_server, make_note, premium_body):
    make_note("Counting tokens", body="Short note about `tokens`.", tags=["AI"])
    make_note(
        "What paid readers get", body=premium_body, visibility=Note.Visibility.PAID, tags=["AI"]
    )
    page = browser_page
    errors = []
    page.on(
        "response",
        lambda r: errors.append(r.url) if r.status >= 400 and "favicon" not in r.url else None,
    )

    page.goto(live_server.url + "/")
    assert page.locator(".note-card h2 a").all_inner_texts() == [
        "What paid readers get",
        "Counting tokens",
    ]
    assert page.locator("form.subscribe input[type=email]").is_visible()

    page.get_by_role("link", name="What paid readers get").click()
    page.wait_for_url("**/notes/what-paid-readers-get/")
    assert page.locator("h1").inner_text() == "What paid readers get"
    body = page.locator("article").inner_text()
    assert "The free opening paragraph." in body
    assert "SECRET-PREMIUM-TEXT" not in page.content()
    assert page.get_by_role("link", name="See the plans").get_attribute("href") == (
        "/pricing/?from=what-paid-readers-get"
    )
    # The paywall invites to sign in (the comments below say so too, for their own reason).
    assert page.locator("article").get_by_role("link", name="Sign in").is_visible()
    assert page.locator("time").first.get_attribute("datetime").startswith("20")
    assert page.locator(".related a").all_inner_texts() == ["Counting tokens"]

    page.locator(".note-meta a.tag", has_text="AI").click()
    page.wait_for_url("**/tags/ai/")
    assert "AI" in page.locator("h1").inner_text()
    assert len(page.locator(".note-card").all()) == 2
    # The stylesheet loaded under the strict CSP and no request failed.
    color = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert color != "rgba(0, 0, 0, 0)"
    assert errors == []
