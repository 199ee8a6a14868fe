"""WordPress's export (Tools → Export → Posts): a WXR file, RSS with WordPress's own elements.

Posts come across with their slug, date, status, categories and tags (both as Solo tags) and
excerpt; pages, attachments and menu items stay behind. Old addresses redirect to the note: the
post's permalink path (e.g. `/2024/03/05/<slug>/`) and `/?p=<id>`. Read with defusedxml: an
uploaded file cannot expand entities into a billion laughs.
"""

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from ..portability import ImportRefused
from .common import Post, post_from
from .html import paragraphs

FORMAT = "WordPress export (WXR)"
MAX_BYTES = 100 * 1024 * 1024
WP = "{http://wordpress.org/export/1.2/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
EXCERPT = "{http://wordpress.org/export/1.2/excerpt/}encoded"
CREATOR = "{http://purl.org/dc/elements/1.1/}creator"


def recognises(path: Path, head: bytes) -> bool:
    return b"<rss" in head and b"wordpress.org/export/" in head


def posts(path: Path) -> Iterator[Post]:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ImportRefused(f"larger than {MAX_BYTES:,} bytes")
        channel = ElementTree.parse(path).getroot().find("channel")
        if channel is None:
            raise ImportRefused("no channel: not a WordPress export")
    except (ElementTree.ParseError, DefusedXmlException, OSError) as error:
        yield Post(path, error=ImportRefused(f"unreadable XML ({error.__class__.__name__})"))
        return
    except ImportRefused as error:
        yield Post(path, error=error)
        return
    for item in channel.iter("item"):
        if _text(item, f"{WP}post_type") != "post" or _text(item, f"{WP}status") == "trash":
            continue
        post_id, slug = _text(item, f"{WP}post_id"), _text(item, f"{WP}post_name")
        date = _text(item, f"{WP}post_date_gmt")
        metadata = {
            "title": _text(item, "title"),
            "slug": slug or None,  # a draft may have none: made from the title
            "summary": _text(item, EXCERPT) or None,
            "date": f"{date}+00:00" if date and not date.startswith("0000") else None,
            "draft": _text(item, f"{WP}status") not in ("publish", "future"),
            "visibility": "members" if _text(item, f"{WP}status") == "private" else "public",
            "tags": [c.text for c in item.findall("category") if c.text and c.text.strip()],
            "old_paths": _old_paths(item, post_id),
            "authors": [_text(item, CREATOR)] if _text(item, CREATOR) else None,
        }
        source = path / (slug or post_id or "post")
        yield post_from(source, metadata, paragraphs(_text(item, CONTENT)))


def _text(element, name: str) -> str:
    found = element.find(name)
    return (found.text or "").strip() if found is not None else ""


def _old_paths(item, post_id: str) -> list[str]:
    paths = [f"/?p={post_id}"] if post_id.isdigit() else []
    link = urlsplit(_text(item, "link"))
    if link.path not in ("", "/") and not link.query:  # a draft's link is `/?p=<id>`
        paths.append(link.path)
    return paths
