"""The author's desk: Django's admin, behind a password and, once set up, an authenticator code."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import BACKEND_SESSION_KEY
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, user_has_device

from . import analytics_views, dashboard, moving_views
from .dashboard import setup

# The admin index and sidebar grouped by what the author does, technical models last under "System".
# Members are `app_label.model` (first, in this order) or a whole app; a model nobody names (a
# library's, a new one) lands in System.
ADMIN_GROUPS = [
    ("writing", _("Writing"), ["notes.note", "notes"]),
    ("newsletter", _("Newsletter"), ["newsletter.issue", "newsletter"]),
    (
        "readers",
        _("Readers"),
        ["newsletter.subscriber", "billing.comp", "newsletter.noteconversion"],
    ),
    ("money", _("Money"), ["billing.subscription", "billing.plan", "billing"]),
    ("system", _("System"), ["auth.user", "billing.stripeevent"]),
]


def _group_and_rank(model: dict) -> tuple[int, int]:
    """(group index, rank in the group) of one model entry of Django's app list."""
    app_label = model["model"]._meta.app_label
    name = f"{app_label}.{model['object_name'].lower()}"
    for wanted in (name, app_label):  # a model named in a group wins over its app's group
        for index, (_key, _name, members) in enumerate(ADMIN_GROUPS):
            if wanted in members:
                return index, members.index(wanted)
    return len(ADMIN_GROUPS) - 1, len(ADMIN_GROUPS[-1][2])


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
        """Moving in and out (import notes and subscribers, export everything as one zip) and the
        analytics pages (a note's statistics, the CSV exports)."""
        return moving_views.urls(self) + analytics_views.urls(self) + super().get_urls()

    def has_permission(self, request):
        """Staff signed in with their password, plus a current code once they have set up an
        authenticator app. A reader's sign-in (magic link, checkout) never opens it."""
        if not super().has_permission(request):
            return False
        if request.session.get(BACKEND_SESSION_KEY) == PASSWORDLESS_BACKEND:
            return False
        user = request.user
        return user.is_verified() or not user_has_device(user, confirmed=True)

    def get_app_list(self, request, app_label=None):
        """Apps regrouped for an author (ADMIN_GROUPS); one app's own page keeps Django's list."""
        if app_label is not None:
            return super().get_app_list(request, app_label)
        models = [model for app in super().get_app_list(request) for model in app["models"]]
        place = {id(model): _group_and_rank(model) for model in models}
        groups = []
        for index, (key, name, _members) in enumerate(ADMIN_GROUPS):
            members = sorted(
                (model for model in models if place[id(model)][0] == index),
                key=lambda model: (place[id(model)][1], str(model["name"])),
            )
            if members:
                # The heading links to the group's first list (never "": every page would match).
                url = members[0]["admin_url"] or members[0]["add_url"] or "#"
                groups.append({"name": name, "app_label": key, "app_url": url, "models": members})
        return groups

    def index(self, request, extra_context=None):
        """The admin index: the setup checklist while a step is open, the author's figures and
        charts, then the app list. It also takes the checklist's one form, the test email."""
        if request.method == "POST":
            return self._send_test_email(request)
        extra_context = {
            **(extra_context or {}),
            "dashboard": dashboard.dashboard(days=request.GET.get("days")),
            "test_email_form": setup.SendTestEmailForm.for_author(request.user),
        }
        return super().index(request, extra_context=extra_context)

    def _send_test_email(self, request):
        form = setup.SendTestEmailForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Enter a valid email address for the test email."))
            return redirect("admin:index")
        to = form.cleaned_data["to"]
        try:
            setup.send_test_email(to)
        except Exception as error:  # whatever the mail backend raised, the author reads it
            messages.error(request, _("The test email could not be sent: %s") % error)
        else:
            messages.success(request, _("Test email sent to %s: check that it arrived.") % to)
        return redirect("admin:index")
