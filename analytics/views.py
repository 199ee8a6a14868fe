from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from notes import social
from notes.caching import conditional_cached


@require_safe
@conditional_cached
def privacy(request):
    """What the site counts and keeps about its readers, in the site's language."""
    context = {
        "raw_days": settings.ANALYTICS_RAW_DAYS,
        "counting": settings.ANALYTICS_ENABLED,
        "track_clicks": settings.NEWSLETTER_TRACK_CLICKS,
        "social": social.for_page(_("Privacy")),
    }
    return render(request, "analytics/privacy.html", context)
