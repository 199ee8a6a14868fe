"""`{% comment_count note %}` for note cards, `{% reply_emails_on subscriber %}` for the account.

The cards of a list page share one aggregated query (rule constant-sql): the first card asks for
every note of `page_obj`, the others read the answer.
"""

from weakref import WeakKeyDictionary

from django import template

from ..models import Comment, Commenter

register = template.Library()
_counts_by_page: WeakKeyDictionary = WeakKeyDictionary()


@register.simple_tag(takes_context=True)
def comment_count(context, note) -> int:
    page = context.get("page_obj")
    if page is None:
        return Comment.objects.counts_for([note.pk]).get(note.pk, 0)
    counts = _counts_by_page.get(page)
    if counts is None:
        counts = _counts_by_page[page] = Comment.objects.counts_for(n.pk for n in page)
    return counts.get(note.pk, 0)


@register.simple_tag
def reply_emails_on(subscriber) -> bool:
    return not Commenter.objects.filter(subscriber=subscriber, reply_emails=False).exists()
