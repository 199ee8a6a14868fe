"""An issue as email: rendering for a reader, headers, Message-IDs, the prepared variant.

What a recipient gets is decided by the access rule (`billing.access.can_read`, rule
premium-never-leaks) with the recipient as the reader: the whole note when they may read it, else
the teaser and an upgrade link. A variant is rendered and encoded once (`prepare`) and copied per
recipient (`recipient_template`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email.utils import make_msgid, parseaddr
from urllib.parse import urlsplit

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from billing.access import TOP_RANK, Reader, can_read, payments_on
from notes.markdown import (
    absolute_links,
    absolute_markdown_links,
    render_markdown,
    split_teaser,
    strip_paywall,
)
from notes.publication import SiteSettings

from . import clicks, recipient_template, topics
from .models import Issue
from .recipient_template import RecipientTemplate

FREE = Issue.Audience.FREE.value
PAID = Issue.Audience.PAID.value
# The two readers the author previews and tests an issue as: a free subscriber and a paid one
# of the highest tier.
SAMPLE_READERS = {
    FREE: Reader(is_member=True),
    PAID: Reader(is_member=True, is_paid=True, tier_rank=TOP_RANK),
}
_MAX_LINE = 900  # below SMTP's 998, so Django keeps bodies 8bit instead of quoted-printable
# The issue email's column. Outlook for Windows ignores max-width and draws an image at its width
# attribute: an uploaded picture (1600 px) would push the text out of the screen.
EMAIL_WIDTH = 600
_IMG = re.compile(r"<img\b[^>]*>")
_WIDTH = re.compile(r'\swidth="(\d+)"')
_HEIGHT = re.compile(r'\sheight="(\d+)"')


def _wrap_long_lines(text: str) -> str:
    """Break lines longer than _MAX_LINE at a space (HTML and plain text read the same)."""
    out = []
    for line in text.splitlines():
        while len(line) > _MAX_LINE:
            cut = line.rfind(" ", 0, _MAX_LINE)
            if cut <= 0:
                break
            out.append(line[:cut])
            line = line[cut + 1 :]
        out.append(line)
    return "\n".join(out)


def _fit_image(match: re.Match) -> str:
    tag = match.group(0)
    width = _WIDTH.search(tag)
    if not width or int(width[1]) <= EMAIL_WIDTH:
        return tag
    scale = EMAIL_WIDTH / int(width[1])
    tag = _WIDTH.sub(f' width="{EMAIL_WIDTH}"', tag, count=1)
    return _HEIGHT.sub(lambda m: f' height="{round(int(m[1]) * scale)}"', tag, count=1)


def fit_images(html: str) -> str:
    """Images wider than the email's column narrowed to it, height in proportion."""
    return _IMG.sub(_fit_image, html)


@dataclass
class Rendered:
    subject: str
    text: str
    html: str
    publication: str  # the List-Id's name
    # What the one-click unsubscribe leaves: the issue's topics ("?topics=…"), or all ("").
    unsubscribe_query: str = ""


def teaser_only(issue: Issue, reader: Reader) -> bool:
    """Whether this reader's email stops at the teaser: a note they may not read in full."""
    return issue.note is not None and not can_read(reader, issue.note)


def render_issue(
    issue: Issue,
    reader: Reader,
    unsubscribe_token: str = recipient_template.TOKEN,
    track: bool = False,
) -> Rendered:
    """The email this reader gets: the whole note if they may read it, else teaser + upgrade link.

    With `track`, links go through the click redirect with `clicks.DELIVERY_PLACEHOLDER` in place
    of the recipient's part (previews and tests to the author are not tracked).
    """
    note = issue.note
    site = settings.SITE_URL
    teaser = teaser_only(issue, reader)
    if note is not None:
        markdown_text = split_teaser(note.body)[0] if teaser else strip_paywall(note.body)
        content_html = note.teaser_html if teaser else note.body_html
        read_url = site + note.get_absolute_url()
    else:
        markdown_text = strip_paywall(issue.body)
        content_html = render_markdown(issue.body)
        read_url = site + reverse("notes:home")
    publication = SiteSettings.current().name
    unsubscribe_url = site + reverse("newsletter:unsubscribe", args=[unsubscribe_token])
    # A topic-targeted issue lets the reader leave its topics, or everything.
    sent_for = topics.sent_for(issue)
    query = topics.link_query(sent_for)
    context = {
        "issue": issue,
        "subject": issue.get_subject(),
        "title": note.title if note else issue.get_subject(),
        "content_html": fit_images(absolute_links(content_html, site)),
        "content_text": absolute_markdown_links(markdown_text, site),
        "teaser_only": teaser,
        "read_url": read_url,
        # No upgrade link to a dead end while payments are off.
        "pricing_url": site + reverse("billing:pricing") if payments_on() else "",
        "unsubscribe_url": unsubscribe_url,
        "topic_names": ", ".join(topic.name for topic in sent_for),
        "leave_topics_url": unsubscribe_url + query if query else "",
        "unsubscribe_query": query,
        # A one-off tip for this note (the footer's Support link), only when payments are on.
        "support_url": site + reverse("billing:support") + (f"?note={note.slug}" if note else "")
        if payments_on()
        else "",
        "site_name": publication,
        "site_url": site,
    }
    return render_email(context, issue.pk, track)


def render_email(context: dict, parent_id: int, track: bool, kind: str = clicks.ISSUE) -> Rendered:
    """The issue template (HTML, CSS inlined, and text) for this context; with `track`, links go
    through the click redirect for the issue (or, `kind` STEP, the sequence step) `parent_id`."""
    html = render_to_string("newsletter/email/issue.html", context)
    text = render_to_string("newsletter/email/issue.txt", context)
    html = css_inline.CSSInliner(load_remote_stylesheets=False).inline(html)
    if track:
        html = clicks.rewrite_html(html, parent_id, kind)
        text = clicks.rewrite_text(text, parent_id, kind)
    return Rendered(
        context["subject"],
        _wrap_long_lines(text),
        _wrap_long_lines(html),
        context["site_name"],
        context.get("unsubscribe_query", ""),
    )


def _domain() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"


def message_id(delivery_id: int, parent_id: int, kind: str = "issue") -> str:
    """Stable per delivery of an issue (or, `kind` "step", of a welcome sequence's step): a resend
    after a crash keeps its Message-ID (receivers dedupe). An issue's key has no kind, as before
    steps existed, so a send in flight across an upgrade keeps its ids."""
    scope = "" if kind == "issue" else f"{kind}:"
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{scope}{delivery_id}".encode()).hexdigest()[:12]
    return f"<{kind}{parent_id}.d{delivery_id}.{digest}@{_domain()}>"


def headers(publication: str, token: str, query: str = "") -> dict[str, str]:
    url = settings.SITE_URL + reverse("newsletter:unsubscribe", args=[token]) + query
    list_host = urlsplit(settings.SITE_URL).hostname or _domain()
    mailto = f"mailto:unsubscribe@{_domain()}?subject=unsubscribe%20{token}"
    return {
        # RFC 2369 + RFC 8058: one-click unsubscribe by POST to the https URL.
        "List-Unsubscribe": f"<{url}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"{publication} <newsletter.{list_host}>",
        "Precedence": "bulk",
        "Auto-Submitted": "auto-generated",
    }


def build_message(issue: Issue | None, rendered: Rendered, to: str, token: str, msgid: str):
    message = EmailMultiAlternatives(
        rendered.subject,
        rendered.text,
        to=[to],
        headers={
            **headers(rendered.publication, token, rendered.unsubscribe_query),
            "Message-ID": msgid,
        },
    )
    message.attach_alternative(rendered.html, "text/html")
    return message


@dataclass
class Prepared:
    """One variant, rendered and encoded once, ready to be copied for each of its recipients."""

    rendered: Rendered
    template: RecipientTemplate | None  # None when the body could not stay 8bit
    tracked: bool = False  # links hold clicks.DELIVERY_PLACEHOLDER

    def personal(self, token: str, delivery_id: int) -> Rendered:
        """The slow path's copy for one recipient (the template's substitutions, on text)."""
        text, html = self.rendered.text, self.rendered.html
        if self.tracked:
            text = clicks.personalise(text, delivery_id)
            html = clicks.personalise(html, delivery_id)
        return Rendered(
            self.rendered.subject,
            text.replace(recipient_template.TOKEN, token),
            html.replace(recipient_template.TOKEN, token),
            self.rendered.publication,
            self.rendered.unsubscribe_query,
        )


def prepare(issue: Issue, reader: Reader, language: str) -> Prepared:
    """The email `reader` gets, encoded once with placeholders for the per-recipient parts."""
    track = clicks.tracking_on()
    with translation.override(language):
        rendered = render_issue(issue, reader, track=track)
    return encode(rendered, track)


def encode(rendered: Rendered, tracked: bool) -> Prepared:
    """A rendered email (an issue's, or a welcome sequence step's) encoded once, with
    placeholders where each recipient differs."""
    raw = build_message(
        None,
        rendered,
        recipient_template.TO,
        recipient_template.TOKEN,
        recipient_template.MESSAGE_ID,
    )
    data = raw.message().as_bytes(linesep="\r\n")
    return Prepared(rendered, RecipientTemplate.from_message(data), tracked=tracked)


def send_test(issue: Issue, to: list[str]) -> list[str]:
    """The admin's "send a test": each variant the audience gets, as the real message, to each of a
    few addresses outside the audience, over one connection. Returns the variants sent."""
    variants = [v for v in (FREE, PAID) if issue.audience in (Issue.Audience.ALL, v)]
    messages = []
    for variant in variants:
        rendered = render_issue(issue, SAMPLE_READERS[variant])
        label = _("paid version") if variant == PAID else _("free version")
        subject = _("[Test, %(label)s] %(subject)s") % {"label": label, "subject": rendered.subject}
        for address in to:
            # Its own Message-ID each: a mailbox drops a second message with the same one.
            msgid = make_msgid("test", domain=_domain())
            message = build_message(issue, rendered, address, recipient_template.TOKEN, msgid)
            message.subject = subject
            messages.append(message)
    get_connection().send_messages(messages)
    return variants
