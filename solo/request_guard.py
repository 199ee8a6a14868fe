"""Refuses, with a 400, requests carrying a NUL character: PostgreSQL cannot store one in text.

Without this, a NUL in a search, a token or a form field reached the database and answered 500
(SQLite accepts it, so only production showed it). One check here, before any view or the page
cache runs, covers every page, form and cookie, including those added later.
"""

from django.core.exceptions import SuspiciousOperation
from django.views.defaults import bad_request

NUL = "\x00"


def _carries_nul(request) -> bool:
    query = request.META.get("QUERY_STRING", "")
    if NUL in request.path_info or NUL in query or "%00" in query:
        return True
    # Headers (user agent…) end up in sign-in logs, cookies in session lookups; a cookie's
    # value may spell NUL as the escape `\000`, so cookies are checked once parsed.
    headers = (value for key, value in request.META.items() if key.startswith("HTTP_"))
    if any(NUL in value for value in (*headers, *request.COOKIES.values())):
        return True
    # Form fields, names and values (uploaded files are bytes, not text: they may hold NULs).
    return request.method == "POST" and any(
        NUL in key or any(NUL in value for value in values) for key, values in request.POST.lists()
    )


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _carries_nul(request):
            return bad_request(request, SuspiciousOperation("NUL character in the request"))
        return self.get_response(request)
