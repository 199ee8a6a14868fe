"""The editor's live preview: the note as readers get it, with the end of the free part shown."""

from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .markdown import render_note


def markdownify(content: str) -> str:
    """markdownx's preview function: the teaser, then (if the note goes on) a divider where the
    free part ends and the rest, marked as what only entitled readers get."""
    note = render_note(content)
    if not note.rest_html:
        return note.teaser_html
    return format_html(
        '<div class="preview-free">{}</div><p class="paywall-divider" role="separator">{}</p>'
        '<div class="preview-premium">{}</div>',
        mark_safe(note.teaser_html),  # sanitised by the renderer
        _(
            "Free part ends here (premium notes): anonymous and free readers see only what "
            "is above."
        ),
        mark_safe(note.rest_html),
    )
