"""Substack's export: a zip of `posts.csv` and `posts/<post_id>.html`, one file per post.

`post_id` is `<number>.<slug>`; `audience` says who could read past the paywall point, which
the post's HTML marks with `<div class="paywall-jump">`. Images stay at Substack's addresses
(`fetch_images` copies them here). Old addresses `/p/<slug>` redirect to the note.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from ..portability import ImportRefused
from .common import Post, post_from, read_limited

FORMAT = "Substack export"
MAX_POST_BYTES = 5 * 1024 * 1024
VISIBILITY = {"everyone": "public", "only_free": "members", "only_paid": "paid", "founding": "paid"}


def index(archive: zipfile.ZipFile) -> str | None:
    """The name of `posts.csv` beside a `posts/` folder of HTML files, if there is one."""
    names = archive.namelist()
    for name in sorted((n for n in names if PurePosixPath(n).name == "posts.csv"), key=len):
        folder = str(PurePosixPath(name).parent / "posts").removeprefix("./") + "/"
        if any(n.startswith(folder) and n.endswith(".html") for n in names):
            return name
    return None


def recognises(path: Path, head: bytes) -> bool:
    if not head.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            return index(archive) is not None
    except (zipfile.BadZipFile, OSError):
        return False


def posts(path: Path) -> Iterator[Post]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        yield Post(path, error=ImportRefused(f"not a readable zip ({error.__class__.__name__})"))
        return
    with archive:
        listing = index(archive)
        folder = PurePosixPath(listing).parent / "posts"
        with archive.open(listing) as file:
            text = read_limited(file, MAX_POST_BYTES, "posts.csv").decode("utf-8-sig")
        for row in csv.DictReader(io.StringIO(text, newline="")):
            post_id = (row.get("post_id") or "").strip()
            slug = post_id.partition(".")[2] or post_id
            source = path / slug
            member = str(folder / f"{post_id}.html").removeprefix("./")
            try:
                with archive.open(member) as file:
                    html = read_limited(file, MAX_POST_BYTES, member).decode("utf-8")
            except KeyError:
                html = ""  # Substack writes no file for a post with no body (e.g. a thread)
            except (ImportRefused, UnicodeDecodeError, zipfile.BadZipFile) as error:
                yield Post(source, error=ImportRefused(f"{member}: {error}"))
                continue
            yield post_from(source, _metadata(row, slug), html)


def _metadata(row: dict, slug: str) -> dict:
    audience = (row.get("audience") or "everyone").strip()
    return {
        "title": row.get("title"),
        "slug": slug,
        "summary": row.get("subtitle") or None,
        "date": row.get("post_date") or None,
        "draft": (row.get("is_published") or "").strip().lower() != "true",
        # An audience Substack adds later is treated as paid: nothing premium opens by mistake.
        "visibility": VISIBILITY.get(audience, "paid"),
        "old_paths": [f"/p/{slug}"],
        "substack_type": row.get("type") or None,
        "podcast_url": row.get("podcast_url") or None,
    }
