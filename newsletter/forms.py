from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def no_line_breaks(value: str):
    if "\n" in value or "\r" in value:
        raise ValidationError(_("Line breaks are not allowed here."), code="header_injection")


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
    # Honeypot: hidden from people by CSS (and from screen readers), filled in by bots.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))
