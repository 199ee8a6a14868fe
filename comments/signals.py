from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from notes.caching import invalidate

from .models import Comment


@receiver(post_save, sender=Comment)
@receiver(post_delete, sender=Comment)
def comment_changed(**kwargs):
    """The count on the note cards is part of the cached pages."""
    invalidate()
