"""The admin opens for staff signed in with their password, plus their code once they have one."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from sesame.utils import get_query_string

from newsletter.models import Subscriber

ADMIN_LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def author(db):
    return get_user_model().objects.create_user(
        "author", "author@example.com", "correct horse battery", is_staff=True, is_superuser=True
    )


@pytest.fixture
def phone(author):
    return TOTPDevice.objects.create(user=author, name="phone", confirmed=True)


def _code(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"


def _sign_in_to_admin(client, otp_token=""):
    return client.post(
        ADMIN_LOGIN,
        {"username": "author", "password": "correct horse battery", "otp_token": otp_token},
    )


def _follow_magic_link(client, user):
    token = get_query_string(user).removeprefix("?sesame=")
    response = client.post("/account/login/link/", {"sesame": token})
    assert response.status_code == 302  # signed in as a reader would be


def test_staff_with_an_authenticator_signed_in_without_its_code_get_the_admin_sign_in_page(
    client, author, phone
):
    client.force_login(author)  # a session that never went through the code step
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == ADMIN_LOGIN
    assert client.get("/admin/notes/note/").status_code == 302


def test_with_the_authenticator_code_the_admin_opens_and_stays_open(client, author, phone):
    assert _sign_in_to_admin(client, _code(phone)).status_code == 302
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/notes/note/").status_code == 200


@pytest.mark.parametrize("has_authenticator", [False, True])
def test_a_magic_link_never_opens_the_admin_even_for_the_authors_own_address(
    client, author, has_authenticator
):
    if has_authenticator:
        TOTPDevice.objects.create(user=author, name="phone", confirmed=True)
    # The author reads their own newsletter, their subscriber row linked to their account.
    Subscriber.objects.create(email=author.email, status="active", user=author)
    _follow_magic_link(client, author)
    assert client.get("/account/").status_code == 200

    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == ADMIN_LOGIN


def test_after_a_magic_link_the_author_still_signs_in_to_the_admin_with_password_and_code(
    client, author, phone
):
    _follow_magic_link(client, author)
    assert _sign_in_to_admin(client, _code(phone)).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_staff_without_an_authenticator_open_the_admin_as_before(client, author):
    client.force_login(author)
    assert client.get("/admin/").status_code == 200


def test_the_password_printed_by_make_run_opens_the_admin(client, db, capsys):
    call_command("admin_password")
    password = re.search(r"password: (\S+)", capsys.readouterr().out).group(1)
    response = client.post(ADMIN_LOGIN, {"username": "admin", "password": password})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_author_adds_an_authenticator_and_can_still_scan_its_qr_code(client, author):
    client.force_login(author)
    form = {
        "user": author.pk,
        "name": "phone",
        "confirmed": "on",
        "key": "3132333435363738393031323334353637383930",
        "step": 30,
        "t0": 0,
        "digits": 6,
        "tolerance": 1,
        "drift": 0,
        "throttling_failure_count": 0,
    }
    response = client.post("/admin/otp_totp/totpdevice/add/", form)
    assert response.status_code == 302, response.content.decode()
    device = TOTPDevice.objects.get(user=author)

    assert client.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code == 200
    qr_code = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/")
    assert qr_code["Content-Type"] == "image/svg+xml"

    client.logout()  # from now on, the password alone is not enough
    assert _sign_in_to_admin(client).status_code == 200
    assert client.get("/admin/").status_code == 302


def test_the_editors_preview_and_upload_ask_for_the_code_like_the_admin(client, author, phone):
    client.force_login(author)  # password only: no code given
    for url in ("/markdownx/markdownify/", "/markdownx/upload/"):
        response = client.post(url, {"content": "Draft *text*"})
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    _sign_in_to_admin(client, _code(phone))
    preview = client.post("/markdownx/markdownify/", {"content": "Draft *text*"})
    assert preview.status_code == 200 and "<em>text</em>" in preview.content.decode()
