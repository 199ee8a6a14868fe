"""The author's desk: Django's admin, behind a password and, once set up, an authenticator code."""

from django import forms
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import BACKEND_SESSION_KEY
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, user_has_device

from . import dashboard, moving_views

# Readers sign in by magic link (and at checkout) through this backend; it never opens the admin.
PASSWORDLESS_BACKEND = "sesame.backends.ModelBackend"


class SignInForm(AdminAuthenticationForm):
    """Password, then a TOTP code for staff who have set up an authenticator app."""

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
            user.otp_device = device  # django-otp keeps it in the session once signed in
        return cleaned


class SoloAdminSite(admin.AdminSite):
    site_header = _("Solo — the author's desk")
    site_title = _("Solo admin")
    index_title = _("Dashboard")
    login_form = SignInForm
    login_template = "admin/solo_login.html"

    def get_urls(self):
        """Moving in and out: import notes and subscribers, export everything (one zip)."""
        return moving_views.urls(self) + super().get_urls()

    def has_permission(self, request):
        """Staff signed in with their password, plus a current code once they have set up an
        authenticator app. A reader's sign-in (magic link, checkout) never opens it."""
        if not super().has_permission(request):
            return False
        if request.session.get(BACKEND_SESSION_KEY) == PASSWORDLESS_BACKEND:
            return False
        user = request.user
        return user.is_verified() or not user_has_device(user, confirmed=True)

    def index(self, request, extra_context=None):
        """The admin index, with the author's figures and charts above the app list."""

        extra_context = {**(extra_context or {}), "dashboard": dashboard.dashboard()}
        return super().index(request, extra_context=extra_context)
