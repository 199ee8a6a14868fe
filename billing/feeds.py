"""Private per-subscriber feeds: the site's feed, with premium notes in full for entitled readers.

The URL's secret token identifies the subscriber; access is decided by billing.access at every
fetch, so a canceled reader's feed falls back to teasers by itself. Never cached as a public page.
"""

from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control

from notes.feeds import LatestNotesFeed

from .access import reader_for_subscriber
from .models import PrivateFeed


class PrivateNotesFeed(LatestNotesFeed):
    def get_object(self, request, token):
        return get_object_or_404(PrivateFeed, token=token)

    def reader(self, obj):
        """The feed's owner, as they stand now."""
        return reader_for_subscriber(obj.subscriber_id)

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex"
        return response
