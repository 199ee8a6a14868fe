"""Search: accent-blind on both databases; ranked full-text search on PostgreSQL."""

import pytest
from django.db import connection

import notes.search


@pytest.fixture
def corpus(make_note):
    make_note("La monétisation d'une newsletter", body="Parlons prix.\n\nEt abonnés.")
    make_note("Tokens", body="Counting tokens and a word about monétisation at the end.")
    make_note("Unrelated", body="Nothing to see.")


def titles(client, query):
    page = client.get("/search/", {"q": query})
    assert page.status_code == 200
    return [note.title for note in page.context["page_obj"]] if page.context["page_obj"] else []


@pytest.mark.django_db
def test_search_ignores_accents_and_case(client, corpus):
    assert set(titles(client, "monetisation")) == {"La monétisation d'une newsletter", "Tokens"}
    assert set(titles(client, "MONÉTISATION")) == {"La monétisation d'une newsletter", "Tokens"}
    assert titles(client, "abonnes") == ["La monétisation d'une newsletter"]
    assert titles(client, "zzzz") == []


@pytest.mark.django_db
def test_empty_hostile_or_huge_queries_are_answered_calmly(client, corpus):
    for query in ["", "   ", "<script>alert(1)</script>", "a" * 5000, "' OR 1=1 --", '"unclosed']:
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200
        assert "<script>alert" not in response.content.decode()


@pytest.mark.django_db
def test_sqlite_style_fallback_also_ignores_accents(client, corpus, monkeypatch):
    class Plain:
        vendor = "sqlite"

    monkeypatch.setattr(notes.search, "connection", Plain())
    assert set(titles(client, "monetisation")) == {"La monétisation d'une newsletter", "Tokens"}
    assert titles(client, "abonnes prix") == ["La monétisation d'une newsletter"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_ranks_title_matches_first_with_a_stored_vector(client, corpus):
    from notes.models import Note

    assert connection.vendor == "postgresql"
    assert Note.objects.filter(search_vector__isnull=True).count() == 0
    assert titles(client, "monetisation") == ["La monétisation d'une newsletter", "Tokens"]
    assert titles(client, "monetisation -prix") == ["Tokens"]  # websearch syntax
