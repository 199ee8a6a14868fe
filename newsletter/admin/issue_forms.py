"""The issue page's two small forms: sending (schedule or now) and a test to a few addresses."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..models import Issue

LATER, NOW = "later", "now"
MAX_TEST_ADDRESSES = 5


class SendForm(forms.Form):
    """Schedule an issue at its "Send at", or send it now: refused, with the reason, when it
    cannot be sent that way (already sent or scheduled, nothing to send, a time in the past)."""

    when = forms.ChoiceField(choices=[(LATER, _("at its send time")), (NOW, _("now"))])

    def __init__(self, issue: Issue, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.issue = issue

    def clean(self):
        issue = self.issue
        if issue.status not in (Issue.Status.DRAFT, Issue.Status.CANCELLED):
            raise ValidationError(
                _("This issue is %(status)s: only a draft can be scheduled or sent."),
                params={"status": issue.get_status_display().lower()},
            )
        if issue.note_id is None and not issue.body:
            raise ValidationError(_("This issue has no note and no body: nothing to send."))
        if self.cleaned_data.get("when") == LATER:
            if issue.scheduled_at is None:
                raise ValidationError(_("Fill in “Send at”, then press Schedule."))
            if issue.scheduled_at <= timezone.now():
                raise ValidationError(
                    _("“Send at” (%(at)s) is in the past: choose a later time, or press Send now."),
                    params={
                        "at": date_format(timezone.localtime(issue.scheduled_at), "DATETIME_FORMAT")
                    },
                )
        return self.cleaned_data

    @property
    def at(self):
        """When to send: the issue's time, or None for now."""
        return self.issue.scheduled_at if self.cleaned_data["when"] == LATER else None


class IssueForm(forms.ModelForm):
    """The issue itself; "the topics chosen below" needs at least one topic."""

    class Meta:
        model = Issue
        fields = ["note", "subject", "body", "audience", "targeting", "topics", "scheduled_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A post without the field (a script, a form older than topics) keeps the default.
        self.fields["targeting"].required = False

    def clean_targeting(self):
        return self.cleaned_data.get("targeting") or Issue.Targeting.NOTE

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("targeting") == Issue.Targeting.CHOSEN and not cleaned.get("topics"):
            self.add_error("topics", _("Choose at least one topic, or send to everyone."))
        return cleaned


def is_real_address(address: str) -> bool:
    """An address mail can reach: well formed, on a domain of the internet (not `localhost`)."""
    try:
        validate_email(address)
    except ValidationError:
        return False
    domain = address.rpartition("@")[2].lower()
    return "." in domain and not domain.endswith(".localhost")


class TestAddressesForm(forms.Form):
    """Where a test goes: up to MAX_TEST_ADDRESSES real addresses, comma-separated."""

    to = forms.CharField(
        label=_("Test addresses"),
        max_length=1000,
        error_messages={"required": _("Enter an address to send the test to.")},
    )

    def clean_to(self) -> list[str]:
        addresses = list(dict.fromkeys(filter(None, re.split(r"[\s,;]+", self.cleaned_data["to"]))))
        if len(addresses) > MAX_TEST_ADDRESSES:
            raise ValidationError(
                ngettext(
                    "A test goes to at most %(max)d address.",
                    "A test goes to at most %(max)d addresses.",
                    MAX_TEST_ADDRESSES,
                ),
                params={"max": MAX_TEST_ADDRESSES},
            )
        unreachable = [address for address in addresses if not is_real_address(address)]
        if unreachable:
            raise ValidationError(
                _("%(addresses)s cannot receive mail: enter a real address."),
                params={"addresses": ", ".join(unreachable)},
            )
        return addresses
