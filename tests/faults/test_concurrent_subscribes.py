"""1,000 subscribe requests for 200 addresses, 16 at a time, through a real HTTP server.

Every address ends up as exactly one subscriber row whatever the interleaving, each gets its
confirmation email through a real SMTP server, and no request fails. Measured: ~15 s.
"""

import collections
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from newsletter.models import Subscriber

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ADDRESSES = 200
REQUESTS = 1000
THREADS = 16


def test_concurrent_subscribes_make_one_row_and_confirmation_per_address(
    live_server, smtp_server, settings
):
    settings.FORM_RATE_LIMIT = "100000/m"  # one test IP sends them all
    url = live_server.url + "/subscribe/"
    # Each address 5 times, in several spellings (case, spaces), shuffled.
    addresses = [f"reader{i}@example.com" for i in range(ADDRESSES)]
    spellings = [str, str.upper, lambda a: f"  {a} ", str.title, str]
    jobs = [(n, spell(a)) for n, a in enumerate(addresses) for spell in spellings]
    assert len(jobs) == REQUESTS
    random.Random(7).shuffle(jobs)

    local = threading.local()
    sessions: list[requests.Session] = []

    def browser() -> requests.Session:
        """One visitor per thread, posting as the site's own form does."""
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers["Origin"] = live_server.url
            sessions.append(local.session)
        return local.session

    def subscribe(job):
        n, email = job
        answer = browser().post(url, data={"email": email, "name": f"Reader {n}"}, timeout=30)
        return answer.status_code, answer.text

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(subscribe, jobs))
    for session in sessions:
        session.close()

    statuses = collections.Counter(status for status, _ in answers)
    assert statuses == {200: REQUESTS}, statuses
    assert all("Check your inbox" in text for _, text in answers)
    assert Subscriber.objects.count() == ADDRESSES
    assert sorted(Subscriber.objects.values_list("email", flat=True)) == sorted(addresses)
    assert set(Subscriber.objects.values_list("status", flat=True)) == {"pending"}

    received = smtp_server.wait_for(ADDRESSES)
    per_address = collections.Counter(rcpt.lower() for m in received for rcpt in m.rcpt_tos)
    assert set(per_address) == set(addresses)
    assert all(m.message["Subject"].startswith("Confirm your subscription") for m in received)
    assert set(per_address.values()) == {1}  # one confirmation each, however often they asked
