"""The comments of a note, outside its cached page (rule premium-never-leaks: the note's page is
shared between readers; this one is each reader's own and never stored).

GET answers the whole page, or only the thread when the note page's script asks for it
(`X-Solo-Fragment: 1`); POST adds a comment and comes back to the page. A fixed number of queries
whatever the number of comments (rule constant-sql).
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from billing.access import reader_for
from newsletter.limits import over_limit
from newsletter.models import Subscriber
from notes.models import Note

from . import notifications, rules
from .forms import CommentForm
from .models import MAX_BODY_CHARS, Comment, Commenter, CommentSettings

FRAGMENT_HEADER = "X-Solo-Fragment"


def _render(request, note, reader, form=None, status=200, standing=None):
    standing = standing or rules.standing(
        reader, note, CommentSettings.current(), rules.is_banned(reader)
    )
    fragment = request.headers.get(FRAGMENT_HEADER) == "1"
    comments = rules.thread(note) if standing.can_see else []
    context = {
        "note": note,
        "reader": reader,
        "standing": standing,
        "comments": comments,
        "total": len(comments) + sum(len(c.shown_replies) for c in comments),
        "form": form or CommentForm(),
        "max_length": MAX_BODY_CHARS,
        # A refused reply comes back open under its comment, with the reader's text in it.
        "failed_parent": _int(form.data.get("parent")) if form is not None else None,
        "fragment": fragment,
    }
    template = "comments/_thread.html" if fragment else "comments/page.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["Cookie", FRAGMENT_HEADER])
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_http_methods(["GET", "HEAD", "POST"])
def thread(request, slug):
    reader = reader_for(request)
    note = get_object_or_404(Note.objects.visible_to(reader), slug=slug)
    if request.method != "POST":
        return _render(request, note, reader)
    standing = rules.standing(reader, note, CommentSettings.current(), rules.is_banned(reader))
    if not standing.can_post:
        return _render(request, note, reader, status=403, standing=standing)
    per_reader = f"comments:{reader.subscriber_id or request.user.pk}"
    rate = settings.COMMENT_RATE_LIMIT
    if over_limit(request, "comments.ip", rate=rate) or over_limit(
        request, "comments.reader", per=per_reader, rate=rate
    ):
        form = CommentForm(request.POST)
        form.is_valid()
        form.add_error(None, _("You are commenting too fast. Please wait a while."))
        return _render(request, note, reader, form=form, status=429, standing=standing)
    form = CommentForm(request.POST)
    parent = None
    if form.is_valid() and form.cleaned_data["parent"]:
        parent = Comment.objects.published().filter(note=note, pk=form.cleaned_data["parent"])
        parent = parent.first()
        if parent is None:
            form.add_error(None, _("The comment you answer is no longer here."))
    if not form.is_valid():
        return _render(request, note, reader, form=form, status=400, standing=standing)
    url = reverse("comments:thread", args=[note.slug])
    if form.is_bot():
        return redirect(url, permanent=False)  # looks like success; nothing stored
    comment = rules.post_comment(note, reader, request.user, form.cleaned_data["body"], parent)
    if comment.status == Comment.Status.PENDING:
        messages.success(request, _("Thank you. Your comment will appear once approved."))
    return redirect(f"{url}#comment-{comment.pk}")


@require_http_methods(["POST"])
def reply_emails(request):
    """The account page's switch: emails when someone replies to me, or not."""
    reader = reader_for(request)
    if reader.subscriber_id is None:
        raise Http404
    wanted = request.POST.get("reply_emails") == "yes"
    Commenter.objects.update_or_create(
        subscriber_id=reader.subscriber_id, defaults={"reply_emails": wanted}
    )
    messages.success(request, _("Your choice about reply emails is saved."))
    return redirect("billing:account")


@require_http_methods(["GET", "HEAD", "POST"])
def replies_off(request, token):
    """The link in each reply email: GET shows a button (mail scanners follow links), POST stops."""
    subscriber_id = notifications.subscriber_from_token(token)
    if subscriber_id is None or not Subscriber.objects.filter(pk=subscriber_id).exists():
        return render(request, "comments/replies_off.html", {"bad_link": True}, status=400)
    done = request.method == "POST"
    if done:
        Commenter.objects.update_or_create(
            subscriber_id=subscriber_id, defaults={"reply_emails": False}
        )
    return render(request, "comments/replies_off.html", {"done": done})
