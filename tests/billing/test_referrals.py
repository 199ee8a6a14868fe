"""Referrals: a reader's link brings in readers; each confirmed one counts once (not the reader
themself, not an address already here, not one that bounced); a reward is granted once, as a comp,
with an email."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from billing.access import reader_for_subscriber
from billing.models import Comp, ReferralReward, ReferralRewardGrant
from newsletter import referrals
from newsletter.models import Referral, Subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(django_user_model):
    user = django_user_model.objects.create_user("ada", "ada@example.com")
    return Subscriber.objects.create(
        email="ada@example.com", status="active", confirmed_at=timezone.now(), user=user
    )


@pytest.fixture
def account(client, ada):
    client.force_login(ada.user)

    def page() -> str:
        return client.get("/account/").content.decode()

    return page


def referral_link(account_page: str) -> str:
    return re.search(r'id="referral-link"[^>]*value="http://testserver(/r/[^"]+/)"', account_page)[
        1
    ]


@pytest.fixture
def through(django_capture_on_commit_callbacks, smtp_server):
    """A new visitor (own browser) subscribes through `link` and, unless told not to, confirms."""

    def visit(link: str, email: str, confirm: bool = True):
        visitor = Client()
        page = visitor.get(link).content.decode()
        code = re.search(r'name="ref" value="([^"]*)"', page)
        data = {"email": email, **({"ref": code[1]} if code else {})}
        before = len(smtp_server.messages)
        with django_capture_on_commit_callbacks(execute=True):
            assert visitor.post("/subscribe/", data).status_code == 200
        if not confirm:
            return
        message = smtp_server.wait_for(before + 1)[before].message
        text = message.get_body(("plain",)).get_content()
        path = re.search(r"http://testserver(/subscribe/confirm/\S+)", text)[1]
        with django_capture_on_commit_callbacks(execute=True):
            assert visitor.post(path).status_code == 200

    return visit


def test_a_confirmed_referral_counts_once_and_the_reward_is_granted_once(
    ada, account, through, smtp_server
):
    ReferralReward.objects.create(threshold=2, days=30)
    link = referral_link(account())
    assert "0 readers have subscribed through your link." in account()

    through(link, "bea@example.com")
    assert "1 reader has subscribed through your link." in account()
    assert not Comp.objects.filter(subscriber=ada).exists()

    through(link, "cy@example.com")
    assert "2 readers have subscribed through your link." in account()
    [comp] = Comp.objects.filter(subscriber=ada)
    assert 29 <= (comp.until - timezone.now()).days <= 30
    assert reader_for_subscriber(ada.pk).is_paid
    rewards = [m for m in smtp_server.messages if m.rcpt_tos == ["ada@example.com"]]
    assert len(rewards) == 1
    assert "paid access until" in rewards[0].message.get_body(("plain",)).get_content()

    # Cy leaves and comes back through the link; Bea subscribes again: nothing counts twice.
    Subscriber.objects.get(email="cy@example.com").unsubscribe()
    cache.delete("newsletter:confirmation:cy@example.com")  # a quarter of an hour later
    through(link, "cy@example.com")
    through(link, "bea@example.com", confirm=False)
    assert Referral.objects.count() == 2
    assert Comp.objects.filter(subscriber=ada).count() == 1
    assert ReferralRewardGrant.objects.count() == 1
    assert len([m for m in smtp_server.messages if m.rcpt_tos == ["ada@example.com"]]) == 1


def test_self_referrals_and_addresses_already_here_do_not_count(ada, account, through):
    ReferralReward.objects.create(threshold=1, days=None)
    Subscriber.objects.create(email="old@example.com", status="unsubscribed")
    link = referral_link(account())
    through(link, "ADA@example.com", confirm=False)  # Ada's own address: already active
    through(link, "old@example.com")  # already on the list before the link
    assert Referral.objects.count() == 0
    assert "0 readers have subscribed through your link." in account()
    assert not Comp.objects.exists()


def test_bounced_addresses_do_not_count(ada, account, through):
    ReferralReward.objects.create(threshold=2, days=30)
    link = referral_link(account())
    through(link, "bea@example.com")
    Subscriber.objects.get(email="bea@example.com").bounce()
    through(link, "cy@example.com", confirm=False)
    Subscriber.objects.get(email="cy@example.com").bounce()  # bounced before confirming
    assert "0 readers have subscribed through your link." in account()
    through(link, "dan@example.com")
    assert "1 reader has subscribed through your link." in account()
    assert not Comp.objects.exists()


def test_a_forged_code_shows_the_plain_form(db, client):
    page = client.get("/r/1-0000000000/")
    assert page.status_code == 200
    assert b'name="ref"' not in page.content and b'name="email"' in page.content
    assert "no-cache" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    assert not page.cookies


@pytest.mark.parametrize(
    "code", ["zzzzzzzzzzzzzzzzzzzzzzzz-0", "-", "%00", "1-" + "a" * 500, "ada"], ids=repr
)
def test_any_code_gets_the_form_never_an_error(db, client, code):
    page = client.get(f"/r/{code}/")
    assert page.status_code in (200, 400)  # a NUL is refused before any view
    assert b'name="ref"' not in page.content


def test_the_data_export_says_whether_a_reader_came_through_a_link(ada, account, through, client):
    through(referral_link(account()), "bea@example.com")
    data = client.get("/account/data.json").json()
    assert data["referrals"] == {
        "came_through_a_readers_link": False,
        "readers_referred_and_confirmed": 1,
    }


def test_the_author_sets_rewards_and_sees_referrals_in_the_admin(admin_client, ada, through):
    answer = admin_client.post(
        "/admin/billing/referralreward/add/", {"threshold": "1", "days": "30", "active": "on"}
    )
    assert answer.status_code == 302
    through(f"/r/{referrals.code_for(ada)}/", "bea@example.com")
    assert ReferralRewardGrant.objects.get().subscriber == ada
    pages = {
        "/admin/billing/referralreward/": ["30", "1"],
        "/admin/billing/referralrewardgrant/": ["ada@example.com"],
        "/admin/newsletter/referral/": ["ada@example.com", "bea@example.com", "Active"],
    }
    for url, texts in pages.items():
        page = admin_client.get(url)
        assert page.status_code == 200, url
        assert all(text in page.content.decode() for text in texts), url
