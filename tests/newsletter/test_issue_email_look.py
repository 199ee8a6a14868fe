"""The issue email looks like the site as far as mail clients allow: its serif and sizes, a
600 px column, the author's accent, the reader's dark mode, pictures that fit Outlook, and a
footer that says why the reader gets it."""

import re

import pytest

from billing.access import Reader
from newsletter.emails import render_issue
from newsletter.models import Issue
from notes.models import Note
from notes.publication import SiteSettings, dark_variant

pytestmark = pytest.mark.django_db

ACCENT = "#8a2b5e"
WIDE = "/media/notes/" + "a" * 32 + "-1600x900.jpg"
NARROW = "/media/notes/" + "b" * 32 + "-400x300.jpg"


@pytest.fixture
def html(settings):
    settings.SITE_URL = "https://fieldnotes.example"
    SiteSettings(name="Field Notes", author_name="Awa Diop", accent=ACCENT).save()
    note = Note.objects.create(
        title="Herons at dawn",
        slug="herons-at-dawn",
        status=Note.Status.PUBLISHED,
        body=f"The river at six.\n\n![A heron]({WIDE})\n\n![Its nest]({NARROW})\n\n"
        "See [the archive](/archive/).",
    )
    return render_issue(Issue.objects.create(note=note), Reader(is_member=True)).html


def style_of(html: str, tag: str) -> str:
    return re.search(rf'<{tag}\s[^>]*?style="([^"]*)"', html)[1]


def test_issue_email_reads_in_the_sites_serif_in_a_600px_column(html):
    body = style_of(html, "body")
    assert "font-family: 'Source Serif 4', Georgia, 'Times New Roman', serif" in body
    assert "font-size: 18px" in body and "line-height: 1.65" in body
    assert "max-width: 600px" in style_of(html, r'div class="wrap"')
    assert "'Source Sans 3'" in style_of(html, "h1")
    # Outlook for Windows: a 600 px table around the column, and Georgia rather than Times.
    assert '<!--[if mso]><table role="presentation" width="600"' in html
    assert "<!--[if mso]><style>body, div, p, li, td, blockquote { font-family: Georgia" in html


def test_issue_email_links_take_the_authors_accent_colour(html):
    link = re.search(r'<a href="https://fieldnotes.example/archive/"[^>]*>', html)[0]
    assert f"color: {ACCENT}" in link


def test_a_wide_picture_in_an_issue_email_fits_outlooks_600px_column(html):
    images = re.findall(r"<img\b[^>]*>", html)
    widths = [int(w) for img in images for w in re.findall(r'\swidth="(\d+)"', img)]
    assert widths and max(widths) <= 600
    wide = next(img for img in images if "1600x900" in img)
    assert 'width="600"' in wide and 'height="338"' in wide  # in proportion
    assert "max-width: 100%" in wide and "height: auto" in wide
    narrow = next(img for img in images if "400x300" in img)
    assert 'width="400"' in narrow and 'height="300"' in narrow  # never enlarged


def test_issue_email_follows_the_readers_dark_mode(html):
    assert '<meta name="color-scheme" content="light dark">' in html
    assert '<meta name="supported-color-schemes" content="light dark">' in html
    # Mail clients apply the dark colours from a <style> block that inlining left in place.
    styles = re.findall(r"<style\b[^>]*>(.*?)</style>", html, re.S)
    dark = next(s for s in styles if "@media (prefers-color-scheme: dark)" in s)
    assert f"a {{ color: {dark_variant(ACCENT)} !important; }}" in dark
    assert "background: #16171a !important" in dark


def test_issue_email_footer_says_why_the_reader_receives_it(html):
    footer = re.search(r'<p class="footer"[^>]*>(.*?)</p>', html, re.S)[1]
    assert "You receive this because you subscribed to Field Notes at fieldnotes.example." in footer
    assert "Unsubscribe</a>" in footer
