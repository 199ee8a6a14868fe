"""After moving in, `fetch_images` copies the images notes show from the old platform into the
site's storage (resized like uploads) and reports what it could not fetch."""

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from notes.models import Note


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def old_platform(tmp_path):
    """The old platform's image host: a real HTTP server on 127.0.0.1."""
    site = tmp_path / "cdn"
    site.mkdir()
    Image.new("RGB", (2400, 1200), "teal").save(site / "wide.jpg", "JPEG")
    Image.new("RGB", (40, 30), "red").save(site / "cover.png", "PNG")
    (site / "not-an-image.png").write_text("<html>a login page</html>")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db
def test_fetch_images_copies_old_platform_images_here_and_reports_what_it_could_not(
    old_platform, media, client
):
    note = Note.objects.create(
        title="Moved in",
        status="published",
        cover_url=f"{old_platform}/cover.png",
        body=(
            f"[![Wide]({old_platform}/wide.jpg)]({old_platform}/wide.jpg)\n\n"
            f"![Gone]({old_platform}/missing.png)\n\n"
            f"![Fake]({old_platform}/not-an-image.png)\n"
        ),
    )
    err = StringIO()
    with pytest.raises(CommandError, match="2 image"):
        call_command("fetch_images", stdout=StringIO(), stderr=err)
    assert f"not fetched: {old_platform}/missing.png: HTTP 404" in err.getvalue()
    assert f"not fetched: {old_platform}/not-an-image.png: " in err.getvalue()

    note.refresh_from_db()
    assert f"{old_platform}/wide.jpg" not in note.body
    copy = note.body.split("](")[1].split(")")[0]
    assert copy.startswith("/media/notes/") and copy.endswith("-1600x800.jpg")  # narrowed
    with Image.open(media / copy.removeprefix("/media/")) as image:
        assert image.size == (1600, 800)
    assert note.cover_url == "" and note.cover.startswith("/media/notes/")
    assert f"{old_platform}/missing.png" in note.body  # left as it was, to retry later
    page = client.get(note.get_absolute_url()).content.decode()
    assert copy in page and "srcset" in page

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("fetch_images", stdout=out, stderr=StringIO())
    assert "0 image(s) copied into 0 note(s), 2 not fetched" in out.getvalue()
