"""Cached pages follow billing changes: the pricing page shows tiers and plans, and a tier's
rank decides who reads which note (rule premium-never-leaks)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from notes.caching import invalidate

from .models import Plan, Tier


@receiver(post_save, sender=Plan)
@receiver(post_delete, sender=Plan)
@receiver(post_save, sender=Tier)
@receiver(post_delete, sender=Tier)
def offer_changed(**kwargs):
    invalidate()
