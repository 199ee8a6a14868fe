"""Reader pages. Every content decision asks billing.access (DESIGN.md rule 1); every page runs a
fixed number of queries (rule 5): lists prefetch tags; a note's neighbours and related notes come
from one query."""

import re

from django.conf import settings
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.core.paginator import InvalidPage, Paginator
from django.db import connection
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from billing.access import can_read, reader_for

from .caching import conditional_cached
from .models import Note, NoteSlugRedirect, Tag
from .search import clean_query, search_notes
from .seo import blog_posting, json_ld
from .sitemaps import SITEMAPS

PER_PAGE = 10


def _page(request, queryset, allow_empty=True):
    """The page asked for; any other number or spelling than its own (`01`, `0`, `abc`, past
    the last page) is a 404, not page 1 again: pages are cached under their address."""
    number = request.GET.get("page", "1")
    if not re.fullmatch(r"[1-9][0-9]*", number):
        raise Http404
    paginator = Paginator(
        queryset.prefetch_related("tags"), PER_PAGE, allow_empty_first_page=allow_empty
    )
    try:
        return paginator.page(number)
    except InvalidPage:
        raise Http404 from None


@require_safe
@conditional_cached(paginated=True)
def home(request):
    page = _page(request, Note.objects.published().for_lists())
    return render(request, "notes/home.html", {"page_obj": page})


@require_safe
@conditional_cached(paginated=True)
def tag(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    # Without a published note, a tag (used by drafts or scheduled notes) would announce them.
    page = _page(request, tag.notes.published().for_lists(), allow_empty=False)
    return render(request, "notes/tag.html", {"tag": tag, "page_obj": page})


@require_safe
def search(request):
    query = clean_query(request.GET.get("q", ""))
    results = search_notes(Note.objects.published().for_lists(), query)
    page = _page(request, results) if query else None
    return render(request, "notes/search.html", {"query": query, "page_obj": page})


@require_safe
@conditional_cached
def detail(request, slug):
    reader = reader_for(request)
    notes = Note.objects.visible_to(reader).defer(
        "body", "search_document", "search_vector", "front_matter"
    )
    try:
        note = notes.get(slug=slug)  # fewer queryset clones than .filter().order_by().first()
    except Note.DoesNotExist:
        moved = NoteSlugRedirect.objects.filter(old_slug=slug).select_related("note").first()
        if moved and Note.objects.visible_to(reader).filter(pk=moved.note_id).exists():
            return redirect(moved.note, permanent=True)
        raise Http404 from None
    url = request.build_absolute_uri(note.get_absolute_url())
    tags = _tags(note)
    context = {
        "note": note,
        "tags": tags,
        "can_read": can_read(reader, note),
        "canonical": note.canonical_url or url,
        "json_ld": json_ld(blog_posting(note, tags, url, settings.SITE_NAME, settings.SITE_URL)),
        **_around(note, tags),
    }
    return render(request, "notes/detail.html", context)


# The previous and next published notes, in one query: the ORM took longer to build such
# queries (~1.5 ms each) than the database to answer them.
_NEIGHBOURS_SQL = """
SELECT * FROM (SELECT 'previous' AS kind, id, title, slug, published_at FROM {note}
  WHERE status = %s AND published_at < %s AND published_at <= %s
  ORDER BY published_at DESC LIMIT 1) p
UNION ALL
SELECT * FROM (SELECT 'next', id, title, slug, published_at FROM {note}
  WHERE status = %s AND published_at > %s AND published_at <= %s
  ORDER BY published_at LIMIT 1) n
"""
# ...and the three notes sharing most of its tags, ranked among the latest-written
# RELATED_PER_TAG notes of each tag: an index walk of at most that many entries per tag, so
# the cost does not grow with the archive (ranking all of a tag's notes took 2.3-2.5 ms with
# 10,000 notes; this takes 1.2-1.3 ms). "Latest-written" is by id: the order notes were added.
RELATED_PER_TAG = 20
_CANDIDATES_SQL = """
SELECT * FROM (SELECT note_id FROM {note_tags} WHERE tag_id = %s AND note_id <> %s
  ORDER BY note_id DESC LIMIT {per_tag}) t{i}"""
_RELATED_SQL = """
UNION ALL
SELECT * FROM (SELECT 'related', n.id, n.title, n.slug, n.published_at FROM {note} n
  WHERE n.id IN ({candidates}) AND n.status = %s AND n.published_at <= %s
  ORDER BY (SELECT COUNT(*) FROM {note_tags} s WHERE s.note_id = n.id AND s.tag_id IN ({tags}))
    DESC, n.published_at DESC LIMIT 3) r
"""


def _around(note, tags) -> dict:
    """Its previous and next notes and up to three related ones (sharing tags), in one query."""
    names = {
        "note": connection.ops.quote_name(Note._meta.db_table),
        "note_tags": connection.ops.quote_name(Note.tags.through._meta.db_table),
    }
    now, published = timezone.now(), Note.Status.PUBLISHED
    sql = _NEIGHBOURS_SQL.format(**names)
    params = [published, note.published_at, now] * 2
    if tags:
        candidates = " UNION ".join(
            _CANDIDATES_SQL.format(**names, per_tag=RELATED_PER_TAG, i=i) for i in range(len(tags))
        )
        placeholders = ", ".join(["%s"] * len(tags))
        sql += _RELATED_SQL.format(**names, tags=placeholders, candidates=candidates)
        for tag in tags:
            params += [tag.pk, note.pk]
        params += [published, now] + [tag.pk for tag in tags]
    around = {"related": []}
    for other in Note.objects.raw(sql, params):
        if other.kind == "related":
            around["related"].append(other)
        else:
            around[other.kind] = other
    return around


# The note's tags in the order the ORM gives them (Tag.Meta.ordering): building this join took
# the ORM ~0.3 ms (prefetch_related ~0.9 ms), the database answers it in a fraction of that.
_TAGS_SQL = """
SELECT t.id, t.name, t.slug FROM {tag} t JOIN {note_tags} nt ON nt.tag_id = t.id
WHERE nt.note_id = %s ORDER BY t.name
"""


def _tags(note) -> list[Tag]:
    sql = _TAGS_SQL.format(
        tag=connection.ops.quote_name(Tag._meta.db_table),
        note_tags=connection.ops.quote_name(Note.tags.through._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [note.pk])
        return [Tag(id=pk, name=name, slug=slug) for pk, name, slug in cursor.fetchall()]


@require_safe
@conditional_cached
def sitemap(request):
    return sitemap_view(request, sitemaps=SITEMAPS)


@require_safe
def robots(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /account/",
        "Disallow: /billing/",
        "Disallow: /search/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
