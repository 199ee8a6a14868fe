"""One table: every channel that shows a note × every reader state × every visibility.

Rule premium-never-leaks, with one rule and no second one: the text after the paywall point is
in a channel's answer iff `billing.access.can_read(reader, note)` says so for the reader that
channel serves — the signed-in reader for the note page, the anonymous reader for the public
feeds and the meta tags, the owner for a private feed, the recipient for an email. Channels that
carry excerpts only (search results, meta tags, sitemap) never carry it, whoever asks.
Combinations that cannot happen (a private feed or an email for someone who is no subscriber)
are rows too, and check why they cannot.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import Client, RequestFactory

from billing.access import ANONYMOUS, Reader, can_read, reader_for, reader_for_subscriber
from billing.models import PrivateFeed, Tier
from billing.sync import ensure_user
from newsletter.dispatch import audience
from newsletter.emails import render_issue
from newsletter.models import Issue, Subscriber
from notes.models import Note
from tests.billing.readers import make_reader

SECRET = "SECRET-PREMIUM-TEXT"
BODY = (
    "The free opening paragraph.\n\nA second free paragraph.\n\n<!-- paywall -->\n\n"
    f"{SECRET} lies here, after the paywall point.\n"
)

# Reader state → (is_member, is_paid) as the access module must resolve it (staff: see below).
STATES = {
    "anonymous": (False, False),
    "free": (True, False),  # a confirmed subscriber, signed in
    "pending": (False, False),  # signed up, never confirmed
    "unsubscribed": (False, False),
    "paid": (True, True),
    "trialing": (True, True),
    "past_due_in_grace": (True, True),
    "past_due_expired": (True, False),
    "canceled": (True, False),
    "comped": (True, True),
    "comp_expired": (True, False),
    "staff": (False, False),  # the author: reads everything as staff
}
VISIBILITIES = list(Note.Visibility.values)


@dataclass
class Case:
    """What one row builds: the note, the reader's browser and, if any, their subscriber row."""

    note: Note
    user: object
    client: Client
    subscriber: Subscriber | None

    def reader(self):
        request = RequestFactory().get("/")
        request.user = self.user
        return reader_for(request)

    def get(self, url: str, client: Client | None = None) -> str:
        response = (client or self.client).get(url)
        assert response.status_code == 200, url
        return response.content.decode()


def make_case(
    state: str, visibility: str, django_user_model, reader_tier=None, minimum_tier=None
) -> Case:
    if state in ("pending", "unsubscribed"):
        user = ensure_user(Subscriber.objects.create(email=f"{state}@example.com", status=state))
    else:
        user = make_reader(state, django_user_model, tier=reader_tier)
    client = Client()
    if user is not None:
        client.force_login(user)
    else:
        user = AnonymousUser()
    note = Note(title="The note", slug="the-note", body=BODY, visibility=visibility)
    note.minimum_tier = minimum_tier
    note.status = Note.Status.PUBLISHED
    note.save()
    note.tags.create(name="Writing", slug="writing")
    subscriber = Subscriber.objects.filter(user_id=user.pk).first() if user.pk else None
    return Case(note, user, client, subscriber)


def head(html: str) -> str:
    return html.split("<body", 1)[0]


# --- channels: each returns (text it answered, the reader it served) ------------------------


def note_page(case):
    return case.get(case.note.get_absolute_url()), case.reader()


def page_again_same_reader(case):
    case.get(case.note.get_absolute_url())
    return case.get(case.note.get_absolute_url()), case.reader()


def page_after_anonymous_filled_the_cache(case):
    case.get(case.note.get_absolute_url(), Client())
    return case.get(case.note.get_absolute_url()), case.reader()


def anonymous_page_after_this_reader(case):
    case.get(case.note.get_absolute_url(), Client())  # fills the shared cache
    case.get(case.note.get_absolute_url())
    return case.get(case.note.get_absolute_url(), Client()), ANONYMOUS


def rss(case):
    return case.get("/feed/"), ANONYMOUS


def atom(case):
    return case.get("/feed/atom/"), ANONYMOUS


def tag_feed(case):
    return case.get("/tags/writing/feed/"), ANONYMOUS


def private_feed(case):
    feed = PrivateFeed.objects.create(subscriber=case.subscriber)
    return case.get(feed.get_absolute_url(), Client()), reader_for_subscriber(case.subscriber.pk)


def email(case):
    issue = Issue.objects.create(note=case.note, subject="The note")
    assert case.subscriber in audience(issue)
    reader = reader_for_subscriber(case.subscriber.pk)  # an email's reader is its recipient
    rendered = render_issue(issue, reader)
    return rendered.text + rendered.html, reader


# Excerpt channels: None as the reader served means "never the text after the paywall point".


def search_results(case):
    return case.get("/search/?q=SECRET"), None


def sitemap(case):
    return case.get("/sitemap.xml"), None


def meta_tags(case):
    """Description, Open Graph and JSON-LD; JSON-LD's paywall markup follows anonymous access."""
    page_head = head(case.get(case.note.get_absolute_url()))
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page_head, re.S)[1]
    )
    assert data["isAccessibleForFree"] == can_read(ANONYMOUS, case.note)
    assert ("hasPart" in data) != can_read(ANONYMOUS, case.note)
    return page_head, None


# --- rows where the channel cannot apply, and why ---------------------------------------------


def has_no_subscriber(case):
    """No subscriber row: there is no private feed or email to give them."""
    assert case.subscriber is None


def is_no_recipient(case):
    """A subscriber who is not active is not in any issue's audience."""
    issue = Issue.objects.create(note=case.note, subject="The note")
    assert case.subscriber is not None
    assert case.subscriber not in audience(issue)


@dataclass
class Channel:
    name: str
    answer: Callable
    cannot_apply: dict  # reader state → the check saying why the channel cannot apply


NO_SUBSCRIBER = {"anonymous": has_no_subscriber, "staff": has_no_subscriber}
CHANNELS = [
    Channel("note page", note_page, {}),
    Channel("page cache: the same reader again", page_again_same_reader, {}),
    Channel("page cache: after anonymous filled it", page_after_anonymous_filled_the_cache, {}),
    Channel("page cache: anonymous after this reader", anonymous_page_after_this_reader, {}),
    Channel("RSS", rss, {}),
    Channel("Atom", atom, {}),
    Channel("tag feed", tag_feed, {}),
    Channel("private feed", private_feed, NO_SUBSCRIBER),
    Channel(
        "email",
        email,
        {**NO_SUBSCRIBER, "pending": is_no_recipient, "unsubscribed": is_no_recipient},
    ),
    Channel("search results", search_results, {}),
    Channel("meta description, Open Graph, JSON-LD", meta_tags, {}),
    Channel("sitemap", sitemap, {}),
]


@pytest.mark.django_db
@pytest.mark.parametrize("visibility", VISIBILITIES)
@pytest.mark.parametrize("state", STATES)
def test_each_channel_shows_the_rest_of_a_note_exactly_to_whom_can_read_allows(
    state, visibility, django_user_model
):
    """One row per reader state and visibility; within it, one line per channel."""
    case = make_case(state, visibility, django_user_model)
    reader = case.reader()
    assert (reader.is_member, reader.is_paid) == STATES[state] or reader.is_staff, state
    wrong = {}
    for channel in CHANNELS:
        cache.clear()
        if state in channel.cannot_apply:
            channel.cannot_apply[state](case)
            continue
        text, served = channel.answer(case)
        assert "The free opening paragraph." in text or served is None, channel.name
        expected = served is not None and can_read(served, case.note)
        if (SECRET in text) != expected:
            wrong[channel.name] = "shows the rest" if expected is False else "hides the rest"
    assert wrong == {}


# --- tiers: the same table, for readers of each tier and notes for a chosen tier and above -----

# Reader states that hold a tier (through a subscription or a comp), and whether they pay now.
TIER_STATES = {
    "paid": True,
    "trialing": True,
    "past_due_in_grace": True,
    "past_due_expired": False,
    "canceled": False,
    "comped": True,  # a comp or a redeemed gift
    "comp_expired": False,  # a comp or gift that ended
}
# The reader's tier: None is a subscription or comp without a tier, which counts as the lowest.
READER_TIERS = [None, "member", "founding"]
# The note: any paid tier, or a chosen tier and those above it.
NOTE_ACCESS = ["paid", "member+", "founding+"]
RANK = {None: 1, "member": 1, "founding": 2}


@pytest.mark.django_db
@pytest.mark.parametrize("access", NOTE_ACCESS)
@pytest.mark.parametrize("reader_tier", READER_TIERS)
@pytest.mark.parametrize("state", TIER_STATES)
def test_each_channel_follows_the_readers_tier(state, reader_tier, access, django_user_model):
    """A note for a tier reaches readers of that tier and above, in every channel; lower tiers,
    free readers and lapsed ones get the teaser. The expected answer is written out here, so a
    wrong `can_read` fails too, not only a channel disagreeing with it."""
    tiers = {
        "member": Tier.objects.create(name="Member", position=1, stripe_product_id="prod_m"),
        "founding": Tier.objects.create(name="Founding", position=2, stripe_product_id="prod_f"),
    }
    minimum = tiers.get(access.rstrip("+")) if access != "paid" else None
    case = make_case(
        state, Note.Visibility.PAID, django_user_model, tiers.get(reader_tier), minimum
    )
    reader = case.reader()
    paying = TIER_STATES[state]
    assert reader.is_paid == paying
    assert reader.tier_rank == (RANK[reader_tier] if paying else None)
    needed = RANK[access.rstrip("+")] if minimum else 0
    assert can_read(reader, case.note) == (paying and RANK[reader_tier] >= needed)
    wrong = {}
    for channel in CHANNELS:
        cache.clear()
        text, served = channel.answer(case)
        assert "The free opening paragraph." in text or served is None, channel.name
        expected = served is not None and can_read(served, case.note)
        if (SECRET in text) != expected:
            wrong[channel.name] = "shows the rest" if expected is False else "hides the rest"
    assert wrong == {}


def test_readers_of_different_tiers_never_share_a_cached_page():
    """The page cache varies by the set of access levels a reader reads: each tier its own."""
    keys = {Reader(is_member=True, is_paid=True, tier_rank=rank).cache_key for rank in (None, 1, 2)}
    assert len(keys) == 3
    assert Reader(is_member=True, tier_rank=2).cache_key == Reader(is_member=True).cache_key
