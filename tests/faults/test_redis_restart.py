"""Redis (the worker's broker and the site's cache) restarted in the middle of a send.

The restarted Redis comes back empty: the batches still queued in it are lost. The rows those
batches would have sent are still `queued` in PostgreSQL, and the stale-claim sweep queues them
again after NEWSLETTER_CLAIM_TIMEOUT. Every reader gets the issue once; pages keep answering.
"""

import pytest
import requests

from newsletter.models import Delivery, Issue
from tests.faults.conftest import (
    duplicates_once_all_served,
    play_beat_until,
    send_now,
    statuses,
)
from tests.fixtures_newsletter import make_note, make_subscribers

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

READERS = 600


def test_redis_restarted_mid_send_everyone_gets_it_once_and_pages_answer(
    own_redis, cache_on_own_redis, start_worker, beat, smtp_server, live_server, settings
):
    # cache_on_own_redis: the live server's page cache restarts with the broker, reaching readers.
    note = make_note(visibility="public")
    readers = make_subscribers(READERS)
    worker = start_worker(f"smtp://{smtp_server.host}:{smtp_server.port}")
    # One keep-alive visitor: the same server thread and its Redis connection before and after.
    visitor = requests.Session()
    pages = ["/", note.get_absolute_url(), "/feed/", "/healthz"]
    for path in pages:
        assert visitor.get(live_server.url + path, timeout=10).status_code == 200

    issue = send_now(Issue.objects.create(note=note), beat)
    smtp_server.wait_for(READERS // 4, timeout=60)
    own_redis.restart(down_for=1.0)
    at_restart = len(smtp_server.messages)
    assert at_restart < READERS, "the send finished before the restart; nothing was tested"

    expected = {r.email for r in readers}
    play_beat_until(lambda: expected <= set(smtp_server.recipients()), beat, timeout=60)

    bound = settings.NEWSLETTER_SMTP_CONNECTIONS  # the one worker process's connections
    duplicates = duplicates_once_all_served(smtp_server, readers, bound)
    print(f"restart after {at_restart} of {READERS} messages; {duplicates} duplicates")
    assert statuses(issue) == {Delivery.Status.SENT: READERS}
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert "Connection to broker lost" in worker.log() or "reconnect" in worker.log().lower()

    for path in pages:  # the same connection to the server, its Redis connection now stale
        assert visitor.get(live_server.url + path, timeout=10).status_code == 200
    visitor.close()
