"""Click tracking: links in an issue go through `/c/<delivery>/<link>/` and back to the original.

A variant's links are rewritten once (`rewrite_html`, `rewrite_text`) into redirect URLs holding
`DELIVERY_PLACEHOLDER`; each recipient's copy then swaps in `delivery_part(delivery_id)` by a
byte substitution, like the unsubscribe token. Both parts are signed: the link part holds the
issue and the URL (`django.core.signing`), the delivery part is the id and a short HMAC. The
redirect only ever goes to the URL inside the signed link part (no open redirect).

A click is counted at most once per (delivery, url); HEAD requests, clicks in the first seconds
after the message was sent and known link scanners still redirect but are not counted. Nothing
about the reader is stored beyond "this delivery's link was followed", and there is no pixel.

Welcome sequences' steps use the same redirect: their link part names a step (`"s"`) instead of
an issue (`"i"`), and clicks land in `StepClick` against the `StepDelivery` ledger.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import Click, Delivery, Issue, StepClick, StepDelivery

LINK_SALT = "newsletter.click"
DELIVERY_SALT = "newsletter.click.delivery"
# At least as long as any real delivery part, so substituting it never lengthens a line (bodies
# stay 8bit); ASCII letters only, so it survives every encoding unchanged.
DELIVERY_PLACEHOLDER = "XCLICKDELIVERYPLACEHOLDERXXXXXXX"
SCANNER_GRACE = timedelta(seconds=10)
# Lower-case pieces of the user agents of link checkers (mail security gateways, chat and social
# previews, crawlers). A person's browser never sends these.
SCANNER_AGENTS = (
    "barracuda",
    "mimecast",
    "proofpoint",
    "urldefense",
    "safe links",
    "safelinks",
    "microsoft office existence discovery",
    "ms-office",
    "bingpreview",
    "googlebot",
    "bot/",
    "bot-",
    "bot;",
    "+http",
    "spider",
    "crawler",
    "python-requests",
    "curl/",
    "wget/",
    "go-http-client",
    "headlesschrome",
)
MAX_URL_BYTES = 2000  # longer links are left alone (the column and its index stay small)

_HREF = re.compile(r'href="(https?://[^"]+)"')
_TEXT_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?"
_DELIVERY_PART = re.compile(r"^([0-9]{1,12})-([0-9a-f]{16})$")
ISSUE, STEP = "i", "s"
# What a link part names: its delivery ledger, its click table, and the ledger's parent field.
_KINDS = {ISSUE: (Delivery, Click, "issue_id"), STEP: (StepDelivery, StepClick, "step_id")}


# --- tokens ------------------------------------------------------------------------------------


def _delivery_mac(delivery_id: int) -> str:
    return salted_hmac(DELIVERY_SALT, str(delivery_id), algorithm="sha256").hexdigest()[:16]


def delivery_part(delivery_id: int) -> str:
    return f"{delivery_id}-{_delivery_mac(delivery_id)}"


def delivery_id_from(part: str) -> int | None:
    match = _DELIVERY_PART.match(part)
    if match is None:
        return None
    delivery_id = int(match.group(1))
    if not constant_time_compare(match.group(2), _delivery_mac(delivery_id)):
        return None
    return delivery_id


def link_part(issue_id: int, url: str, kind: str = ISSUE) -> str:
    return signing.dumps({kind: issue_id, "u": url}, salt=LINK_SALT, compress=True)


def target_from(part: str) -> tuple[str, int, str] | None:
    """(kind, issue or step id, url) of a signed link part; None when forged or malformed."""
    try:
        data = signing.loads(part, salt=LINK_SALT)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    kind = next((kind for kind in _KINDS if isinstance(data.get(kind), int)), None)
    url = data.get("u")
    if kind is None or not isinstance(url, str):
        return None
    if not url.startswith(("https://", "http://")):
        return None
    return kind, data[kind], url


def link_from(part: str) -> tuple[int, str] | None:
    """(issue id, url) of an issue's signed link part."""
    found = target_from(part)
    return (found[1], found[2]) if found and found[0] == ISSUE else None


def redirect_url(
    issue_id: int, url: str, delivery: str = DELIVERY_PLACEHOLDER, kind: str = ISSUE
) -> str:
    path = reverse("newsletter:click", args=[delivery, link_part(issue_id, url, kind)])
    return settings.SITE_URL + path


def personalise(body: str, delivery_id: int) -> str:
    """A rewritten body for one recipient (the slow path; the fast one substitutes bytes)."""
    return body.replace(DELIVERY_PLACEHOLDER, delivery_part(delivery_id))


# --- rewriting ---------------------------------------------------------------------------------


def tracking_on() -> bool:
    return bool(getattr(settings, "NEWSLETTER_TRACK_CLICKS", True))


def _trackable(url: str) -> bool:
    # The unsubscribe link must work even if tracking breaks, and must never count as interest.
    unsubscribe = settings.SITE_URL + reverse("newsletter:unsubscribe", args=["x"])[:-2]
    return (
        not url.startswith(unsubscribe)
        and DELIVERY_PLACEHOLDER not in url
        and len(url.encode()) <= MAX_URL_BYTES
    )


def _rewriter(issue_id: int, kind: str):
    """`url -> redirect URL` (or the url itself when not tracked), each URL signed once."""
    cache: dict[str, str] = {}

    def rewrite(url: str) -> str:
        if url not in cache:
            cache[url] = redirect_url(issue_id, url, kind=kind) if _trackable(url) else url
        return cache[url]

    return rewrite


def rewrite_html(body: str, issue_id: int, kind: str = ISSUE) -> str:
    """Every http(s) link but the unsubscribe link goes through the click redirect."""
    rewrite = _rewriter(issue_id, kind)

    def replace(match: re.Match) -> str:
        url = html.unescape(match.group(1))
        new = rewrite(url)
        return match.group(0) if new == url else f'href="{new}"'

    return _HREF.sub(replace, body)


def _url_in_text(found: str) -> str:
    """The URL in a run of non-space text: no closing punctuation, no unbalanced `)`."""
    url = found
    while url and (url[-1] in _TRAILING or (url[-1] == ")" and url.count(")") > url.count("("))):
        url = url[:-1]
    return url


def rewrite_text(body: str, issue_id: int, kind: str = ISSUE) -> str:
    rewrite = _rewriter(issue_id, kind)

    def replace(match: re.Match) -> str:
        found = match.group(0)
        url = _url_in_text(found)
        return rewrite(url) + found[len(url) :]

    return _TEXT_URL.sub(replace, body)


# --- following ---------------------------------------------------------------------------------


def is_scanner(user_agent: str) -> bool:
    agent = (user_agent or "").lower()
    return not agent or any(name in agent for name in SCANNER_AGENTS)


def follow(delivery: str, link: str, method: str, user_agent: str, now=None) -> str | None:
    """Check both signatures, count the click if it looks like a person's first one, and return
    where to send the reader.

    None when either part is forged or malformed: the caller answers 4xx and redirects nowhere.
    """
    delivery_id = delivery_id_from(delivery)
    found = target_from(link)
    if delivery_id is None or found is None:
        return None
    kind, issue_id, url = found
    record(delivery_id, issue_id, url, method, user_agent, now, kind=kind)
    return url


def record(
    delivery_id: int,
    issue_id: int,
    url: str,
    method: str,
    user_agent: str,
    now=None,
    kind: str = ISSUE,
) -> None:
    """Count this click unless it is a scanner's, too early, or repeated. `kind`: an issue's link
    (`issue_id` is the issue) or a sequence step's (`issue_id` is the step)."""
    now = now or timezone.now()
    if method != "GET" or is_scanner(user_agent):
        return
    ledger, click, parent = _KINDS[kind]
    sent_at = (
        ledger.objects.filter(pk=delivery_id, **{parent: issue_id})
        .values_list("sent_at", flat=True)
        .first()
    )
    # No such delivery (erased, or parts of two emails put together) or not sent: not counted.
    if sent_at is None or now - sent_at < SCANNER_GRACE:
        return
    try:
        with transaction.atomic():
            click.objects.create(
                **{parent: issue_id}, delivery_id=delivery_id, url=url, clicked_at=now
            )
    except IntegrityError:  # this reader already followed this link
        pass


# --- reporting ---------------------------------------------------------------------------------


def per_link(issue: Issue | int) -> list[tuple[str, int]]:
    """(url, clicks) for each link of the issue that was followed, most clicked first."""
    rows = (
        Click.objects.filter(issue=issue)
        .values_list("url")
        .annotate(n=Count("pk"))
        .order_by("-n", "url")
    )
    return [(url, n) for url, n in rows]


def totals(issue: Issue | int) -> dict[str, int]:
    """Clicks counted for the issue, and how many recipients clicked at least once."""
    return Click.objects.filter(issue=issue).aggregate(
        clicks=Count("pk"), clickers=Count("delivery", distinct=True)
    )
