from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import defences
from .models import Topic


def no_line_breaks(value: str):
    if "\n" in value or "\r" in value:
        raise ValidationError(_("Line breaks are not allowed here."), code="header_injection")


class TopicsField(forms.ModelMultipleChoiceField):
    """Checkboxes named `topics`, valued with the topics' slugs: a plain HTML form can post them.
    An unknown slug is a form error (rule bad-input-changes-nothing)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Topics"))
        super().__init__(
            queryset=Topic.objects.all(),
            to_field_name="slug",
            required=False,
            widget=forms.CheckboxSelectMultiple,
            **kwargs,
        )

    def clean(self, value):
        if value and len(value) > 100:  # more than any list of topics: not a person choosing
            raise ValidationError(_("Too many topics."), code="too_many")
        return super().clean(value)


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        validators=[no_line_breaks],
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    name = forms.CharField(
        label=_("Name (optional)"),
        max_length=200,
        required=False,
        strip=False,
        validators=[no_line_breaks],
    )
    topics = TopicsField(
        help_text=_("Tick none to receive everything."),
    )
    # Honeypot: hidden from people by CSS (and from screen readers), filled in by bots.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_email(self):
        email = self.cleaned_data["email"]
        if defences.is_disposable(email):
            raise ValidationError(defences.MESSAGES["disposable"], code="disposable")
        return email

    def clean(self):
        # The signed form time and the ALTCHA solution are read from the raw post: they are
        # written by the template tag and the widget, not typed by the reader.
        refusal = defences.timing_and_work(self.data)
        if refusal:
            raise ValidationError(defences.MESSAGES[refusal], code=refusal)
        return super().clean()

    def refusal(self) -> str | None:
        """The defence that refused this (invalid) form, if one did (for the tally)."""
        for field in ("email", None):
            for error in self.errors.as_data().get(field or "__all__", []):
                if error.code in defences.TALLIED:
                    return error.code
        return None

    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class TopicsForm(forms.Form):
    """The account page's choice: everything, or only the ticked topics."""

    EVERYTHING, CHOSEN = "all", "chosen"
    receive = forms.ChoiceField(
        label=_("Receive"),
        choices=[
            (EVERYTHING, _("Everything, including topics added later")),
            (CHOSEN, _("Issues to everyone, and only the topics I tick")),
        ],
        widget=forms.RadioSelect,
    )
    topics = TopicsField()

    @property
    def every(self) -> bool:
        return self.cleaned_data["receive"] == self.EVERYTHING
