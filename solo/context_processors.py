from django.conf import settings

from billing.access import payments_on


def site(request):
    return {
        "SITE_URL": settings.SITE_URL,
        "SITE_NAME": settings.SITE_NAME,
        "payments_on": payments_on(),
    }
