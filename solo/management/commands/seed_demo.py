from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

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
