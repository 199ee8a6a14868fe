"""Moving servers with the commands: old addresses survive, feed entries keep their ids, and the
documented commands work from a plain shell once `make run` has set things up."""

import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import feedparser
import pytest
from django.core.management import call_command

from notes.models import Note, NoteSlugRedirect

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_export_then_import_on_a_new_server_keeps_old_addresses_and_feed_ids(
    tmp_path, make_note, client
):
    note = make_note("First title")
    note.slug = "second-title"
    note.save()
    note.slug = "final-title"
    note.save()
    feed_id = feedparser.parse(client.get("/feed/").content).entries[0].id
    call_command("export_notes", str(tmp_path), stdout=StringIO())
    exported = (tmp_path / "final-title.md").read_text()
    assert "old_slugs:\n- first-title\n- second-title\n" in exported

    Note.objects.all().delete()
    call_command("import_notes", str(tmp_path), stdout=StringIO())
    assert sorted(NoteSlugRedirect.objects.values_list("old_slug", flat=True)) == [
        "first-title",
        "second-title",
    ]
    assert feedparser.parse(client.get("/feed/").content).entries[0].id == feed_id
    response = client.get("/notes/first-title/")
    assert response.status_code == 301 and response["Location"].endswith("/notes/final-title/")
    out = StringIO()
    call_command("import_notes", str(tmp_path), stdout=out)
    assert "1 unchanged" in out.getvalue()


@pytest.mark.django_db
def test_an_old_slug_that_is_another_notes_address_is_reported_not_stolen(tmp_path, make_note):
    make_note("Taken")
    (tmp_path / "n.md").write_text("---\ntitle: New\nold_slugs: [taken, 'not a slug!']\n---\nx\n")
    err = StringIO()
    call_command("import_notes", str(tmp_path), stdout=StringIO(), stderr=err)
    assert "old slug 'taken' not imported: another note's address" in err.getvalue()
    assert "old slug 'not a slug!' not imported: not a slug" in err.getvalue()
    assert not NoteSlugRedirect.objects.exists()
    assert Note.objects.get(slug="taken").get_absolute_url() == "/notes/taken/"


@pytest.mark.django_db
def test_renaming_a_slug_does_not_show_the_note_as_new_in_feed_readers(client, make_note):
    note = make_note("Feed me")
    ids = {}
    for slug in ("feed-me", "feed-me-renamed"):
        note.slug = slug
        note.save()
        rss = feedparser.parse(client.get("/feed/").content)
        atom = feedparser.parse(client.get("/feed/atom/").content)
        ids[slug] = (rss.entries[0].id, atom.entries[0].id)
        assert rss.entries[0].link.endswith(f"/notes/{slug}/")
    assert ids["feed-me"] == ids["feed-me-renamed"]
    assert ids["feed-me"][0] == ids["feed-me"][1]
    assert ids["feed-me"][0].startswith("tag:testserver,")
    assert b'isPermaLink="false"' in client.get("/feed/").content


def test_documented_commands_run_from_a_plain_shell_once_make_run_wrote_env(tmp_path):
    """`make run` writes `.env`; then `.venv/bin/python manage.py export_notes DIR` just works."""
    site = tmp_path / "site"
    ignored = shutil.ignore_patterns(".venv", "node_modules", "var", ".git", ".env", "__pycache__")
    shutil.copytree(ROOT, site, ignore=ignored)
    plain_shell = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=site,
            env=plain_shell,
            capture_output=True,
            text=True,
            timeout=180,
        )

    assert "SECRET_KEY must be set" in manage("check").stderr  # before: what the author saw
    subprocess.run(
        ["make", ".env", f"PYTHON={sys.executable}"], cwd=site, env=plain_shell, check=True
    )
    assert "DEBUG=true" in (site / ".env").read_text()
    migrated = manage("migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    exported = manage("export_notes", str(tmp_path / "out"))
    assert exported.returncode == 0, exported.stderr
    assert "0 note(s) written" in exported.stdout
    listed = manage("import_subscribers", "--help")
    assert listed.returncode == 0 and "--dry-run" in listed.stdout
    assert os.stat(site / ".env").st_mode & 0o077 == 0  # the key is the user's alone
