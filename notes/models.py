"""Notes and tags. A note's Markdown is rendered once, on save, into stored HTML.

Rules that concern one note live on `Note`, rules over many notes on `NoteQuerySet`; the teaser
and every public description come from the part before the paywall point only (rule
premium-never-leaks, docs/RULES.md).
"""

import math
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Value
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from markdownx.models import MarkdownxField

from . import images
from . import markdown as md
from .publication import SiteSettings  # noqa: F401  (the publication's settings: a notes model)

WORDS_PER_MINUTE = 230


def slug_from(text: str, max_length: int = 200) -> str:
    """`L'été à Dakar` → `lete-a-dakar` (accents folded, not dropped)."""
    return slugify(md.fold_accents(text))[:max_length].strip("-") or "note"


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(
        _("slug"), max_length=100, unique=True, help_text=_("Part of the tag's web address.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slug_from(self.name, 100)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("notes:tag", args=[self.slug])

    @classmethod
    def named(cls, name: str) -> "Tag":
        """The tag with this name's slug, created if new (`Python` and `python` are one tag)."""
        return cls.objects.get_or_create(slug=slug_from(name, 100), defaults={"name": name})[0]


class NoteQuerySet(models.QuerySet):
    def published(self):
        """Published notes whose time has come: a future published_at means scheduled."""
        return self.filter(status=Note.Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self, now=None):
        """Published notes whose time has not come yet: they appear by themselves at it."""
        return self.filter(status=Note.Status.PUBLISHED, published_at__gt=now or timezone.now())

    def visible_to(self, reader):
        """What a reader may open at its URL: published notes, plus drafts/scheduled for staff."""
        return self.all() if reader.is_staff else self.published()

    def only(self, *fields):
        # `can_read` needs each note's minimum tier rank, whatever columns a page picks.
        return super().only(*fields, "minimum_tier__position")

    def for_lists(self):
        """Only the columns list pages and feeds show (never the full HTML of premium notes)."""
        return self.defer("body", "body_html", "rest_html", "search_document", "front_matter")


class NoteManager(models.Manager.from_queryset(NoteQuerySet)):
    def get_queryset(self):
        # The minimum tier comes with each note: `can_read` needs its rank, one join instead of
        # one query per note (rule constant-sql).
        return super().get_queryset().select_related("minimum_tier")


class Note(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Everyone")
        MEMBERS = "members", _("Signed-in subscribers")
        PAID = "paid", _("Paid readers")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(
        _("slug"),
        max_length=200,
        unique=True,
        blank=True,
        help_text=_(
            "The note's web address. Left empty, it is made from the title. If you change it "
            "later, the old address keeps working (it redirects here)."
        ),
    )
    body = MarkdownxField(
        _("body"),
        blank=True,
        max_length=md.MAX_BODY_CHARS,
        help_text=_(
            "Markdown. Put a line <!-- paywall --> where the free part of a premium note ends; "
            "without it, the first two blocks are free, up to 1,000 characters and never more "
            "than half the note. The preview shows where the free part ends."
        ),
    )
    summary = models.TextField(
        _("summary"),
        blank=True,
        help_text=_("One or two sentences for lists and feeds. Empty: the first paragraph."),
    )
    seo_title = models.CharField(
        _("SEO title"),
        max_length=200,
        blank=True,
        help_text=_("Title shown by search engines and social sites. Empty: the title."),
    )
    seo_description = models.CharField(
        _("SEO description"),
        max_length=300,
        blank=True,
        help_text=_("Description for search engines and social sites. Empty: the summary."),
    )
    cover_image = models.ImageField(
        _("cover image"), upload_to="covers/", blank=True, help_text=_("Upload an image…")
    )
    cover_url = models.URLField(
        _("cover image address"), max_length=500, blank=True, help_text=_("…or give its address.")
    )
    canonical_url = models.URLField(
        _("canonical address"),
        max_length=500,
        blank=True,
        help_text=_("Only if this note was first published elsewhere: that original address."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Language of this note, if it differs from the site's."),
    )
    front_matter = models.JSONField(
        _("other front matter"),
        default=dict,
        blank=True,
        help_text=_("Fields from imported files that Solo does not use, kept for export."),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="notes", verbose_name=_("tags"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text=_("Drafts are visible only to you, at the note's address."),
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        help_text=_("Who may read past the paywall point."),
    )
    # Only for paid notes: readers of this tier and those above it (rule premium-never-leaks).
    minimum_tier = models.ForeignKey(
        "billing.Tier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("minimum tier"),
        help_text=_(
            "For paid notes: readers of this tier and those above it. Empty: any paid tier."
        ),
    )
    published_at = models.DateTimeField(
        _("publish at"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_(
            "A future date schedules the note: it appears by itself at that time. "
            "Empty when publishing: now."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Rendered once on save (see notes/markdown.py); pages never render Markdown.
    teaser_html = models.TextField(editable=False, blank=True)
    rest_html = models.TextField(editable=False, blank=True)  # after the paywall point
    body_html = models.TextField(editable=False, blank=True)  # everything, for entitled readers
    description = models.TextField(editable=False, blank=True)  # from the teaser only
    reading_minutes = models.PositiveSmallIntegerField(editable=False, default=1)
    # Accent-folded text (the teaser only, for premium notes): SQLite search and the PG vector.
    search_document = models.TextField(editable=False, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = NoteManager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        indexes = [
            models.Index(fields=["status", "published_at"], name="note_status_published"),
            GinIndex(fields=["search_vector"], name="note_search_vector"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self.unique_slug()
        if self.cover_image and not self.cover_image._committed:
            # Stored like the editor's uploads: narrowed, WebP copies, no metadata.
            prepared = images.prepare(self.cover_image)
            self.cover_image.name = images.store(prepared, "covers/")
            self.cover_image._committed = True
        if self.status == self.Status.PUBLISHED and not self.published_at:
            self.published_at = timezone.now()
        self.render()
        super().save(*args, **kwargs)
        old_slug = getattr(self, "_loaded_slug", None)
        if old_slug and old_slug != self.slug:
            NoteSlugRedirect.objects.update_or_create(old_slug=old_slug, defaults={"note": self})
        NoteSlugRedirect.objects.filter(old_slug=self.slug).delete()
        self._loaded_slug = self.slug
        if connection.vendor == "postgresql":
            Note.objects.filter(pk=self.pk).update(
                search_vector=SearchVector(
                    Value(md.fold_accents(self.title).lower()), weight="A", config="simple"
                )
                + SearchVector("search_document", weight="B", config="simple")
            )

    def get_absolute_url(self):
        return reverse("notes:detail", args=[self.slug])

    def clean(self):
        if self.minimum_tier_id and self.visibility != self.Visibility.PAID:
            raise ValidationError(
                {
                    "minimum_tier": _(
                        "A minimum tier applies to paid notes only: choose Paid readers."
                    )
                }
            )
        if self.cover_image and not self.cover_image._committed:  # a new upload
            try:
                images.check(self.cover_image)
            except images.ImageRefused as refused:
                raise ValidationError({"cover_image": refused}) from None

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_slug = instance.__dict__.get("slug")
        return instance

    @property
    def is_premium(self) -> bool:
        """For labels (the "Paid"/"Members" badge); who may read it is billing.access.can_read."""
        return self.visibility != self.Visibility.PUBLIC

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.PUBLISHED and bool(
            self.published_at and self.published_at <= timezone.now()
        )

    @property
    def cover(self) -> str:
        return self.cover_image.url if self.cover_image else self.cover_url

    @property
    def cover_absolute_url(self) -> str:
        """The cover's full address, for social previews and structured data read elsewhere."""
        return urljoin(settings.SITE_URL + "/", self.cover) if self.cover else ""

    @property
    def cover_size(self) -> images.Sized | None:
        """Width, height and WebP srcset of an uploaded cover; None for one given by address."""
        return images.sized(self.cover_image.url) if self.cover_image else None

    @property
    def page_title(self) -> str:
        return self.seo_title or self.title

    def render(self) -> None:
        """Fill the stored HTML, description, reading time and search text from the Markdown."""
        rendered = md.render_note(self.body)
        self.teaser_html = rendered.teaser_html
        self.rest_html = rendered.rest_html
        self.body_html = rendered.body_html
        self.description = (
            self.seo_description or self.summary or md.first_paragraph_text(self.teaser_html)
        )[:300]
        words = len(md.plain_text(self.body_html).split())
        self.reading_minutes = max(1, math.ceil(words / WORDS_PER_MINUTE))
        # The search index is shared by every reader, so it holds what anonymous readers may read:
        # the whole of a public note, the teaser of any other (billing.access: public is for all).
        searchable = self.teaser_html if self.is_premium else self.body_html
        text = " ".join([self.title, self.summary, md.plain_text(searchable)])
        self.search_document = md.fold_accents(text).lower()

    def unique_slug(self) -> str:
        base = slug_from(self.title)
        slug, n = base, 2
        taken = Note.objects.exclude(pk=self.pk)
        while (
            taken.filter(slug=slug).exists()
            or NoteSlugRedirect.objects.filter(old_slug=slug).exclude(note_id=self.pk).exists()
        ):
            slug = f"{base[:190]}-{n}"
            n += 1
        return slug


class NoteSlugRedirect(models.Model):
    """An address a note had before its slug changed: answered with a 301 to the current one."""

    old_slug = models.SlugField(_("old slug"), max_length=200, unique=True)
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="old_slugs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")

    def __str__(self):
        return self.old_slug


class LegacyPath(models.Model):
    """An address a note had on the platform it was imported from (Substack's `/p/<slug>`,
    Ghost's `/<slug>/`, WordPress's dated paths and `/?p=<id>`): answered with a 301 when
    nothing else on the site answers it (notes/legacy.py)."""

    path = models.CharField(_("old path"), max_length=300, unique=True)
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="legacy_paths")

    class Meta:
        verbose_name = _("address on the old platform")
        verbose_name_plural = _("addresses on the old platform")

    def __str__(self):
        return self.path
