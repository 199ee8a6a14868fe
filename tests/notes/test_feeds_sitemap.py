"""Feeds that feed readers parse, a sitemap and robots.txt for crawlers."""

import xml.etree.ElementTree as ET

import feedparser
import pytest

from notes.models import Note


@pytest.fixture
def notes(make_note):
    public = make_note(
        "Public note", body="Intro.\n\nSecond.\n\nThird, **full** text.", tags=["python"]
    )
    other = make_note("Elsewhere", tags=["travel"])
    draft = make_note("Draft", status=Note.Status.DRAFT, published_at=None, tags=["python"])
    return public, other, draft


@pytest.mark.django_db
@pytest.mark.parametrize("url,version", [("/feed/", "rss20"), ("/feed/atom/", "atom10")])
def test_feeds_parse_and_carry_full_public_content(client, notes, url, version):
    response = client.get(url)
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == version
    titles = [entry.title for entry in feed.entries]
    assert sorted(titles) == ["Elsewhere", "Public note"]  # never the draft
    public = next(e for e in feed.entries if e.title == "Public note")
    assert "<strong>full</strong>" in public.summary
    assert public.link.endswith("/notes/public-note/")
    assert [t.term for t in public.tags] == ["python"]


@pytest.mark.django_db
def test_tag_feed_lists_only_that_tag(client, notes):
    feed = feedparser.parse(client.get("/tags/python/feed/").content)
    assert not feed.bozo
    assert [entry.title for entry in feed.entries] == ["Public note"]


@pytest.mark.django_db
def test_sitemap_lists_published_notes_and_tags_only(client, notes):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [el.text for el in ET.fromstring(response.content).findall("s:url/s:loc", ns)]
    assert "http://testserver/notes/public-note/" in locs
    assert "http://testserver/notes/elsewhere/" in locs
    assert "http://testserver/tags/python/" in locs
    assert not any("draft" in loc for loc in locs)
    assert "http://testserver/" in locs
    for page in ("about/", "tags/", "archive/"):  # crawlers find the author and the whole archive
        assert f"http://testserver/{page}" in locs


@pytest.mark.django_db
def test_robots_points_at_sitemap(client):
    text = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /admin/" in text
