"""The admin's "Import notes" page takes the other platforms' exports too, says which it
recognised, and imports them after the preview."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notes.models import Note

from .test_import_platforms import GHOST, WXR, substack_zip
from .test_moving_through_the_admin import confirm

IMPORT_NOTES = reverse("admin:moving_import_notes")


def upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


@pytest.mark.django_db
def test_the_preview_says_which_platform_each_export_came_from_then_imports_it(
    admin_client, tmp_path
):
    files = [upload(substack_zip(tmp_path)), upload(GHOST, "export.json"), upload(WXR)]
    response = admin_client.post(IMPORT_NOTES, {"files": files})
    page = response.content.decode()
    assert "substack-export.zip: recognised as a Substack export" in page
    assert "export.json: recognised as a Ghost export" in page
    assert "recognised as a WordPress export (WXR)" in page
    assert "<li>10 created</li>" in page and "substack-export.zip/the-paid-deep-dive" in page
    assert not Note.objects.exists()

    assert confirm(admin_client, response).status_code == 302
    assert Note.objects.count() == 10
    assert Note.objects.get(slug="the-paid-deep-dive").visibility == "paid"


@pytest.mark.django_db
def test_a_file_of_no_known_format_is_left_aside_with_a_warning(admin_client):
    odd = SimpleUploadedFile("notes.json", b'{"hello": "world"}')
    response = admin_client.post(IMPORT_NOTES, {"files": [odd]})
    assert response.status_code == 200
    assert "notes.json: not Markdown, a zip or a known export, left aside" in (
        response.content.decode()
    )
