"""Comments on notes, one level of replies, moderated by the author.

Who may comment is decided in `comments/rules.py` (through billing.access); the author's choices
live in one `CommentSettings` row edited in the admin.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from newsletter.models import Subscriber
from notes.models import Note
from notes.publication import SiteSettings

MAX_BODY_CHARS = 5000  # about 800 words: a comment, not a guest post
_SETTINGS_KEY = "comments:settings"


class CommentSettings(models.Model):
    class Who(models.TextChoices):
        MEMBERS = "members", _("Members (free and paid subscribers)")
        PAID = "paid", _("Paid readers only")

    class Moderation(models.TextChoices):
        APPROVE_FIRST = "approve", _("Approve each comment first")
        PUBLISH = "publish", _("Publish at once")

    class AuthorEmails(models.TextChoices):
        EACH = "each", _("An email for each new comment")
        DIGEST = "digest", _("One daily digest")
        NONE = "none", _("No email")

    who = models.CharField(
        _("who may comment"), max_length=10, choices=Who.choices, default=Who.MEMBERS
    )
    moderation = models.CharField(
        _("new comments"),
        max_length=10,
        choices=Moderation.choices,
        default=Moderation.APPROVE_FIRST,
    )
    author_emails = models.CharField(
        _("emails to the author"),
        max_length=10,
        choices=AuthorEmails.choices,
        default=AuthorEmails.EACH,
        help_text=_("Sent to the staff accounts' addresses."),
    )
    closed_notes = models.ManyToManyField(
        Note,
        blank=True,
        related_name="+",
        verbose_name=_("notes with comments off"),
        help_text=_("Their comments stay visible; nobody can add one."),
    )

    class Meta:
        verbose_name = _("comment settings")
        verbose_name_plural = _("comment settings")

    def __str__(self):
        return str(_("Comment settings"))

    def save(self, *args, **kwargs):
        self.pk = 1  # one publication, one set of choices
        super().save(*args, **kwargs)
        cache.delete(_SETTINGS_KEY)

    @classmethod
    def current(cls) -> "CommentSettings":
        found = cache.get(_SETTINGS_KEY)
        if found is None:
            found = cls.objects.filter(pk=1).first() or cls(pk=1)
            cache.set(_SETTINGS_KEY, found, 300)
        return found


class Commenter(models.Model):
    """A reader's standing in the comments: banned by the author, wants reply emails or not."""

    subscriber = models.OneToOneField(
        Subscriber, on_delete=models.CASCADE, related_name="commenter", verbose_name=_("reader")
    )
    banned_at = models.DateTimeField(_("banned"), null=True, blank=True)
    reply_emails = models.BooleanField(_("emails on replies"), default=True)

    class Meta:
        verbose_name = _("commenter")
        verbose_name_plural = _("commenters")

    def __str__(self):
        return str(self.subscriber)

    @classmethod
    def ban(cls, subscriber_ids) -> int:
        now = timezone.now()
        for subscriber_id in subscriber_ids:
            cls.objects.update_or_create(subscriber_id=subscriber_id, defaults={"banned_at": now})
        return len(subscriber_ids)


class CommentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Comment.Status.PUBLISHED)

    def counts_for(self, note_ids) -> dict[int, int]:
        """Published comments per note, for a page of cards: one aggregated query."""
        rows = (
            self.published()
            .filter(note_id__in=list(note_ids))
            .values("note_id")
            .annotate(n=models.Count("pk"))
            .values_list("note_id", "n")
        )
        return dict(rows)


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        PUBLISHED = "published", _("Published")
        HIDDEN = "hidden", _("Hidden")

    note = models.ForeignKey(
        Note, on_delete=models.CASCADE, related_name="comments", verbose_name=_("note")
    )
    # One level deep: a reply's parent is always a top-level comment (rules.post_comment).
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("in reply to"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    subscriber = models.ForeignKey(
        Subscriber,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("reader"),
    )
    by_author = models.BooleanField(_("by the author"), default=False)
    body = models.TextField(_("comment"), max_length=MAX_BODY_CHARS)
    body_html = models.TextField(editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    # When the author's email (or digest) and the parent writer's reply email went out: each once.
    author_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    reply_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["note", "status", "created_at"])]

    def __str__(self):
        return self.body[:60]

    def get_absolute_url(self):
        return reverse("comments:thread", args=[self.note.slug]) + f"#comment-{self.pk}"

    @property
    def display_name(self) -> str:
        if self.by_author:
            return SiteSettings.current().author_name
        if self.subscriber_id and self.subscriber.name:
            return self.subscriber.name
        return str(_("A reader"))
