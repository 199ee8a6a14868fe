from django.conf import settings

from .counting import classify, count_safely


class PageViewMiddleware:
    """Counts reader page views, feed fetches and bots after the response is made.

    Placed just before (outside) notes.caching.AnonymousPageCacheMiddleware, so pages served
    from the early cache are counted like rendered ones. Costs no query and no round trip (the
    counts are buffered and sent to Redis a second at a time: analytics/counting.py), and sets no
    cookie and no script.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.ANALYTICS_ENABLED:
            hit = classify(request, response)
            if hit is not None:
                count_safely([hit])
        return response
