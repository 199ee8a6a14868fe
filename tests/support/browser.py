"""What an author does in the browser that Playwright has no one call for."""

import base64
from io import BytesIO

from PIL import Image


def photo_jpeg(width: int = 2400, height: int = 1600) -> bytes:
    """A camera-sized photo: wider than the site ever serves, so it is narrowed and copied."""
    buffer = BytesIO()
    Image.new("RGB", (width, height), (40, 110, 180)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def drop_file(page, target, name: str, mime: str, data: bytes) -> None:
    """Drop a file on `target` (a locator) as a file manager does: a drop event carrying it."""
    transfer = page.evaluate_handle(
        """([name, mime, data]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, {type: mime}));
            return transfer;
        }""",
        [name, mime, base64.b64encode(data).decode()],
    )
    target.dispatch_event("drop", {"dataTransfer": transfer})
