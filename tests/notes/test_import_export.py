"""Moving in from Hashnode, and owning the archive: import_notes and export_notes."""

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from notes.models import Note, Tag

SAMPLES = Path("/work/shared/samples/hashnode")


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_every_sample_imports_with_dates_tags_slugs_and_unknown_fields():
    out, _ = run("import_notes", str(SAMPLES))
    assert out.strip().endswith("3 created, 0 updated, 0 unchanged, 0 failed")

    french = Note.objects.get(slug="note-001-premiers-pas-avec-un-modele-local")
    assert french.title == "Note #001 : Premiers pas avec un modèle local"
    assert french.seo_title.startswith("Premiers pas : faire tourner un modèle")
    assert french.published_at == dt.datetime(2024, 1, 9, 7, 5, 44, tzinfo=dt.UTC)
    assert sorted(french.tags.values_list("slug", flat=True)) == ["ai-hacker", "llm", "python"]
    assert french.front_matter == {"cuid": "clr6xk2ab000208l4dq1e7h3c"}
    assert french.status == Note.Status.PUBLISHED and french.is_live
    assert "<li>la taille du modèle (en milliards de paramètres),</li>" in french.body_html

    plain = Note.objects.get(slug="why-i-left-the-big-platforms")
    assert plain.published_at == dt.datetime(2024, 5, 2, 7, 30, tzinfo=dt.UTC)
    assert plain.visibility == Note.Visibility.PAID
    assert plain.summary == "Owning the list, the archive and the price."
    assert "The numbers behind the move" not in plain.teaser_html

    weekend = Note.objects.get(slug="shipping-a-newsletter-in-a-weekend")
    assert weekend.cover == "https://example.com/images/weekend-cover.png"
    assert "<script" not in weekend.body_html
    assert Tag.objects.filter(slug="indie").count() == 1


@pytest.mark.django_db
def test_reimport_is_idempotent_and_reports_updates(tmp_path):
    run("import_notes", str(SAMPLES))
    out, _ = run("import_notes", str(SAMPLES))
    assert "0 created, 0 updated, 3 unchanged, 0 failed" in out
    assert Note.objects.count() == 3

    edited = tmp_path / "plain.md"
    text = (SAMPLES / "plain-front-matter.md").read_text()
    edited.write_text(text.replace("Owning the list", "Owning the whole list"))
    out, _ = run("import_notes", str(edited))
    assert "0 created, 1 updated" in out
    assert Note.objects.get(slug="why-i-left-the-big-platforms").summary.startswith(
        "Owning the whole"
    )
    assert Note.objects.count() == 3


@pytest.mark.django_db
def test_dry_run_changes_nothing():
    out, _ = run("import_notes", "--dry-run", str(SAMPLES))
    assert "Dry run: 3 created" in out
    assert Note.objects.count() == 0


@pytest.mark.django_db
def test_broken_file_is_named_others_still_import_and_exit_is_nonzero(tmp_path):
    for sample in SAMPLES.iterdir():
        shutil.copy(sample, tmp_path / sample.name)
    (tmp_path / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n")
    (tmp_path / "no-title.md").write_text("---\nslug: nameless\n---\nbody\n")
    (tmp_path / "bad-date.md").write_text("---\ntitle: When\ndate: next tuesday-ish\n---\nx\n")
    with pytest.raises(CommandError, match="3 file"):
        call_command("import_notes", str(tmp_path))
    assert Note.objects.count() == 3
    out, err = run_failing(tmp_path)
    assert "broken.md: failed: unreadable front matter" in err
    assert "no-title.md: failed: no title" in err
    assert "bad-date.md: failed: unreadable date" in err
    assert "0 created, 0 updated, 3 unchanged, 3 failed" in out


def run_failing(path):
    from io import StringIO

    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("import_notes", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_export_then_import_into_empty_site_then_export_is_identical(tmp_path, make_note):
    run("import_notes", str(SAMPLES))
    make_note("Brouillon d'été", body="Pas fini.", status=Note.Status.DRAFT, published_at=None)
    first, second = tmp_path / "first", tmp_path / "second"
    run("export_notes", str(first))
    Note.objects.all().delete()
    Tag.objects.all().delete()
    out, _ = run("import_notes", str(first))
    assert "4 created" in out
    run("export_notes", str(second))
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert len(names) == 4
    for name in names:
        assert (first / name).read_text() == (second / name).read_text()
    draft = Note.objects.get(slug="brouillon-dete")
    assert draft.status == Note.Status.DRAFT
    assert (
        "cuid: clr6xk2ab000208l4dq1e7h3c"
        in (first / ("note-001-premiers-pas-avec-un-modele-local.md")).read_text()
    )


@pytest.mark.django_db
def test_file_without_date_is_published_now_and_stays_unchanged_on_reimport(tmp_path):
    undated = tmp_path / "undated.md"
    undated.write_text("---\ntitle: No date here\n---\n\nBody.\n")
    out, _ = run("import_notes", str(undated))
    assert "1 created" in out
    published_at = Note.objects.get(slug="no-date-here").published_at
    assert published_at is not None
    out, _ = run("import_notes", str(undated))
    assert "1 unchanged" in out
    assert Note.objects.get(slug="no-date-here").published_at == published_at


@pytest.mark.django_db
def test_an_archive_is_added_oldest_first_whatever_the_file_names(tmp_path):
    """Related notes come from each tag's latest-added notes: after an import, the newest."""
    for name, date in (("a-newest", "2024-03-01"), ("b-oldest", "2021-01-01"), ("c", "2022-06-01")):
        (tmp_path / f"{name}.md").write_text(f"---\ntitle: {name}\ndate: {date}\n---\nText.\n")
    (tmp_path / "0-undated.md").write_text("---\ntitle: Undated\n---\nText.\n")
    run("import_notes", str(tmp_path))
    added = Note.objects.order_by("pk").values_list("title", flat=True)
    assert list(added) == ["b-oldest", "c", "a-newest", "Undated"]
