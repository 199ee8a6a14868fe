"""Moving in and out from the admin: one zip holds the notes, their images and the subscribers.

An export writes `notes/<slug>.md` (what `import_notes` reads, old slugs included), `media/…`
(the uploads that notes show, and cover images) and `subscribers.csv`. An import unpacks
uploaded Markdown files and zips into a private folder under limits on count, size and names, so
a hostile zip can neither write outside that folder nor fill the disk. Between the preview and
the import, the uploads wait in the shared cache (any web process may answer the second step).
"""

import io
import re
import secrets
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from newsletter.exports import SafeWriter
from newsletter.models import Subscriber
from notes import importers
from notes.importers import substack
from notes.models import Note
from notes.portability import IMAGE_SUFFIXES, ImportRefused, export_note, media_name

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # what the author sends in one go
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # what the zips inside may expand to
MAX_FILES = 5000
KEEP_SECONDS = 3600  # between the preview and the import
MARKDOWN_SUFFIXES = (".md", ".markdown")
MEDIA = "media"  # the folder of images, in an export and in an unpacked import


class ArchiveError(ValueError):
    """An upload that cannot be unpacked; the message says why."""


@dataclass
class Unpacked:
    folder: Path
    images: list[str] = field(default_factory=list)  # storage names, e.g. notes/a.png
    formats: list[tuple[str, str]] = field(
        default_factory=list
    )  # (upload, what it was found to be)
    warnings: list[str] = field(default_factory=list)


# --- Export -----------------------------------------------------------------------------------


def _local_uploads(note: Note) -> set[str]:
    """Storage names of the site's own images a note shows: in its body, and its cover."""
    prefix = f"(?:{re.escape(settings.SITE_URL)})?{re.escape(settings.MEDIA_URL)}"
    names = {note.cover_image.name} if note.cover_image else set()
    for address in re.findall(rf"{prefix}[^\s)\"'<>?#]+", note.body):
        try:
            names.add(media_name(address.removeprefix(settings.SITE_URL)))
        except ImportRefused:
            continue  # not an image: nothing to carry
    return names


def subscribers_csv() -> str:
    """Every subscriber. `subscribed_to_emails` is Ghost's column: importing the file again
    (here or in Ghost) keeps an unsubscribed or unconfirmed reader off the list."""
    out = io.StringIO()
    writer = SafeWriter(out)
    fields = ["email", "name", "status", "source", "language", "created_at", "confirmed_at"]
    writer.writerow([*fields[:2], "subscribed_to_emails", *fields[2:]])
    rows = Subscriber.objects.order_by("pk").values_list(*fields).iterator(chunk_size=2000)
    for email, name, status, *rest in rows:
        subscribed = "true" if status == Subscriber.Status.ACTIVE else "false"
        writer.writerow([email, name, subscribed, status, *rest])
    return out.getvalue()


def write_export(file) -> None:
    """The whole site's content as a zip written into `file`."""
    images: set[str] = set()
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
        notes = Note.objects.prefetch_related("tags", "old_slugs", "legacy_paths").order_by("slug")
        for note in notes.iterator(chunk_size=200):
            archive.writestr(f"notes/{note.slug}.md", export_note(note))
            images |= _local_uploads(note)
        for name in sorted(images):
            if default_storage.exists(name):
                with default_storage.open(name) as image:  # already compressed: stored as is
                    archive.writestr(f"{MEDIA}/{name}", image.read(), zipfile.ZIP_STORED)
        archive.writestr("subscribers.csv", subscribers_csv())


# --- Import -----------------------------------------------------------------------------------


def stash(uploads: list[tuple[str, bytes]], user_id: int) -> str:
    """Keep the uploads for the import step; the token is the only way back to them."""
    token = secrets.token_urlsafe(24)
    cache.set(f"moving:{token}", {"user": user_id, "uploads": uploads}, KEEP_SECONDS)
    return token


def unstash(token: str, user_id: int) -> list[tuple[str, bytes]] | None:
    kept = cache.get(f"moving:{token}") if re.fullmatch(r"[\w-]{20,64}", token or "") else None
    return kept["uploads"] if kept and kept["user"] == user_id else None


def forget(token: str) -> None:
    cache.delete(f"moving:{token}")


def _relative(name: str) -> PurePosixPath | None:
    """A member's name as a path that stays inside the folder, or None (zip-slip)."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        return None
    return path


def _is_image(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    return True


def _unpack_zip(name: str, data: bytes, unpacked: Unpacked, budget: list[int]) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_FILES:
            raise ArchiveError(f"{name}: more than {MAX_FILES:,} files")
        skipped = 0
        for member in members:
            path = _relative(member.filename)
            wanted_image = path and path.parts[0] == MEDIA and path.suffix.lower() in IMAGE_SUFFIXES
            if path is None or not (wanted_image or path.suffix.lower() in MARKDOWN_SUFFIXES):
                if path and path.name == "subscribers.csv":
                    unpacked.warnings.append(
                        f"{name}: subscribers.csv is imported on the subscribers' import page"
                    )
                else:
                    skipped += 1
                continue
            # Read no more than what is left of the budget, whatever the header claims.
            with archive.open(member) as source:
                content = source.read(budget[0] + 1)
            budget[0] -= len(content)
            if budget[0] < 0:
                raise ArchiveError(f"{name}: unpacks to more than {MAX_UNPACKED_BYTES:,} bytes")
            if wanted_image:
                _add_image(str(path.relative_to(MEDIA)), content, unpacked, name)
            else:
                _write(unpacked.folder, PurePosixPath(name) / path, content)
        if skipped:
            unpacked.warnings.append(f"{name}: {skipped} other file(s) left aside")
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as e:
        raise ArchiveError(f"{name}: not a readable zip ({e.__class__.__name__})") from e


def _add_image(name: str, content: bytes, unpacked: Unpacked, upload: str) -> None:
    if not _is_image(content):
        unpacked.warnings.append(f"{upload}: {MEDIA}/{name} is not an image, left aside")
        return
    _write(unpacked.folder, PurePosixPath(MEDIA) / name, content)
    unpacked.images.append(name)


def _write(folder: Path, relative: PurePosixPath, content: bytes) -> None:
    target = folder.joinpath(*relative.parts)
    if not target.resolve().is_relative_to(folder.resolve()):
        raise ArchiveError(f"{relative}: outside the import folder")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    except OSError as error:  # e.g. `a.md` both a file and a folder in one zip
        raise ArchiveError(f"{relative}: cannot be unpacked ({error.strerror})") from error


def _is_substack_export(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return substack.index(archive) is not None
    except zipfile.BadZipFile:
        return False


def unpack(uploads: list[tuple[str, bytes]], folder: Path) -> Unpacked:
    """Markdown files, the Markdown and `media/` images of zips, and the other platforms'
    exports (recognised by their content, kept whole: their readers bound what they read),
    written under `folder`."""
    unpacked = Unpacked(folder)
    budget = [MAX_UNPACKED_BYTES]
    for raw_name, data in uploads:
        name = PurePosixPath(raw_name.replace("\\", "/")).name or "upload"
        if name.lower().endswith(MARKDOWN_SUFFIXES):
            _write(folder, PurePosixPath(name), data)
        elif data.startswith(b"PK") and not _is_substack_export(data):
            _unpack_zip(name, data, unpacked, budget)
        else:
            _write(folder, PurePosixPath(name), data)
            if found := importers.recognise(folder / name):
                unpacked.formats.append((name, found))
            else:
                (folder / name).unlink()
                unpacked.warnings.append(
                    f"{name}: not Markdown, a zip or a known export, left aside"
                )
    return unpacked


def restore_images(unpacked: Unpacked) -> int:
    """Put the archive's images where notes expect them; an image already there is kept."""
    restored = 0
    for name in unpacked.images:
        if not default_storage.exists(name):
            content = (unpacked.folder / MEDIA).joinpath(*PurePosixPath(name).parts).read_bytes()
            default_storage.save(name, ContentFile(content))
            restored += 1
    return restored


def new_images(unpacked: Unpacked) -> int:
    return sum(not default_storage.exists(name) for name in unpacked.images)
