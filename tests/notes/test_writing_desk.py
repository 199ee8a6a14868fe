"""The writing desk without a browser: tags typed by name, the go-live message, the visible
paywall marker in the help text, and the preview's marks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notes.models import Note, Tag


@pytest.fixture
def author(db, django_user_model):
    from django.test import Client

    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-boss-123")
    client = Client()
    client.force_login(user)
    return client


def note_form(**fields):
    data = {
        "title": "A note",
        "slug": "",
        "body": "Hello.",
        "tags": "",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "visibility": "public",
        "front_matter": "{}",
        "old_slugs-TOTAL_FORMS": "0",
        "old_slugs-INITIAL_FORMS": "0",
    }
    return data | fields


def test_typed_tag_names_create_new_tags_and_reuse_existing_ones(author):
    Tag.objects.create(name="Python", slug="python")
    response = author.post(
        "/admin/notes/note/add/", note_form(tags="python, Small models ,, small MODELS")
    )
    assert response.status_code == 302
    note = Note.objects.get()
    assert sorted(note.tags.values_list("name", flat=True)) == ["Python", "Small models"]
    assert Tag.objects.count() == 2
    page = author.get(f"/admin/notes/note/{note.pk}/change/").content.decode()
    assert 'value="Python, Small models"' in page


def test_clearing_the_tags_field_removes_the_notes_tags_but_keeps_the_tags(author, make_note):
    note = make_note("Tagged", tags=["ai"])
    form = note_form(title="Tagged", slug=note.slug, status="published", tags=" ")
    form |= {"published_at_0": "2024-06-01", "published_at_1": "10:00:00"}
    assert author.post(f"/admin/notes/note/{note.pk}/change/", form).status_code == 302
    assert not note.tags.exists() and Tag.objects.filter(slug="ai").exists()


def test_saving_a_scheduled_note_says_when_it_goes_live_in_the_sites_zone(author, settings):
    settings.TIME_ZONE = "Europe/Paris"
    day = (timezone.now() + timedelta(days=3)).date()
    response = author.post(
        "/admin/notes/note/add/",
        note_form(status="published", published_at_0=day.isoformat(), published_at_1="08:15:00"),
        follow=True,
    )
    scheduled = [str(m) for m in response.context["messages"] if "is scheduled" in str(m)]
    assert scheduled and "8:15" in scheduled[0] and "(Europe/Paris)" in scheduled[0]
    assert day.strftime("%Y") in scheduled[0]

    # A draft, or a note already live, is not said to be scheduled.
    draft = author.post("/admin/notes/note/add/", note_form(title="Draft"), follow=True)
    live = note_form(title="Live", status="published")
    live |= {"published_at_0": "2024-06-01", "published_at_1": "10:00:00"}
    live = author.post("/admin/notes/note/add/", live, follow=True)
    for response in (draft, live):
        assert not [m for m in response.context["messages"] if "is scheduled" in str(m)]


def test_the_body_help_shows_the_paywall_marker_and_the_desk_has_its_button(author):
    page = author.get("/admin/notes/note/add/").content.decode()
    assert "<code>&lt;!-- paywall --&gt;</code>" in page
    assert "Insert paywall here" in page
    assert 'class="note-desk-preview"' in page and "js/admin-note.js" in page


def test_the_preview_marks_the_free_part_and_the_rest(author):
    content = "Free intro.\n\n<!-- paywall -->\n\nPaid analysis."
    html = author.post("/markdownx/markdownify/", {"content": content}).content.decode()
    assert html.index('class="preview-free"') < html.index("Free intro.")
    assert html.index("Free part ends here") < html.index('class="preview-premium"')
    assert html.index('class="preview-premium"') < html.index("Paid analysis.")
    empty = author.post("/markdownx/markdownify/", {"content": ""}).content.decode()
    assert "Free part ends here" not in empty
