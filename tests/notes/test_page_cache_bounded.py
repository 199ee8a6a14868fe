"""Nobody can fill the shared page cache: only list pages that exist are stored, once each."""

import pytest
from django.core.cache import cache
from django.test import Client

from notes.views import PER_PAGE


def stored_pages() -> int:
    """Pages in the shared cache: Redis in CI, process memory on a bare machine."""
    if isinstance(cache._cache, dict):
        return sum(":notes:page:" in key for key in cache._cache)
    return len(cache._cache.get_client().keys("*notes:page:*"))


@pytest.fixture
def two_pages(make_note):
    """A home page and a tag page of two pages each, and one note."""
    for n in range(PER_PAGE + 1):
        make_note(f"Note {n}", slug=f"note-{n}", tags=["ai"])


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["abc", "0", "999999", "01", "", "-1", "2.0", "３", "1e1"])
@pytest.mark.parametrize("path", ["/", "/tags/ai/"])
def test_a_page_number_that_does_not_exist_is_404_and_never_stored(two_pages, path, query):
    for _ in range(2):
        assert Client().get(f"{path}?page={query}").status_code == 404
    assert stored_pages() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/?page=2&page=2",  # the same page under endless spellings
        "/?page=2&",
        "/?PAGE=2",
        "/?page=%32",
        "/notes/note-1/?page=2",  # a page that is not a list ignores ?page=
        "/feed/?page=2",
        "/?utm_source=newsletter",  # tracking tags: rendered, never stored
        "/notes/note-1/?utm_source=newsletter&utm_medium=email",
    ],
)
def test_other_spellings_of_a_page_are_rendered_but_never_stored(two_pages, url):
    for _ in range(2):
        page = Client().get(url)
        assert page.status_code in (200, 404)
        assert "X-Solo-Cache" not in page
    assert stored_pages() == 0
    # The lists' own pages, and the note itself, are still stored once and served from it.
    for own in ("/", "/?page=1", "/?page=2", "/tags/ai/?page=2", "/notes/note-1/"):
        assert Client().get(own).status_code == 200
        assert Client().get(own)["X-Solo-Cache"] == "hit"
    assert stored_pages() == 5
