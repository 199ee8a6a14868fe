"""Cross-site protection for the forms anonymous readers post, without a per-visitor token.

A CSRF token needs a cookie, and a page that sets one cannot be kept by a shared cache. Browsers
say where a POST comes from instead: `Sec-Fetch-Site` (every current browser) and `Origin` (on
every POST since 2020). Like Go's `http.CrossOriginProtection`, a POST is refused when either
header names another site; a request with neither comes from no browser (curl, a mail
provider's RFC 8058 one-click unsubscribe), which no other site can make a reader's browser send.
Forms of signed-in readers (account, admin) keep Django's CSRF tokens.
"""

from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

# "none": typed in the address bar or bookmarked; only another page can make the others.
_SAFE_FETCH_SITES = {"same-origin", "none"}


def own_origins(request) -> set[str]:
    """This site as browsers name it: the request's own scheme and host (https behind a TLS
    proxy that says so), SITE_URL and CSRF_TRUSTED_ORIGINS."""
    scheme = "https" if request.is_secure() else "http"
    return {f"{scheme}://{request.get_host()}", settings.SITE_URL, *settings.CSRF_TRUSTED_ORIGINS}


def is_cross_site(request) -> bool:
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return False
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site in _SAFE_FETCH_SITES:
        return False
    origin = request.headers.get("Origin")
    if origin is None:
        return fetch_site is not None  # "cross-site" or "same-site" without an Origin
    return origin not in own_origins(request)


def same_origin_required(view):
    """The view accepts POSTs only from this site's pages: anything else gets a 403 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if is_cross_site(request):
            return render(request, "cross_site.html", status=403)
        return view(request, *args, **kwargs)

    return csrf_exempt(wrapper)
