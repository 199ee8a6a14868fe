"""Ghost's JSON export (Settings → Advanced → Import/Export): `db[0].data` holds the posts,
tags, users and the tables linking them.

A post's text is its `html`, or its `lexical` document when the export has no HTML. Ghost's
public card `<!--members-only-->` is the paywall point; `visibility` public / members / paid /
tiers says who reads past it (tiers: paid readers). Tags starting with `#` are Ghost's internal
tags, not shown to readers, so not imported. Old addresses `/<slug>/` redirect to the note, and
Ghost's tag pages `/tag/<slug>/` to Solo's.
"""

import html as html_lib
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from ..portability import ImportRefused
from .common import Post, post_from

FORMAT = "Ghost export"
VISIBILITY = {"public": "public", "members": "members", "paid": "paid", "tiers": "paid"}
MAX_BYTES = 100 * 1024 * 1024


def recognises(path: Path, head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith(b"{") and b'"meta"' in head and (b'"db"' in head or b'"data"' in head)


def _data(path: Path) -> dict:
    if path.stat().st_size > MAX_BYTES:
        raise ImportRefused(f"larger than {MAX_BYTES:,} bytes")
    try:
        document = json.loads(path.read_text(encoding="utf-8-sig"))
        data = document["db"][0]["data"] if "db" in document else document["data"]
        data["posts"]  # noqa: B018  (an export without posts is not one)
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise ImportRefused(f"not a Ghost export ({error.__class__.__name__})") from None
    return data


def posts(path: Path) -> Iterator[Post]:
    try:
        data = _data(path)
    except ImportRefused as error:
        yield Post(path, error=error)
        return
    tags = {tag["id"]: tag for tag in data.get("tags", [])}
    users = {user["id"]: user for user in data.get("users", [])}
    tags_of, authors_of = defaultdict(list), defaultdict(list)
    for link in sorted(data.get("posts_tags", []), key=lambda link: link.get("sort_order", 0)):
        if (tag := tags.get(link["tag_id"])) and not tag["name"].startswith("#"):
            tags_of[link["post_id"]].append(tag["name"])
    for link in sorted(data.get("posts_authors", []), key=lambda link: link.get("sort_order", 0)):
        if user := users.get(link["author_id"]):
            authors_of[link["post_id"]].append(user["name"])
    for post in data["posts"]:
        if post.get("type", "post") != "post":
            continue  # pages: Solo's about page is written in its settings
        slug = post.get("slug") or ""
        html = post.get("html")
        if html is None and post.get("lexical"):
            html = lexical_html(post["lexical"])
        metadata = {
            "title": post.get("title"),
            "slug": slug,
            "summary": post.get("custom_excerpt") or None,
            "date": post.get("published_at") or None,
            "draft": post.get("status") != "published",
            "visibility": VISIBILITY.get(post.get("visibility") or "public", "paid"),
            "tags": tags_of[post.get("id")],
            "cover": post.get("feature_image") or None,
            "seo_title": post.get("meta_title") or None,
            "seo_description": post.get("meta_description") or None,
            "canonical": post.get("canonical_url") or None,
            "old_paths": [f"/{slug}/"] if slug else [],
            "authors": authors_of[post.get("id")] or None,
        }
        yield post_from(path / (slug or str(post.get("id"))), metadata, html or "")


# Lexical (Ghost 5's editor format) → HTML, for the nodes an article is made of. Cards Ghost
# renders with its theme (bookmarks, galleries, products) become their link or are left out.
_FORMATS = [(1, "strong"), (2, "em"), (4, "s"), (8, "u"), (16, "code")]
_BLOCKS = {"paragraph": "p", "quote": "blockquote", "aside": "blockquote", "listitem": "li"}


def lexical_html(document: str) -> str:
    try:
        root = json.loads(document)["root"]
    except (ValueError, KeyError, TypeError):
        return ""
    return "".join(_node(child) for child in root.get("children", []))


def _node(node: dict) -> str:
    kind = node.get("type")
    inner = "".join(_node(child) for child in node.get("children", []))
    escape = html_lib.escape
    if kind in ("text", "extended-text"):
        text = escape(node.get("text", ""))
        for bit, tag in _FORMATS:
            if node.get("format", 0) & bit:
                text = f"<{tag}>{text}</{tag}>"
        return text
    if kind == "linebreak":
        return "<br>"
    if kind in ("link", "autolink"):
        return f'<a href="{escape(node.get("url", ""))}">{inner}</a>'
    if kind in ("heading", "extended-heading"):
        return f"<{node.get('tag', 'h2')}>{inner}</{node.get('tag', 'h2')}>"
    if kind == "list":
        tag = "ol" if node.get("listType") == "number" else "ul"
        return f"<{tag}>{inner}</{tag}>"
    if kind in _BLOCKS:
        return f"<{_BLOCKS[kind]}>{inner}</{_BLOCKS[kind]}>"
    if kind == "codeblock":
        language = escape(node.get("language") or "")
        code = escape(node.get("code", ""))
        return f'<pre><code class="language-{language}">{code}</code></pre>'
    if kind == "image":
        alt, src = escape(node.get("alt") or ""), escape(node.get("src", ""))
        return f'<p><img src="{src}" alt="{alt}"></p>'
    if kind in ("html", "markdown"):
        return node.get("html") or node.get("markdown") or ""
    if kind in ("bookmark", "embed", "video", "audio", "file"):
        url = escape(node.get("url") or node.get("src") or "")
        return f'<p><a href="{url}">{escape(node.get("title") or url)}</a></p>' if url else ""
    if kind == "horizontalrule":
        return "<hr>"
    if kind == "paywall":
        return "<!--members-only-->"
    return inner
