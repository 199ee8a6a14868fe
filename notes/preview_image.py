"""A note's social preview picture when it has no cover: 1200×630, drawn with Pillow.

The title (never any of the note's text: premium text never leaks), the publication's name in its
accent colour, and the author's photo or initial. Drawn once per version of the note and of the
site's look, and kept in the media storage under that version, so a web process draws each
picture once whatever the traffic. Fonts: the site's own (Fontsource files in static/fonts, which
Pillow reads as they are), so the picture looks like the pages; their latin subset covers French.
"""

import io
import logging
from functools import lru_cache

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFont, ImageOps

from .publication import LIGHT_BACKGROUND, SiteSettings
from .social import PREVIEW_HEIGHT, PREVIEW_WIDTH, preview_version

logger = logging.getLogger(__name__)

MARGIN = 80
BAND = 24  # the accent stripe along the left edge
AVATAR = 96
NAME_SIZE, AUTHOR_SIZE = 36, 32
TITLE_SIZES = (72, 60, 52, 44)  # the largest at which the whole title fits
LEADING = 1.15
# The title's box: below the publication's name, above the author's line.
TITLE_TOP = MARGIN + NAME_SIZE + 40
TITLE_BOTTOM = PREVIEW_HEIGHT - MARGIN - AVATAR - 32
INK = "#1d1d1f"
MUTED = "#55565b"
FONTS = settings.BASE_DIR / "static" / "fonts"
SERIF = FONTS / "source-serif-4-latin-700-normal.woff2"  # the title, as on the note's page
SANS = FONTS / "source-sans-3-latin-600-normal.woff2"  # the publication's and author's names


@lru_cache(maxsize=16)
def _font(path, size: int):
    try:
        return ImageFont.truetype(path, size)
    except OSError:  # a font file gone missing must not cost a picture
        logger.warning("font %s unreadable, using Pillow's default", path)
        return ImageFont.load_default(size=size)


def _wrap(text: str, font, width: float, max_lines: int) -> list[str] | None:
    """The words of `text` in lines no wider than `width`; None if it takes more lines."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while font.getlength(line) > width:  # a word longer than a line: cut it
            cut = len(line) - 1
            while cut > 1 and font.getlength(line[:cut]) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    return lines if len(lines) <= max_lines else None


def _title_lines(title: str, width: float):
    """The title at the largest size that fits its box; at the smallest, cut with an ellipsis."""
    for size in TITLE_SIZES:
        font = _font(SERIF, size)
        max_lines = int((TITLE_BOTTOM - TITLE_TOP) // (size * LEADING))
        lines = _wrap(title, font, width, max_lines)
        if lines is not None:
            return font, lines
    lines = _wrap(title, font, width, 1_000)[:max_lines]
    last = lines[-1]
    while last and font.getlength(last + "…") > width:
        last = last[:-1]
    lines[-1] = last.rstrip() + "…"
    return font, lines


def _avatar(site: SiteSettings) -> Image.Image:
    """The author's photo in a circle, or their publication's initial on the accent colour."""
    mask = Image.new("L", (AVATAR, AVATAR), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, AVATAR - 1, AVATAR - 1), fill=255)
    picture = None
    if site.avatar:
        try:
            with site.avatar.open("rb") as file, Image.open(file) as upload:
                upload = ImageOps.exif_transpose(upload).convert("RGB")
                picture = ImageOps.fit(upload, (AVATAR, AVATAR), Image.Resampling.LANCZOS)
        except (OSError, ValueError, Image.DecompressionBombError) as error:
            logger.warning(
                "author's photo %s unreadable, drawing an initial: %s", site.avatar, error
            )
    if picture is None:
        picture = Image.new("RGB", (AVATAR, AVATAR), site.accent)
        initial = (site.author_name.strip()[:1] or site.initial).upper()
        font = _font(SANS, AVATAR // 2)
        ImageDraw.Draw(picture).text(
            (AVATAR / 2, AVATAR / 2), initial, fill="#ffffff", font=font, anchor="mm"
        )
    circle = Image.new("RGBA", (AVATAR, AVATAR))
    circle.paste(picture, (0, 0), mask)
    return circle


def draw(note, site: SiteSettings) -> bytes:
    image = Image.new("RGB", (PREVIEW_WIDTH, PREVIEW_HEIGHT), LIGHT_BACKGROUND)
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 0, BAND - 1, PREVIEW_HEIGHT), fill=site.accent)
    left, width = MARGIN + BAND, PREVIEW_WIDTH - 2 * MARGIN - BAND

    name_font = _font(SANS, NAME_SIZE)
    pen.text((left, MARGIN), site.name, fill=site.accent, font=name_font)

    font, lines = _title_lines(note.page_title, width)
    line_height = round(font.size * LEADING)
    top = (TITLE_TOP + TITLE_BOTTOM - line_height * len(lines)) / 2
    for i, line in enumerate(lines):
        pen.text((left, top + i * line_height), line, fill=INK, font=font)

    bottom = PREVIEW_HEIGHT - MARGIN - AVATAR
    avatar = _avatar(site)
    image.paste(avatar, (left, bottom), avatar)
    pen.text(
        (left + AVATAR + 24, bottom + AVATAR / 2),
        site.author_name,
        fill=MUTED,
        font=_font(SANS, AUTHOR_SIZE),
        anchor="lm",
    )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def preview_png(note, site: SiteSettings) -> bytes:
    """The picture, from the media storage: drawn and stored there on first ask."""
    name = f"previews/{note.pk}-{preview_version(note, site)}.png"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as stored:
            return stored.read()
    content = draw(note, site)
    try:
        default_storage.save(name, ContentFile(content))
    except OSError as error:
        logger.warning("preview %s not stored, drawn again next time: %s", name, error)
    return content
