"""Uploads served by Django, for `make run` and any host without a proxy in front.

With docker compose, the Caddy proxy serves /media/ itself and these requests never arrive.
Only the author uploads, and only images Pillow could read (notes/images.py), but a file in the
media folder is still never run as a page: no scripts, no plugins, and anything that is not an
image is downloaded rather than shown.
"""

from django.conf import settings
from django.views.decorators.http import require_safe
from django.views.static import serve

MEDIA_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@require_safe
def media(request, path):
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Content-Security-Policy"] = MEDIA_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=2592000"  # names are unique: never rewritten
    if not response.get("Content-Type", "").startswith("image/"):
        response["Content-Disposition"] = "attachment"
    return response
