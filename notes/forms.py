"""The note editor's form: a writing desk around the Markdown body, and tags typed by name."""

from django import forms
from django.contrib.admin.widgets import AdminTextInputWidget
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from markdownx.widgets import AdminMarkdownxWidget

from .markdown import PAYWALL_MARKER
from .models import Note, Tag, slug_from


class NoteBodyWidget(AdminMarkdownxWidget):
    """markdownx's editor with an "Insert paywall here" button and a preview in the site's look."""

    def render(self, name, value, attrs=None, renderer=None):
        # The desk's template lives with the project's templates, which form renderers do not
        # search: it wraps markdownx's own editor, rendered as usual.
        editor = super().render(name, value, attrs, renderer)
        return render_to_string(
            "admin/notes/body_widget.html", {"editor": editor, "paywall_marker": PAYWALL_MARKER}
        )


class TagNamesField(forms.CharField):
    """Tags as comma-separated names; a name no tag has yet becomes a new tag on save."""

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):  # the note's tags, as the admin gives them
            return ", ".join(tag.name for tag in value)
        return value

    def to_python(self, value):
        names = {}
        for name in (value or "").split(","):
            name = " ".join(name.split())
            if name:
                names.setdefault(slug_from(name, 100), name[:100])  # `AI` and `ai` are one tag
        return list(names.values())

    def has_changed(self, initial, data):
        return self.to_python(self.prepare_value(initial or [])) != self.to_python(data)


class NoteAdminForm(forms.ModelForm):
    tags = TagNamesField(
        label=capfirst(_("tags")),
        required=False,
        widget=AdminTextInputWidget(attrs={"autocomplete": "off"}),
        help_text=_("Separated by commas. A name that is not a tag yet creates it."),
    )

    class Meta:
        model = Note
        fields = ["body", "tags"]  # the admin adds the rest from its fieldsets
        widgets = {"body": NoteBodyWidget}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin shows help texts as HTML: the marker is escaped here so that it can be seen.
        self.fields["body"].help_text = format_html(
            _(
                "Markdown. Put a line {marker} (or press “Insert paywall here”) where the free "
                "part of a premium note ends; without it, the first two blocks are free, up to "
                "1,000 characters and never more than half the note. The preview shows where "
                "the free part ends."
            ),
            marker=format_html("<code>{}</code>", PAYWALL_MARKER),
        )

    def _save_m2m(self):
        # Existing tags keep their names; new names become tags only once the note is saved.
        self.cleaned_data["tags"] = [Tag.named(name) for name in self.cleaned_data["tags"]]
        super()._save_m2m()
