"""The about page, the tag index, the archive by year and the 404 page."""

from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notes.models import Note
from notes.publication import SiteSettings
from tests.e2e.conftest import axe_violations, serious


def in_year(year: int) -> datetime:
    return timezone.make_aware(datetime(year, 6, 15, 12, 0))


def author(**fields) -> SiteSettings:
    site = SiteSettings(
        name="Field Notes",
        description="Essays on machine learning, in plain words.",
        author_name="Awa Diop",
        author_bio="Awa writes about AI from Dakar.",
        mastodon="https://mastodon.social/@awa",
        github="https://github.com/awa",
        **fields,
    )
    site.save()
    return site


@pytest.mark.django_db
def test_about_page_shows_the_author_her_bio_and_links_and_how_much_there_is_to_read(
    client, make_note
):
    author()
    make_note("First", published_at=in_year(2023))
    make_note("Second")
    make_note("Unfinished", status=Note.Status.DRAFT)
    response = client.get("/about/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>About Field Notes</h1>" in html
    assert "Essays on machine learning, in plain words." in html
    assert '<h2 id="about-author">Awa Diop</h2>' in html
    assert "Awa writes about AI from Dakar." in html
    assert '<a href="https://mastodon.social/@awa" rel="me">Mastodon</a>' in html
    assert '<a href="https://github.com/awa" rel="me">GitHub</a>' in html
    assert "2 notes published since 2023." in html  # the draft is not counted
    assert 'action="/subscribe/"' in html
    assert 'href="/archive/"' in html and 'href="/tags/"' in html


@pytest.mark.django_db
def test_about_page_offers_paid_reading_only_when_readers_can_pay(client, make_note, settings):
    author()
    make_note("Premium", visibility=Note.Visibility.PAID)
    settings.STRIPE_SECRET_KEY = ""
    html = client.get("/about/").content.decode()
    assert 'href="/pricing/"' not in html
    assert "for paid readers" not in html

    settings.STRIPE_SECRET_KEY = "sk_test_configured"
    cache.clear()  # payments are switched on by configuration, not by an edit
    html = client.get("/about/").content.decode()
    assert 'href="/pricing/"' in html
    assert "1 of them is for paid readers." in html


@pytest.mark.django_db
def test_about_page_follows_the_site_settings_at_once(client):
    site = author()
    assert "Awa writes about AI from Dakar." in Client().get("/about/").content.decode()
    site.author_bio = "Now writing from Lyon."
    site.save()
    assert "Now writing from Lyon." in Client().get("/about/").content.decode()


@pytest.mark.django_db
def test_tag_index_counts_published_notes_only_and_hides_tags_of_drafts(client, make_note):
    make_note("One", tags=["AI", "Python"])
    make_note("Two", tags=["AI"])
    make_note("Draft", status=Note.Status.DRAFT, tags=["AI", "Secret-plans"])
    make_note("Later", published_at=timezone.now() + timedelta(days=2), tags=["Tomorrow"])
    response = client.get("/tags/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<a class="tag" href="/tags/ai/">AI</a> <span class="muted">2 notes</span>' in html
    assert (
        '<a class="tag" href="/tags/python/">Python</a> <span class="muted">1 note</span>' in html
    )
    assert "Secret-plans" not in html and "Tomorrow" not in html


@pytest.mark.django_db
def test_archive_lists_every_published_note_under_its_year_newest_first(client, make_note):
    make_note("Old thoughts", published_at=in_year(2022))
    make_note("Middle thoughts", published_at=in_year(2023))
    make_note("New thoughts", published_at=in_year(2024), visibility=Note.Visibility.PAID)
    make_note("Not yet", status=Note.Status.DRAFT)
    response = client.get("/archive/")
    html = response.content.decode()
    assert response.status_code == 200
    order = [html.index(text) for text in (">2024</h2>", "New thoughts", ">2023</h2>")]
    order += [html.index(text) for text in ("Middle thoughts", ">2022</h2>", "Old thoughts")]
    assert order == sorted(order)
    assert "Not yet" not in html
    assert '<span class="badge">Paid</span>' in html


@pytest.mark.django_db
def test_archive_pages_past_the_last_are_not_found(client, make_note):
    make_note("Only one")
    assert client.get("/archive/?page=1").status_code == 200
    assert client.get("/archive/?page=2").status_code == 404
    assert client.get("/archive/?page=zero").status_code == 404


@pytest.mark.django_db
def test_unknown_address_answers_404_with_a_search_form_and_ways_back(client):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert '<form class="search-form" method="get" action="/search/" role="search">' in html
    assert 'href="/"' in html and 'href="/archive/"' in html


@pytest.mark.django_db
def test_a_missing_note_gets_the_same_friendly_404(client):
    response = client.get("/notes/never-written/")
    assert response.status_code == 404
    assert 'action="/search/"' in response.content.decode()


@pytest.mark.django_db
def test_new_pages_speak_french(client, make_note, settings):
    settings.LANGUAGE_CODE = "fr"
    author()
    make_note("Une note", tags=["IA"], published_at=in_year(2024))
    about = client.get("/about/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "À propos de Field Notes" in about
    assert "1 note publiée depuis 2024." in about
    assert "<h1>Étiquettes</h1>" in client.get("/tags/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert (
        "<h1>Archives</h1>" in client.get("/archive/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    )
    missing = client.get("/nulle-part/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Page introuvable" in missing


@pytest.mark.django_db
def test_new_pages_come_from_the_page_cache_and_change_when_a_note_is_published(make_note):
    make_note("First", tags=["AI"])
    for url in ("/about/", "/tags/", "/archive/"):
        Client().get(url)
        assert Client().get(url)["X-Solo-Cache"] == "hit", url
    make_note("Second", tags=["Robots"])
    assert "Robots" in Client().get("/tags/").content.decode()
    assert "Second" in Client().get("/archive/").content.decode()
    assert "2 notes published" in Client().get("/about/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/about/", "/tags/", "/archive/"])
def test_new_pages_run_the_same_queries_for_3_or_30_notes(
    client, make_note, url, django_assert_num_queries
):
    for i in range(3):
        make_note(f"Note {i}", tags=[f"tag{i}", "common"])
    cache.clear()
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for i in range(3, 30):
        make_note(f"Note {i}", tags=[f"tag{i}", "common"], visibility=Note.Visibility.PAID)
    cache.clear()
    with django_assert_num_queries(len(few)):
        assert client.get(url).status_code == 200


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_new_pages_have_no_serious_accessibility_violation_light_or_dark(
    browser_page, live_server, make_note, settings
):
    settings.SITE_URL = live_server.url
    author()
    make_note("Counting tokens", slug="counting-tokens", tags=["AI"], published_at=in_year(2024))
    make_note("Older", tags=["AI", "Python"], published_at=in_year(2023))
    page = browser_page
    found = {}
    for path in ("/about/", "/tags/", "/archive/", "/nowhere/", "/notes/counting-tokens/"):
        response = page.goto(live_server.url + path)
        assert response.status == (404 if path == "/nowhere/" else 200), path
        found[f"{path} (light)"] = serious(axe_violations(page))
        page.emulate_media(color_scheme="dark")
        found[f"{path} (dark)"] = serious(axe_violations(page, rules=["color-contrast"]))
        page.emulate_media(color_scheme="light")
    assert {where: bad for where, bad in found.items() if bad} == {}
    assert len(found) == 10
