"""HTML from other platforms → Solo's Markdown, with markdownify.

Code blocks keep their language, tables become pipe tables, footnotes (Substack's and
WordPress's) become `[^n]` references, embedded frames become links, and each platform's paywall
point becomes the line `<!-- paywall -->`. Scripts and styles are dropped; whatever raw HTML is
left is sanitised when the note is rendered, like any Markdown.
"""

import re

from bs4 import BeautifulSoup, Comment
from markdownify import ATX, MarkdownConverter

from ..markdown import PAYWALL_MARKER

_PAYWALL_PLACEHOLDER = "SOLO-PAYWALL-POINT"
_LANGUAGE = re.compile(r"^(?:language|lang)-(\S+)$")
_BLANK_LINES = re.compile(r"\n{3,}")
# The paywall points of the platforms: Ghost's card (an HTML comment) and Substack's marker.
GHOST_PAYWALL = "members-only"
SUBSTACK_PAYWALL = "paywall-jump"


def _code_language(pre) -> str:
    for element in (pre, pre.find("code")):
        for name in (element.get("class") or []) if element else []:
            if match := _LANGUAGE.match(name):
                return match[1]
    return ""


class _Converter(MarkdownConverter):
    def convert_iframe(self, el, text, parent_tags):
        src = el.get("src", "")
        if not src.startswith(("http://", "https://")):
            return ""
        return f"\n\n[{el.get('title') or src}]({src})\n\n"

    def convert_sup(self, el, text, parent_tags):
        # A footnote reference: WordPress's `<sup class="fn"><a href="#id">1</a></sup>`.
        link = el.find("a")
        if link is not None and "fn" in (el.get("class") or []):
            return f"[^{link.get_text(strip=True)}]"
        return text


def _footnotes(soup) -> None:
    """Substack's and WordPress's footnotes as `[^n]` and `[^n]: text` (Python-Markdown's)."""
    for anchor in soup.select("a.footnote-anchor"):  # Substack
        anchor.replace_with(f"[^{anchor.get_text(strip=True)}]")
    for note in soup.select("div.footnote"):
        number = note.select_one("a.footnote-number")
        content = note.select_one(".footnote-content") or note
        label = number.get_text(strip=True) if number else ""
        if number:
            number.decompose()
        note.replace_with(_definition(soup, label, content))
    for listing in soup.select("ol.wp-block-footnotes"):  # WordPress
        for number, item in enumerate(listing.find_all("li", recursive=False), 1):
            for back in item.select('a[href^="#"]'):
                back.decompose()
            listing.insert_before(_definition(soup, str(number), item))
        listing.decompose()


def _definition(soup, label: str, content):
    paragraph = soup.new_tag("p")
    paragraph.string = f"[^{label}]: {' '.join(content.get_text(' ', strip=True).split())}"
    return paragraph


def to_markdown(html: str) -> str:
    soup = BeautifulSoup(html or "", "html.parser")
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        if comment.strip() == GHOST_PAYWALL:
            comment.replace_with(_placeholder(soup))
    for marker in soup.select(f".{SUBSTACK_PAYWALL}"):
        marker.replace_with(_placeholder(soup))
    # Substack's "Subscribe" buttons and share widgets mean nothing on another site.
    for widget in soup.select(".subscription-widget-wrap, .subscription-widget, .button-wrapper"):
        widget.decompose()
    _footnotes(soup)
    text = _Converter(
        heading_style=ATX,
        bullets="-",
        code_language_callback=_code_language,
        escape_underscores=False,
        escape_misc=False,
        table_infer_header=True,
    ).convert_soup(soup)
    lines = [line if line.strip() else "" for line in text.split("\n")]  # "  " ends a <br>
    text = _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
    # One marker only: the first stays, as a platform has one paywall point per post.
    text = text.replace(_PAYWALL_PLACEHOLDER, PAYWALL_MARKER, 1)
    return text.replace(f"\n\n{_PAYWALL_PLACEHOLDER}", "").replace(_PAYWALL_PLACEHOLDER, "")


def _placeholder(soup):
    paragraph = soup.new_tag("p")
    paragraph.string = _PAYWALL_PLACEHOLDER
    return paragraph


def paragraphs(text: str) -> str:
    """WordPress stores paragraphs as blank lines between text (its `wpautop` adds the `<p>`)."""
    if re.search(r"<p[\s>]", text):
        return text
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]
    return "".join(f"<p>{block}</p>" if not block.startswith("<") else block for block in blocks)
