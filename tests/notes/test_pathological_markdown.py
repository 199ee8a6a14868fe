"""Hostile Markdown shapes save and render at once; a body over the size limit is refused."""

import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from notes.markdown import MAX_BODY_CHARS
from notes.models import Note

SHAPES = {
    "brackets": "[" * 8000,
    "image brackets": "![" * 4000,
    "footnote brackets": "[^" * 4000,
    "reference brackets": "[a][" * 2000,
    "link parentheses": "[](" * 3000,
    "stars": "*a " * 3000,
    "angle brackets": "<" * 8000,
    "nested quotes": ">" * 8000,
    "backticks": "``a " * 2000,
}


@pytest.mark.django_db
@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_a_note_of_hostile_markdown_saves_and_its_page_renders(client, make_note, shape):
    start = time.perf_counter()
    note = make_note("Hostile", body=f"Intro.\n\n{shape}\n\nOutro.")
    assert client.get(note.get_absolute_url()).status_code == 200
    assert time.perf_counter() - start < 5  # generous: it took 9 s and more for 8,000 `[`
    assert "Outro." in note.body_html


def admin_form(body):
    return {
        "title": "Too long",
        "slug": "",
        "body": body,
        "status": "draft",
        "visibility": "public",
        "front_matter": "{}",
        "old_slugs-TOTAL_FORMS": "0",
        "old_slugs-INITIAL_FORMS": "0",
    }


@pytest.mark.django_db
def test_admin_refuses_a_body_over_the_size_limit_with_a_form_error(admin_client):
    response = admin_client.post("/admin/notes/note/add/", admin_form("a" * (MAX_BODY_CHARS + 1)))
    assert response.status_code == 200
    assert "Ensure this value has at most 50000 characters" in response.content.decode()
    assert not Note.objects.exists()
    ok = admin_client.post("/admin/notes/note/add/", admin_form("[" * MAX_BODY_CHARS))
    assert ok.status_code == 302


@pytest.mark.django_db
def test_import_reports_a_body_over_the_size_limit(tmp_path):
    (tmp_path / "long.md").write_text("---\ntitle: Long\n---\n" + "a" * (MAX_BODY_CHARS + 1))
    err = StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command("import_notes", str(tmp_path), stdout=StringIO(), stderr=err)
    assert "long.md: failed: body of 50,001 characters, longer than 50,000" in err.getvalue()
    assert not Note.objects.exists()
