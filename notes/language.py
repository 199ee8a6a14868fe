"""Every page speaks the site's language, whatever the browser asks.

Django's LocaleMiddleware picks a language from each browser's Accept-Language and adds
`Vary: Accept-Language`, which splits every shared cache (a CDN) by browser language. Solo's
pages are written for one audience: the address alone decides what a page says.
"""

from django.conf import settings
from django.utils import translation


def site_language() -> str:
    return settings.LANGUAGE_CODE


class SiteLanguageMiddleware:
    """In LocaleMiddleware's place: the site's language for the interface, no negotiation."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = site_language()
        translation.activate(language)  # per request: a thread may have served another language
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
