"""Moving in and out without a terminal: the admin's import (preview, then import) and export."""

import csv
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from PIL import Image

from newsletter.models import Subscriber
from notes.models import Note, NoteSlugRedirect, Tag
from solo import moving

HASHNODE = Path(__file__).parent / "data" / "hashnode"
IMPORT_NOTES = "admin:moving_import_notes"


def png(colour="red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), colour).save(out, "PNG")
    return out.getvalue()


def zipped(files: dict[str, bytes], name="export.zip") -> SimpleUploadedFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for member, content in files.items():
            archive.writestr(member, content)
    return SimpleUploadedFile(name, out.getvalue(), "application/zip")


def hashnode_zip() -> SimpleUploadedFile:
    return zipped({f"hashnode/{p.name}": p.read_bytes() for p in HASHNODE.glob("*.md")})


def preview(client, *files, url=IMPORT_NOTES, field="files"):
    response = client.post(reverse(url), {field: list(files)})
    assert response.status_code == 200
    return response


def confirm(client, response, url=IMPORT_NOTES):
    """Import what was previewed: the run is queued once the request commits, and runs at once
    (tasks are eager in tests); the answer leads to the run's page."""
    token = response.context["preview"]["token"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse(url), {"token": token})


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db
def test_hashnode_zip_preview_counts_and_writes_nothing_then_import_shows_aligned_images(
    admin_client, media
):
    response = preview(admin_client, hashnode_zip())
    page = response.content.decode()
    assert "<li>4 created</li>" in page and "<li>0 failed</li>" in page
    assert "hashnode/a-picture-with-hashnode-alignment.md" in page
    assert Note.objects.count() == 0 and Tag.objects.count() == 0

    response = confirm(admin_client, response)
    assert response.status_code == 302
    assert Note.objects.count() == 4
    note = Note.objects.get(slug="a-picture-with-hashnode-alignment")
    assert "align" not in note.body_html
    assert 'src="https://cdn.hashnode.com/res/hashnode/image/upload/v1712571300000/bench.png"' in (
        note.body_html
    )
    assert 'alt="The bench by the window"' in note.body_html
    assert 'title="Morning light"' in note.body_html
    page = admin_client.get(response.url).content.decode()
    assert "<li>4 created</li>" in page and "<li>0 failed</li>" in page


@pytest.mark.django_db
def test_a_file_without_front_matter_is_reported_and_the_other_files_import(admin_client):
    good = [SimpleUploadedFile(p.name, p.read_bytes()) for p in sorted(HASHNODE.glob("*.md"))[:2]]
    bare = SimpleUploadedFile("draft-notes.md", b"Just some text, no front matter.\n")
    response = preview(admin_client, good[0], bare, good[1])
    page = response.content.decode()
    assert "draft-notes.md: no front matter" in page
    assert "<li>2 created</li>" in page and "<li>1 failed</li>" in page

    response = confirm(admin_client, response)
    assert Note.objects.count() == 2
    page = admin_client.get(response.url).content.decode()
    assert "Warning: draft-notes.md: no front matter" in page


@pytest.mark.django_db
def test_export_zip_then_import_into_an_empty_site_restores_notes_old_addresses_images_and_list(
    admin_client, client, media, make_note
):
    (media / "notes").mkdir(parents=True)
    (media / "notes" / "bench.png").write_bytes(png())
    (media / "covers").mkdir()
    (media / "covers" / "dawn.png").write_bytes(png("blue"))
    note = make_note("Moving day", body="Boxes.\n\n![](/media/notes/bench.png)\n", tags=["life"])
    note.cover_image.name = "covers/dawn.png"
    note.slug = "moving-day-renamed"
    note.save()
    Subscriber.objects.create(email="stays@example.com", status=Subscriber.Status.ACTIVE)
    Subscriber.objects.create(
        email="left@example.com", name="=HYPERLINK(1)", status=Subscriber.Status.UNSUBSCRIBED
    )

    response = admin_client.get(reverse("admin:moving_export"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == [
        "media/covers/dawn.png",
        "media/notes/bench.png",
        "notes/moving-day-renamed.md",
        "subscribers.csv",
    ]
    exported = archive.read("notes/moving-day-renamed.md").decode()
    assert "old_slugs:\n- moving-day\n" in exported and "cover: /media/covers/dawn.png" in exported
    rows = list(csv.DictReader(io.StringIO(archive.read("subscribers.csv").decode())))
    assert {r["email"]: r["subscribed_to_emails"] for r in rows} == {
        "stays@example.com": "true",
        "left@example.com": "false",
    }
    assert rows[1]["name"] == "'=HYPERLINK(1)"  # a spreadsheet shows it, never runs it

    # A new server: nothing but the zip.
    Note.objects.all().delete()
    Subscriber.objects.all().delete()
    for image in ("notes/bench.png", "covers/dawn.png"):
        (media / image).unlink()
    upload = zipped({name: archive.read(name) for name in archive.namelist()}, "solo-export.zip")
    response = preview(admin_client, upload)
    page = response.content.decode()
    assert "<li>1 created</li>" in page and "2 images added" in page
    assert "subscribers.csv is imported on the subscribers" in page
    assert not (media / "notes" / "bench.png").exists()
    confirm(admin_client, response)

    restored = Note.objects.get(slug="moving-day-renamed")
    assert restored.cover_image.name == "covers/dawn.png"
    assert (media / "notes" / "bench.png").read_bytes() == png()
    assert list(NoteSlugRedirect.objects.values_list("old_slug", flat=True)) == ["moving-day"]
    old_address = client.get("/notes/moving-day/")
    assert old_address.status_code == 301 and old_address["Location"].endswith(
        "/notes/moving-day-renamed/"
    )

    csv_file = SimpleUploadedFile("subscribers.csv", archive.read("subscribers.csv"), "text/csv")
    url = "admin:moving_import_subscribers"
    response = preview(admin_client, csv_file, url=url, field="file")
    assert "<li>2 created</li>" in response.content.decode()
    assert Subscriber.objects.count() == 0
    confirm(admin_client, response, url=url)
    statuses = dict(Subscriber.objects.values_list("email", "status"))
    assert statuses == {"stays@example.com": "active", "left@example.com": "unsubscribed"}


@pytest.mark.django_db
def test_a_hostile_zip_writes_nothing_outside_and_cannot_fill_the_disk(
    admin_client, tmp_path, monkeypatch
):
    evil = b"---\ntitle: Escaped\n---\nx\n"
    upload = zipped({"../../escaped.md": evil, "/etc/escaped.md": evil, "ok/fine.md": evil})
    response = preview(admin_client, upload)
    assert "<li>1 created</li>" in response.content.decode()
    assert not list(Path("/tmp").glob("escaped.md"))

    monkeypatch.setattr(moving, "MAX_UNPACKED_BYTES", 1024 * 1024)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb.md", b"---\ntitle: Big\n---\n" + b"0" * (2 * 1024 * 1024))
    assert len(out.getvalue()) < 10_000
    response = preview(admin_client, SimpleUploadedFile("bomb.zip", out.getvalue()))
    assert "unpacks to more than" in response.content.decode()
    assert response.context["preview"] is None
    response = preview(admin_client, SimpleUploadedFile("broken.zip", b"PK not a zip"))
    assert "not a readable zip" in response.content.decode()
    assert Note.objects.count() == 0


@pytest.mark.django_db
def test_import_pages_are_for_the_author_only_and_a_stale_token_imports_nothing(
    admin_client, client, staff_client
):
    url = reverse(IMPORT_NOTES)
    assert client.get(url).status_code == 302  # to the admin's sign-in
    assert staff_client.get(url).status_code == 403  # staff without the right to add notes
    assert staff_client.get(reverse("admin:moving_export")).status_code == 403
    response = admin_client.post(url, {"token": "x" * 32}, follow=True)
    assert "This upload has expired" in response.content.decode()
    assert Note.objects.count() == 0


@pytest.mark.django_db
def test_notes_and_subscribers_lists_link_to_import_and_export(admin_client):
    notes = admin_client.get(reverse("admin:notes_note_changelist")).content.decode()
    assert reverse(IMPORT_NOTES) in notes and reverse("admin:moving_export") in notes
    readers = admin_client.get(reverse("admin:newsletter_subscriber_changelist")).content.decode()
    assert reverse("admin:moving_import_subscribers") in readers


@pytest.mark.django_db
def test_subscriber_csv_preview_lists_rejected_lines_and_writes_nothing(admin_client):
    text = "email,name\nann@example.com,Ann\nnot-an-address,Bob\n"
    response = preview(
        admin_client,
        SimpleUploadedFile("list.csv", text.encode(), "text/csv"),
        url="admin:moving_import_subscribers",
        field="file",
    )
    page = response.content.decode()
    assert "<li>1 created</li>" in page and "line 3: invalid email address" in page
    assert "ann@example.com" in page
    assert Subscriber.objects.count() == 0
