"""`{% signup_defences %}`: the hidden parts of every subscribe form (newsletter/defences.py)."""

from django import template
from django.templatetags.static import static
from django.urls import reverse

from .. import defences

register = template.Library()


@register.inclusion_tag("newsletter/_signup_defences.html")
def signup_defences(widget_id: str = "altcha"):
    # Rendered into pages a cache may keep for a minute: the stamp then tells an older time.
    return {
        "stamp": defences.form_stamp(),
        "widget_id": widget_id,
        "challenge_url": reverse("newsletter:challenge"),
        "script": static("vendor/altcha/altcha.js"),
        "french": static("vendor/altcha/fr-fr.js"),
        "loader": static("js/signup-check.js"),
    }
