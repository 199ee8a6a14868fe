"""Search engines show a page's meta description under its title: every reader page has one."""

import re

import pytest

from notes.publication import SiteSettings


def description(html: str) -> str | None:
    found = re.search(r'<meta name="description" content="([^"]*)">', html)
    return found and found.group(1)


@pytest.mark.django_db
def test_about_page_has_a_search_description_before_the_author_writes_a_bio(client):
    SiteSettings(name="Field Notes", author_name="Awa Diop").save()
    html = client.get("/about/").content.decode()
    assert description(html) == (
        "Field Notes by Awa Diop: what the newsletter is and what paid readers get."
    )


@pytest.mark.django_db
def test_about_page_search_description_is_the_bio_then_the_publication_description(client):
    site = SiteSettings(name="Field Notes", description="Essays on machine learning.")
    site.save()
    assert description(client.get("/about/").content.decode()) == "Essays on machine learning."
    site.author_bio = "Awa writes about AI from Dakar."
    site.save()
    assert description(client.get("/about/").content.decode()) == "Awa writes about AI from Dakar."
