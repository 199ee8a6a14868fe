"""The emails comments cause: the author hears of each new comment (or once a day), a reader of
each published reply to them. Each goes once: a comment's `*_notified_at` is set when it is sent.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from newsletter.models import Subscriber
from notes.publication import SiteSettings

from .models import Comment, Commenter, CommentSettings

_REPLIES_SALT = "comments.replies-off"


def replies_off_token(subscriber_id: int) -> str:
    return signing.dumps(subscriber_id, salt=_REPLIES_SALT)


def subscriber_from_token(token: str) -> int | None:
    """The reader an opt-out link names; None when forged. No expiry: it stays in inboxes."""
    try:
        return int(signing.loads(token, salt=_REPLIES_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def author_addresses() -> list[str]:
    users = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def _send(to: list[str], subject: str, template: str, context: dict, headers=None) -> None:
    context = {"site": SiteSettings.current(), "SITE_URL": settings.SITE_URL, **context}
    text = render_to_string(template, context)
    EmailMultiAlternatives(subject, text, to=to, headers=headers or {}).send()


def _admin_link(comment: Comment) -> str:
    return settings.SITE_URL + reverse("admin:comments_comment_change", args=[comment.pk])


def notify_author(comment_id: int) -> bool:
    comment = (
        Comment.objects.select_related("note", "subscriber")
        .filter(pk=comment_id, author_notified_at__isnull=True)
        .first()
    )
    to = author_addresses()
    if comment is None or not to:
        return False
    subject = _("New comment on “%(title)s”") % {"title": comment.note.title}
    context = {"comments": [comment], "admin_link": _admin_link(comment)}
    _send(to, subject, "comments/email/new_comments.txt", context)
    Comment.objects.filter(pk=comment.pk).update(author_notified_at=timezone.now())
    return True


def send_digest() -> int:
    """Yesterday's comments (all not yet announced) in one email; none when there were none."""
    if CommentSettings.current().author_emails != CommentSettings.AuthorEmails.DIGEST:
        return 0
    comments = list(
        Comment.objects.filter(author_notified_at__isnull=True, by_author=False)
        .select_related("note", "subscriber")
        .order_by("note_id", "created_at")[:500]
    )
    to = author_addresses()
    if not comments or not to:
        return 0
    count = len(comments)
    subject = ngettext("%(count)d new comment", "%(count)d new comments", count) % {"count": count}
    link = settings.SITE_URL + reverse("admin:comments_comment_changelist")
    context = {"comments": comments, "admin_link": link}
    _send(to, subject, "comments/email/new_comments.txt", context)
    Comment.objects.filter(pk__in=[c.pk for c in comments]).update(
        author_notified_at=timezone.now()
    )
    return len(comments)


def _wants_reply_emails(subscriber: Subscriber) -> bool:
    if subscriber.status != Subscriber.Status.ACTIVE or subscriber.is_erased:
        return False
    return not Commenter.objects.filter(subscriber=subscriber, reply_emails=False).exists()


def notify_reply(comment_id: int) -> bool:
    reply = (
        Comment.objects.select_related("note", "parent__subscriber", "subscriber")
        .filter(pk=comment_id, status=Comment.Status.PUBLISHED, reply_notified_at__isnull=True)
        .exclude(parent=None)
        .first()
    )
    if reply is None:
        return False
    to = reply.parent.subscriber
    own = to is not None and to.pk == reply.subscriber_id
    if to is None or own or not _wants_reply_emails(to):
        return False
    off = settings.SITE_URL + reverse("comments:replies_off", args=[replies_off_token(to.pk)])
    subject = _("A reply to your comment on “%(title)s”") % {"title": reply.note.title}
    context = {
        "reply": reply,
        "link": settings.SITE_URL + reply.get_absolute_url(),
        "replies_off": off,
    }
    headers = {"List-Unsubscribe": f"<{off}>"}
    _send([to.email], subject, "comments/email/reply.txt", context, headers)
    Comment.objects.filter(pk=reply.pk).update(reply_notified_at=timezone.now())
    return True
