"""Sign-ups that bots cannot flood: each defence refuses a bot's post (nothing stored, no mail),
says why to a person, and is counted for the author's dashboard."""

import base64
import json
import re
import time

import pytest
from altcha import ChallengeV1, solve_challenge_v1
from django.core.cache import cache
from django.urls import reverse

from newsletter import defences
from newsletter.models import StoppedSignup, Subscriber

URL = "/subscribe/"


@pytest.fixture(autouse=True)
def _empty_tally(db):
    # Another process's test (gunicorn behind Caddy, tests/deploy) may have committed some.
    StoppedSignup.objects.all().delete()


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    def send(data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, data)

    return send


@pytest.fixture
def timed(settings):
    settings.SIGNUP_MIN_SECONDS = 3
    return settings


def stopped() -> dict[str, int]:
    return dict(StoppedSignup.objects.values_list("defence", "count"))


def stamp_of(page) -> str:
    return re.search(rb'name="stamp" value="([^"]+)"', page.content).group(1).decode()


def solved(client) -> str:
    """What the ALTCHA widget posts: the challenge from this site, solved."""
    data = client.get(reverse("newsletter:challenge")).json()
    challenge = ChallengeV1(
        data["algorithm"], data["challenge"], data["maxNumber"], data["salt"], data["signature"]
    )
    solution = solve_challenge_v1(challenge)
    payload = {
        "algorithm": data["algorithm"],
        "challenge": data["challenge"],
        "number": solution.number,
        "salt": data["salt"],
        "signature": data["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def assert_nothing_happened(smtp_server):
    assert Subscriber.objects.count() == 0
    time.sleep(0.2)
    assert smtp_server.messages == []


def test_every_subscribe_form_carries_the_signed_time_and_the_widget(db, client, timed):
    for url in ["/", URL]:
        page = client.get(url)
        assert b'name="stamp"' in page.content, url
        assert b"<altcha-widget" in page.content and b"/static/vendor/altcha/" in page.content
    assert client.get(reverse("newsletter:challenge"))["Cache-Control"].startswith("max-age=0")


def test_a_post_faster_than_a_person_is_refused_with_a_clear_error(
    db, client, post, smtp_server, timed
):
    stamp = stamp_of(client.get(URL))
    answer = post({"email": "bot@example.com", "stamp": stamp})
    assert answer.status_code == 400
    assert b"faster than a person" in answer.content
    assert_nothing_happened(smtp_server)
    assert stopped() == {"timing": 1}
    # The page offers a fresh form; a reader who took their time gets through.
    assert stamp_of(answer) and b'name="email"' in answer.content
    answer = post({"email": "reader@example.com", "stamp": defences.form_stamp(time.time() - 5)})
    assert answer.status_code == 200 and b"Check your inbox" in answer.content
    assert smtp_server.wait_for(1)[0].rcpt_tos == ["reader@example.com"]


@pytest.mark.parametrize(
    "stamp",
    ["", "1700000000:forged", defences.form_stamp(time.time() - 3 * 24 * 3600)],
    ids=["missing", "forged", "three-days-old"],
)
def test_a_post_without_a_valid_form_time_is_refused(db, post, smtp_server, timed, stamp):
    answer = post({"email": "bot@example.com", "stamp": stamp})
    assert answer.status_code == 400
    assert b"This form has expired" in answer.content
    assert_nothing_happened(smtp_server)
    assert stopped() == {"timing": 1}


def test_a_solved_challenge_lets_a_post_through_once(db, client, post, smtp_server):
    payload = solved(client)
    assert post({"email": "reader@example.com", "altcha": payload}).status_code == 200
    smtp_server.wait_for(1)
    replay = post({"email": "bot@example.com", "altcha": payload})
    assert replay.status_code == 400
    assert b"anti-spam check did not go through" in replay.content
    assert Subscriber.objects.filter(email="bot@example.com").count() == 0
    assert stopped() == {"proof_of_work": 1}


def test_the_challenge_time_counts_even_from_a_cached_page(db, client, post, smtp_server, timed):
    # The stamp says the page is old (served from a cache), but the challenge was issued now.
    data = {"stamp": defences.form_stamp(time.time() - 60), "altcha": solved(client)}
    answer = post({"email": "bot@example.com", **data})
    assert answer.status_code == 400 and b"faster than a person" in answer.content
    assert_nothing_happened(smtp_server)


@pytest.mark.parametrize(
    "payload",
    [
        "not base64!",
        base64.b64encode(b"[1, 2]").decode(),
        base64.b64encode(b'{"salt": {"a": 1}}').decode(),
        "forge",
    ],
    ids=["garbage", "a-list", "nested", "forged-number"],
)
def test_a_forged_or_broken_solution_is_refused(db, client, post, smtp_server, payload):
    if payload == "forge":
        real = json.loads(base64.b64decode(solved(client)))
        real["number"] += 1
        payload = base64.b64encode(json.dumps(real).encode()).decode()
    answer = post({"email": "bot@example.com", "altcha": payload})
    assert answer.status_code == 400
    assert b"anti-spam check did not go through" in answer.content
    assert_nothing_happened(smtp_server)


def test_with_altcha_required_a_post_without_javascript_is_refused(
    db, client, post, smtp_server, settings
):
    settings.SIGNUP_REQUIRE_ALTCHA = True
    answer = post({"email": "bot@example.com", "stamp": defences.form_stamp(time.time() - 60)})
    assert answer.status_code == 400
    assert_nothing_happened(smtp_server)
    assert post({"email": "r@example.com", "altcha": solved(client)}).status_code == 200


def test_disposable_addresses_are_refused_unless_the_author_allows_them(
    db, post, smtp_server, settings
):
    for email in ["bot@mailinator.com", "bot@eu.mailinator.com", "BOT@Guerrillamail.com"]:
        answer = post({"email": email})
        assert answer.status_code == 400
        assert b"disposable email services" in answer.content
        assert b'class="field-error"' in answer.content
    assert_nothing_happened(smtp_server)
    assert stopped() == {"disposable": 3}

    settings.REFUSE_DISPOSABLE_EMAILS = False
    assert post({"email": "someone@mailinator.com"}).status_code == 200
    assert Subscriber.objects.count() == 1


def test_an_address_gets_a_few_confirmation_emails_a_day_whoever_asks(
    db, post, smtp_server, settings
):
    settings.SIGNUP_CONFIRMATIONS_PER_ADDRESS = 2
    Subscriber.objects.create(email="active@example.com", status=Subscriber.Status.ACTIVE)
    answers = {}
    for email in ["target@example.com", "active@example.com"]:
        for attempt in range(3):
            answers[email, attempt] = post({"email": email})
            cache.delete(f"newsletter:confirmation:{email}")  # a quarter of an hour passes
    codes = {key: answer.status_code for key, answer in answers.items()}
    assert [codes["target@example.com", n] for n in range(3)] == [200, 200, 429]
    # An active reader's address answers the same (no enumeration), and gets no email.
    assert [codes["active@example.com", n] for n in range(3)] == [200, 200, 429]
    assert b"several confirmation emails" in answers["target@example.com", 2].content
    smtp_server.wait_for(2)
    time.sleep(0.3)
    assert smtp_server.recipients() == ["target@example.com"] * 2
    assert stopped() == {"address_limit": 2}


def test_the_honeypot_and_the_network_limit_are_counted(db, post, smtp_server, settings):
    settings.FORM_RATE_LIMIT = "2/m"
    assert post({"email": "bot@example.com", "website": "http://spam.example"}).status_code == 200
    assert post({"email": "bot2@example.com"}).status_code == 200
    assert post({"email": "bot3@example.com"}).status_code == 429
    assert stopped() == {"honeypot": 1, "rate_limit": 1}
    assert Subscriber.objects.count() == 1


def test_the_dashboard_shows_bots_stopped_per_defence(db, admin_client, post, timed):
    post({"email": "bot@mailinator.com"})
    post({"email": "bot@example.com", "stamp": "forged"})
    post({"email": "bot@example.com", "stamp": "forged"})
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Bots stopped at the subscribe forms" in page
    row = re.search(r"Sent too fast, or without the form&#x27;s time</th>\s*<td>(\d+)</td>", page)
    assert row and row.group(1) == "2", page[page.find("Bots stopped") :][:2000]
    assert re.search(r"Disposable address</th>\s*<td>1</td>", page)
