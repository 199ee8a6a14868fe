"""The forms anonymous readers post carry no CSRF token: the browser's `Origin` and
`Sec-Fetch-Site` headers say where a POST comes from, and another site's POST gets a 403 page.
Requests with neither header come from no browser (curl, a mail provider's one-click
unsubscribe) and are let through. Signed-in readers' forms keep Django's CSRF tokens."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from sesame.utils import get_token

from billing.models import Plan
from newsletter import tokens
from newsletter.models import Subscriber
from tests.billing.readers import make_reader

pytestmark = pytest.mark.django_db

SAME_ORIGIN = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
CROSS_SITE = {
    "another site": {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    "another site, Origin only": {"Origin": "https://evil.example"},
    "another site, Sec-Fetch-Site only": {"Sec-Fetch-Site": "cross-site"},
    "a sibling subdomain": {"Origin": "http://blog.testserver", "Sec-Fetch-Site": "same-site"},
    "another port": {"Origin": "http://testserver:8080"},
    "https page posting to http": {"Origin": "https://testserver"},
    "an opaque origin (sandboxed frame)": {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
}


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.FORM_RATE_LIMIT = "100000/m"


@pytest.fixture
def world(db):
    pending = Subscriber.objects.create(email="pending@example.com", status="pending")
    user = make_reader("paid", get_user_model())  # paid@example.com
    return {"pending": pending, "active": Subscriber.objects.get(user=user), "user": user}


def forms(world) -> dict[str, tuple[str, dict]]:
    """Each form an anonymous reader posts: its address and a body that would change something."""
    return {
        "subscribe": ("/subscribe/", {"email": "new@example.com", "name": "New"}),
        "sign in": ("/account/login/", {"email": "paid@example.com"}),
        "sign-in link": ("/account/login/link/", {"sesame": get_token(world["user"])}),
        "checkout": ("/billing/checkout/monthly/", {"email": "new@example.com"}),
        "confirm": (f"/subscribe/confirm/{tokens.confirm_token(world['pending'])}/", {}),
        "unsubscribe": (f"/unsubscribe/{tokens.unsubscribe_token(world['active'].pk)}/", {}),
    }


def state(mailoutbox) -> tuple:
    return (
        list(Subscriber.objects.order_by("pk").values_list("email", "status")),
        list(get_user_model().objects.values_list("last_login", flat=True)),
        len(mailoutbox),
    )


@pytest.mark.parametrize("sender", CROSS_SITE)
@pytest.mark.parametrize(
    "form", ["subscribe", "sign in", "sign-in link", "checkout", "confirm", "unsubscribe"]
)
def test_a_form_posted_from_another_site_is_refused_and_changes_nothing(
    world, mailoutbox, settings, django_capture_on_commit_callbacks, form, sender
):
    settings.STRIPE_SECRET_KEY = "sk_test_never_called"  # refused before Stripe would be asked
    Plan.objects.create(name="Monthly", slug="monthly", stripe_price_id="monthly", amount=500)
    url, data = forms(world)[form]
    before = state(mailoutbox)
    browser = Client()
    with django_capture_on_commit_callbacks(execute=True):
        page = browser.post(url, data, headers=CROSS_SITE[sender])
    assert page.status_code == 403
    assert "This form was sent from another site" in page.content.decode()
    assert state(mailoutbox) == before
    assert "_auth_user_id" not in browser.session  # nobody was signed in


@pytest.mark.parametrize(
    "headers",
    [
        SAME_ORIGIN,
        {"Origin": "http://testserver"},  # a browser without Fetch Metadata
        {"Sec-Fetch-Site": "same-origin"},  # a same-origin POST whose Origin was withheld
        {"Sec-Fetch-Site": "none"},  # sent again from the address bar or history
        {},  # no browser: curl, a script, a mail provider
    ],
    ids=["same origin", "Origin only", "Sec-Fetch-Site only", "user-initiated", "no headers"],
)
def test_a_form_posted_from_this_site_works_without_any_token_or_cookie(world, headers):
    reader = Client(enforce_csrf_checks=True)
    page = reader.post("/subscribe/", {"email": "new@example.com", "name": "New"}, headers=headers)
    assert page.status_code == 200
    assert Subscriber.objects.filter(email="new@example.com", status="pending").exists()
    for form in ("confirm", "unsubscribe"):
        url, _ = forms(world)[form]
        assert reader.post(url, headers=headers).status_code == 200
    statuses = dict(Subscriber.objects.values_list("email", "status"))
    assert statuses["pending@example.com"] == "active"
    assert statuses["paid@example.com"] == "unsubscribed"
    url, data = forms(world)["sign-in link"]
    assert reader.post(url, data, headers=headers).status_code == 302
    assert reader.get("/account/").status_code == 200  # signed in


def test_sign_in_and_checkout_from_this_site_are_accepted(
    world, mailoutbox, monthly_plan, django_capture_on_commit_callbacks
):
    reader = Client(enforce_csrf_checks=True)
    with django_capture_on_commit_callbacks(execute=True):
        sent = reader.post("/account/login/", {"email": "paid@example.com"}, headers=SAME_ORIGIN)
    assert sent.status_code == 200 and len(mailoutbox) == 1
    checkout = reader.post(
        "/billing/checkout/monthly/", {"email": "new@example.com"}, headers=SAME_ORIGIN
    )
    assert checkout.status_code == 303


def test_behind_a_tls_proxy_the_sites_https_origin_is_accepted(world, settings):
    settings.ALLOWED_HOSTS = ["solo.example"]
    settings.SITE_URL = settings.CSRF_TRUSTED_ORIGINS = "https://elsewhere.example"  # not these
    behind_proxy = Client(HTTP_HOST="solo.example", HTTP_X_FORWARDED_PROTO="https")
    data = {"email": "new@example.com", "name": "New"}
    headers = {"Origin": "https://solo.example", "Sec-Fetch-Site": "same-origin"}
    assert behind_proxy.post("/subscribe/", data, headers=headers).status_code == 200
    # The proxy's plain-http hop is not the visitor's origin: an http page is another origin.
    downgraded = {"Origin": "http://solo.example", "Sec-Fetch-Site": "cross-site"}
    assert behind_proxy.post("/subscribe/", data, headers=downgraded).status_code == 403


def test_the_sites_own_address_is_accepted_whatever_host_the_app_sees(world, settings):
    settings.ALLOWED_HOSTS = ["testserver", "web"]
    settings.SITE_URL = "https://solo.example"
    settings.CSRF_TRUSTED_ORIGINS = [settings.SITE_URL]
    inside = Client(enforce_csrf_checks=True, HTTP_HOST="web")  # a proxy that rewrites Host
    data = {"email": "new@example.com", "name": "New"}
    assert (
        inside.post("/subscribe/", data, headers={"Origin": "https://solo.example"}).status_code
        == 200
    )


def test_signed_in_readers_forms_still_need_their_csrf_token(world):
    reader = Client(enforce_csrf_checks=True)
    reader.force_login(world["user"])
    refused = reader.post("/account/newsletter/", {"receive": "no"}, headers=SAME_ORIGIN)
    assert refused.status_code == 403
    assert Subscriber.objects.get(pk=world["active"].pk).status == "active"
    assert 'name="csrfmiddlewaretoken"' in reader.get("/account/").content.decode()
