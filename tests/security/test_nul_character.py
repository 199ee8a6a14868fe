"""A NUL character (which PostgreSQL cannot store) anywhere in a request is a 400, never a 500.

SQLite accepts NUL, so these run on PostgreSQL.
"""

import pytest
from django.test import Client

from newsletter.models import Subscriber

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.FORM_RATE_LIMIT = "100000/m"


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=%00",
        "/search/?q=a%00b",
        "/search/?q%00=a",
        "/feed/private/%00/",
        "/notes/a%00b/",
        "/?page=%00",
    ],
)
def test_a_nul_in_the_address_is_a_400(url, make_note):
    make_note("Hello")
    assert Client().get(url).status_code == 400


@pytest.mark.parametrize(
    "form",
    [
        {"email": "reader@example.com", "from": "a\x00b"},
        {"email": "reader@example.com", "na\x00me": "x"},
    ],
)
def test_a_nul_in_a_form_field_is_a_400_and_subscribes_nobody(form):
    assert Client().post("/subscribe/", form).status_code == 400
    assert not Subscriber.objects.exists()


def test_a_nul_in_a_cookie_is_a_400():
    reader = Client()
    reader.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert reader.get("/account/").status_code == 400


def test_a_nul_in_the_user_agent_of_a_failed_admin_sign_in_is_a_400():
    # The sign-in log (django-axes) stores the user agent of every failed attempt.
    browser = Client(HTTP_USER_AGENT="Mozilla/5.0\x00")
    answer = browser.post("/admin/login/", {"username": "author", "password": "wrong"})
    assert answer.status_code == 400
