"""The visitor's network address, as rate limits (django-ratelimit) and lockouts (axes) see it.

Behind a TLS proxy every request comes from the proxy, so REMOTE_ADDR alone would put all
visitors in one bucket. Each trusted proxy appends the address it received the request from to
X-Forwarded-For, so with TRUSTED_PROXIES = N the visitor is the Nth entry from the right.
Anything further left was sent by the client itself and may be forged, so it is never read.
"""

from ipaddress import ip_address

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < proxies:
        return remote  # not through all our proxies: only the connection's address is known
    try:
        return str(ip_address(forwarded[-proxies]))
    except ValueError:  # not an address (a misconfigured proxy): the connection's, then
        return remote
