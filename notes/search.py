"""Full-text search: PostgreSQL's ranked search on the stored vector, a plain fallback elsewhere.

Both sides are accent-folded in Python (`fold_accents`), on save and on the query, so
`monetisation` finds `monétisation` on both databases without the `unaccent` extension (which
needs a superuser to install). The stored text of a premium note is its teaser only.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q

from .markdown import fold_accents

MAX_QUERY_LENGTH = 200


def clean_query(raw: str) -> str:
    return " ".join((raw or "").split())[:MAX_QUERY_LENGTH]


def search_notes(queryset, raw_query: str):
    query = fold_accents(clean_query(raw_query)).lower()
    if not query:
        return queryset.none()
    if connection.vendor == "postgresql":
        search = SearchQuery(query, config="simple", search_type="websearch")
        return (
            queryset.filter(search_vector=search)
            .annotate(rank=SearchRank(F("search_vector"), search))
            .order_by("-rank", "-published_at")
        )
    condition = Q()
    for term in query.split():
        condition &= Q(search_document__contains=term.strip("\"'"))
    return queryset.filter(condition)
