from django.db import models
from django.utils.translation import gettext_lazy as _


class SentTestEmail(models.Model):
    """A test email the author sent from the dashboard: the setup checklist's proof that mail
    leaves the site."""

    to = models.EmailField(_("to"))
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("test email")
        verbose_name_plural = _("test emails")

    def __str__(self):
        return self.to
