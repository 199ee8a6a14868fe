"""RSS and Atom feeds. A note is in full where the feed's reader may read it (billing.access);
elsewhere its teaser and a link. The site's feeds serve the anonymous reader."""

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from billing.access import ANONYMOUS, Reader, can_read

from .models import Note, SiteSettings, Tag

FEED_SIZE = 20


def entry_id(note: Note) -> str:
    """The note's id in feeds: a tag: URI (RFC 4151) from its row, not its address, so a renamed
    slug does not show it again as new in feed readers. An imported note keeps the id its export
    carried (`feed_id`), so moving servers does not either."""
    carried = (note.front_matter or {}).get("feed_id")
    if carried:
        return str(carried)
    created = note.created_at.astimezone(dt.UTC)
    return f"tag:{urlsplit(settings.SITE_URL).hostname},{created:%Y-%m-%d}:note-{note.pk}"


class LatestNotesFeed(Feed):
    description = _("The latest notes.")

    def title(self, obj=None):
        return SiteSettings.current().name

    def link(self, obj=None):
        return reverse("notes:home")

    def reader(self, obj) -> Reader:
        """Who reads this feed: anyone, so the anonymous reader."""
        return ANONYMOUS

    def notes(self, obj):
        return Note.objects.published()

    def items(self, obj=None):
        reader = self.reader(obj)
        notes = self.notes(obj).defer("body", "rest_html", "search_document")
        notes = list(notes.prefetch_related("tags")[:FEED_SIZE])
        for note in notes:
            note.in_full = can_read(reader, note)
        return notes

    def item_title(self, note):
        return note.title

    def item_description(self, note):
        """The whole note for a reader who may read it; otherwise the teaser and where to go on."""
        if note.in_full:
            return note.body_html
        more = _("This note continues for subscribers.")
        url = settings.SITE_URL + note.get_absolute_url()
        return f'{note.teaser_html}<p><a href="{url}">{more}</a></p>'

    item_guid_is_permalink = False

    def item_guid(self, note):
        return entry_id(note)

    def item_pubdate(self, note):
        return note.published_at

    def item_updateddate(self, note):
        return note.updated_at

    def item_categories(self, note):
        return [tag.name for tag in note.tags.all()]


class AtomNotesFeed(LatestNotesFeed):
    feed_type = Atom1Feed
    subtitle = LatestNotesFeed.description


class TagNotesFeed(LatestNotesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def title(self, obj=None):
        return f"{SiteSettings.current().name} — {obj.name}"

    def link(self, obj=None):
        return obj.get_absolute_url()

    def description(self, obj=None):
        return _("Notes tagged %(tag)s.") % {"tag": obj.name}

    def notes(self, obj):
        return obj.notes.published()

    def items(self, obj=None):
        notes = super().items(obj)
        if not notes:  # used only by drafts or scheduled notes: the tag would announce them
            raise Http404
        return notes
