"""Structured data for note pages (JSON-LD BlogPosting), built from public fields only."""

import json

from django.conf import settings
from django.utils.safestring import mark_safe

from billing.access import ANONYMOUS, can_read

# The element that holds (or, for a locked reader, replaces) the part after the paywall point.
LOCKED_SELECTOR = ".note-locked"

_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld(data: dict) -> str:
    """JSON safe inside <script type="application/ld+json"> (cannot close the element)."""
    return mark_safe(json.dumps(data, ensure_ascii=False).translate(_ESCAPES))


def blog_posting(note, tags, url: str, site) -> dict:
    """Search engines and social sites read as anonymous readers: "free" is what they may read."""
    free = can_read(ANONYMOUS, note)
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": note.page_title,
        "description": note.description,
        "url": url,
        "mainEntityOfPage": note.canonical_url or url,
        "datePublished": note.published_at.isoformat() if note.published_at else None,
        "dateModified": note.updated_at.isoformat() if note.updated_at else None,
        "author": {"@type": "Person", "name": site.author_name, "url": settings.SITE_URL},
        "publisher": {"@type": "Organization", "name": site.name, "url": settings.SITE_URL},
        "keywords": [tag.name for tag in tags],
        "isAccessibleForFree": free,
    }
    if note.cover:
        data["image"] = note.cover_absolute_url
    if note.language:
        data["inLanguage"] = note.language
    if not free:
        # Google's markup for paywalled content: the locked part is named by a CSS selector.
        data["hasPart"] = {
            "@type": "WebPageElement",
            "isAccessibleForFree": False,
            "cssSelector": LOCKED_SELECTOR,
        }
    return {key: value for key, value in data.items() if value is not None}
