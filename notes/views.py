"""Reader pages. Every content decision asks billing.access (rule premium-never-leaks); every page
runs a fixed number of queries (rule constant-sql): lists prefetch tags; a note's page fetches its
tags in one query, its neighbours and related notes in another (notes/around.py)."""

import re

from django.conf import settings
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from billing.access import ANONYMOUS, FREE_SUBSCRIBER, can_read, reader_for

from .around import around
from .caching import conditional_cached, shared_for_anonymous
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
@shared_for_anonymous
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
    tags = list(note.tags.only("name", "slug"))
    context = {
        "note": note,
        "tags": tags,
        "can_read": can_read(reader, note),
        "open_to_all": can_read(ANONYMOUS, note),  # no paywall at all
        "subscribing_unlocks": can_read(FREE_SUBSCRIBER, note),  # the paywall's invitation
        "canonical": note.canonical_url or url,
        "json_ld": json_ld(blog_posting(note, tags, url, settings.SITE_NAME, settings.SITE_URL)),
        **around(note, tags),
    }
    return render(request, "notes/detail.html", context)


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
        f"Sitemap: {request.build_absolute_uri(reverse('notes:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
