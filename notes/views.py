"""Reader pages. Every content decision asks billing.access (DESIGN.md rule 1); every page runs a
fixed number of queries (rule 5): lists prefetch tags, related notes come from one query."""

from django.conf import settings
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from billing.access import can_read, reader_for

from .caching import conditional_cached
from .models import Note, NoteSlugRedirect, Tag
from .search import clean_query, search_notes
from .seo import blog_posting, json_ld
from .sitemaps import SITEMAPS

PER_PAGE = 10


def _page(request, queryset):
    return Paginator(queryset.prefetch_related("tags"), PER_PAGE).get_page(request.GET.get("page"))


@require_safe
@conditional_cached
def home(request):
    page = _page(request, Note.objects.published().for_lists())
    return render(request, "notes/home.html", {"page_obj": page})


@require_safe
@conditional_cached
def tag(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    page = _page(request, tag.notes.published().for_lists())
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
    note = Note.objects.visible_to(reader).filter(slug=slug).prefetch_related("tags").first()
    if note is None:
        moved = NoteSlugRedirect.objects.filter(old_slug=slug).select_related("note").first()
        if moved and Note.objects.visible_to(reader).filter(pk=moved.note_id).exists():
            return redirect(moved.note, permanent=True)
        raise Http404
    url = request.build_absolute_uri(note.get_absolute_url())
    context = {
        "note": note,
        "can_read": can_read(reader, note),
        "canonical": note.canonical_url or url,
        "json_ld": json_ld(blog_posting(note, url, settings.SITE_NAME, settings.SITE_URL)),
        "related": _related(note),
    }
    if note.published_at:
        around = Note.objects.published().only("title", "slug", "published_at")
        context["previous"] = (
            around.filter(published_at__lt=note.published_at).order_by("-published_at").first()
        )
        context["next"] = (
            around.filter(published_at__gt=note.published_at).order_by("published_at").first()
        )
    return render(request, "notes/detail.html", context)


def _related(note):
    tag_ids = [tag.pk for tag in note.tags.all()]
    if not tag_ids:
        return []
    return list(
        Note.objects.published()
        .filter(tags__in=tag_ids)
        .exclude(pk=note.pk)
        .annotate(shared=Count("tags"))
        .order_by("-shared", "-published_at")
        .only("title", "slug", "published_at")[:3]
    )


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
