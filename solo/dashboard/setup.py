"""The setup checklist on the dashboard: what a new site still needs before readers can get mail
and pay, each with one line saying what to do and, where the admin can do it, a link."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from billing.access import payments_on
from billing.models import Plan
from notes.publication import SiteSettings

from ..models import SentTestEmail

# Email backends that keep mail on this machine: nothing reaches a reader.
LOCAL_EMAIL_BACKENDS = ("filebased", "console", "locmem", "dummy")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    todo: str  # one line: what to do (or, once done, what is set)
    link: str = ""
    link_text: str = ""


def real_site_address(url: str) -> bool:
    """A public host name, not this machine, a test name or an example domain."""
    host = (urlsplit(url).hostname or "").lower()
    labels = host.split(".")
    return (
        len(labels) > 1
        and host not in LOCAL_HOSTS
        and not host.endswith(".localhost")
        and "example" not in labels
    )


def sends_real_email() -> bool:
    return not any(local in settings.EMAIL_BACKEND.lower() for local in LOCAL_EMAIL_BACKENDS)


def checklist() -> list[Step]:
    """The five steps, in the order an author does them. Two queries."""
    site = settings.SITE_URL
    stripe_ready = payments_on() and bool(settings.STRIPE_WEBHOOK_SECRET)
    last_test = SentTestEmail.objects.first()
    return [
        Step(
            "site",
            _("Site address"),
            real_site_address(site),
            _("Set SITE_URL to the public address (https://…) and restart; now: %(url)s.")
            % {"url": site},
        ),
        Step(
            "email",
            _("Email sending"),
            sends_real_email(),
            _(
                "Set EMAIL_URL to your mail service (smtp://user:password@host:587, or an API "
                "such as postmark://TOKEN@) and restart: now emails stay on this machine."
            )
            if not sends_real_email()
            else _("Emails go out through %(backend)s.")
            % {"backend": settings.EMAIL_BACKEND.rsplit(".", 2)[-2]},
        ),
        Step(
            "stripe",
            _("Stripe keys and webhook secret"),
            stripe_ready,
            _(
                "Set STRIPE_SECRET_KEY, and STRIPE_WEBHOOK_SECRET from a Stripe webhook sending "
                "to %(url)s, then restart. Until then nobody is offered a paid plan."
            )
            % {"url": site + reverse("billing:webhook")},
            "https://dashboard.stripe.com/apikeys",
            _("Stripe API keys"),
        ),
        Step(
            "plan",
            _("At least one active plan"),
            Plan.objects.filter(active=True).exists(),
            _("Add a plan with its Stripe price id, or run `manage.py sync_plans`."),
            reverse("admin:billing_plan_add"),
            _("Add a plan"),
        ),
        Step(
            "test_email",
            _("A test email sent"),
            last_test is not None,
            _("Send one to yourself, then check it arrived (and not as spam).")
            if last_test is None
            else _("Last sent to %(to)s.") % {"to": last_test.to},
        ),
    ]


def send_test_email(to: str) -> None:
    """Sent now, in the request, so a wrong EMAIL_URL shows up on the author's screen at once."""
    site_name = SiteSettings.current().name
    send_mail(
        _("Test email from %(site)s") % {"site": site_name},
        _("It works: %(site)s can send email. Sent from the dashboard of %(url)s.")
        % {"site": site_name, "url": settings.SITE_URL},
        None,
        [to],
    )
    SentTestEmail.objects.create(to=to)


class SendTestEmailForm(forms.Form):
    to = forms.EmailField(label=_lazy("Send a test email to"))

    @classmethod
    def for_author(cls, user):
        """Starts from the author's address unless it is the placeholder `make run` gave it."""
        email = user.email or ""
        return cls(initial={"to": "" if email.endswith("@localhost") else email})
