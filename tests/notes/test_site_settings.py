"""The publication set in the admin: name, logo, accent, author; icons and manifest made from it."""

import io
import json

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from newsletter import emails
from newsletter.models import Issue
from notes.publication import DARK_BACKGROUND, SiteSettings, contrast, dark_variant

SETTINGS_URL = "/admin/notes/sitesettings/"


def png(colour="#7a1f5c", size=(600, 600), name="image.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def form(**changes) -> dict:
    """What the admin form posts: the first-run values, with `changes`."""
    data = {
        "name": "Solo",
        "description": "",
        "accent": "#0b5cad",
        "language": "en",
        "author_name": "Solo",
        "author_bio": "",
        "footer_text": "",
        **{link: "" for link in SiteSettings.LINKS},
    }
    return {**data, **changes}


def save_in_admin(admin_client, **changes):
    """Open the Site page as the author does (the list leads to the one form) and save it."""
    page = admin_client.get(SETTINGS_URL)
    assert page.status_code == 302
    return admin_client.post(page["Location"], form(**changes))


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.redis
@pytest.mark.django_db
def test_author_renames_the_publication_and_readers_see_the_new_look_at_once(
    admin_client, client, make_note
):
    note = make_note("Field notes")
    for url in ("/", note.get_absolute_url()):
        client.get(url)
        assert client.get(url)["X-Solo-Cache"] == "hit"  # the Redis page cache is on

    response = save_in_admin(
        admin_client,
        name="Les Carnets d'Awa",
        description="Notes on AI, from Dakar.",
        accent="#7a1f5c",
        author_name="Awa Ndiaye",
        author_bio="I write about machine learning in French and English.",
        mastodon="https://mastodon.social/@awa",
        logo=png(name="logo.png"),
    )
    assert response.status_code == 302, response.content.decode()

    for url in ("/", note.get_absolute_url()):
        page = client.get(url)
        html = page.content.decode()
        assert "X-Solo-Cache" not in page  # the cached page was dropped, not served stale
        assert "Les Carnets d&#x27;Awa" in html and ">Solo<" not in html
        assert '<img src="/media/site/logo' in html
        assert '<meta name="theme-color" content="#7a1f5c"' in html
        assert "Awa Ndiaye — I write about machine learning" in html
    theme = client.get(reverse("notes:theme")).content.decode()
    assert "--accent: #7a1f5c;" in theme

    issue = Issue.objects.create(note=note, audience=Issue.Audience.FREE)
    emails.send_test(issue, ["awa@example.com"])
    [message] = mail.outbox
    html = message.alternatives[0][0]
    assert 'src="http://testserver/media/site/logo' in html and 'alt="Les Carnets' in html
    assert "by Awa Ndiaye" in html and "by Awa Ndiaye" in message.body
    assert "You receive this because you subscribed to Les Carnets d'Awa at testserver." in (
        message.body
    )


@pytest.mark.django_db
def test_the_site_page_goes_straight_to_its_one_form_and_cannot_be_deleted(admin_client):
    assert admin_client.get(SETTINGS_URL)["Location"] == reverse("admin:notes_sitesettings_add")
    save_in_admin(admin_client, name="First")
    change = reverse("admin:notes_sitesettings_change", args=[1])
    assert admin_client.get(SETTINGS_URL)["Location"] == change
    assert admin_client.get(reverse("admin:notes_sitesettings_add")).status_code == 403
    assert admin_client.post(change, form(name="Second")).status_code == 302
    assert list(SiteSettings.objects.values_list("name", flat=True)) == ["Second"]
    assert admin_client.get(reverse("admin:notes_sitesettings_delete", args=[1])).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("accent", ["#ffdd00", "#7fb3e6", "#999999"])
def test_a_pale_accent_colour_is_refused_with_a_form_error(admin_client, client, accent):
    response = save_in_admin(admin_client, accent=accent)
    assert response.status_code == 200
    assert "This colour is too light" in response.content.decode()
    assert not SiteSettings.objects.exists()
    assert accent not in client.get(reverse("notes:theme")).content.decode()


@pytest.mark.django_db
def test_a_malformed_accent_colour_is_a_form_error_not_a_crash(admin_client):
    response = save_in_admin(admin_client, accent="red; }")
    assert response.status_code == 200
    assert "six hexadecimal digits" in response.content.decode()


@pytest.mark.parametrize("accent", ["#0b5cad", "#7a1f5c", "#000000", "#1b5e20", "#b00020"])
def test_dark_mode_accent_is_lighter_and_readable_on_the_dark_background(accent):
    dark = dark_variant(accent)
    assert contrast(dark, DARK_BACKGROUND) >= 4.5
    assert contrast(dark, DARK_BACKGROUND) > contrast(accent, DARK_BACKGROUND)


def _icons(client) -> dict:
    answers = {
        "/favicon.ico": "image/x-icon",
        "/apple-touch-icon.png": "image/png",
        "/icon-192.png": "image/png",
        "/icon-512.png": "image/png",
        "/manifest.webmanifest": "application/manifest+json",
    }
    found = {}
    for url, content_type in answers.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == content_type, url
        assert "max-age" in response["Cache-Control"], url
        found[url] = response.content
    return found


@pytest.mark.django_db
def test_favicon_touch_icon_and_manifest_answer_before_and_after_an_icon_upload(
    admin_client, client
):
    before = _icons(client)
    ico = Image.open(io.BytesIO(before["/favicon.ico"]))
    assert ico.format == "ICO" and ico.info["sizes"] == {(16, 16), (32, 32), (48, 48)}
    assert Image.open(io.BytesIO(before["/apple-touch-icon.png"])).size == (180, 180)
    manifest = json.loads(before["/manifest.webmanifest"])
    assert manifest["name"] == "Solo" and manifest["theme_color"] == "#0b5cad"
    assert [i["sizes"] for i in manifest["icons"]] == ["192x192", "512x512"]
    # The default icon is the initial on the accent colour: its corner is the accent.
    assert Image.open(io.BytesIO(before["/icon-192.png"])).getpixel((0, 0))[:3] == (11, 92, 173)

    save_in_admin(admin_client, name="Green notes", accent="#1b5e20", icon=png("#224466"))
    after = _icons(client)
    assert all(after[url] != before[url] for url in after)
    assert Image.open(io.BytesIO(after["/icon-512.png"])).getpixel((0, 0))[:3] == (34, 68, 102)
    manifest = json.loads(after["/manifest.webmanifest"])
    assert manifest["name"] == "Green notes" and manifest["theme_color"] == "#1b5e20"
    assert client.get("/icon-64.png").status_code == 404


@pytest.mark.django_db
def test_pages_link_the_icons_and_manifest_so_no_page_has_a_favicon_404(client):
    html = client.get("/").content.decode()
    version = SiteSettings.current().version
    assert f'<link rel="icon" href="/favicon.ico?v={version}"' in html
    assert f'<link rel="apple-touch-icon" href="/apple-touch-icon.png?v={version}"' in html
    assert f'<link rel="manifest" href="/manifest.webmanifest?v={version}"' in html
    versioned = client.get(f"/favicon.ico?v={version}")
    assert "immutable" in versioned["Cache-Control"]
    again = client.get("/favicon.ico", HTTP_IF_NONE_MATCH=versioned["ETag"])
    assert again.status_code == 304


@pytest.mark.django_db
def test_a_page_reads_the_site_settings_from_the_cache_not_the_database(client):
    SiteSettings.objects.create(name="Warm")
    client.get("/search/?q=x")  # not a cached page: rendered each time
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/search/?q=x").content.decode()
    assert "Warm" in html
    assert not [q for q in queries if "sitesettings" in q["sql"]]


@pytest.mark.django_db
def test_feeds_and_search_engines_name_the_publication_and_author_set_in_the_admin(
    admin_client, client, make_note
):
    note = make_note("Field notes", tags=["walks"])
    save_in_admin(admin_client, name="Le Carnet", author_name="Awa Diallo")
    assert "<title>Le Carnet</title>" in client.get("/feed/").content.decode()
    assert "<title>Le Carnet — walks</title>" in client.get("/tags/walks/feed/").content.decode()
    page = client.get(note.get_absolute_url()).content.decode()
    posting = json.loads(page.split('type="application/ld+json">', 1)[1].split("</script>", 1)[0])
    assert posting["author"]["name"] == "Awa Diallo"
    assert posting["publisher"]["name"] == "Le Carnet"
