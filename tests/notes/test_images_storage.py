"""Uploads in S3-compatible storage, switched on by one variable (MEDIA_STORAGE_URL)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from storages.backends.s3 import S3Storage

from solo.settings import _media_storage


def test_without_media_storage_url_uploads_stay_on_this_host_under_media():
    storage, media_url = _media_storage("")
    assert storage["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert media_url == "/media/"


def test_an_s3_compatible_bucket_serves_uploads_at_plain_addresses_pages_can_link():
    storage, media_url = _media_storage(
        "s3://AKIA123:se%2Fcret@solo-media?endpoint_url=https://s3.fr-par.scw.cloud"
        "&region_name=fr-par"
    )
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "solo-media"
    assert (options["access_key"], options["secret_key"]) == ("AKIA123", "se/cret")
    assert options["region_name"] == "fr-par" and options["querystring_auth"] is False
    assert media_url == "https://s3.fr-par.scw.cloud/solo-media/"
    # The address the storage gives an upload is the one the HTML post-processing recognises
    # (no request is made: the address is built locally).
    url = S3Storage(**options).url("notes/abc.png")
    assert url == media_url + "notes/abc.png"


def test_amazon_s3_and_a_cdn_domain_and_a_folder_in_the_bucket():
    _, aws = _media_storage("s3://K:S@my-bucket?region_name=eu-west-3")
    assert aws == "https://my-bucket.s3.eu-west-3.amazonaws.com/"
    storage, cdn = _media_storage("s3://K:S@b?custom_domain=media.example.com&location=solo")
    assert cdn == "https://media.example.com/solo/"
    assert S3Storage(**storage["OPTIONS"]).url("notes/x.png") == cdn + "notes/x.png"


def test_a_mistyped_media_storage_url_stops_the_start_with_a_clear_message():
    with pytest.raises(ImproperlyConfigured, match="s3://KEY:SECRET@BUCKET"):
        _media_storage("https://bucket.example.com")
