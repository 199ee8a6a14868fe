"""Uploaded images, made fit for the web once, when they are saved.

An upload is decoded with Pillow (so a file that only claims to be an image is refused), turned
upright by its EXIF orientation, stripped of its metadata (a phone photo carries where it was
taken), narrowed to MAX_WIDTH and stored with WebP copies at a few widths. Its stored name carries
its size, `notes/<hex>-1600x1067.jpg`, with the copies beside it as `…-1600x1067-480w.webp`, so the
rendered HTML gets `width`, `height` and `srcset` from the address alone, with no storage lookup
(the same with S3 storage).
"""

import re
import warnings
from dataclasses import dataclass
from io import BytesIO
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from markdownx.forms import ImageForm
from PIL import Image, ImageOps

MAX_WIDTH = 1600
WIDTHS = (480, 960, MAX_WIDTH)  # the WebP copies offered in srcset (never wider than the image)
# Decoding costs about 4 bytes per pixel: 50 megapixels (a 8,660 × 5,770 photo) is ~200 MB.
MAX_PIXELS = 50_000_000
# What each Pillow format is stored as; GIFs are kept as uploaded (resizing loses the animation).
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
SIZES = "(max-width: 42rem) 100vw, 42rem"  # the reading column (--measure in site.css)
_SIZED_NAME = re.compile(
    r"^(?P<stem>.+/[0-9a-f]{32}-(?P<w>\d+)x(?P<h>\d+))\.(?P<ext>jpg|png|webp|gif)$"
)


class ImageRefused(ValidationError):
    pass


@dataclass(frozen=True)
class Prepared:
    image: Image.Image | None  # None: stored as uploaded (GIF)
    data: bytes
    ext: str
    width: int
    height: int


def check(upload) -> Image.Image:
    """The upload opened (header only), or ImageRefused: not an image, or too many pixels."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.width * image.height > MAX_PIXELS:
                raise Image.DecompressionBombError
            image.verify()  # a truncated or corrupt file fails here, before any decoding
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(
            _("This image is too large (at most %(max)s million pixels).")
            % {"max": MAX_PIXELS // 1_000_000},
            code="too_large",
        ) from None
    except Exception:  # Pillow raises many kinds for files that are not images
        raise ImageRefused(_("This file is not an image Solo can use."), code="invalid") from None
    if image.format not in FORMATS:
        raise ImageRefused(_("Use a JPEG, PNG, WebP or GIF image."), code="format")
    upload.seek(0)
    return Image.open(upload)  # verify() leaves the image unusable: open it again


def prepare(upload) -> Prepared:
    """Decode, turn upright, strip metadata and narrow an upload (see the module docstring)."""
    image = check(upload)
    ext = FORMATS[image.format]
    if ext == "gif":
        upload.seek(0)
        return Prepared(None, upload.read(), ext, image.width, image.height)
    icc = image.info.get("icc_profile")
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha and ext != "jpg" else "RGB")  # before resampling
    # Only the colour profile survives: no EXIF, XMP or comments (GPS position, camera serial).
    image.info = {"icc_profile": icc} if icc else {}
    if image.width > MAX_WIDTH:
        image = _narrowed(image, MAX_WIDTH)
    return Prepared(image, _encode(image, ext), ext, image.width, image.height)


def _narrowed(image: Image.Image, width: int) -> Image.Image:
    narrowed = image.resize(
        (width, max(1, round(image.height * width / image.width))), Image.LANCZOS
    )
    narrowed.info = image.info
    return narrowed


def _encode(image: Image.Image, ext: str, width: int | None = None) -> bytes:
    if width and width < image.width:
        image = _narrowed(image, width)
    options = {
        "jpg": {"format": "JPEG", "quality": 85, "optimize": True, "progressive": True},
        "png": {"format": "PNG", "optimize": True},
        "webp": {"format": "WEBP", "quality": 80, "method": 4},
    }[ext]
    if icc := image.info.get("icc_profile"):
        options["icc_profile"] = icc
    buffer = BytesIO()
    image.save(buffer, **options)
    return buffer.getvalue()


def variant_widths(width: int) -> list[int]:
    """The widths of the WebP copies of a stored image `width` pixels wide (at most MAX_WIDTH)."""
    return [w for w in WIDTHS if w < width] + [width]


def store(prepared: Prepared, folder: str) -> str:
    """Save the image and its WebP copies under `folder`; the stored name of the image."""
    stem = f"{folder.strip('/')}/{uuid4().hex}-{prepared.width}x{prepared.height}"
    name = default_storage.save(f"{stem}.{prepared.ext}", ContentFile(prepared.data))
    if prepared.image is not None:
        for width in variant_widths(prepared.width):
            data = _encode(prepared.image, "webp", width)
            default_storage.save(f"{stem}-{width}w.webp", ContentFile(data))
    return name


@dataclass(frozen=True)
class Sized:
    width: int
    height: int
    srcset: str  # empty for GIFs
    sizes: str = SIZES


def sized(src: str) -> Sized | None:
    """Size and srcset of an image stored by `store`, from its address; None for any other."""
    if not src.startswith(settings.MEDIA_URL):
        return None
    match = _SIZED_NAME.match(src)
    if not match:
        return None
    width, height = int(match["w"]), int(match["h"])
    if width > MAX_WIDTH:  # never stored that wide: not one of ours
        return None
    srcset = ""
    if match["ext"] != "gif":
        srcset = ", ".join(f"{match['stem']}-{w}w.webp {w}w" for w in variant_widths(width))
    return Sized(width, height, srcset)


class UploadForm(ImageForm):
    """The editor's upload (markdownx): refused unless Pillow reads it, then stored as above."""

    def clean(self):
        upload = super().clean()
        self.prepared = prepare(upload)
        return upload

    def save(self, commit=True):
        return default_storage.url(store(self.prepared, settings.MARKDOWNX_MEDIA_PATH))
