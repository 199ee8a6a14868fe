"""What every platform's reader shares: a post read into note fields, and how to read one."""

from dataclasses import dataclass, field
from pathlib import Path

from ..portability import ImportRefused, checked_body, fields_from
from .html import to_markdown


@dataclass
class Post:
    source: Path  # the file, or `export/slug` for one post of an export
    fields: dict | None = None
    tags: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # values not imported, and why
    error: ImportRefused | None = None


def post_from(source: Path, metadata: dict, html: str) -> Post:
    """A post from front matter keys (as `portability.fields_from` reads them) and its HTML."""
    try:
        fields, tags, refused = fields_from({k: v for k, v in metadata.items() if v is not None})
        fields["body"] = checked_body(to_markdown(html))
    except ImportRefused as error:
        return Post(source, error=error)
    return Post(source, fields, tags, refused)


def read_limited(file, limit: int, name: str) -> bytes:
    """At most `limit` bytes of an archive member, whatever its header claims (zip bombs)."""
    data = file.read(limit + 1)
    if len(data) > limit:
        raise ImportRefused(f"{name} is larger than {limit:,} bytes")
    return data
