"""The publication and its author, set once in the admin: name, look, author, language, footer.

One row (`SiteSettings.current()`), kept in the cache so a page pays one cache GET for it, and
rewritten there when saved. The environment (SITE_NAME, LANGUAGE_CODE, DEFAULT_FROM_EMAIL's
display name) only gives the first-run values.
"""

import colorsys
import hashlib
import logging
import re
from email.utils import parseaddr
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, models, transaction
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

CACHE_KEY = "notes:site-settings"
DEFAULT_ACCENT = "#0b5cad"
# The page backgrounds of static/css/site.css, light and dark: the accent is checked against them.
LIGHT_BACKGROUND = "#fdfcfa"
DARK_BACKGROUND = "#16171a"
MIN_CONTRAST = 4.5  # WCAG 2 AA for body text
DARK_CONTRAST = 7.0  # the dark variant aims higher: light text on dark glares less when crisp
MAX_IMAGE_BYTES = 5 * 1024 * 1024

_HEX = re.compile(r"#[0-9a-fA-F]{6}")


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    return tuple(int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))


def _hex(rgb) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio, from 1 (same) to 21 (black on white)."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def dark_variant(accent: str) -> str:
    """The accent for dark mode: same hue, lighter until it reads well on the dark background."""
    hue, lightness, saturation = colorsys.rgb_to_hls(*_rgb(accent))
    while lightness < 1:
        candidate = _hex(colorsys.hls_to_rgb(hue, lightness, saturation))
        if contrast(candidate, DARK_BACKGROUND) >= DARK_CONTRAST:
            return candidate
        lightness = min(1.0, lightness + 0.01)
    return "#ffffff"


def validate_accent(value: str) -> None:
    """Buttons put white text on the accent and links set it on the light page: both must read."""
    if not _HEX.fullmatch(value or ""):
        raise ValidationError(_("Give a colour as # and six hexadecimal digits, like #0b5cad."))
    ratio = min(contrast(value, "#ffffff"), contrast(value, LIGHT_BACKGROUND))
    if ratio < MIN_CONTRAST:
        raise ValidationError(
            _(
                "This colour is too light: text on it or in it reaches a contrast of only "
                "%(ratio).1f:1, and at least %(minimum).1f:1 is needed for buttons and links to "
                "stay readable. Choose a darker shade."
            ),
            params={"ratio": ratio, "minimum": MIN_CONTRAST},
            code="low_contrast",
        )


def validate_image_size(image) -> None:
    if image.size > MAX_IMAGE_BYTES:
        raise ValidationError(_("This image is larger than 5 MB: please upload a smaller one."))


def default_name() -> str:
    return settings.SITE_NAME


def default_author_name() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or settings.SITE_NAME


def default_language() -> str:
    return settings.LANGUAGE_CODE


def _image_field(verbose_name, help_text):
    return models.ImageField(
        verbose_name,
        upload_to="site/",
        blank=True,
        validators=[validate_image_size],
        help_text=help_text,
    )


class SiteSettings(models.Model):
    name = models.CharField(_("publication name"), max_length=100, default=default_name)
    description = models.CharField(
        _("description"),
        max_length=200,
        blank=True,
        help_text=_("One line under the name: what readers will find here."),
    )
    logo = _image_field(
        _("logo"), _("Shown in the masthead of the site and of every email. Empty: the name.")
    )
    icon = _image_field(
        _("icon"),
        _(
            "A square image, at least 512×512 pixels: the browser tab, phone home screens and "
            "the web manifest. Empty: the name's initial on the accent colour."
        ),
    )
    accent = models.CharField(
        _("accent colour"),
        max_length=7,
        default=DEFAULT_ACCENT,
        validators=[validate_accent],
        help_text=_(
            "Links and buttons. It must be dark enough for white text; the dark-mode colour "
            "is derived from it."
        ),
    )
    author_name = models.CharField(_("author's name"), max_length=100, default=default_author_name)
    author_bio = models.TextField(
        _("short bio"), max_length=500, blank=True, help_text=_("Two or three sentences.")
    )
    avatar = _image_field(_("author's photo"), _("Square, shown beside your name."))
    website = models.URLField(_("website"), blank=True)
    mastodon = models.URLField("Mastodon", blank=True)
    bluesky = models.URLField("Bluesky", blank=True)
    youtube = models.URLField("YouTube", blank=True)
    linkedin = models.URLField("LinkedIn", blank=True)
    github = models.URLField("GitHub", blank=True)
    language = models.CharField(
        _("default language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=default_language,
        help_text=_("The language the publication is mostly written in."),
    )
    footer_text = models.TextField(
        _("footer text"),
        max_length=500,
        blank=True,
        help_text=_("Shown at the foot of every page. Empty: a line with the publication's name."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    LINKS = ["website", "mastodon", "bluesky", "youtube", "linkedin", "github"]

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("site")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.pk = 1  # one publication
        super().save(*args, **kwargs)
        forget()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        forget()
        return result

    @classmethod
    def for_request(cls, request) -> "SiteSettings":
        """The settings this request already read (the language middleware reads them first)."""
        return getattr(request, "site_settings", None) or cls.current()

    @classmethod
    def current(cls) -> "SiteSettings":
        """The settings as last saved (first-run defaults before that): one cache GET when warm."""
        try:
            values = cache.get(CACHE_KEY)
        except RedisError as error:
            logger.warning("cache unavailable, reading the site settings: %s", error)
            values = None
        if values is not None:
            return cls(**values)
        try:
            site = cls.objects.filter(pk=1).first() or cls()
        except DatabaseError as error:  # every page asks: a database down answers /healthz's 503
            logger.warning("database unavailable, first-run site settings: %s", error)
            return cls()
        values = {
            f.attname: getattr(site, f.attname).name
            if isinstance(f, models.FileField)
            else getattr(site, f.attname)
            for f in cls._meta.concrete_fields
        }
        try:
            cache.set(CACHE_KEY, values, None if _shared_cache() else 30)
        except RedisError as error:
            logger.warning("cache unavailable, site settings not cached: %s", error)
        return site

    @property
    def accent_dark(self) -> str:
        return dark_variant(self.accent)

    @property
    def initial(self) -> str:
        return (self.name.strip()[:1] or "?").upper()

    @property
    def version(self) -> str:
        """Changes whenever the look does: asset addresses carry it, so browsers fetch anew."""
        parts = [self.name, self.accent, self.icon.name, str(self.updated_at)]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:10]

    @property
    def links(self) -> list[tuple[str, str]]:
        """The author's links that are set, as (label, address), in the admin's order."""
        fields = [self._meta.get_field(name) for name in self.LINKS]
        return [(str(f.verbose_name), url) for f in fields if (url := getattr(self, f.name))]

    @property
    def host(self) -> str:
        """The site's address as people say it: `example.com`."""
        return urlsplit(settings.SITE_URL).netloc

    @property
    def logo_url(self) -> str:
        """The logo's full address, for emails (a storage may already give one)."""
        return urljoin(settings.SITE_URL + "/", self.logo.url) if self.logo else ""


def forget() -> None:
    """Drop the cached values, now and again at commit: a request in between read the old row."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def _shared_cache() -> bool:
    """Redis is shared by every process; a local-memory cache is not, so entries there expire."""
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(("LocMemCache", "DummyCache"))
