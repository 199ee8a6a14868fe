from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = _("Newsletter")

    def ready(self):
        # Receivers: the anymail tracking events; topics in a reader's data export and erasure.
        from . import signals, topics  # noqa: F401
