from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .caching import invalidate
from .models import Note, NoteSlugRedirect, SiteSettings, Tag


@receiver(post_save, sender=Note)
@receiver(post_delete, sender=Note)
@receiver(post_save, sender=Tag)
@receiver(post_delete, sender=Tag)
@receiver(post_save, sender=NoteSlugRedirect)
@receiver(m2m_changed, sender=Note.tags.through)
@receiver(post_save, sender=SiteSettings)  # name, look and footer are on every page
def notes_changed(**kwargs):
    invalidate()
