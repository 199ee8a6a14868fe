"""Reader pages. Every content decision asks billing.access (rule premium-never-leaks); every page
runs a fixed number of queries (rule constant-sql): lists prefetch tags; a note's page fetches its
tags in one query, its neighbours and related notes in another (notes/around.py)."""

import re
from itertools import groupby

from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Min, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from billing.access import ANONYMOUS, FREE_SUBSCRIBER, can_read, reader_for

from . import social
from .around import around
from .caching import conditional_cached, shared_for_anonymous
from .models import Note, NoteSlugRedirect, SiteSettings, Tag
from .preview_image import preview_png
from .search import clean_query, search_notes
from .seo import blog_posting, json_ld
from .sitemaps import SITEMAPS

PER_PAGE = 10
ARCHIVE_PER_PAGE = 200  # titles and dates only: a long archive stays a light page
DAY = 24 * 3600
YEAR = 365 * DAY


def _page(request, queryset, allow_empty=True, per_page=PER_PAGE, with_tags=True):
    """The page asked for; any other number or spelling than its own (`01`, `0`, `abc`, past
    the last page) is a 404, not page 1 again: pages are cached under their address."""
    number = request.GET.get("page", "1")
    if not re.fullmatch(r"[1-9][0-9]*", number):
        raise Http404
    if with_tags:
        queryset = queryset.prefetch_related("tags")
    paginator = Paginator(queryset, per_page, allow_empty_first_page=allow_empty)
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
    meta = social.for_page(tag.name, _("Notes tagged %(tag)s.") % {"tag": tag.name})
    return render(request, "notes/tag.html", {"tag": tag, "page_obj": page, "social": meta})


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
    site = SiteSettings.for_request(request)
    tags = list(note.tags.only("name", "slug"))
    canonical = note.canonical_url or url
    context = {
        "note": note,
        "tags": tags,
        "can_read": can_read(reader, note),
        "open_to_all": can_read(ANONYMOUS, note),  # no paywall at all
        "subscribing_unlocks": can_read(FREE_SUBSCRIBER, note),  # the paywall's invitation
        "required_tier": note.minimum_tier if note.visibility == Note.Visibility.PAID else None,
        "reader_pays": reader.is_paid,  # a paying reader of a lower tier is invited to upgrade
        "canonical": canonical,
        "json_ld": json_ld(blog_posting(note, tags, url, site)),
        "social": social.for_note(note, canonical, site),
        "share_links": social.share_links(note.page_title, url) if note.is_live else [],
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


@require_safe
@conditional_cached
def about(request):
    """The author, what the newsletter is, free and paid, and how much there is to read."""
    published = Note.objects.published()
    counts = published.aggregate(
        total=Count("pk"),
        members=Count("pk", filter=Q(visibility=Note.Visibility.MEMBERS)),
        paid=Count("pk", filter=Q(visibility=Note.Visibility.PAID)),
        since=Min("published_at"),
    )
    site = SiteSettings.for_request(request)
    meta = social.for_page(_("About %(name)s") % {"name": site.name}, site.author_bio)
    return render(request, "notes/about.html", {"counts": counts, "social": meta})


@require_safe
@conditional_cached
def tags_index(request):
    """Every tag that a published note carries, with how many: one query however many tags."""
    now = timezone.now()
    live = Q(notes__status=Note.Status.PUBLISHED, notes__published_at__lte=now)
    tags = (
        Tag.objects.annotate(count=Count("notes", filter=live)).filter(count__gt=0).order_by("name")
    )
    meta = social.for_page(_("Tags"))
    return render(request, "notes/tags.html", {"tags": tags, "social": meta})


@require_safe
@conditional_cached(paginated=True)
def archive(request):
    """Every published note by year, newest first; titles only, so pages can be long."""
    notes = Note.objects.published().only("title", "slug", "published_at", "visibility")
    page = _page(request, notes, per_page=ARCHIVE_PER_PAGE, with_tags=False)
    years = [
        (year, list(group))
        for year, group in groupby(page, key=lambda n: timezone.localtime(n.published_at).year)
    ]
    context = {"page_obj": page, "years": years, "social": social.for_page(_("Archive"))}
    return render(request, "notes/archive.html", context)


@require_safe
def preview_image(request, slug):
    """The note's social preview picture (for notes without a cover); drafts are not shown."""
    fields = ("pk", "slug", "title", "seo_title", "updated_at")
    note = get_object_or_404(Note.objects.published().only(*fields), slug=slug)
    site = SiteSettings.for_request(request)
    version = social.preview_version(note, site)
    etag = f'"{version}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(preview_png(note, site), content_type="image/png")
    response["ETag"] = etag
    if request.GET.get("v") == version:  # how pages link it: that address never changes
        patch_cache_control(response, public=True, max_age=YEAR, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=DAY)
    return response
