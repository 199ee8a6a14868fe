import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def author(db):
    return get_user_model().objects.create_user(
        "author", "author@example.com", "correct horse battery", is_staff=True, is_superuser=True
    )


def _sign_in(client, password, otp_token=""):
    return client.post(LOGIN, {"username": "author", "password": password, "otp_token": otp_token})


def test_author_without_authenticator_signs_in_with_password(client, author):
    response = _sign_in(client, "correct horse battery")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_repeated_wrong_passwords_lock_the_account_out_even_for_the_right_one(client, author):
    for _ in range(4):
        assert _sign_in(client, "wrong").status_code == 200
    assert _sign_in(client, "wrong").status_code == 429  # the fifth failure locks
    response = _sign_in(client, "correct horse battery")
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302  # still signed out


def test_author_with_authenticator_needs_the_current_code(client, author):
    device = TOTPDevice.objects.create(user=author, name="phone", confirmed=True)
    response = _sign_in(client, "correct horse battery")
    assert response.status_code == 200
    assert "authenticator" in response.content.decode()
    assert client.get("/admin/").status_code == 302

    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    assert _sign_in(client, "correct horse battery", code).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_wrong_authenticator_code_is_refused(client, author):
    TOTPDevice.objects.create(user=author, name="phone", confirmed=True)
    assert _sign_in(client, "correct horse battery", "000000").status_code == 200
    assert client.get("/admin/").status_code == 302
