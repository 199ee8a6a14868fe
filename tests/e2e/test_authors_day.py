"""The author's whole day in Chromium, as she does it: a paid note written in the admin with an
image dropped into the editor, the paywall put with its button, a new tag typed, the note
scheduled a few seconds ahead; then, as an anonymous reader, the published page with its image
and the paywall where she put it; then an issue made from the note, scheduled from its page after
the audience is stated, and a test sent to two addresses, read from the SMTP server."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from billing.models import Comp
from newsletter.models import Issue
from notes.models import Note
from tests.fixtures_newsletter import make_subscribers
from tests.support.browser import drop_file, photo_jpeg

INTRO = "Small models answer in milliseconds, on a laptop."
PAID = "Here is the benchmark, model by model, with what each one costs."
GO_LIVE_IN = timedelta(seconds=5)  # the time to save the note and see it is not out yet


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_authors_day_from_a_dropped_image_to_both_versions_of_the_test_email(
    page, live_server, shots, smtp_server, settings, tmp_path, django_user_model
):
    from playwright.sync_api import expect

    settings.MEDIA_ROOT = tmp_path  # the uploads of this test only
    make_subscribers(2, prefix="free")
    for reader in make_subscribers(1, prefix="paying"):
        Comp.objects.create(subscriber=reader)
    django_user_model.objects.create_superuser("author", "author@example.com", "pw-author-1")
    page.set_viewport_size({"width": 1440, "height": 900})

    # Sign in, straight to a new note.
    page.goto(live_server.url + "/admin/login/?next=/admin/notes/note/add/")
    page.get_by_label("Username").fill("author")
    page.get_by_label("Password").fill("pw-author-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/notes/note/add/")

    # Write: the text, then a photo dropped at the top of the Body box.
    page.get_by_label("Title:", exact=True).fill("Small models, big gains")
    body = page.locator("textarea#id_body")
    body.fill(f"{INTRO}\n\n{PAID}")
    body.press("Control+Home")
    drop_file(page, body, "benchmark.jpg", "image/jpeg", photo_jpeg())
    expect(body).to_have_value(re.compile(r"^!\[\]\(/media/notes/\S+\.jpg\)"))
    body.press("Enter")
    body.press("Enter")  # the image on a line of its own, the intro below it

    # The paywall goes after the intro paragraph, with the button.
    body.press("End")
    page.get_by_role("button", name="Insert paywall here").click()
    src = re.match(r"!\[\]\((\S+)\)", body.input_value())[1]
    assert body.input_value() == f"![]({src})\n\n{INTRO}\n\n<!-- paywall -->\n\n{PAID}"
    preview = page.frame_locator("iframe.note-desk-preview")
    expect(preview.locator(".preview-premium")).to_have_text(PAID)
    expect(preview.locator(".preview-free")).to_contain_text(INTRO)
    preview_image = preview.locator(".preview-free img")
    expect(preview_image).to_have_attribute("srcset", re.compile(r"480w"))
    preview_image.evaluate("img => img.decode()")  # fails if the image does not load
    shots("desk-image-and-paywall")

    # A new tag typed by name; paid readers only; published a few seconds from now.
    page.get_by_label("Tags:").fill("Small models")
    page.get_by_label("Visibility:").select_option(label="Paid readers")
    page.get_by_label("Status:").select_option(label="Published")
    live_at = timezone.localtime() + GO_LIVE_IN
    page.locator("#id_published_at_0").fill(live_at.strftime("%Y-%m-%d"))
    page.locator("#id_published_at_1").fill(live_at.strftime("%H:%M:%S"))
    page.get_by_role("button", name="Save", exact=True).click()
    when = f"{date_format(live_at, 'DATETIME_FORMAT')} ({timezone.get_current_timezone_name()})"
    expect(page.locator(".messagelist .success", has_text="goes live")).to_contain_text(when)
    note = Note.objects.get()
    reader = page.context.browser.new_context()  # an anonymous reader
    public = reader.new_page()
    note_url = live_server.url + note.get_absolute_url()
    assert public.goto(note_url).status == 404  # not yet
    assert list(note.tags.values_list("name", flat=True)) == ["Small models"]
    assert (note.visibility, note.is_live) == (Note.Visibility.PAID, False)
    shots("scheduled-note")

    # Once the note is live, the reader sees the photo, then the paywall.
    page.wait_for_timeout(max(0, (note.published_at - timezone.now()).total_seconds() * 1000))
    images = []
    public.on("response", lambda r: images.append(r) if "/media/" in r.url else None)
    assert public.goto(note_url).status == 200
    public.wait_for_load_state("networkidle")
    image = public.locator(".note-body img")
    assert image.get_attribute("srcset").count(".webp ") == 3  # 480, 960 and 1600 px wide
    assert (image.get_attribute("width"), image.get_attribute("height")) == ("1600", "1067")
    assert image.evaluate("img => img.complete && img.naturalWidth") > 0
    shown = image.evaluate("img => img.currentSrc")
    [answer] = [r for r in images if r.url == shown]
    assert answer.status == 200 and answer.headers["content-type"] == "image/webp"
    original = reader.request.get(live_server.url + src)
    assert original.status == 200 and original.headers["content-type"] == "image/jpeg"
    # The paywall right after the intro; the paid text nowhere.
    blocks = public.locator(".note-body > *")
    assert blocks.nth(0).locator("img").count() == 1
    expect(blocks.nth(1)).to_have_text(INTRO)
    expect(blocks.nth(2)).to_have_class(re.compile(r"\bpaywall\b"))
    assert PAID not in public.content()
    shots("reader-sees-the-paywall", page=public)
    reader.close()

    # An issue from the note, scheduled for tomorrow from its page, once the audience is stated.
    page.goto(live_server.url + "/admin/newsletter/issue/add/")
    page.locator(".field-note .select2-selection").click()
    page.locator(".select2-search__field").fill("small")
    page.locator(".select2-results__option", has_text="Small models, big gains").click()
    send_at = timezone.localtime() + timedelta(days=1)
    page.locator("#id_scheduled_at_0").fill(send_at.strftime("%Y-%m-%d"))
    page.locator("#id_scheduled_at_1").fill("09:30:00")
    page.get_by_role("button", name="Schedule…").click()
    page.wait_for_url("**/send/?when=later")
    expect(page.locator("#audience-free")).to_have_text("2")
    expect(page.locator("#audience-paid")).to_have_text("1")
    shots("confirm-the-audience")
    page.get_by_role("button", name="Yes, schedule it").click()
    expect(page.locator("#issue-send")).to_contain_text("Scheduled for")
    issue = Issue.objects.get()
    assert (issue.note, issue.status) == (note, Issue.Status.SCHEDULED)
    assert issue.deliveries.count() == 0

    # A test to two addresses: each gets the free and the paid version.
    addresses = page.get_by_label("Test addresses")
    expect(addresses).to_have_value("author@example.com")  # her own address, offered
    addresses.fill("author@example.com, editor@example.org")
    page.get_by_role("button", name="Send a test").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Test sent to author@example.com, editor@example.org (free and paid versions)."
    )
    shots("test-sent")
    received = {(m.rcpt_tos[0], m.message["Subject"]): m.message for m in smtp_server.wait_for(4)}
    for to in ("author@example.com", "editor@example.org"):
        free = received[(to, "[Test, free version] Small models, big gains")]
        paid = received[(to, "[Test, paid version] Small models, big gains")]
        free_text, free_html = (free.get_body((kind,)).get_content() for kind in ("plain", "html"))
        paid_text, paid_html = (paid.get_body((kind,)).get_content() for kind in ("plain", "html"))
        assert INTRO in free_text and INTRO in free_html
        assert PAID not in free_text and PAID not in free_html
        assert INTRO in paid_text and PAID in paid_text and PAID in paid_html
        assert "paywall" not in paid_text and "<!-- paywall -->" not in paid_html
        # The photo in the email is an absolute address that answers.
        [email_src] = re.findall(r'<img[^>]+src="([^"]+)"', paid_html)
        assert email_src.startswith(live_server.url + "/media/notes/")
        assert f"![]({email_src})" in paid_text  # the same photo, for a plain-text reader
        assert page.context.request.get(email_src).status == 200
