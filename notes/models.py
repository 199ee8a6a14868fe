from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("notes:tag", args=[self.slug])


class NoteQuerySet(models.QuerySet):
    def published(self):
        """Published notes whose time has come: a future published_at means scheduled."""
        return self.filter(status=Note.Status.PUBLISHED, published_at__lte=timezone.now())


class Note(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Everyone")
        MEMBERS = "members", _("Signed-in subscribers")
        PAID = "paid", _("Paid readers")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    body = models.TextField(_("body"), blank=True)
    # Rendered once on save (see notes/markdown.py); pages never render Markdown.
    teaser_html = models.TextField(editable=False, blank=True)
    body_html = models.TextField(editable=False, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="notes", verbose_name=_("tags"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    published_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NoteQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("notes:detail", args=[self.slug])

    @property
    def is_premium(self) -> bool:
        return self.visibility != self.Visibility.PUBLIC
