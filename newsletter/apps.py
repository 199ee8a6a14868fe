from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = _("Newsletter")

    def ready(self):
        from . import (
            sequences,  # noqa: F401  (its part of a reader's data export and erasure)
            signals,  # noqa: F401  (connects the anymail tracking receiver)
            topics,  # noqa: F401  (its part of a reader's data export and erasure)
        )
