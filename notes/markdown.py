"""Markdown → safe HTML, and the teaser/full split (DESIGN.md: rendered once, on save).

Python-Markdown renders (fenced code, tables, footnotes, heading anchors, Pygments classes), then
nh3 cleans the result with an allow-list, so whatever the Markdown holds — `<script>`, `on*`
attributes, `javascript:`/`data:` links, broken HTML — the stored HTML is safe.
"""

import html as htmllib
import re
import unicodedata

import markdown
import nh3
from django.utils.html import strip_tags

PAYWALL_MARKER = "<!-- paywall -->"
_PAYWALL_LINE = re.compile(r"^[ \t]*<!--\s*paywall\s*-->[ \t]*$", re.MULTILINE | re.IGNORECASE)
_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_LIST_ITEM = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>[*+-]|\d+[.)])[ \t]+\S")

EXTENSIONS = ["fenced_code", "tables", "footnotes", "toc", "codehilite", "sane_lists"]
EXTENSION_CONFIGS = {
    "codehilite": {"css_class": "codehilite", "guess_lang": False},
    "toc": {"permalink": False, "toc_depth": "2-4"},
    # `align="…"` rather than `style="text-align: …"`: the CSP forbids inline styles.
    "tables": {"use_align_attribute": True},
}

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "s", "section", "span", "strong", "sub", "summary",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "loading"},
    "ol": {"start"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
}
URL_SCHEMES = {"http", "https", "mailto"}
_EXTERNAL_LINK = re.compile(r'<a ((?:[^>]*? )?href="(?:https?:)?//[^"]*"[^>]*)>')


def _normalise(text: str) -> str:
    """Hashnode's export quirks, fixed before Markdown sees them (code blocks left alone).

    - trailing spaces and whitespace-only lines (Hashnode writes `    ` between list items);
    - list items separated by blank lines: one tight list, not a paragraph per item.
    """
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and line == "" and out and _LIST_ITEM.match(out[-1]):
            j = i
            while j < len(lines) and lines[j] == "":
                j += 1
            following = _LIST_ITEM.match(lines[j]) if j < len(lines) else None
            previous = _LIST_ITEM.match(out[-1])
            if following and following["indent"] == previous["indent"]:
                i = j  # drop the blank lines between two items of the same list
                continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _add_rel(match: re.Match) -> str:
    return f'<a {match.group(1)} rel="noopener nofollow">'


def render_markdown(text: str) -> str:
    """Markdown → sanitised HTML. Safe to mark safe in templates."""
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    html = md.convert(_normalise(text or ""))
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
    # External links only: our own anchors (#fn:1, /notes/…) keep their plain behaviour.
    return _EXTERNAL_LINK.sub(_add_rel, cleaned)


def _blocks(text: str) -> list[str]:
    """Top-level Markdown blocks (separated by blank lines, code fences kept whole)."""
    blocks: list[str] = []
    current: list[str] = []
    in_fence = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        if line == "" and not in_fence:
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def split_teaser(text: str) -> tuple[str, str]:
    """Markdown before and after the paywall point.

    The point is a line `<!-- paywall -->`; without it, the teaser is the first two paragraphs.
    """
    text = _normalise(text or "")
    match = _PAYWALL_LINE.search(text)
    if match:
        return text[: match.start()].strip(), text[match.end() :].strip()
    blocks = _blocks(text.strip())
    return "\n\n".join(blocks[:2]), "\n\n".join(blocks[2:])


def strip_paywall(text: str) -> str:
    """The whole body without the marker line (the full text a paid reader gets)."""
    before, after = split_teaser(text)
    return f"{before}\n\n{after}".strip() if _PAYWALL_LINE.search(text or "") else (text or "")


def fold_accents(text: str) -> str:
    """`Monétisation à l'œil` → `Monetisation a l'oeil`: for slugs and accent-blind search."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    text = text.replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def plain_text(html: str) -> str:
    """Visible text of stored HTML, whitespace collapsed (for descriptions and search)."""
    return " ".join(htmllib.unescape(strip_tags(html)).split())


def first_paragraph_text(html: str) -> str:
    match = re.search(r"<p>(.*?)</p>", html or "", re.DOTALL)
    return plain_text(match.group(1)) if match else plain_text(html)[:300]
