"""import_notes keeps only web addresses and the site's languages; the rest of the note imports."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from notes.models import Note


def import_text(tmp_path, text: str) -> tuple[str, str]:
    path = tmp_path / "note.md"
    path.write_text(text)
    out, err = StringIO(), StringIO()
    call_command("import_notes", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_javascript_cover_and_canonical_and_unknown_language_are_reported_and_not_stored(
    tmp_path,
):
    out, err = import_text(
        tmp_path,
        "---\ntitle: Hostile\nslug: hostile\ncover: javascript:alert(1)\n"
        "canonical: JavaScript:alert(document.cookie)//https://example.com\n"
        'language: "en\\" onload=\\"x"\n---\n\nThe text is kept.\n',
    )

    note = Note.objects.get(slug="hostile")
    assert (note.cover_url, note.canonical_url, note.language) == ("", "", "")
    assert "The text is kept." in note.body_html
    assert "1 created" in out
    for field in ("cover", "canonical", "language"):
        assert f"note.md: {field} not imported" in err
    assert "3 values not imported" in out
    page = Client().get("/notes/hostile/").content.decode()
    assert "javascript:" not in page.lower()


@pytest.mark.django_db
def test_a_bad_value_on_reimport_keeps_the_notes_good_one(tmp_path):
    import_text(
        tmp_path,
        "---\ntitle: Moved\nslug: moved\ncover: https://example.com/c.png\n"
        "canonical: https://old.example.com/moved\nlanguage: fr\n---\n\nText.\n",
    )
    out, err = import_text(
        tmp_path,
        "---\ntitle: Moved\nslug: moved\ncover: data:image/png;base64,AAAA\n"
        "canonical: ftp://old.example.com/moved\nlanguage: klingon\n---\n\nText.\n",
    )

    note = Note.objects.get(slug="moved")
    assert note.cover_url == "https://example.com/c.png"
    assert note.canonical_url == "https://old.example.com/moved"
    assert note.language == "fr"
    assert "1 unchanged" in out and "3 values not imported" in out
    assert "cover not imported" in err
