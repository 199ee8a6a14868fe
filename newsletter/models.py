from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending confirmation")
        ACTIVE = "active", _("Active")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained")

    class Source(models.TextChoices):
        FORM = "form", _("Sign-up form")
        IMPORT = "import", _("Import")
        ADMIN = "admin", _("Admin")
        CHECKOUT = "checkout", _("Checkout")

    email = models.EmailField(_("email"), max_length=254)
    name = models.CharField(_("name"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.FORM)
    language = models.CharField(_("language"), max_length=10, default="en")
    # The Django user a reader signs in as (magic link); created on first sign-in.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="subscriber",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="subscriber_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)


def normalize_email(email: str) -> str:
    """One spelling per address: trimmed and lower-cased (mailboxes are case-insensitive in practice)."""
    return (email or "").strip().lower()
