from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = _("Comments")

    def ready(self):
        from . import (  # noqa: F401
            privacy,  # the comments' part of a reader's data export and erasure
            signals,  # a published comment refreshes the cached counts
        )
