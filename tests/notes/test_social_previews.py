"""What a link to the site shows on social sites and chat apps, and the note's share links."""

import io
import re
from datetime import timedelta
from urllib.parse import quote, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from notes.models import Note
from notes.publication import SiteSettings

SECRET = "SECRET-PREMIUM-TEXT"
META = re.compile(r'<meta (?:property|name)="((?:og|twitter|article):[a-z:_]+)" content="([^"]*)">')


def social_tags(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, content in META.findall(html):
        found.setdefault(name, []).append(content)
    return found


@pytest.fixture
def pages(make_note, premium_body, payments_on):
    """One page of each kind a reader can open, with a paid note among the notes."""
    make_note("Public note", slug="public", tags=["AI"])
    make_note("Paid note", slug="paid", body=premium_body, visibility="paid", tags=["AI"])
    return [
        "/",
        "/notes/public/",
        "/notes/paid/",
        "/tags/ai/",
        "/about/",
        "/tags/",
        "/archive/",
        "/pricing/",
        "/search/?q=note",
    ]


@pytest.mark.django_db
def test_every_reader_page_tells_social_sites_its_title_and_picture_never_premium_text(
    client, pages
):
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        tags = social_tags(html)
        for name in ("og:type", "og:site_name", "og:title", "og:url", "og:image"):
            assert len(tags.get(name, [])) == 1, (url, name)
        assert tags["twitter:card"] in (["summary"], ["summary_large_image"]), url
        assert tags["og:image"][0].startswith("http://testserver/"), url
        assert tags["og:url"][0] == "http://testserver" + urlsplit(url).path, url
        assert SECRET not in " ".join(content for _, content in META.findall(html)), url
    paid = social_tags(client.get("/notes/paid/").content.decode())
    assert paid["og:description"] == paid["twitter:description"] == ["The free opening paragraph."]


@pytest.mark.django_db
def test_pages_are_introduced_by_their_own_title_and_the_publications_description(client, pages):
    SiteSettings(name="Field Notes", description="Essays on AI.").save()
    home = social_tags(client.get("/").content.decode())
    assert home["og:title"] == ["Field Notes"]
    assert home["og:description"] == ["Essays on AI."]
    assert social_tags(client.get("/tags/ai/").content.decode())["og:title"] == ["AI"]
    assert social_tags(client.get("/about/").content.decode())["og:title"] == ["About Field Notes"]


@pytest.mark.django_db
def test_a_note_without_cover_is_shared_with_a_picture_drawn_from_its_title(
    client, make_note, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    SiteSettings(name="Field Notes", accent="#7a1f5c").save()
    note = make_note("Why small models win", slug="small-models")
    tags = social_tags(client.get(note.get_absolute_url()).content.decode())
    assert tags["twitter:card"] == ["summary_large_image"]
    assert tags["og:image:width"] == ["1200"] and tags["og:image:height"] == ["630"]
    assert tags["og:image:alt"] == ["Why small models win"]
    picture_url = tags["og:image"][0]
    assert picture_url.startswith("http://testserver/notes/small-models/preview.png?v=")

    response = Client().get(picture_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "immutable" in response["Cache-Control"]
    picture = Image.open(io.BytesIO(response.content))
    assert picture.size == (1200, 630)
    assert picture.convert("RGB").getpixel((5, 300)) == (0x7A, 0x1F, 0x5C)  # the accent band
    assert list(tmp_path.glob("previews/*.png")), "the drawn picture is kept in the media storage"

    again = Client().get(picture_url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


@pytest.mark.django_db
def test_the_picture_changes_address_when_the_title_or_the_look_changes(
    client, make_note, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    note = make_note("First title", slug="retitled")

    def shared_picture():
        html = Client().get(note.get_absolute_url()).content.decode()
        url = social_tags(html)["og:image"][0]
        return url, Client().get(url).content

    first = shared_picture()
    note.title = "Second title"
    note.save()
    second = shared_picture()
    SiteSettings(accent="#1f5c3a").save()
    third = shared_picture()
    assert len({first[0], second[0], third[0]}) == 3  # social sites fetch the new picture
    assert len({first[1], second[1], third[1]}) == 3


@pytest.mark.django_db
def test_a_note_with_a_cover_is_shared_with_its_cover_not_a_drawn_picture(client, make_note):
    covered = make_note("Covered", slug="covered", cover_url="https://img.example.com/c.png")
    bare = make_note("Bare", slug="bare")
    tags = social_tags(client.get(covered.get_absolute_url()).content.decode())
    assert tags["og:image"] == ["https://img.example.com/c.png"]
    assert tags["twitter:card"] == ["summary_large_image"]
    assert (
        "preview.png"
        in social_tags(client.get(bare.get_absolute_url()).content.decode())["og:image"][0]
    )


@pytest.mark.django_db
def test_drafts_scheduled_and_unknown_notes_have_no_preview_picture(
    client, staff_client, make_note
):
    make_note("Draft", slug="draft", status=Note.Status.DRAFT)
    make_note("Later", slug="later", published_at=timezone.now() + timedelta(days=1))
    make_note("Live", slug="live")
    assert client.get("/notes/live/preview.png").status_code == 200
    for slug in ("draft", "later", "never-written"):
        assert client.get(f"/notes/{slug}/preview.png").status_code == 404, slug
        assert staff_client.get(f"/notes/{slug}/preview.png").status_code == 404, slug


@pytest.mark.django_db
def test_share_links_carry_the_notes_address_and_title_encoded(client, make_note):
    note = make_note("Cats & dogs: a study?", slug="cats-and-dogs")
    html = client.get(note.get_absolute_url()).content.decode()
    address = quote("http://testserver/notes/cats-and-dogs/", safe="")
    title = quote("Cats & dogs: a study?", safe="")
    links = dict(re.findall(r'<a href="([^"]+)">(Email|Bluesky|Mastodon|LinkedIn|X)</a>', html))
    by_label = {label: href.replace("&amp;", "&") for href, label in links.items()}
    assert by_label["Email"] == f"mailto:?subject={title}&body={address}"
    assert by_label["Bluesky"] == f"https://bsky.app/intent/compose?text={title}%20{address}"
    assert by_label["Mastodon"].startswith("https://s2f.kytta.dev/?text=")
    assert address in by_label["Mastodon"]
    assert by_label["LinkedIn"] == f"https://www.linkedin.com/sharing/share-offsite/?url={address}"
    assert by_label["X"] == f"https://x.com/intent/post?text={title}&url={address}"
    assert "<script" not in html.split('class="share"')[1].split("</nav>")[0]


@pytest.mark.django_db
def test_only_published_notes_offer_share_links(client, staff_client, make_note):
    live = make_note("Out", slug="out")
    draft = make_note("Not yet", slug="not-yet", status=Note.Status.DRAFT)
    assert "bsky.app" in staff_client.get(live.get_absolute_url()).content.decode()
    assert "bsky.app" not in staff_client.get(draft.get_absolute_url()).content.decode()
