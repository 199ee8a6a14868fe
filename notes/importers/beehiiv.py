"""beehiiv's posts export: a CSV with a row per post and its HTML in `content_html`.

Columns as beehiiv's API names them (`title`, `subtitle`, `slug`, `status`, `publish_date`,
`audience`, `content_tags`, `thumbnail_url`, `web_url`); a premium post comes across as paid.
The post's old address (the path of `web_url`, `/p/<slug>`) redirects to the note.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from ..portability import ImportRefused
from .common import Post, post_from

FORMAT = "beehiiv posts export"
MAX_BYTES = 100 * 1024 * 1024


def recognises(path: Path, head: bytes) -> bool:
    first_line = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace")
    columns = {name.strip().lower() for name in next(csv.reader([first_line]), [])}
    return {"title", "content_html"} <= columns


def posts(path: Path) -> Iterator[Post]:
    csv.field_size_limit(MAX_BYTES)  # a post's HTML is one field
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ImportRefused(f"larger than {MAX_BYTES:,} bytes")
        text = path.read_text(encoding="utf-8-sig")
    except (ImportRefused, UnicodeDecodeError) as error:
        yield Post(path, error=ImportRefused(str(error)))
        return
    for row in csv.DictReader(io.StringIO(text, newline="")):
        row = {(key or "").strip().lower(): (value or "").strip() for key, value in row.items()}
        slug = row.get("slug") or urlsplit(row.get("web_url", "")).path.rstrip("/").split("/")[-1]
        old_path = urlsplit(row.get("web_url", "")).path
        metadata = {
            "title": row.get("title"),
            "slug": slug or None,
            "summary": row.get("subtitle") or None,
            "date": _date(row.get("publish_date", "")),
            "draft": row.get("status") not in ("confirmed", "published"),
            "visibility": "paid" if row.get("audience") in ("premium", "paid") else "public",
            "tags": [t for t in row.get("content_tags", "").split(",") if t.strip()],
            "cover": row.get("thumbnail_url") or None,
            "old_paths": [old_path] if old_path not in ("", "/") else [],
        }
        yield post_from(path / (slug or "post"), metadata, row.get("content_html", ""))


def _date(value: str) -> str | None:
    """beehiiv gives seconds since 1970 in its API and a date in its exports: take either."""
    if value.isdigit():
        return dt.datetime.fromtimestamp(int(value), dt.UTC).isoformat()
    return value or None
