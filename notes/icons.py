"""The publication's icons, web manifest and accent stylesheet, made from the Site settings.

Browsers ask for /favicon.ico and /apple-touch-icon.png on every site whatever the page says, so
they always answer: from the uploaded icon, or else the name's initial on the accent colour. The
images are drawn once per version of the settings and kept in the cache; pages link them with
`?v=<version>`, which may be kept for a year because a change of settings changes the address.
"""

import io
import json
import logging

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_safe
from PIL import Image, ImageDraw, ImageFont, ImageOps
from redis.exceptions import RedisError

from .publication import LIGHT_BACKGROUND, SiteSettings

logger = logging.getLogger(__name__)

ICO_SIZES = [(16, 16), (32, 32), (48, 48)]
TOUCH_SIZE = 180  # what iOS asks for
MANIFEST_SIZES = (192, 512)
DAY = 24 * 3600
YEAR = 365 * DAY


def _drawn(site: SiteSettings, size: int) -> Image.Image:
    """The default icon: the publication's initial, white on the accent colour."""
    image = Image.new("RGB", (size, size), site.accent)
    font = ImageFont.load_default(size=round(size * 0.62))
    centre = (size / 2, size / 2)
    ImageDraw.Draw(image).text(centre, site.initial, fill="#ffffff", font=font, anchor="mm")
    return image


def square(site: SiteSettings, size: int) -> Image.Image:
    """The icon at `size` pixels: the upload, centre-cropped to a square, or the drawn default."""
    if site.icon:
        try:
            with site.icon.open("rb") as file, Image.open(file) as upload:
                upload = ImageOps.exif_transpose(upload).convert("RGBA")
                return ImageOps.fit(upload, (size, size), Image.Resampling.LANCZOS)
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            logger.warning("site icon %s unreadable, drawing the default: %s", site.icon, error)
    return _drawn(site, size)


def _opaque(image: Image.Image) -> Image.Image:
    """iOS shows transparency as black: flatten onto the light page colour."""
    if image.mode != "RGBA":
        return image
    background = Image.new("RGBA", image.size, LIGHT_BACKGROUND)
    return Image.alpha_composite(background, image).convert("RGB")


def favicon_bytes(site: SiteSettings) -> bytes:
    out = io.BytesIO()
    square(site, 48).save(out, format="ICO", sizes=ICO_SIZES)
    return out.getvalue()


def png_bytes(site: SiteSettings, size: int) -> bytes:
    image = square(site, size)
    out = io.BytesIO()
    (_opaque(image) if size == TOUCH_SIZE else image).save(out, format="PNG", optimize=True)
    return out.getvalue()


def manifest(site: SiteSettings) -> dict:
    """The web manifest: name, colours and icons for "add to home screen"."""
    icons = [
        {
            "src": f"{reverse('notes:icon', args=[size])}?v={site.version}",
            "sizes": f"{size}x{size}",
            "type": "image/png",
        }
        for size in MANIFEST_SIZES
    ]
    return {
        "name": site.name,
        "short_name": site.name if len(site.name) <= 12 else site.initial,
        "description": site.description,
        "lang": site.language,
        "start_url": "/",
        "scope": "/",
        "display": "minimal-ui",
        "background_color": LIGHT_BACKGROUND,
        "theme_color": site.accent,
        "icons": icons,
    }


def theme_css(site: SiteSettings) -> str:
    """The accent as the custom property static/css/site.css colours links and buttons with."""
    return (
        f":root {{ --accent: {site.accent}; }}\n"
        f"@media (prefers-color-scheme: dark) {{ :root {{ --accent: {site.accent_dark}; }} }}\n"
    )


def _cached(key: str, make):
    """Drawn once per version of the settings; without a cache, drawn on each request."""
    try:
        found = cache.get(key)
    except RedisError as error:
        logger.warning("cache unavailable, drawing %s: %s", key, error)
        return make()
    if found is None:
        found = make()
        try:
            cache.set(key, found, DAY)
        except RedisError as error:
            logger.warning("cache unavailable, %s not kept: %s", key, error)
    return found


def _answer(request, site, name: str, content_type: str, make) -> HttpResponse:
    etag = f'"{site.version}-{name}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(_cached(f"notes:icons:{site.version}:{name}", make), content_type)
    response["ETag"] = etag
    if request.GET.get("v") == site.version:
        patch_cache_control(response, public=True, max_age=YEAR, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=DAY)
    return response


@require_safe
def favicon(request):
    site = SiteSettings.for_request(request)
    return _answer(request, site, "favicon.ico", "image/x-icon", lambda: favicon_bytes(site))


@require_safe
def apple_touch_icon(request):
    site = SiteSettings.for_request(request)
    return _answer(request, site, "touch.png", "image/png", lambda: png_bytes(site, TOUCH_SIZE))


@require_safe
def icon(request, size: int):
    if size not in MANIFEST_SIZES:
        raise Http404
    site = SiteSettings.for_request(request)
    return _answer(request, site, f"{size}.png", "image/png", lambda: png_bytes(site, size))


@require_safe
def web_manifest(request):
    site = SiteSettings.for_request(request)
    return _answer(
        request,
        site,
        "manifest",
        "application/manifest+json",
        lambda: json.dumps(manifest(site), ensure_ascii=False),
    )


@require_safe
def theme(request):
    site = SiteSettings.for_request(request)
    return _answer(request, site, "theme.css", "text/css; charset=utf-8", lambda: theme_css(site))
