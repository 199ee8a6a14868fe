"""Moving in from other platforms: one dispatcher recognises what it is given by its content.

Each format's reader turns its posts into the fields a Markdown file with front matter gives
(`portability.fields_from`), so every format imports the same way: by slug, idempotent, keeping
what the file does not state, old addresses recorded to redirect. `import_files` is what
`import_notes` and the admin's import page run.
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..portability import ImportRefused, ImportResult, import_note, read_file
from . import beehiiv, ghost, substack, wordpress
from .common import Post

MARKDOWN = "Markdown with front matter"
MARKDOWN_SUFFIXES = (".md", ".markdown")
# Tried in this order on a file's first bytes; Markdown is what a `.md` file or `---` start is.
READERS = [substack, ghost, wordpress, beehiiv]
SNIFF_BYTES = 4096


@dataclass
class Found:
    path: Path
    format: str  # which format it was recognised as, for the author
    posts: Iterable[Post] = field(default_factory=list)


def recognise(path: Path) -> str | None:
    """The format of a file, by its content; None for a file that is none of them."""
    reader = _reader(path)
    return reader.FORMAT if reader else (MARKDOWN if _is_markdown(path) else None)


def _reader(path: Path):
    try:
        with path.open("rb") as file:
            head = file.read(SNIFF_BYTES)
    except OSError:
        return None
    return next((reader for reader in READERS if reader.recognises(path, head)), None)


def _is_markdown(path: Path) -> bool:
    if path.suffix.lower() in MARKDOWN_SUFFIXES:
        return True
    try:
        with path.open("rb") as file:
            return file.read(4).lstrip(b"\xef\xbb\xbf").startswith(b"---")
    except OSError:
        return False


def _markdown_posts(path: Path) -> Iterator[Post]:
    try:
        yield Post(path, *read_file(path))
    except ImportRefused as error:
        yield Post(path, error=error)


def find(paths) -> list[Found]:
    """What each path holds. In a folder, Markdown files and the exports found by content;
    other files (images beside the notes) are left alone. A file named on its own that is none
    of them is read as Markdown, which says why it cannot be imported."""
    found = []
    for raw in paths:
        path = Path(raw)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if reader := _reader(file):
                found.append(Found(file, reader.FORMAT, reader.posts(file)))
            elif _is_markdown(file) or not path.is_dir():
                found.append(Found(file, MARKDOWN, _markdown_posts(file)))
    return found


def import_files(paths, dry_run: bool = False, found: list[Found] | None = None):
    """Import files, folders and exports, oldest note first; yields (source, result or None,
    error or None), where source is the file, or `file/slug` for a post inside an export.

    Notes get their ids in the order they were published, as if written here one by one: a
    note's related notes are drawn from each tag's most recently added notes (notes.views).
    """
    readable = []
    for item in found if found is not None else find(paths):
        for post in item.posts:
            if post.error:
                yield post.source, None, post.error
            else:
                readable.append(post)
    undated_last = dt.datetime.max.replace(tzinfo=dt.UTC)
    readable.sort(key=lambda post: post.fields["published_at"] or undated_last)
    for post in readable:
        result: ImportResult = import_note(post.source, post.fields, post.tags, dry_run)
        result.refused = [*post.refused, *result.refused]
        yield post.source, result, None
