"""Addresses from the platform an archive was imported from, kept working with a 301.

Only addresses recorded at import answer (LegacyPath), and only when nothing else on the site
does: a 404 is looked up, so an old Ghost `/<slug>/` can never shadow a page of Solo. WordPress's
`/?p=<id>` is the exception: the home page answers it, so it is looked up first.
"""

from django.shortcuts import get_object_or_404, redirect

from .models import LegacyPath, Note, Tag

MAX_LENGTH = LegacyPath._meta.get_field("path").max_length


def normalise(path: str) -> str | None:
    """`/p/slug/` → `/p/slug`, `/?p=12` kept; None for what is not a path of a site."""
    path = path.strip()
    if not path.startswith("/") or path.startswith("//") or len(path) > MAX_LENGTH:
        return None
    if any(char.isspace() for char in path) or "#" in path:
        return None
    if "?" in path:
        return path
    return path.rstrip("/") or "/"


def _moved(path: str | None):
    found = LegacyPath.objects.filter(path=path, note__in=Note.objects.published()).first()
    return redirect(found.note, permanent=True) if found and path else None


class LegacyPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        old_post = request.GET.get("p", "")
        if request.path == "/" and old_post.isdigit() and (moved := _moved(f"/?p={old_post}")):
            return moved
        response = self.get_response(request)
        if response.status_code == 404 and request.method in ("GET", "HEAD"):
            return _moved(normalise(request.path)) or response
        return response


def ghost_tag(request, slug):
    """Ghost's `/tag/<slug>/` is Solo's `/tags/<slug>/`."""
    return redirect(get_object_or_404(Tag, slug=slug), permanent=True)
