"""Images the author drops into the editor or sets as a cover: narrowed, WebP widths, served."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def photo(size=(4000, 3000), fmt="JPEG", exif=None, mode="RGB", name="photo.jpg", colour="teal"):
    buffer = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Image.new(mode, size, colour).save(buffer, format=fmt, **options)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png"}[fmt]
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def upload(client, image):
    return client.post(
        "/markdownx/upload/", {"image": image}, HTTP_X_REQUESTED_WITH="XMLHttpRequest"
    )


def test_a_4000px_photo_from_the_editor_reaches_a_phone_as_a_480px_webp_without_layout_shift(
    staff_client, client, media_root, make_note
):
    response = upload(staff_client, photo())
    assert response.status_code == 200
    code = response.json()["image_code"]
    src = re.fullmatch(r"!\[\]\((/media/notes/[0-9a-f]{32}-1600x1200\.jpg)\)", code)[1]

    note = make_note(title="Dakar", body=f"Look:\n\n{code}\n")
    page = client.get(note.get_absolute_url()).content.decode()
    img = re.search(r"<img [^>]*>", page.split('class="note-body"', 1)[-1])[0]
    assert f'src="{src}"' in img
    assert 'width="1600"' in img and 'height="1200"' in img
    assert 'loading="lazy"' in img and 'decoding="async"' in img and "sizes=" in img
    srcset = re.search(r'srcset="([^"]*)"', img)[1]
    candidates = dict(reversed(c.split()) for c in srcset.split(", "))
    assert sorted(candidates) == ["1600w", "480w", "960w"]

    served = client.get(src)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (1600, 1200)
    narrow = client.get(candidates["480w"])
    assert narrow.status_code == 200 and narrow["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(b"".join(narrow.streaming_content))).size == (480, 360)


def test_a_phone_photo_stands_upright_and_no_longer_says_where_it_was_taken(
    staff_client, media_root
):
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was turned; shown rotated 90°
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825)[2] = (14.0, 41.0, 0.0)  # GPS latitude: Dakar
    response = upload(staff_client, photo((600, 400), exif=exif))
    assert response.status_code == 200
    stored = re.search(r"/media/(\S+?)\)", response.json()["image_code"])[1]
    raw = (media_root / stored).read_bytes()
    image = Image.open(io.BytesIO(raw))
    assert image.size == (400, 600)  # upright
    assert not image.getexif() and b"PhoneMaker" not in raw
    for copy in media_root.rglob("*.webp"):
        copied = Image.open(copy)
        assert copied.size[1] > copied.size[0] and not copied.getexif()


def test_a_small_transparent_png_keeps_its_size_and_transparency(staff_client, media_root):
    response = upload(
        staff_client,
        photo((300, 100), "PNG", mode="RGBA", name="logo.png", colour=(0, 128, 128, 90)),
    )
    assert response.status_code == 200
    assert re.search(r"-300x100\.png\)$", response.json()["image_code"])
    (webp,) = media_root.rglob("*.webp")
    assert webp.name.endswith("-300w.webp") and Image.open(webp).mode == "RGBA"


def test_a_file_that_only_claims_to_be_an_image_is_refused_and_nothing_is_stored(
    staff_client, media_root
):
    fake = SimpleUploadedFile("x.png", b"<html><script>alert(1)</script>", "image/png")
    response = upload(staff_client, fake)
    assert response.status_code == 400
    assert "not an image" in str(response.json())
    assert not any(media_root.rglob("*.*"))


def test_a_decompression_bomb_is_refused_with_a_clear_message(staff_client, media_root):
    buffer = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buffer, format="PNG")  # 81 megapixels in ~10 kB
    bomb = SimpleUploadedFile("bomb.png", buffer.getvalue(), "image/png")
    response = upload(staff_client, bomb)
    assert response.status_code == 400
    assert "too large" in str(response.json())
    assert not any(media_root.rglob("*.*"))


def test_a_file_in_the_media_folder_is_never_run_as_a_page(client, media_root):
    (media_root / "notes").mkdir()
    (media_root / "notes" / "page.html").write_text("<script>alert(1)</script>")
    response = client.get("/media/notes/page.html")
    assert response.status_code == 200
    assert response["Content-Disposition"] == "attachment"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.get("/media/notes/missing.png").status_code == 404
    assert client.get("/media/../settings.py").status_code == 400  # outside the folder


def test_a_cover_image_is_narrowed_with_webp_widths_and_a_bomb_cover_is_a_form_error(
    client, media_root, make_note
):
    from django.core.exceptions import ValidationError

    note = make_note(title="Cover", cover_image=photo((3200, 1600)))
    assert re.fullmatch(r"covers/[0-9a-f]{32}-1600x800\.jpg", note.cover_image.name)
    assert Image.open(media_root / note.cover_image.name).size == (1600, 800)
    assert sorted(p.name.rsplit("-", 1)[1] for p in media_root.rglob("*.webp")) == [
        "1600w.webp", "480w.webp", "960w.webp",
    ]  # fmt: skip

    page = client.get(note.get_absolute_url()).content.decode()
    cover = re.search(r'<img class="note-cover" [^>]*>', page)[0]
    assert f'src="/media/{note.cover_image.name}"' in cover
    assert 'width="1600" height="800"' in cover and "-480w.webp 480w" in cover

    buffer = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buffer, format="PNG")
    note.cover_image = SimpleUploadedFile("bomb.png", buffer.getvalue(), "image/png")
    with pytest.raises(ValidationError) as refused:
        note.full_clean()
    assert "cover_image" in refused.value.message_dict
