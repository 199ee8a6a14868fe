"""The comments' part of a reader's data export and erasure (receivers of newsletter.privacy's
signals). Erasure empties the reader's comments but keeps their place, so other readers' replies
stay in their threads; the name was already gone with the subscriber's."""

from django.dispatch import receiver
from django.utils.html import escape
from django.utils.translation import gettext as _

from newsletter.privacy import erasing, exporting, iso

from .models import Comment, Commenter


@receiver(exporting, dispatch_uid="comments.privacy.export")
def export_comments(sender, subscriber, **kwargs) -> dict:
    comments = Comment.objects.filter(subscriber=subscriber).select_related("note").order_by("pk")
    commenter = Commenter.objects.filter(subscriber=subscriber).first()
    return {
        "comments": [
            {
                "note": c.note.title,
                "in_reply_to": c.parent_id,
                "text": c.body,
                "status": c.status,
                "written_at": iso(c.created_at),
            }
            for c in comments
        ],
        "comment_preferences": {
            "reply_emails": commenter.reply_emails if commenter else True,
            "banned_at": iso(commenter.banned_at) if commenter else None,
        },
    }


@receiver(erasing, dispatch_uid="comments.privacy.erase")
def erase_comments(sender, subscriber, **kwargs) -> None:
    erased = f"<p><em>{escape(_('This comment was erased.'))}</em></p>"
    Comment.objects.filter(subscriber=subscriber).update(body="", body_html=erased)
    Commenter.objects.filter(subscriber=subscriber).delete()
