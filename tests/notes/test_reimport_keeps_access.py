"""Importing a file again keeps what the file does not state: it never opens a paid note,
publishes a draft or clears a summary, SEO field, cover or canonical address."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from notes.models import Note

SECRET = "SECRET-PREMIUM-TEXT"
BODY = "The free opening.\n\n<!-- paywall -->\n\nSECRET-PREMIUM-TEXT after the paywall.\n"


def import_file(path, front_matter: str) -> str:
    path.write_text(f"---\ntitle: Pricing notes\nslug: pricing-notes\n{front_matter}---\n\n{BODY}")
    out = StringIO()
    call_command("import_notes", str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_reimporting_a_paid_note_from_a_file_without_visibility_keeps_it_paid(tmp_path):
    note_file = tmp_path / "pricing.md"
    import_file(note_file, "visibility: paid\n")
    assert SECRET not in Client().get("/notes/pricing-notes/").content.decode()

    import_file(note_file, "")  # e.g. the Hashnode export again, which has no visibility

    assert Note.objects.get(slug="pricing-notes").visibility == Note.Visibility.PAID
    assert SECRET not in Client().get("/notes/pricing-notes/").content.decode()
    import_file(note_file, "visibility: public\n")  # a file that says so still opens it
    assert SECRET in Client().get("/notes/pricing-notes/").content.decode()


@pytest.mark.django_db
def test_reimporting_a_draft_from_a_file_without_draft_keeps_it_unpublished(tmp_path):
    note_file = tmp_path / "pricing.md"
    import_file(note_file, "draft: true\n")

    out = import_file(note_file, "")

    assert "1 unchanged" in out
    assert Note.objects.get(slug="pricing-notes").status == Note.Status.DRAFT
    assert Client().get("/notes/pricing-notes/").status_code == 404
    import_file(note_file, "draft: false\n")  # a file that says so still publishes it
    assert Client().get("/notes/pricing-notes/").status_code == 200


@pytest.mark.django_db
def test_reimporting_a_file_without_summary_seo_cover_or_canonical_keeps_them(tmp_path):
    note_file = tmp_path / "pricing.md"
    import_file(
        note_file,
        "visibility: public\nsummary: What the note is about.\nseo_title: Pricing, honestly\n"
        "seo_description: How to price a newsletter.\ncover: https://img.example.com/c.png\n"
        "canonical: https://old.example.com/pricing\nlanguage: fr\n",
    )

    import_file(note_file, "")  # e.g. the Hashnode export again, which has none of them

    note = Note.objects.get(slug="pricing-notes")
    assert note.summary == "What the note is about."
    assert (note.seo_title, note.seo_description) == (
        "Pricing, honestly",
        "How to price a newsletter.",
    )
    assert note.language == "fr"
    page = Client().get("/notes/pricing-notes/").content.decode()
    assert "<title>Pricing, honestly" in page
    assert '<meta name="description" content="How to price a newsletter.">' in page
    assert '<meta property="og:image" content="https://img.example.com/c.png">' in page
    assert '<link rel="canonical" href="https://old.example.com/pricing">' in page
