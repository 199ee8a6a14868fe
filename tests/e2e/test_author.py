"""The author in Chromium: admin sign-in → a note written in the markdownx editor (the live preview
shows the rendered Markdown) → published → a newsletter send scheduled → the dashboard."""

from datetime import timedelta

import pytest
from django.utils import timezone

from newsletter.models import Issue
from notes.models import Note

MARKDOWN = "## Why small models\n\nThey are **fast** and `cheap`.\n\n- one\n- two\n"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_author_writes_publishes_schedules_a_send_and_sees_it_on_the_dashboard(
    page, live_server, shots, django_user_model
):
    django_user_model.objects.create_user(
        "author", "author@example.com", "pw-author-1", is_staff=True, is_superuser=True
    )
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Username").fill("author")
    page.get_by_label("Password").fill("pw-author-1")
    shots("sign-in")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/")

    # Write: the preview beside the editor renders the Markdown through the site's renderer.
    page.goto(live_server.url + "/admin/notes/note/add/")
    page.get_by_label("Title:", exact=True).fill("Small models")
    page.locator("textarea#id_body").fill(MARKDOWN)
    preview = page.frame_locator("iframe.note-desk-preview")  # a frame in the site's own look
    preview.locator("h2", has_text="Why small models").wait_for()
    assert preview.locator("strong").inner_text() == "fast"
    assert preview.locator("li").all_inner_texts() == ["one", "two"]
    shots("editor-preview")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator(".messagelist .success").wait_for()
    note = Note.objects.get()
    assert (note.slug, note.status) == ("small-models", Note.Status.DRAFT)
    assert page.context.request.get(live_server.url + "/notes/small-models/").status == 200
    anonymous = page.context.browser.new_context()
    assert anonymous.request.get(live_server.url + "/notes/small-models/").status == 404
    shots("saved-draft")

    # Publish from the list of notes.
    page.goto(live_server.url + "/admin/notes/note/")
    page.get_by_role("row", name="Small models").get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(
        label="Publish the selected notes (now, unless scheduled)"
    )
    page.get_by_role("button", name="Go").click()
    page.get_by_text("1 note published.").wait_for()
    shots("published")
    public = anonymous.new_page()
    public.goto(live_server.url + "/notes/small-models/")
    assert public.locator(".note-body strong").inner_text() == "fast"
    anonymous.close()

    # Schedule a send of the note for tomorrow morning.
    page.goto(live_server.url + "/admin/newsletter/issue/add/")
    # The note field is the admin's autocomplete (select2): open it, type, pick.
    page.locator(".field-note .select2-selection").click()
    page.locator(".select2-search__field").fill("small")
    page.locator(".select2-results__option", has_text="Small models").click()
    at = timezone.localtime() + timedelta(days=1)
    page.locator("#id_scheduled_at_0").fill(at.strftime("%Y-%m-%d"))
    page.locator("#id_scheduled_at_1").fill("09:30:00")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator(".messagelist .success").wait_for()
    page.get_by_role("row", name="Small models").get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label="Schedule (at its send time, or now)")
    page.get_by_role("button", name="Go").click()
    page.get_by_text("1 issue scheduled.").wait_for()
    issue = Issue.objects.get()
    assert issue.status == Issue.Status.SCHEDULED
    assert timezone.localtime(issue.scheduled_at).strftime("%H:%M") == "09:30"
    assert issue.deliveries.count() == 0  # not due yet: nothing sent
    shots("scheduled")

    page.goto(live_server.url + "/admin/")
    upcoming = page.locator(".dash-list").filter(has_text="Small models")
    assert upcoming.get_by_role("link", name="Small models").is_visible()
    assert upcoming.locator("time").get_attribute("datetime").startswith(at.strftime("%Y-%m-%d"))
    shots("dashboard")
