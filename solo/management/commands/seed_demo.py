import random
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from analytics.models import DailyPageViews, DailyTotals
from billing.models import Comp, Customer, Plan, Subscription, Tier
from newsletter.models import Click, Delivery, Issue, Subscriber
from notes.caching import invalidate
from notes.models import Note, Tag

DEMO_NOTES = [
    {
        "slug": "welcome-to-solo",
        "title": "Welcome to Solo",
        "days_ago": 9,
        "tags": ["Writing", "Indie"],
        "summary": "What this site is, and how to follow it.",
        "body": (
            "This is a **demo note**. Solo is a home for one author: notes like this one, a "
            "newsletter that mails them, and paid membership for premium notes.\n\n"
            "Follow along by [RSS](/feed/) or subscribe with your email below.\n\n"
            "## What you can try\n\n"
            "- open a tag page,\n- search for *monetisation*,\n- read a premium note.\n"
        ),
    },
    {
        "slug": "counting-tokens-in-python",
        "title": "Counting tokens in Python",
        "days_ago": 6,
        "tags": ["Python", "AI"],
        "body": (
            "A rough rule: one token is about four characters of English text.\n\n"
            "```python\ndef estimate_tokens(text: str) -> int:\n"
            '    """About four characters per token."""\n'
            "    return max(1, len(text) // 4)\n```\n\n"
            "| text | characters | tokens (about) |\n|---|---:|---:|\n"
            "| a tweet | 280 | 70 |\n| this note | 1200 | 300 |\n\n"
            "Real tokenizers differ[^1].\n\n[^1]: Each model family ships its own.\n"
        ),
    },
    {
        "slug": "lete-a-dakar",
        "title": "L'été à Dakar",
        "days_ago": 4,
        "tags": ["Voyage", "AI"],
        "language": "fr",
        "body": (
            "Un été à Dakar, à parler de *monétisation* et de **modèles de langage** avec des "
            "développeurs passionnés.\n\n"
            "Ce qui m'a frappé : tout le monde construit d'abord pour son quartier.\n"
        ),
    },
    {
        "slug": "what-paid-readers-get",
        "title": "What paid readers get",
        "days_ago": 2,
        "tags": ["Indie", "Writing"],
        "visibility": Note.Visibility.PAID,
        "summary": "The numbers behind a paid newsletter's first year.",
        "body": (
            "Paid membership pays for the time these notes take. This first part is free.\n\n"
            "<!-- paywall -->\n\n"
            "Here are the real numbers: 412 subscribers, 38 paying, and what changed when the "
            "price went up.\n"
        ),
    },
]


class Command(BaseCommand):
    help = "Load the demo content that `make run` shows (idempotent: updates by slug)."

    def handle(self, *args, **options):
        now = timezone.now()
        for data in DEMO_NOTES:
            data = dict(data)
            tag_names = data.pop("tags")
            days_ago = data.pop("days_ago")
            note = Note.objects.filter(slug=data["slug"]).first() or Note()
            for name, value in data.items():
                setattr(note, name, value)
            note.status = Note.Status.PUBLISHED
            note.published_at = note.published_at or now - timedelta(days=days_ago)
            note.save()
            note.tags.set([Tag.named(name) for name in tag_names])
        invalidate()
        self.stdout.write(f"Demo content: {len(DEMO_NOTES)} notes ready.")
        if Subscriber.objects.exists():
            return  # a list already exists (an earlier run, or real readers): never add to it
        with transaction.atomic():
            readers = seed_readers(now)
        self.stdout.write(f"Demo readers: {readers} subscribers, payments and sent issues.")


DEMO_READERS = 160
STATUSES = ["active"] * 40 + ["pending"] * 4 + ["unsubscribed"] * 4 + ["bounced"] * 2


def seed_readers(now) -> int:
    """A small list for the dashboard to show: sign-ups over 120 days, 20 paid subscriptions
    (monthly and yearly; 2 cancelled), 2 comps, three sent issues and one scheduled, and 120 days
    of page views.

    The subscriptions belong to two demo plans, inactive (their prices exist in no Stripe
    account, so nobody is offered them), and renew or ended on a date: a demo paid reader's
    account page shows a plan and a renewal like a real one.

    All at example.com, which no mail server delivers to; the scheduled issue goes out through
    whatever EMAIL_URL says when it is due (by default, files in var/mail/).
    """
    rng = random.Random(7)  # the same demo every time
    slugs = [n["slug"] for n in DEMO_NOTES]
    notes = list(Note.objects.filter(slug__in=slugs).order_by("published_at"))
    subscribers = Subscriber.objects.bulk_create(
        Subscriber(email=f"reader{n}@example.com", status=rng.choice(STATUSES))
        for n in range(DEMO_READERS)
    )
    for subscriber in subscribers:
        subscriber.created_at = now - timedelta(days=rng.uniform(0, 120))
        if subscriber.status != Subscriber.Status.PENDING:
            subscriber.confirmed_at = subscriber.created_at + timedelta(minutes=5)
        if subscriber.status == Subscriber.Status.UNSUBSCRIBED:
            subscriber.unsubscribed_at = subscriber.created_at + (now - subscriber.created_at) / 2
        subscriber.signup_note = rng.choice(notes + [None] * 4)
        subscriber.signup_source = rng.choice(DEMO_SOURCES)[0]
    Subscriber.objects.bulk_update(
        subscribers,
        ["created_at", "confirmed_at", "unsubscribed_at", "signup_note", "signup_source"],
    )
    active = [s for s in subscribers if s.status == Subscriber.Status.ACTIVE]
    # Two tiers, as an author would set up (inactive: payments are off in the demo).
    member, founding = (
        Tier.objects.get_or_create(
            name=name, defaults={"position": position, "active": False, "benefits": benefits}
        )[0]
        for name, position, benefits in [
            ("Member (demo)", 1, "Every premium note\nThe private feed"),
            ("Founding member (demo)", 2, "Everything members get\nA thank-you in each issue"),
        ]
    )
    plans = {
        slug: Plan.objects.get_or_create(
            slug=f"demo-{slug}",
            defaults={
                "name": name,
                "stripe_price_id": f"price_demo_{slug}",
                "amount": amount,
                "interval": interval,
                "tier": tier,
                "active": False,
            },
        )[0]
        for slug, tier, interval, name, amount in [
            ("monthly", member, "month", "Monthly (demo)", 500),
            ("yearly", member, "year", "Yearly (demo)", 5000),
            ("founding", founding, "year", "Founding member (demo)", 15000),
        ]
    }
    for n, reader in enumerate(active[:20]):
        plan = plans["founding" if n % 5 == 0 else "yearly" if n % 4 == 0 else "monthly"]
        canceled = n % 7 == 6
        started = now - timedelta(days=rng.uniform(20, 330))
        customer = Customer.objects.create(stripe_id=f"cus_demo{n}", subscriber=reader)
        Subscription.objects.create(
            stripe_id=f"sub_demo{n}",
            customer=customer,
            subscriber=reader,
            status=Subscription.Status.CANCELED if canceled else Subscription.Status.ACTIVE,
            canceled_at=now - timedelta(days=n) if canceled else None,
            plan=plan,
            tier=plan.tier,
            price_id=plan.stripe_price_id,
            amount=plan.amount,
            currency=plan.currency,
            interval=plan.interval,
            stripe_created=started,
            current_period_end=now - timedelta(days=n)
            if canceled
            else _next_renewal(started, plan, now),
            state_at=now,
        )
    Comp.objects.bulk_create(Comp(subscriber=s, note="demo") for s in active[20:22])
    for note in notes[:-1]:  # each mailed an hour after it was published
        _sent_issue(note, note.published_at + timedelta(hours=1), subscribers, rng)
    Issue.objects.create(
        note=notes[-1], status=Issue.Status.SCHEDULED, scheduled_at=now + timedelta(days=1)
    )
    _seed_traffic(now, notes, rng)
    return len(subscribers)


# Where demo readers come from, and each source's share of the views.
DEMO_SOURCES = [
    ("", 0.4),
    ("google.com", 0.25),
    ("news.ycombinator.com", 0.12),
    ("newsletter", 0.1),
    ("mastodon.social", 0.08),
    ("duckduckgo.com", 0.05),
]


def _seed_traffic(now, notes, rng) -> None:
    """120 days of page views for the dashboard's analytics: the home page every day, each note
    from its publication (busy for its first days), split among DEMO_SOURCES."""
    today = timezone.localdate(now)
    rows, totals = [], []
    for days_ago in range(120):
        day = today - timedelta(days=days_ago)
        pages = [("/", None, rng.randint(40, 90))]
        for note in notes:
            age = (day - timezone.localdate(note.published_at)).days
            if age >= 0:
                pages.append(
                    (note.get_absolute_url(), note, int(400 / (age + 2)) + rng.randint(5, 30))
                )
        day_views = 0
        for path, note, views in pages:
            for source, share in DEMO_SOURCES:
                if n := round(views * share):
                    rows.append(
                        DailyPageViews(day=day, path=path, note=note, source=source, views=n)
                    )
                    day_views += n
        totals.append(
            DailyTotals(
                day=day,
                views=day_views,
                visitors=round(day_views * rng.uniform(0.55, 0.7)),
                feed_fetches=rng.randint(20, 60),
                bots=rng.randint(100, 400),
            )
        )
    DailyPageViews.objects.bulk_create(rows, ignore_conflicts=True)
    DailyTotals.objects.bulk_create(totals, ignore_conflicts=True)


def _next_renewal(started, plan, now):
    """The first period end after now, periods counted from the start (30 or 365 days)."""
    period = timedelta(days=365 if plan.interval == "year" else 30)
    return started + period * ((now - started) // period + 1)


def _sent_issue(note, sent_at, subscribers, rng):
    audience = [s for s in subscribers if s.confirmed_at and s.confirmed_at < sent_at]
    issue = Issue.objects.create(
        note=note,
        status=Issue.Status.SENT,
        started_at=sent_at,
        finished_at=sent_at + timedelta(seconds=4),
        recipients_count=len(audience),
    )
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            issue=issue,
            subscriber=s,
            queued_at=sent_at,
            **(
                {"status": "failed", "last_error": "550 5.1.1 Mailbox unavailable"}
                if rng.random() < 0.03
                else {"status": "sent", "sent_at": sent_at + timedelta(seconds=2)}
            ),
        )
        for s in audience
    )
    link = settings.SITE_URL + note.get_absolute_url()
    Click.objects.bulk_create(
        Click(issue=issue, delivery=d, url=link, clicked_at=sent_at + timedelta(hours=1))
        for d in deliveries
        if d.status == "sent" and rng.random() < 0.3
    )
