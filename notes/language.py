"""Every page speaks the site's language, whatever the browser asks.

Django's LocaleMiddleware picks a language from each browser's Accept-Language and adds
`Vary: Accept-Language`, which splits every shared cache (a CDN) by browser language. Solo's
pages are written for one audience: the address alone decides what a page says.
"""

from django.conf import settings
from django.utils import translation

from .publication import SiteSettings


def site_language() -> str:
    """The language cached pages are keyed by: the configured one. A change of the author's
    setting in the admin empties the page cache (saving the site settings invalidates it)."""
    return settings.LANGUAGE_CODE


class SiteLanguageMiddleware:
    """In LocaleMiddleware's place: the site's language for the interface, no negotiation."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The author's choice in the admin (first run: LANGUAGE_CODE); kept on the request so
        # templates read the settings without a second cache round trip.
        request.site_settings = SiteSettings.current()
        language = request.site_settings.language or site_language()
        translation.activate(language)  # per request: a thread may have served another language
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
