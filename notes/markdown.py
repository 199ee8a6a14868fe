"""Markdown → safe HTML, and the teaser/full split (rendered once, on save).

Python-Markdown renders (fenced code, tables, footnotes, heading anchors, Pygments classes), then
nh3 cleans the result with an allow-list, so whatever the Markdown holds — `<script>`, `on*`
attributes, `javascript:`/`data:` links, broken HTML — the stored HTML is safe.

Without a paywall line, the free part is cut from the rendered document's top-level elements,
never from raw lines: what a line looks like (a stray ``` or ~~~) cannot make the rest free.
"""

import html as htmllib
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

import markdown
import nh3
from django.utils.html import strip_tags
from markdown.extensions import Extension

from . import images

PAYWALL_MARKER = "<!-- paywall -->"
_PAYWALL_LINE = re.compile(r"^[ \t]*<!--\s*paywall\s*-->[ \t]*$", re.MULTILINE | re.IGNORECASE)
# Without a paywall line, the free part is at most the first two top-level blocks, and at most
# TEASER_MAX_CHARS characters of visible text and half of the note's: a note of two paragraphs, or
# one huge first block, is never free in full (a first block over the bound leaves no free part).
TEASER_MAX_BLOCKS = 2
TEASER_MAX_CHARS = 1000
# Longest body the author may save (about 8,000 words): any body up to it renders in well under
# a second (bench/pathological_markdown.py).
MAX_BODY_CHARS = 50_000
# Link text nested deeper than this is left as plain text (see _BoundedLinks).
MAX_LINK_NESTING = 8
_FENCE = re.compile(r"^[ \t]*(```|~~~)")
_LIST_ITEM = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>[*+-]|\d+[.)])[ \t]+\S")

# Blockquotes nested deeper than this are flattened to this depth.
MAX_QUOTE_NESTING = 8
_PAREN = re.compile(r"[()]")
_FOOTNOTE_REF = re.compile(r"\[\^([^\]\[\n]{1,100})\]")
# Each `>` nests a blockquote that Python-Markdown parses by rescanning the rest of the block.
_DEEP_QUOTE = re.compile(rf"^((?:[ \t]*>){{{MAX_QUOTE_NESTING}}})(?:[ \t]*>)+")
VOID = {"area", "br", "col", "hr", "img", "wbr"}


class _BoundedLinks(Extension):
    """Python-Markdown's link patterns, made linear on unbalanced brackets and parentheses.

    For every `[` the link and reference patterns scan ahead to the matching `]` (and `(` to its
    `)`), to the end of the paragraph when there is none: a run of `[`, `![`, `[^` or `[](` costs
    time quadratic in its length. Giving up past MAX_LINK_NESTING open brackets bounds each scan;
    such text stays plain text, as it would if the brackets never closed.
    """

    PATTERNS = [
        "reference", "link", "image_link", "image_reference", "short_reference", "short_image_ref",
    ]  # fmt: skip

    def extendMarkdown(self, md):
        for name in self.PATTERNS:
            processor = md.inlinePatterns[name]
            processor.getText = _link_text
            processor.getLink = _bounded_link(processor.getLink)
        # The footnote pattern's `[^\]]*` also runs to the end for each unclosed `[^`.
        md.inlinePatterns["footnote"].compiled_re = _FOOTNOTE_REF


def _link_text(data: str, index: int) -> tuple[str, int, bool]:
    """Python-Markdown's getText (the text up to the matching `]`), giving up when nested deep."""
    depth = 1
    for pos in range(index, len(data)):
        if data[pos] == "[":
            depth += 1
            if depth > MAX_LINK_NESTING:
                return "", index, False
        elif data[pos] == "]":
            depth -= 1
            if depth == 0:
                return data[index:pos], pos + 1, True
    return data[index:], len(data), False


def _bounded_link(get_link):
    def bounded(data: str, index: int):
        if not data.startswith("(", index):
            return get_link(data, index)  # not a link: fails at once
        depth = 0
        for match in _PAREN.finditer(data, index):
            depth += 1 if match[0] == "(" else -1
            if depth <= 0:
                break
            if depth > MAX_LINK_NESTING:
                return "", None, index, False
        return get_link(data, index)

    return bounded


EXTENSIONS = [
    "fenced_code", "tables", "footnotes", "toc", "codehilite", "sane_lists", _BoundedLinks(),
]  # fmt: skip
EXTENSION_CONFIGS = {
    "codehilite": {"css_class": "codehilite", "guess_lang": False},
    # No `[TOC]` marker: a table of contents in the free part would list the paid headings.
    "toc": {"permalink": False, "toc_depth": "2-4", "marker": ""},
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
# nh3 writes every attribute value in double quotes, escaping any `"` inside: a value may hold `>`.
_IMG = re.compile(r'<img((?:\s+[\w-]+(?:="[^"]*")?)*)\s*/?>')
_ATTR = re.compile(r'\s+([\w-]+)(?:="([^"]*)")?')


def _normalise(text: str) -> str:
    """Hashnode's export quirks, fixed before Markdown sees them (code blocks left alone).

    - trailing spaces and whitespace-only lines (Hashnode writes `    ` between list items);
    - list items separated by blank lines: one tight list, not a paragraph per item;
    - blockquotes nested past MAX_QUOTE_NESTING (the parse is quadratic in the depth).
    """
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    out: list[str] = []
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and line.lstrip().startswith(">"):
            line = _DEEP_QUOTE.sub(r"\1", line)
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
    return _IMG.sub(_sized_image, _EXTERNAL_LINK.sub(_add_rel, cleaned))


def _sized_image(match: re.Match) -> str:
    """An uploaded image gets its size (no shift while loading) and WebP widths (a phone takes a
    narrow one); every image loads lazily. Added after nh3: an author's own srcset never passes."""
    attrs = match.group(1)
    present = dict(_ATTR.findall(attrs))
    extra = {"loading": "lazy", "decoding": "async"}
    if size := images.sized(htmllib.unescape(present.get("src", ""))):
        extra |= {"width": size.width, "height": size.height}
        if size.srcset:
            extra |= {"srcset": size.srcset, "sizes": size.sizes}
    added = "".join(
        f' {name}="{htmllib.escape(str(value))}"'
        for name, value in extra.items()
        if name not in present
    )
    return f"<img{attrs}{added}>"


@dataclass(frozen=True)
class RenderedNote:
    teaser_html: str  # the free part
    rest_html: str  # after the paywall point
    body_html: str  # everything (teaser_html + rest_html when cut without a paywall line)


class _TopLevelEnds(HTMLParser):
    """Offsets where each top-level element of (well-formed, sanitised) HTML ends."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=False)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self.depth = 0
        self.ends: list[int] = []
        self.feed(html)
        self.close()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.depth += 1
        elif self.depth == 0:
            self.ends.append(self._offset() + len(self.get_starttag_text()))

    def handle_startendtag(self, tag, attrs):
        if self.depth == 0:
            self.ends.append(self._offset() + len(self.get_starttag_text()))

    def handle_endtag(self, tag):
        self.depth -= 1
        if self.depth == 0:
            self.ends.append(self._offset() + len(f"</{tag}>"))


def top_level_blocks(html: str) -> list[str]:
    """Sanitised HTML cut after each top-level element; the pieces join back to `html`."""
    cuts = [0] + _TopLevelEnds(html).ends
    blocks = [html[start:end] for start, end in zip(cuts, cuts[1:], strict=False)]
    if html[cuts[-1] :].strip():
        blocks.append(html[cuts[-1] :])
    elif blocks:
        blocks[-1] += html[cuts[-1] :]
    return blocks


def free_block_count(blocks: list[str]) -> int:
    """How many leading blocks are free: see TEASER_MAX_BLOCKS and TEASER_MAX_CHARS."""
    sizes = [len(plain_text(block)) for block in blocks]
    budget = min(TEASER_MAX_CHARS, sum(sizes) // 2)
    count = used = 0
    for size in sizes[:TEASER_MAX_BLOCKS]:
        if used + size > budget:
            break
        used += size
        count += 1
    return count


def _split_at_marker(text: str) -> tuple[str, str] | None:
    match = _PAYWALL_LINE.search(text)
    return (text[: match.start()].strip(), text[match.end() :].strip()) if match else None


def render_note(text: str) -> RenderedNote:
    """The free part, the rest and the whole, as sanitised HTML.

    A line `<!-- paywall -->` marks the end of the free part; without it, the free part is cut
    from the rendered whole (see free_block_count), so every channel gets exactly that part.
    """
    text = _normalise(text or "")
    if marked := _split_at_marker(text):
        before, after = marked
        whole = render_markdown(f"{before}\n\n{after}")
        return RenderedNote(render_markdown(before), render_markdown(after), whole)
    body = render_markdown(text)
    blocks = top_level_blocks(body)
    free = free_block_count(blocks)
    return RenderedNote("".join(blocks[:free]), "".join(blocks[free:]), body)


def split_teaser(text: str) -> tuple[str, str]:
    """Text before and after the paywall point, for plain-text emails.

    With a line `<!-- paywall -->`: the Markdown around it. Without: the visible text of the
    parts render_note cut (a paragraph per block), so no Markdown line can move the cut.
    """
    text = _normalise(text or "")
    if marked := _split_at_marker(text):
        return marked
    note = render_note(text)
    return _text_blocks(note.teaser_html), _text_blocks(note.rest_html)


def _text_blocks(html: str) -> str:
    return "\n\n".join(filter(None, (plain_text(block) for block in top_level_blocks(html))))


def strip_paywall(text: str) -> str:
    """The whole body without the marker line (the full text a paid reader gets).

    Found on the normalised text, as render_note finds it: a body saved from a browser's form
    has CRLF line ends, which the marker's pattern alone would miss.
    """
    marked = _split_at_marker(_normalise(text or ""))
    return "\n\n".join(marked).strip() if marked else text or ""


_SITE_PATH = re.compile(r'(\s(?:src|href)=")(/(?!/))')
_SRCSET_ATTR = re.compile(r'(\ssrcset=")([^"]*)(")')


def _absolute(url: str, site: str) -> str:
    return site + url if url.startswith("/") and not url.startswith("//") else url


def absolute_links(html: str, site_url: str) -> str:
    """Stored HTML with this site's own addresses (`/media/…`, `/notes/…`) made absolute.

    Pages may use relative addresses; an email or a feed is read elsewhere and needs the site's.
    """
    site = site_url.rstrip("/")
    html = _SITE_PATH.sub(lambda m: m.group(1) + site + m.group(2), html)

    def srcset(match: re.Match) -> str:  # "/a-480w.webp 480w, /a-960w.webp 960w"
        entries = (_absolute(entry.strip(), site) for entry in match.group(2).split(","))
        return match.group(1) + ", ".join(entries) + match.group(3)

    return _SRCSET_ATTR.sub(srcset, html)


# A site path in Markdown: an inline link or image `](/…)`, or a reference `[label]: /…`.
_MARKDOWN_SITE_PATH = re.compile(r"(\]\(\s*<?|^ {0,3}\[[^\]\n]+\]:[ \t]*<?)(/(?!/))", re.M)


def absolute_markdown_links(text: str, site_url: str) -> str:
    """Markdown with this site's own addresses made absolute: the plain-text part of an email
    is the note's Markdown, and `/media/…` means nothing in a mail client."""
    site = site_url.rstrip("/")
    return _MARKDOWN_SITE_PATH.sub(lambda m: m.group(1) + site + m.group(2), text)


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
