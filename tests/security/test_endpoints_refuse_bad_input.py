"""Every form and endpoint answers bad input with a 4xx and changes nothing (DESIGN rule 4).

Oversized bodies, wrong methods, requests without a CSRF token, malformed and forged tokens: each
request is made against a database with readers, a plan and a signed-in-able user; the rows (and
the outbox) are compared before and after. A 500 would raise in the test client.
"""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail, signing
from django.test import Client
from sesame.utils import get_token

from billing.models import Customer, Plan, StripeEvent, Subscription
from newsletter import tokens
from newsletter.models import Delivery, Subscriber
from tests.billing.readers import make_reader
from tests.support.stripe_signing import sign_stripe_payload, signed_event

pytestmark = pytest.mark.django_db

WEBHOOK_SECRET = "whsec_test_solo"
OVERSIZED = 3 * 1024 * 1024  # above DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    # Rate limiting is a 429 of its own; here each request must meet the check under test.
    settings.FORM_RATE_LIMIT = "100000/m"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


@pytest.fixture
def world(db):
    """A pending reader, a paid one (Stripe customer, subscription, user), and a plan."""
    pending = Subscriber.objects.create(email="pending@example.com", status="pending")
    user = make_reader("paid", get_user_model())  # paid@example.com, Stripe customer, user
    Plan.objects.create(name="Monthly", slug="monthly", stripe_price_id="monthly", amount=500)
    active = Subscriber.objects.get(user=user)
    return {"pending": pending, "active": active, "user": user}


def snapshot() -> dict:
    """Everything a bad request could change."""
    return {
        "subscribers": list(
            Subscriber.objects.order_by("pk").values_list(
                "pk", "email", "name", "status", "confirmed_at", "unsubscribed_at", "user_id"
            )
        ),
        "users": list(get_user_model().objects.order_by("pk").values_list("pk", "last_login")),
        "customers": Customer.objects.count(),
        "subscriptions": list(Subscription.objects.values_list("pk", "status")),
        "events": StripeEvent.objects.count(),
        "deliveries": Delivery.objects.count(),
        "sessions": Session.objects.count(),
        "mail": len(mail.outbox),
    }


def forged(value, salt: str, timestamped=False) -> str:
    signer_class = signing.TimestampSigner if timestamped else signing.Signer
    return signer_class(key="not-our-secret-key-" + "x" * 40, salt=salt).sign(value)


def tampered(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def bad_tokens(world) -> dict[str, list[str]]:
    pending, active = world["pending"], world["active"]
    confirm = tokens.confirm_token(pending)
    unsubscribe = tokens.unsubscribe_token(active.pk)
    sesame = get_token(world["user"])
    junk = ["x", "abc:def:ghi", "é☃\u202e", "A" * 5000, "%00", "..%2F..%2Fetc"]
    return {
        "confirm": [
            *junk,
            tampered(confirm),
            forged(str([pending.pk, pending.email]), "newsletter.confirm", timestamped=True),
            signing.TimestampSigner(salt="newsletter.confirm").sign_object(
                [pending.pk, pending.email]
            ),  # the old format, with the address in clear
            signing.TimestampSigner(salt="newsletter.confirm").sign_object(
                [pending.pk, "0" * 20]
            ),  # a real signature over another address's hash
            signing.TimestampSigner(salt="newsletter.confirm").sign_object(["1; DROP", "x"]),
            unsubscribe,  # the other kind of token
        ],
        "unsubscribe": [
            *junk,
            tampered(unsubscribe),
            forged(str(active.pk), "newsletter.unsubscribe"),
            signing.Signer(salt="newsletter.unsubscribe").sign("999999"),  # nobody
            signing.Signer(salt="newsletter.unsubscribe").sign("not-a-number"),
            confirm,
        ],
        "sesame": [*junk, tampered(sesame), sesame[: len(sesame) // 2]],
    }


def assert_refused(response, *statuses):
    assert response.status_code in statuses, (response.status_code, response.content[:300])


def test_the_snapshot_sees_a_change(client, world):
    """Control: a genuine confirmation does change the snapshot, so the checks below can fail."""
    before = snapshot()
    response = client.post(f"/subscribe/confirm/{tokens.confirm_token(world['pending'])}/")
    assert response.status_code == 200
    assert snapshot() != before


def test_malformed_and_forged_tokens_get_400_and_change_nothing(client, world):
    before = snapshot()
    for token in bad_tokens(world)["confirm"]:
        assert_refused(client.get(f"/subscribe/confirm/{token}/"), 400, 404)
        assert_refused(client.post(f"/subscribe/confirm/{token}/"), 400, 404)
    for token in bad_tokens(world)["unsubscribe"]:
        assert_refused(client.get(f"/unsubscribe/{token}/"), 400, 404)
        assert_refused(client.post(f"/unsubscribe/{token}/"), 400, 404)
        assert_refused(
            client.post(f"/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"}), 400, 404
        )
    for token in bad_tokens(world)["sesame"]:
        assert_refused(client.get("/account/login/link/", {"sesame": token}), 400)
        assert_refused(client.post("/account/login/link/", {"sesame": token}), 400)
    assert_refused(client.post("/account/login/link/"), 400)
    assert client.get("/account/").status_code == 302  # still signed out
    assert snapshot() == before


def test_invalid_form_input_gets_400_and_changes_nothing(client, world):
    before = snapshot()
    for data in [
        {},
        {"email": ""},
        {"email": "not-an-email"},
        {"email": "a@b"},
        {"email": "x" * 250 + "@example.com"},
        {"email": "new@example.com\r\nBcc: victim@example.com"},
        {"email": "new@example.com", "name": "Eve\r\nBcc: victim@example.com"},
        {"email": "new@example.com", "name": "n" * 201},
        {"email": "<script>@example.com"},
    ]:
        assert_refused(client.post("/subscribe/", data), 400)
        if "name" not in data:
            assert_refused(client.post("/account/login/", data), 400)
    assert snapshot() == before


def test_invalid_checkout_input_gets_4xx_and_changes_nothing(client, world, local_stripe):
    before = snapshot()
    assert_refused(client.post("/billing/checkout/monthly/", {"email": "nope"}), 400)
    assert_refused(client.post("/billing/checkout/monthly/", {}), 400)
    assert_refused(client.post("/billing/checkout/no-such-plan/", {"email": "a@example.com"}), 404)
    assert_refused(client.post("/billing/checkout/..%2Fadmin/", {"email": "a@example.com"}), 404)
    for session_id in ["", "nope", "cs_" + "a" * 300, "cs_<script>", "cs_does_not_exist"]:
        assert_refused(client.get("/billing/success/", {"session_id": session_id}), 400, 404)
    assert snapshot() == before


@pytest.mark.parametrize(
    "method,path",
    [
        ("put", "/subscribe/"),
        ("delete", "/subscribe/"),
        ("patch", "/subscribe/"),
        ("put", "/unsubscribe/{unsubscribe}/"),
        ("delete", "/unsubscribe/{unsubscribe}/"),
        ("get", "/billing/checkout/monthly/"),
        ("put", "/billing/checkout/monthly/"),
        ("get", "/billing/portal/"),
        ("get", "/billing/webhook/"),
        ("put", "/billing/webhook/"),
        ("post", "/billing/success/"),
        ("get", "/account/newsletter/"),
        ("get", "/account/logout/"),
        ("post", "/account/data.json"),
        ("put", "/account/erase/"),
        ("delete", "/account/erase/"),
    ],
)
def test_wrong_methods_get_405_and_change_nothing(client, world, method, path):
    client.force_login(world["user"])
    path = path.format(unsubscribe=tokens.unsubscribe_token(world["active"].pk))
    before = snapshot()
    assert_refused(getattr(client, method)(path), 405)
    assert snapshot() == before


def test_posts_from_another_site_or_without_a_csrf_token_get_403_and_change_nothing(world):
    # Anonymous forms are checked by origin (tests/security/test_cross_site_forms.py)…
    browser = Client(enforce_csrf_checks=True, headers={"Origin": "https://evil.example"})
    before = snapshot()
    assert_refused(browser.post("/subscribe/", {"email": "new@example.com"}), 403)
    assert_refused(browser.post("/account/login/", {"email": "paid@example.com"}), 403)
    sesame = get_token(world["user"])
    assert_refused(browser.post("/account/login/link/", {"sesame": sesame}), 403)
    assert_refused(browser.post("/billing/checkout/monthly/", {"email": "new@example.com"}), 403)
    assert snapshot() == before  # the magic link was not burnt, nobody was signed in

    # …signed-in readers' forms by Django's CSRF token, even from this site.
    browser = Client(enforce_csrf_checks=True, headers={"Origin": "http://testserver"})

    browser.force_login(world["user"])
    before = snapshot()
    assert_refused(browser.post("/account/newsletter/", {"receive": "no"}), 403)
    assert_refused(browser.post("/billing/portal/"), 403)
    assert_refused(browser.post("/account/logout/"), 403)
    assert_refused(browser.post("/account/erase/"), 403)
    assert snapshot() == before
    assert browser.get("/account/").status_code == 200  # still signed in


@pytest.mark.parametrize(
    "path",
    ["/subscribe/", "/account/login/", "/billing/checkout/monthly/", "/account/login/link/"],
)
def test_oversized_form_bodies_get_400_and_change_nothing(client, world, path, request):
    if path.startswith("/billing/"):
        request.getfixturevalue("local_stripe")  # without Stripe, checkout is a 503 page
    before = snapshot()
    body = "email=paid%40example.com&name=" + "n" * OVERSIZED
    response = client.post(path, data=body, content_type="application/x-www-form-urlencoded")
    assert_refused(response, 400)
    assert snapshot() == before


def test_oversized_unsubscribe_and_webhook_bodies_get_400(client, world):
    # One-click unsubscribe never reads the body (a valid link is enough, RFC 8058): a forged
    # link with a huge body is refused like any forged link.
    before = snapshot()
    token = forged(str(world["active"].pk), "newsletter.unsubscribe")
    body = "List-Unsubscribe=One-Click&x=" + "n" * OVERSIZED
    response = client.post(
        f"/unsubscribe/{token}/", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert_refused(response, 400)
    big = {"x": "n" * OVERSIZED}
    event = {"id": "evt_big", "type": "customer.updated", "data": {"object": big}}
    body, signature = signed_event(event, WEBHOOK_SECRET)
    response = client.post(
        "/billing/webhook/",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": signature},
    )
    assert_refused(response, 400)
    assert snapshot() == before


def test_webhook_refuses_unsigned_forged_and_malformed_events(client, world):
    before = snapshot()
    event = {
        "id": "evt_forged",
        "object": "event",
        "type": "customer.subscription.deleted",
        "created": 1_900_000_000,
        "data": {"object": {"id": "sub_active", "object": "subscription", "status": "canceled"}},
    }
    good_body = json.dumps(event)
    cases = [
        (good_body, None),
        (good_body, ""),
        (good_body, "garbage"),
        (good_body, "t=,v1="),
        (good_body, sign_stripe_payload(good_body, "whsec_someone_else")),
        (good_body, sign_stripe_payload(good_body + " ", WEBHOOK_SECRET)),
        (good_body, sign_stripe_payload(good_body, WEBHOOK_SECRET, timestamp=1_000_000_000)),
        ("not json", sign_stripe_payload("not json", WEBHOOK_SECRET)),
        ("", sign_stripe_payload("", WEBHOOK_SECRET)),
        ("\xff\xfe", sign_stripe_payload("\xff\xfe", WEBHOOK_SECRET)),
    ]
    for body, signature in cases:
        headers = {} if signature is None else {"Stripe-Signature": signature}
        response = client.post(
            "/billing/webhook/", data=body, content_type="application/json", headers=headers
        )
        assert_refused(response, 400)
    assert snapshot() == before
