"""`{% publication as site %}`: the Site settings where no request brings them (emails)."""

from django import template

from notes.publication import SiteSettings

register = template.Library()


@register.simple_tag
def publication() -> SiteSettings:
    return SiteSettings.current()
