"""What social sites and chat apps show of a page (Open Graph, Twitter cards) and share links.

Every reader page renders `templates/_social_meta.html`; a view that knows more than the site's
name and description passes `social` (from `for_note` or `for_page`). A note gives only its title
and its description, which comes from the teaser: premium text never leaks into a preview.
"""

import hashlib
from urllib.parse import quote, urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from .publication import SiteSettings

PREVIEW_WIDTH, PREVIEW_HEIGHT = 1200, 630


def preview_version(note, site: SiteSettings) -> str:
    """Changes when the note or the publication's look does: the drawn preview is kept under it."""
    text = f"{note.pk}|{note.updated_at.isoformat()}|{site.version}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def preview_url(note, site: SiteSettings) -> str:
    path = reverse("notes:preview_image", args=[note.slug])
    return f"{settings.SITE_URL}{path}?v={preview_version(note, site)}"


def for_page(title: str, description: str = "") -> dict:
    """A list or site page: its own title and description, with the publication's icon."""
    return {"title": title, "description": description}


def for_note(note, url: str, site: SiteSettings) -> dict:
    """A note: its cover, or else a picture drawn from its title (`notes/preview_image.py`)."""
    meta = {
        "type": "article",
        "title": note.page_title,
        "description": note.description,
        "url": url,
        "large_image": True,
        "published_time": note.published_at,
    }
    if note.cover:
        meta["image"] = note.cover_absolute_url
    else:
        meta.update(
            image=preview_url(note, site),
            image_width=PREVIEW_WIDTH,
            image_height=PREVIEW_HEIGHT,
            image_alt=note.page_title,
        )
    return meta


def share_links(title: str, url: str) -> list[tuple[str, str]]:
    """(label, address) for each place a reader may share a note: plain links, no scripts."""

    def query(**params):
        return urlencode(params, quote_via=quote)

    text = f"{title} {url}"
    return [
        (_("Email"), "mailto:?" + query(subject=title, body=url)),
        ("Bluesky", "https://bsky.app/intent/compose?" + query(text=text)),
        # Share₂Fedi asks the reader for their own Mastodon server: no single instance to pick.
        ("Mastodon", "https://s2f.kytta.dev/?" + query(text=text)),
        ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?" + query(url=url)),
        ("X", "https://x.com/intent/post?" + query(text=title, url=url)),
    ]
