"""The author's desk: list filters, search, live preview, bulk publish (tags typed by name:
test_writing_desk.py)."""

import pytest

from notes.models import Note


@pytest.fixture
def admin_client(db, django_user_model):
    from django.test import Client

    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-boss-123")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_note_list_filters_search_and_view_on_site(admin_client, make_note):
    note = make_note("Findable title", tags=["ai"])
    make_note("Other", status=Note.Status.DRAFT, published_at=None)
    page = admin_client.get("/admin/notes/note/", {"q": "findable", "status__exact": "published"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Findable title" in html and ">Other<" not in html
    for filter_param in ("status__exact", "visibility__exact", "tags__id__exact", "published_at"):
        assert filter_param in html
    change = admin_client.get(f"/admin/notes/note/{note.pk}/change/").content.decode()
    assert "/notes/findable-title/" in change or "/r/" in change  # "view on site"
    assert "markdownx" in change


@pytest.mark.django_db
def test_live_preview_uses_the_site_renderer(admin_client):
    response = admin_client.post(
        "/markdownx/markdownify/",
        {"content": "**bold** <script>alert(1)</script>\n\n```python\nx = 1\n```"},
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    html = response.content.decode()
    assert "<strong>bold</strong>" in html
    assert "<script" not in html
    assert 'class="codehilite"' in html


@pytest.mark.django_db
def test_bulk_publish_and_unpublish(admin_client, client, make_note):
    draft = make_note("Bulk one", status=Note.Status.DRAFT, published_at=None)
    assert client.get(draft.get_absolute_url()).status_code == 404
    admin_client.post("/admin/notes/note/", {"action": "publish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Note.Status.PUBLISHED and draft.published_at
    assert "Bulk one" in client.get("/").content.decode()
    admin_client.post("/admin/notes/note/", {"action": "unpublish", "_selected_action": [draft.pk]})
    assert "Bulk one" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_author_saves_a_note_in_admin_and_readers_see_it(admin_client, client):
    response = admin_client.post(
        "/admin/notes/note/add/",
        {
            "title": "L'été à Dakar",
            "slug": "",
            "body": "Bonjour **Dakar**.",
            "status": "published",
            "published_at_0": "2024-06-01",
            "published_at_1": "10:00:00",
            "visibility": "public",
            "front_matter": "{}",
            "old_slugs-TOTAL_FORMS": "0",
            "old_slugs-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get("/notes/lete-a-dakar/")
    assert "<strong>Dakar</strong>" in page.content.decode()


@pytest.mark.django_db
def test_author_uploads_an_image_from_the_editor(admin_client, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, format="PNG")
    image = SimpleUploadedFile("chart.png", buffer.getvalue(), content_type="image/png")
    response = admin_client.post(
        "/markdownx/upload/", {"image": image}, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    assert response.status_code == 200
    code = response.json()["image_code"]
    assert code.startswith("![](") and "/media/notes/" in code
    assert any(tmp_path.rglob("*.png"))

    svg = SimpleUploadedFile("x.svg", b"<svg onload='alert(1)'/>", content_type="image/svg+xml")
    refused = admin_client.post(
        "/markdownx/upload/", {"image": svg}, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )
    assert refused.status_code == 400
