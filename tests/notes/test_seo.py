"""What search engines and social sites read: canonical, meta, Open Graph, Twitter, JSON-LD."""

import json
import re

import pytest


def json_ld(html: str) -> dict:
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    return json.loads(block[1])


@pytest.mark.django_db
def test_note_page_carries_canonical_og_twitter_and_blogposting(client, make_note):
    note = make_note(
        "Original",
        tags=["ai"],
        seo_title="A better title for search",
        seo_description="What the note is about.",
        cover_url="https://example.com/cover.png",
        canonical_url="https://hashnode.example/original",
        language="fr",
    )
    html = client.get(note.get_absolute_url()).content.decode()
    assert '<link rel="canonical" href="https://hashnode.example/original">' in html
    assert "<title>A better title for search — Solo</title>" in html
    assert '<meta name="description" content="What the note is about.">' in html
    assert '<meta property="og:image" content="https://example.com/cover.png">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<article class="note" lang="fr">' in html
    data = json_ld(html)
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "A better title for search"
    assert data["mainEntityOfPage"] == "https://hashnode.example/original"
    assert data["keywords"] == ["ai"]
    assert data["isAccessibleForFree"] is True and "hasPart" not in data


@pytest.mark.django_db
def test_hostile_title_cannot_break_out_of_json_ld_or_meta(client, make_note):
    title = '</script><script>alert(1)</script>"><img src=x onerror=alert(1)>'
    note = make_note(title, slug="hostile")
    html = client.get(note.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    # Every </script> ends a script this page opened: the JSON-LD block, the only inline one, and
    # the subscribe forms' script files.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert html.count("</script>") == len(scripts)
    assert [attrs for attrs, _body in scripts if "src=" not in attrs] == [
        ' type="application/ld+json"'
    ]
    assert json_ld(html)["headline"] == title
