"""The editor's live preview: the note as readers get it, with the end of the free part shown."""

from django.utils.html import format_html
from django.utils.translation import gettext as _

from .markdown import render_note


def markdownify(content: str) -> str:
    """markdownx's preview function: teaser, a divider where the free part ends, then the rest."""
    note = render_note(content)
    divider = format_html(
        '<p class="paywall-divider" role="separator">{}</p>',
        _(
            "Free part ends here (premium notes): anonymous and free readers see only what "
            "is above."
        ),
    )
    return f"{note.teaser_html}{divider}{note.rest_html}"
