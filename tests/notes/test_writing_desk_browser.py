"""The writing desk in Chromium: the Body box keeps its size, the preview sits beside it (below on
a phone) in the site's look, the paywall button, tags typed by name, the go-live message, and a
warning before leaving unsaved text."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from notes.models import Note, Tag
from tests.support.browser import drop_file, photo_jpeg


@pytest.fixture
def desk(browser_page, live_server, django_user_model, settings):
    """The author signed in, on an empty "Add note" page."""
    settings.TIME_ZONE = "Europe/Paris"
    django_user_model.objects.create_superuser("author", "author@example.com", "pw-author-1")
    page = browser_page
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(live_server.url + "/admin/login/?next=/admin/notes/note/add/")
    page.get_by_label("Username").fill("author")
    page.get_by_label("Password").fill("pw-author-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/notes/note/add/")
    return page


def box(locator):
    return locator.bounding_box()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_body_box_keeps_a_sane_size_and_scrolls(desk):
    body = desk.locator("textarea#id_body")
    body.click()
    start = box(body)["height"]
    desk.keyboard.type("x" * 50)
    after_a_line = box(body)
    assert after_a_line["height"] <= start + 2, (start, after_a_line)
    for n in range(20):
        desk.keyboard.press("Enter")
        desk.keyboard.type(f"Line {n} of a note that is long enough to need some room.")
    desk.keyboard.type("\n" * 30)
    after = box(body)
    assert after["height"] <= 650 and after["width"] >= 500, after
    assert body.evaluate("el => el.scrollHeight > el.clientHeight")


def preview(page):
    return page.frame_locator("iframe.note-desk-preview")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_preview_is_beside_the_text_on_a_wide_screen_below_on_a_phone_in_the_site_look(desk):
    desk.locator("textarea#id_body").fill("## Why small models\n\n```python\nx = 1\n```\n")
    preview(desk).locator("h2", has_text="Why small models").wait_for()
    body, frame = box(desk.locator("textarea#id_body")), box(desk.locator(".note-desk-preview"))
    assert frame["x"] >= body["x"] + body["width"] and abs(frame["y"] - body["y"]) < 5
    # The site's stylesheet, not the admin's: its code colours and its own body font size.
    keyword = preview(desk).locator(".codehilite .n, .codehilite .k").first
    assert keyword.evaluate("el => getComputedStyle(el.closest('pre')).borderRadius") == "4px"
    assert preview(desk).locator("h2").evaluate("el => getComputedStyle(el).fontSize") != "14px"
    desk.set_viewport_size({"width": 390, "height": 844})
    body, frame = box(desk.locator("textarea#id_body")), box(desk.locator(".note-desk-preview"))
    assert frame["y"] >= body["y"] + body["height"]
    assert frame["width"] <= 390


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_paywall_button_puts_the_marker_at_the_cursor_and_the_preview_shows_it(desk):
    body = desk.locator("textarea#id_body")
    body.fill("Free intro.\n\nPaid analysis.")
    body.evaluate("el => el.setSelectionRange(13, 13)")  # after the first paragraph's blank line
    desk.get_by_role("button", name="Insert paywall here").click()
    assert body.input_value() == "Free intro.\n\n<!-- paywall -->\n\nPaid analysis."
    divider = preview(desk).locator(".paywall-divider")
    divider.wait_for()
    assert "Free part ends here" in divider.inner_text()
    assert preview(desk).locator(".preview-free").inner_text() == "Free intro."
    assert preview(desk).locator(".preview-premium").inner_text() == "Paid analysis."
    help_text = desk.locator(".field-body .help").inner_text()
    assert "<!-- paywall -->" in help_text


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_new_tag_typed_by_name_is_created_when_the_note_is_saved(desk):
    Tag.objects.create(name="Machine learning", slug="machine-learning")
    desk.get_by_label("Title:", exact=True).fill("Tagged by typing")
    desk.get_by_label("Tags:").fill("machine LEARNING, Small models")
    desk.get_by_role("button", name="Save and continue editing").click()
    desk.locator(".messagelist .success").first.wait_for()
    note = Note.objects.get()
    assert sorted(note.tags.values_list("name", flat=True)) == ["Machine learning", "Small models"]
    assert desk.get_by_label("Tags:").input_value() == "Machine learning, Small models"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_saving_a_scheduled_note_says_when_it_goes_live(desk):
    desk.get_by_label("Title:", exact=True).fill("Tomorrow's note")
    desk.get_by_label("Status:").select_option(label="Published")
    day = (timezone.localtime() + timedelta(days=2)).date()
    desk.locator("#id_published_at_0").fill(day.isoformat())
    desk.locator("#id_published_at_1").fill("09:30:00")
    desk.get_by_role("button", name="Save", exact=True).click()
    message = desk.locator(".messagelist .success", has_text="is scheduled")
    assert "9:30" in message.inner_text() and "Europe/Paris" in message.inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_leaving_unsaved_text_asks_first_and_saving_does_not(desk, live_server):
    dialogs = []
    desk.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    desk.get_by_label("Title:", exact=True).fill("Half written")
    desk.locator("textarea#id_body").type("A first sentence")
    desk.get_by_role("link", name="Home", exact=True).click()
    desk.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert desk.url.endswith("/admin/notes/note/add/")  # stayed: the text is still there
    desk.get_by_role("button", name="Save", exact=True).click()
    desk.locator(".messagelist .success").first.wait_for()
    assert dialogs == ["beforeunload"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_typing_after_dropping_an_image_goes_right_after_the_image_and_leaving_asks_first(
    desk, settings, tmp_path
):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path
    body = desk.locator("textarea#id_body")
    body.fill("First paragraph.\n\nLast paragraph.")
    body.evaluate("el => el.setSelectionRange(18, 18)")  # the empty line between the two
    drop_file(desk, body, "photo.jpg", "image/jpeg", photo_jpeg(800, 600))
    expect(body).to_have_value(re.compile(r"!\[\]\(/media/notes/\S+\.jpg\)"))
    desk.keyboard.type(" A caption.")
    image = re.search(r"!\[\]\(\S+\)", body.input_value())[0]
    assert body.input_value() == f"First paragraph.\n\n{image} A caption.Last paragraph."
    # The dropped image is unsaved work too, even before any key is pressed.
    desk.goto(desk.url)  # a fresh, empty note
    dialogs = []
    desk.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    drop_file(desk, desk.locator("textarea#id_body"), "photo.jpg", "image/jpeg", photo_jpeg(80, 60))
    expect(desk.locator("textarea#id_body")).to_have_value(re.compile(r"^!\[\]"))
    desk.get_by_role("link", name="Home", exact=True).click()
    desk.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
