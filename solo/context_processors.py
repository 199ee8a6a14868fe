from functools import partial

from django.conf import settings
from django.utils.functional import SimpleLazyObject, lazy

from billing.access import payments_on
from notes.publication import SiteSettings


def site(request):
    """`site`: the publication's settings, read (one cache GET) only if the template uses them."""
    publication = SimpleLazyObject(partial(SiteSettings.for_request, request))
    return {
        "SITE_URL": settings.SITE_URL,
        "SITE_NAME": lazy(lambda: publication.name, str)(),
        "site": publication,
        "payments_on": payments_on(),
    }
