"""Behind the TLS proxy every request comes from one address: limits must still be per visitor."""

import pytest
from django.contrib.auth import get_user_model

PROXY = "172.18.0.1"  # the address the app sees for every request through the proxy
FORMS = ["/subscribe/", "/account/login/"]


@pytest.fixture
def limited_forms(db, settings):
    settings.FORM_RATE_LIMIT = "3/h"


def _post_via_proxy(client, path, visitor_header, email="reader@example.com"):
    return client.post(
        path, {"email": email}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=visitor_header
    ).status_code


@pytest.mark.parametrize("path", FORMS)
def test_two_readers_behind_one_proxy_are_limited_separately(client, settings, limited_forms, path):
    settings.TRUSTED_PROXIES = 1
    first = [_post_via_proxy(client, path, "203.0.113.7") for _ in range(4)]
    assert first == [200, 200, 200, 429]
    assert _post_via_proxy(client, path, "198.51.100.23") == 200  # someone else, same proxy


# Straight to the app (0) the header is the client's own word; through one proxy (1) only the
# entry that proxy appended counts, never the ones the client put before it.
@pytest.mark.parametrize(
    ("proxies", "forged_header"), [(0, "192.0.2.{i}"), (1, "192.0.2.{i}, 203.0.113.7")]
)
@pytest.mark.parametrize("path", FORMS)
def test_forged_forwarded_addresses_do_not_escape_the_limit(
    client, settings, limited_forms, path, proxies, forged_header
):
    settings.TRUSTED_PROXIES = proxies
    statuses = [_post_via_proxy(client, path, forged_header.format(i=i)) for i in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_a_garbled_forwarded_header_gets_the_form_not_an_error(client, settings, limited_forms):
    settings.TRUSTED_PROXIES = 1
    assert _post_via_proxy(client, "/subscribe/", "not-an-address") == 200
    assert _post_via_proxy(client, "/subscribe/", "") == 200


# --- The admin's lockout (django-axes) ------------------------------------------------------------

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def author(db):
    return get_user_model().objects.create_user(
        "author", "author@example.com", "correct horse battery", is_staff=True, is_superuser=True
    )


def _sign_in_via_proxy(client, password, visitor_header):
    return client.post(
        LOGIN,
        {"username": "author", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=visitor_header,
    ).status_code


def test_the_author_is_not_locked_out_by_someone_elses_failures_through_the_same_proxy(
    client, settings, author
):
    settings.TRUSTED_PROXIES = 1
    attempts = [_sign_in_via_proxy(client, "guess", "203.0.113.66") for _ in range(5)]
    assert attempts[-1] == 429  # the guesser is locked out…

    assert _sign_in_via_proxy(client, "correct horse battery", "198.51.100.23") == 302
    assert client.get("/admin/").status_code == 200  # …the author is not


def test_a_guesser_forging_forwarded_addresses_stays_locked_out(client, settings, author):
    settings.TRUSTED_PROXIES = 1
    for i in range(5):
        _sign_in_via_proxy(client, "guess", f"192.0.2.{i}, 203.0.113.66")
    forged = "192.0.2.99, 203.0.113.66"
    assert _sign_in_via_proxy(client, "correct horse battery", forged) == 429
