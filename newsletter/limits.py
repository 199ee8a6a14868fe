"""Rate limits on the forms that send email, counted in the shared cache by django-ratelimit."""

from django.conf import settings
from django_ratelimit.core import is_ratelimited


def over_limit(request, group: str, *, per: str = "", rate: str = "") -> bool:
    """Counts this request in `group`; True once the allowance is spent.

    Counted per visitor network address, or `per` a value such as an email address (then a
    flood from many networks still reaches one inbox only so often). `rate` is in
    django-ratelimit's syntax ("20/h"); FORM_RATE_LIMIT unless given.
    """
    key = (lambda _group, _request: per) if per else "ip"
    rate = rate or settings.FORM_RATE_LIMIT
    return is_ratelimited(request, group=group, key=key, rate=rate, increment=True)
