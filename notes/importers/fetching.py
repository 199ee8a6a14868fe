"""Copying the images of imported notes into the site's own storage (`fetch_images`).

An import leaves images at their old addresses (Substack's CDN, a Ghost or WordPress site): the
notes show at once, and this runs later, where the web is reachable. Each image goes through
notes/images.py like an upload (checked, narrowed, WebP copies, metadata stripped); the notes'
Markdown and covers then point at the copies. What could not be fetched stays as it was, reported.
"""

import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from io import BytesIO

from django.conf import settings
from django.core.files.storage import default_storage

from .. import images
from ..models import Note

MAX_BYTES = 20 * 1024 * 1024
TIMEOUT_SECONDS = 20
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]\n]*\]\((https?://[^\s)]+)")
_HTML_IMAGE = re.compile(r"""<img\b[^>]*?\bsrc=["'](https?://[^"'\s>]+)""", re.IGNORECASE)


@dataclass
class Report:
    copied: dict[str, str] = field(default_factory=dict)  # old address → the copy's address
    failed: dict[str, str] = field(default_factory=dict)  # old address → why
    notes: int = 0  # notes changed


def addresses(note: Note) -> list[str]:
    """The note's images that live elsewhere, in order of appearance."""
    found = _MARKDOWN_IMAGE.findall(note.body) + _HTML_IMAGE.findall(note.body)
    if note.cover_url and not note.cover_image:
        found.append(note.cover_url)
    own = settings.SITE_URL.rstrip("/") + "/"
    return list(dict.fromkeys(a for a in found if not a.startswith(own)))


def _download(address: str) -> bytes:
    request = urllib.request.Request(address, headers={"User-Agent": "Solo fetch_images"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"larger than {MAX_BYTES:,} bytes")
    return data


def _copy(address: str, report: Report) -> str | None:
    if address in report.copied or address in report.failed:
        return report.copied.get(address)
    try:
        prepared = images.prepare(BytesIO(_download(address)))
    except urllib.error.HTTPError as error:
        report.failed[address] = f"HTTP {error.code}"
        return None
    except (urllib.error.URLError, OSError, ValueError) as error:
        report.failed[address] = str(getattr(error, "reason", error))
        return None
    except images.ImageRefused as refused:
        report.failed[address] = " ".join(refused.messages)
        return None
    report.copied[address] = default_storage.url(
        images.store(prepared, settings.MARKDOWNX_MEDIA_PATH)
    )
    return report.copied[address]


def fetch_images(notes=None) -> Report:
    report = Report()
    for note in notes if notes is not None else Note.objects.order_by("pk").iterator():
        changed = False
        for address in addresses(note):
            if (copy := _copy(address, report)) is None:
                continue
            if address == note.cover_url:
                note.cover_image, note.cover_url = copy.removeprefix(settings.MEDIA_URL), ""
            note.body = note.body.replace(address, copy)
            changed = True
        if changed:
            note.save()
            report.notes += 1
    return report
