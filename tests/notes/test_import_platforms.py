"""Moving in from Substack, Ghost, WordPress and beehiiv: each export, recognised by its content,
comes across with its paywall point, its readers' access and its old addresses, and re-imports
change nothing. The fixtures follow each platform's documented export format."""

import shutil
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from notes.models import Note

DATA = Path(__file__).parent / "data"
GHOST = DATA / "ghost" / "ghost-export.json"
WXR = DATA / "wordpress" / "blog.wordpress.2024-03-05.xml"
BEEHIIV = DATA / "beehiiv" / "posts.csv"


def substack_zip(folder: Path) -> Path:
    """The zip Substack's "Export your data" gives: posts.csv and posts/<post_id>.html."""
    path = folder / "substack-export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted((DATA / "substack").rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(DATA / "substack").as_posix())
    return path


def import_notes(*paths, dry_run=False) -> str:
    out = StringIO()
    call_command("import_notes", *map(str, paths), *(["--dry-run"] if dry_run else []), stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_substack_zip_brings_free_paid_and_draft_posts_with_the_paywall_where_substack_had_it(
    tmp_path, client
):
    out = import_notes(substack_zip(tmp_path))
    assert "substack-export.zip: Substack export" in out
    assert "3 created" in out

    hello = Note.objects.get(slug="hello-world")
    assert (hello.visibility, hello.status) == ("public", "published")
    assert hello.summary == "Why I write, and what comes next"
    assert '<code class="language-python">' in hello.body_html or "codehilite" in hello.body_html
    assert "[^1]" not in hello.body_html and "The source of the claim." in hello.body_html
    assert 'href="https://www.youtube-nocookie.com/embed/abc123' in hello.body_html
    assert "Subscribe to get the next one" not in hello.body  # Substack's buttons stay behind
    assert "https://substackcdn.com/image/fetch/hello.png" in hello.body  # at its old address

    paid = Note.objects.get(slug="the-paid-deep-dive")
    assert paid.visibility == "paid"
    assert paid.body.index("<!-- paywall -->") < paid.body.index("SECRET-PAID-PART")
    assert "<table" in paid.body_html and "alert" not in paid.body_html
    page = client.get("/notes/the-paid-deep-dive/").content.decode()
    assert "This opening is free" in page and "SECRET-PAID-PART" not in page

    assert Note.objects.get(slug="unfinished-thoughts").status == "draft"


@pytest.mark.django_db
def test_ghost_export_members_only_card_and_tiers_become_paywalled_notes_for_paying_readers(
    client,
):
    out = import_notes(GHOST)
    assert "ghost-export.json: Ghost export" in out and "4 created" in out  # the page stays
    assert not Note.objects.filter(slug="about").exists()

    members = Note.objects.get(slug="members-behind-the-card")
    assert members.visibility == "paid" and members.seo_title == "Members, card"
    assert "MEMBERS-SECRET" not in client.get("/notes/members-behind-the-card/").content.decode()
    tiers = Note.objects.get(slug="tiers-only")  # written in Lexical, no HTML in the export
    assert tiers.visibility == "paid"
    assert tiers.body.startswith("**Bold start** of the tier post.\n\n<!-- paywall -->")
    assert "```python\nprint('gold')\n```" in tiers.body
    assert "TIER-SECRET" not in client.get("/notes/tiers-only/").content.decode()

    agents = Note.objects.get(slug="open-notes-on-agents")
    assert [tag.name for tag in agents.tags.all()] == ["AI Agents"]  # `#internal` stays behind
    assert agents.cover == "https://images.example.org/cover.png"
    assert agents.front_matter["authors"] == ["Awa Diop"]
    assert Note.objects.get(slug="a-draft-in-ghost").status == "draft"


@pytest.mark.django_db
def test_wordpress_export_brings_posts_with_categories_and_tags_as_tags_and_their_dates():
    out = import_notes(WXR)
    assert "WordPress export (WXR)" in out and "3 created" in out  # the page stays behind
    post = Note.objects.get(slug="gradient-descent-gently")
    assert sorted(tag.name for tag in post.tags.all()) == ["Machine learning", "Maths"]
    assert post.published_at.isoformat() == "2024-03-05T09:00:00+00:00"
    assert post.summary == "Small steps downhill."
    assert "Cauchy, 1847." in post.body_html and "↩" not in post.body
    classic = Note.objects.get(slug="classic-editor-post")  # paragraphs without <p>
    assert classic.body == (
        "First paragraph, written in the classic editor.\n\nSecond paragraph with *emphasis*."
    )
    assert Note.objects.get(title="Half-written").status == "draft"


@pytest.mark.django_db
def test_beehiiv_posts_csv_brings_free_and_premium_posts():
    out = import_notes(BEEHIIV)
    assert "posts.csv: beehiiv posts export" in out and "2 created" in out
    assert Note.objects.get(slug="weekly-issue-1").title == "Weekly issue #1, the start"
    premium = Note.objects.get(slug="premium-analysis")
    assert premium.visibility == "paid" and 'More, with "quotes".' in premium.body


@pytest.mark.django_db
def test_an_export_is_recognised_by_its_content_whatever_its_name(tmp_path):
    renamed = tmp_path / "download (3).txt"
    shutil.copy(GHOST, renamed)
    assert "download (3).txt: Ghost export" in import_notes(renamed, dry_run=True)
    assert not Note.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("export", ["substack", "ghost", "wordpress", "beehiiv"])
def test_importing_the_same_export_twice_changes_nothing_the_second_time(export, tmp_path):
    path = {"substack": None, "ghost": GHOST, "wordpress": WXR, "beehiiv": BEEHIIV}[export]
    path = path or substack_zip(tmp_path)
    import_notes(path)
    before = list(Note.objects.order_by("pk").values())
    second = import_notes(path)
    assert "0 created, 0 updated" in second and "0 failed" in second
    assert list(Note.objects.order_by("pk").values()) == before


@pytest.mark.django_db
def test_an_imported_archive_exports_byte_identically_after_one_round(tmp_path):
    import_notes(substack_zip(tmp_path), GHOST, WXR, BEEHIIV)
    call_command("export_notes", str(tmp_path / "first"), stdout=StringIO())
    Note.objects.all().delete()
    import_notes(tmp_path / "first")
    call_command("export_notes", str(tmp_path / "second"), stdout=StringIO())
    first = {p.name: p.read_bytes() for p in (tmp_path / "first").iterdir()}
    second = {p.name: p.read_bytes() for p in (tmp_path / "second").iterdir()}
    assert len(first) == 12 and first == second
    assert b"old_paths:\n- /p/the-paid-deep-dive\n" in first["the-paid-deep-dive.md"]


@pytest.mark.django_db
def test_an_unreadable_ghost_export_is_reported_and_changes_nothing(tmp_path):
    broken = tmp_path / "ghost.json"
    broken.write_text('{"db": [{"meta": {"version": "5"}, "data": {"tags": []}}]}')
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_notes", str(broken), stdout=StringIO(), stderr=err)
    assert "not a Ghost export" in err.getvalue()
    assert not Note.objects.exists()
