"""Import and export of notes as Markdown files with front matter (Hashnode's export and plain).

`import_note` is idempotent by slug (notes/importers reads each platform's export into the same
fields and imports through it); `export_note` writes what `read_file` reads back, so
export → import into an empty site → export gives identical files.
"""

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import frontmatter
import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_supported_language_variant

from .feeds import entry_id
from .legacy import normalise
from .markdown import MAX_BODY_CHARS
from .models import LegacyPath, Note, NoteSlugRedirect, Tag, slug_from

# Front matter keys Solo understands (Hashnode's spelling and the plain one) → model field.
KNOWN_KEYS = {
    "title", "slug", "tags", "summary", "visibility", "draft", "date", "datePublished",
    "seoTitle", "seo_title", "seoDescription", "seo_description", "cover", "canonical",
    "canonical_url", "language", "old_slugs", "old_paths",
}  # fmt: skip
# What a new note is when its file does not say: an imported archive is public and published.
NEW_NOTE = {"visibility": Note.Visibility.PUBLIC, "status": Note.Status.PUBLISHED}
# Pages link to these addresses: a `javascript:` or `data:` one would run in the reader's browser.
_WEB_ADDRESS = URLValidator(schemes=["http", "https"])
_JS_DATE = re.compile(r"^\w{3} (\w{3} \d{1,2} \d{4} \d{2}:\d{2}:\d{2}) GMT([+-]\d{4})")
# Hashnode writes `![alt](url align="center")`; Markdown would read `align="center"` as part of
# the address. Keep the image (and a title), drop the alignment.
_HASHNODE_ALIGN = re.compile(
    r"""(!\[[^\]\n]*\]\(\S+?(?:\s+"[^"\n]*")?)\s+align=(?:"[^"\n]*"|'[^'\n]*')\s*\)"""
)
IMAGE_SUFFIXES = {".avif", ".gif", ".jpeg", ".jpg", ".png", ".webp"}


class ImportRefused(ValueError):
    """A file that cannot be imported; the message says why."""


@dataclass
class ImportResult:
    path: Path
    outcome: str  # created, updated, unchanged
    slug: str
    refused: list[str] = field(default_factory=list)  # values not imported, and why


def parse_date(value) -> dt.datetime | None:
    """ISO 8601 (with offset), a YAML date, or JavaScript's `Date.toString()` as Hashnode writes."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        match = _JS_DATE.match(text)
        try:
            if match:
                parsed = dt.datetime.strptime(f"{match[1]} {match[2]}", "%b %d %Y %H:%M:%S %z")
            else:
                parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as error:
            raise ImportRefused(f"unreadable date {text!r}") from error
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, dt.UTC)
    return parsed


def _json_safe(value):
    """Unknown fields are stored in a JSONField: dates become ISO text."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat()))


def _tag_names(value) -> list[str]:
    if value in (None, ""):
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(item).strip() for item in items if str(item).strip()]


def _web_address(value, name: str) -> str:
    text = str(value).strip()
    try:
        _WEB_ADDRESS(text)
        Note._meta.get_field(name).run_validators(text)  # the field's own, e.g. its length
    except ValidationError:
        raise ImportRefused(f"{text[:80]!r} is not an http or https address") from None
    return text


def _language(value) -> str:
    text = str(value).strip()
    try:
        return get_supported_language_variant(text.lower())  # `fr-FR` is the site's `fr`
    except LookupError:
        codes = ", ".join(code for code, _name in settings.LANGUAGES)
        raise ImportRefused(f"{text[:80]!r} is not one of the site's languages ({codes})") from None


# Front matter keys → the text field they fill.
_TEXT = [
    (("summary",), "summary"),
    (("seoTitle", "seo_title"), "seo_title"),
    (("seoDescription", "seo_description"), "seo_description"),
]
# Front matter keys → the field they fill and what checks them. An invalid value is left out
# (the note keeps what it had) and reported; the rest of the note still imports.
_CHECKED = [
    (("cover",), "cover_url", lambda v: _web_address(v, "cover_url")),
    (("canonical", "canonical_url"), "canonical_url", lambda v: _web_address(v, "canonical_url")),
    (("language",), "language", _language),
]


def _stated(metadata: dict, keys) -> list[str]:
    """Which of these keys the front matter gives a value for."""
    return [key for key in keys if metadata.get(key) not in (None, "")]


def fields_from(metadata: dict) -> tuple[dict, list[str], list[str]]:
    """Model field values, tag names and the values refused (with why) from a front matter."""
    title = str(metadata.get("title") or "").strip()
    if not title:
        raise ImportRefused("no title in the front matter")
    fields = {
        "title": title,
        "slug": slug_from(str(metadata.get("slug") or title)),
        "published_at": parse_date(metadata.get("datePublished") or metadata.get("date")),
        "front_matter": _json_safe({k: v for k, v in metadata.items() if k not in KNOWN_KEYS}),
    }
    # Who may read the note and whether it is out are set only when the file says so: importing
    # a file again (Hashnode's export has neither) never opens a paid note or publishes a draft.
    if metadata.get("visibility") not in (None, ""):
        fields["visibility"] = str(metadata["visibility"])
        if fields["visibility"] not in Note.Visibility.values:
            raise ImportRefused(f"unknown visibility {fields['visibility']!r}")
    if metadata.get("draft") not in (None, ""):
        draft = metadata["draft"] in (True, "true", "yes")
        fields["status"] = Note.Status.DRAFT if draft else Note.Status.PUBLISHED
    # Likewise the summary, SEO fields, cover, canonical address and language: re-import updates
    # by slug and keeps what the file does not state (an export from elsewhere may lack them).
    for keys, name in _TEXT:
        if stated := _stated(metadata, keys):
            fields[name] = str(metadata[stated[0]])
    refused = []
    cover = str(metadata.get("cover") or "").strip()
    if cover.startswith(settings.MEDIA_URL):  # an uploaded cover, as `export_note` writes it
        metadata = {**metadata, "cover": None}
        try:
            fields["cover_image"], fields["cover_url"] = media_name(cover), ""
        except ImportRefused as error:
            refused.append(f"cover not imported: {error}")
    fields["old_slugs"] = []  # taken out by `import_note`: redirects, not a field
    for old_slug in _tag_names(metadata.get("old_slugs")):
        try:
            validate_slug(old_slug)
            NoteSlugRedirect._meta.get_field("old_slug").run_validators(old_slug)
        except ValidationError:
            refused.append(f"old slug {old_slug[:80]!r} not imported: not a slug")
        else:
            fields["old_slugs"].append(old_slug)
    fields["old_paths"] = []  # likewise: the addresses the note had on another platform
    for old_path in _tag_names(metadata.get("old_paths")):
        if normalised := normalise(old_path):
            fields["old_paths"].append(normalised)
        else:
            refused.append(f"old path {old_path[:80]!r} not imported: not a path of a site")
    for keys, name, check in _CHECKED:
        if not (stated := _stated(metadata, keys)):
            continue
        try:
            fields[name] = check(metadata[stated[0]])
        except ImportRefused as error:
            refused.append(f"{stated[0]} not imported: {error}")
    return fields, _tag_names(metadata.get("tags")), refused


def read_file(path: Path) -> tuple[dict, list[str], list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError) as error:
        raise ImportRefused(f"unreadable front matter ({error.__class__.__name__})") from error
    return read_text(text)


def read_text(text: str) -> tuple[dict, list[str], list[str]]:
    """Fields, tag names and refused values of a Markdown file with front matter."""
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as error:
        raise ImportRefused(f"unreadable front matter ({error.__class__.__name__})") from error
    if not isinstance(post.metadata, dict) or not post.metadata:
        raise ImportRefused("no front matter")
    fields, tags, refused = fields_from(post.metadata)
    fields["body"] = checked_body(_HASHNODE_ALIGN.sub(r"\1)", post.content.strip()))
    return fields, tags, refused


def checked_body(body: str) -> str:
    if len(body) > MAX_BODY_CHARS:
        raise ImportRefused(f"body of {len(body):,} characters, longer than {MAX_BODY_CHARS:,}")
    return body


def import_note(path: Path, fields: dict, tag_names: list[str], dry_run: bool) -> ImportResult:
    old_slugs, refused = _old_slugs_to_add(fields)
    old_paths = list(dict.fromkeys(fields.pop("old_paths", [])))
    note = (
        Note.objects.filter(slug=fields["slug"])
        .prefetch_related("tags", "old_slugs", "legacy_paths")
        .first()
    )
    if note is None:
        outcome = "created"
        note = Note(**NEW_NOTE)
    else:
        if fields["published_at"] is None:  # a file without a date keeps the note's date
            fields["published_at"] = note.published_at
        same = all(getattr(note, name) == value for name, value in fields.items())
        wanted = sorted({slug_from(name, 100) for name in tag_names})
        same_tags = sorted(t.slug for t in note.tags.all()) == wanted
        # Old addresses are only added: one the file does not list keeps redirecting.
        same_redirects = set(old_slugs) <= {r.old_slug for r in note.old_slugs.all()} and set(
            old_paths
        ) <= {p.path for p in note.legacy_paths.all()}
        outcome = "unchanged" if same and same_tags and same_redirects else "updated"
    if dry_run or outcome == "unchanged":
        return ImportResult(path, outcome, fields["slug"], refused)
    with transaction.atomic():
        for name, value in fields.items():
            setattr(note, name, value)
        note.save()
        note.tags.set([Tag.named(name) for name in tag_names])
        for old_slug in old_slugs:
            NoteSlugRedirect.objects.update_or_create(old_slug=old_slug, defaults={"note": note})
        for old_path in old_paths:
            LegacyPath.objects.update_or_create(path=old_path, defaults={"note": note})
    return ImportResult(path, outcome, note.slug, refused)


def _old_slugs_to_add(fields: dict) -> tuple[list[str], list[str]]:
    """The file's old slugs that can redirect: not the note's own, not another note's address."""
    stated = [s for s in dict.fromkeys(fields.pop("old_slugs", [])) if s != fields["slug"]]
    taken = set(Note.objects.filter(slug__in=stated).values_list("slug", flat=True))
    refused = [f"old slug {slug!r} not imported: another note's address" for slug in taken]
    return [slug for slug in stated if slug not in taken], refused


def media_name(address: str) -> str:
    """`/media/covers/a.jpg` → `covers/a.jpg`: an image in the site's own storage, no way out."""
    name = address.removeprefix(settings.MEDIA_URL)
    path = PurePosixPath(name)
    if (
        "\\" in name
        or path.is_absolute()
        or any(part in ("", ".", "..") for part in name.split("/"))
        or path.suffix.lower() not in IMAGE_SUFFIXES
    ):
        raise ImportRefused(f"{address[:80]!r} is not an image of this site")
    return path.as_posix()


def export_note(note: Note) -> str:
    """The note as Markdown with plain front matter (the format `read_file` reads)."""
    metadata = {
        "title": note.title,
        "slug": note.slug,
        "old_slugs": sorted(redirect.old_slug for redirect in note.old_slugs.all()),
        "old_paths": sorted(legacy.path for legacy in note.legacy_paths.all()),
        "date": note.published_at.astimezone(dt.UTC).isoformat() if note.published_at else None,
        "draft": note.status == Note.Status.DRAFT,
        "visibility": note.visibility,
        "tags": sorted(tag.name for tag in note.tags.all()),
        "summary": note.summary,
        "seo_title": note.seo_title,
        "seo_description": note.seo_description,
        "cover": note.cover,
        "canonical": note.canonical_url,
        "language": note.language,
        "feed_id": entry_id(note) if note.pk else None,  # stays the note's id in feed readers
    }
    metadata = {key: value for key, value in metadata.items() if value not in (None, "", [])}
    metadata.update(sorted((note.front_matter or {}).items()))
    post = frontmatter.Post(note.body.strip(), **metadata)
    return frontmatter.dumps(post, sort_keys=False) + "\n"
