"""Who may comment, and what a comment becomes: the rules beside the models.

Reading and writing both go through billing.access: a reader who may not read a note in full
does not see its comments either (they would quote the paid part: rule premium-never-leaks).
"""

from dataclasses import dataclass

import markdown
import nh3
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from billing.access import Reader, can_read
from notes import markdown as notes_markdown
from notes.caching import invalidate
from notes.models import Note

from . import tasks
from .models import Comment, Commenter, CommentSettings

# The notes' Markdown subset without images (a comment must not load anything from elsewhere)
# and without ids (they would clash with the page's own anchors).
TAGS = notes_markdown.ALLOWED_TAGS - {"img", "figure", "figcaption", "h1", "h2"}
ATTRIBUTES = {
    tag: attrs - {"id"} for tag, attrs in notes_markdown.ALLOWED_ATTRIBUTES.items() if tag != "img"
}


def render(text: str) -> str:
    """Markdown → sanitised HTML; every link `rel="nofollow ugc"` (Google's advice for comments)."""
    md = markdown.Markdown(
        extensions=notes_markdown.EXTENSIONS,
        extension_configs=notes_markdown.EXTENSION_CONFIGS,
    )
    return nh3.clean(
        md.convert(text or ""),
        tags=TAGS,
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        url_schemes=notes_markdown.URL_SCHEMES,
        link_rel="nofollow ugc noopener",
        strip_comments=True,
    )


@dataclass(frozen=True)
class Standing:
    """What this reader may do in this note's comments, and why not."""

    can_see: bool
    can_post: bool
    reason: str = ""  # shown instead of the form


def standing(reader: Reader, note: Note, settings: CommentSettings, banned: bool) -> Standing:
    if not can_read(reader, note):
        return Standing(False, False, _("Comments are for readers of the whole note."))
    if reader.is_staff:
        return Standing(True, True)
    if settings.closed_notes.filter(pk=note.pk).exists():
        return Standing(True, False, _("Comments are closed on this note."))
    if settings.who == CommentSettings.Who.PAID and not reader.is_paid:
        return Standing(True, False, _("Only paid readers can comment."))
    if not (reader.is_member or reader.is_paid):
        return Standing(True, False, _("Sign in as a subscriber to comment."))
    if banned:
        return Standing(True, False, _("You can no longer comment here."))
    return Standing(True, True)


def is_banned(reader: Reader) -> bool:
    if reader.subscriber_id is None:
        return False
    return Commenter.objects.filter(
        subscriber_id=reader.subscriber_id, banned_at__isnull=False
    ).exists()


def thread(note: Note) -> list[Comment]:
    """The note's published comments with their published replies: two queries at any size."""
    replies = Comment.objects.published().select_related("subscriber")
    return list(
        Comment.objects.published()
        .filter(note=note, parent__isnull=True)
        .select_related("subscriber")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="shown_replies"))
    )


def post_comment(note: Note, reader: Reader, user, body: str, parent: Comment | None) -> Comment:
    """Store a comment (the caller checked the standing). A reply to a reply joins its thread:
    one level deep, as on Substack, and nobody's answer is lost."""
    if parent is not None and parent.parent_id is not None:
        parent = parent.parent
    settings = CommentSettings.current()
    publish = reader.is_staff or settings.moderation == CommentSettings.Moderation.PUBLISH
    comment = Comment.objects.create(
        note=note,
        parent=parent,
        user=user,
        subscriber_id=reader.subscriber_id if not reader.is_staff else None,
        by_author=reader.is_staff,
        body=body,
        body_html=render(body),
        status=Comment.Status.PUBLISHED if publish else Comment.Status.PENDING,
    )
    _announce(comment, settings, just_published=publish)
    return comment


def publish(comments) -> int:
    """The author approves (or shows again) comments: counts refresh, repliees hear of it."""
    ids = [c.pk for c in comments if c.status != Comment.Status.PUBLISHED]
    changed = Comment.objects.filter(pk__in=ids).update(status=Comment.Status.PUBLISHED)
    if changed:
        invalidate()
        for comment in Comment.objects.filter(pk__in=ids):
            _queue_reply_email(comment)
    return changed


def hide(comments) -> int:
    changed = Comment.objects.filter(pk__in=[c.pk for c in comments]).update(
        status=Comment.Status.HIDDEN
    )
    invalidate()  # the count on the cards drops
    return changed


def _announce(comment: Comment, settings: CommentSettings, just_published: bool) -> None:
    if just_published:
        invalidate()
        _queue_reply_email(comment)
    if not comment.by_author and settings.author_emails == CommentSettings.AuthorEmails.EACH:
        transaction.on_commit(lambda: tasks.notify_author.delay(comment.pk))


def reply_published(comment: Comment) -> None:
    """A reply just became visible (published at once, or approved): its parent's writer hears."""
    _queue_reply_email(comment)


def _queue_reply_email(comment: Comment) -> None:
    if comment.parent_id and comment.reply_notified_at is None:
        transaction.on_commit(lambda: tasks.notify_reply.delay(comment.pk))
