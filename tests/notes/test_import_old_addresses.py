"""Readers' old links keep working after moving in: Substack's `/p/<slug>`, Ghost's `/<slug>/`
and `/tag/<slug>/`, WordPress's dated paths and `/?p=<id>` answer with a 301 to the note."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from notes.models import Note

DATA = Path(__file__).parent / "data"


@pytest.fixture
def imported(tmp_path):
    call_command(
        "import_notes",
        str(DATA / "ghost" / "ghost-export.json"),
        str(DATA / "wordpress" / "blog.wordpress.2024-03-05.xml"),
        str(DATA / "beehiiv" / "posts.csv"),
        stdout=StringIO(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/p/weekly-issue-1", "/notes/weekly-issue-1/"),
        ("/p/weekly-issue-1/", "/notes/weekly-issue-1/"),
        ("/open-notes-on-agents/", "/notes/open-notes-on-agents/"),
        ("/tag/ai-agents/", "/tags/ai-agents/"),
        ("/2024/03/05/gradient-descent-gently/", "/notes/gradient-descent-gently/"),
        ("/?p=42", "/notes/gradient-descent-gently/"),
    ],
)
def test_an_old_link_from_the_previous_platform_leads_to_the_note(client, imported, old, new):
    response = client.get(old)
    assert response.status_code == 301 and response["Location"] == new


@pytest.mark.django_db
def test_old_links_never_shadow_the_sites_own_pages_nor_reveal_drafts(client, imported):
    assert client.get("/?p=99").status_code == 200  # a draft's old link: the home page
    assert client.get("/a-draft-in-ghost/").status_code == 404
    assert client.get("/never-existed/").status_code == 404
    note = Note.objects.get(slug="open-notes-on-agents")
    note.legacy_paths.create(path="/pricing")  # an old Ghost post called "pricing"
    assert client.get("/pricing/").status_code == 200
