"""The author's desk: Django's admin with an optional second factor at sign-in."""

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp import login as otp_login


class SignInForm(AdminAuthenticationForm):
    """Password, then a TOTP code for staff who have set up an authenticator app (optional 2FA)."""

    otp_token = forms.CharField(
        label=_("Authenticator code"),
        required=False,
        max_length=8,
        help_text=_("Only if you have set up an authenticator app for this account."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        devices = list(devices_for_user(user, confirmed=True)) if user else []
        if devices:
            token = cleaned.get("otp_token", "").strip()
            device = next((d for d in devices if token and d.verify_token(token)), None)
            if device is None:
                raise forms.ValidationError(
                    _("Enter the current code from your authenticator app."), code="otp_invalid"
                )
            otp_login(self.request, device)
        return cleaned


class SoloAdminSite(admin.AdminSite):
    site_header = _("Solo — the author's desk")
    site_title = _("Solo admin")
    index_title = _("Dashboard")
    login_form = SignInForm
    login_template = "admin/solo_login.html"

    def index(self, request, extra_context=None):
        """The admin index, with the author's figures and charts above the app list."""
        from . import dashboard  # imports every app's models: only once the registry is ready

        extra_context = {**(extra_context or {}), "dashboard": dashboard.dashboard()}
        return super().index(request, extra_context=extra_context)
