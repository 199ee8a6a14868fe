"""Fault-test fixtures: a private Redis, a real Celery worker on it, and beat played by hand.

The test process never runs a task itself (tests run tasks eagerly): it queues by name with a small
Celery client bound to the private Redis, exactly as beat would.
"""

import collections
import shutil
import time

import pytest
import requests
from celery import Celery

from newsletter.models import Delivery, Issue
from tests.conftest import missing_service
from tests.support.celery_worker import CeleryWorker
from tests.support.redis_server import RedisServer

# Short enough for a test, longer than any batch here takes (a claim must outlive its batch, or
# two workers would send the same rows).
CLAIM_TIMEOUT = 3


@pytest.fixture
def own_redis():
    if not shutil.which("redis-server"):
        missing_service("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def cache_on_own_redis(own_redis, settings):
    """The site's cache in the private Redis, so stopping it reaches readers' pages too."""
    settings.CACHES = {
        "default": {"BACKEND": "solo.cache.SoloRedisCache", "LOCATION": own_redis.url}
    }
    return own_redis


class Beat:
    """Queues the periodic tasks by name on the private Redis, as `celery beat` would."""

    def __init__(self, broker_url: str):
        # Not the current app: shared tasks queued by later tests must still use solo's broker.
        self.app = Celery("faults-beat", broker=broker_url, set_as_current=False)
        self.app.conf.broker_connection_retry_on_startup = True

    def send(self, name: str):
        self.app.send_task(name, retry=True, retry_policy={"max_retries": 20, "interval_max": 1})

    def dispatch(self):
        self.send("newsletter.tasks.dispatch_due_issues")

    def requeue(self):
        self.send("newsletter.tasks.requeue_stale_deliveries")

    def close(self):
        self.app.close()


@pytest.fixture
def beat(own_redis):
    client = Beat(own_redis.url)
    yield client
    client.close()


@pytest.fixture
def start_worker(transactional_db, own_redis):
    """Start a real worker on the private Redis: `start_worker(email_url, prefix=[...])`."""
    workers = []

    def start(email_url: str, prefix: list[str] | None = None, **env) -> CeleryWorker:
        worker = CeleryWorker(
            email_url=email_url,
            extra_env={
                "REDIS_URL": own_redis.url,
                "NEWSLETTER_CLAIM_TIMEOUT": str(CLAIM_TIMEOUT),
                **env,
            },
        )
        worker.command_prefix = prefix or []
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop()


def send_now(issue: Issue, beat: Beat) -> Issue:
    """Due now; the worker's dispatcher snapshots the audience and queues the batches."""
    from django.utils import timezone

    issue.status = Issue.Status.SCHEDULED
    issue.scheduled_at = timezone.now()
    issue.save()
    beat.dispatch()
    return issue


def wait_until(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    assert condition(), f"not true after {timeout}s"


def play_beat_until(done, beat: Beat, timeout: float, every: float = 1.0):
    """Queue the stale-claim sweep every second, as beat does each minute, until `done()`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return
        beat.requeue()
        time.sleep(every)
    assert done(), f"not done after {timeout}s"


def copies_per_reader(recipients: list[str]) -> collections.Counter:
    return collections.Counter(address.lower() for address in recipients)


def duplicates_once_all_served(smtp_server, readers, bound: int) -> int:
    """Every reader got the issue; how many extra copies, at most `bound` (in flight at a fault:
    one sent-but-unrecorded message per SMTP connection)."""
    time.sleep(0.5)  # anything still in flight lands, so duplicates are counted honestly
    counts = copies_per_reader(smtp_server.recipients())
    duplicates = sum(n - 1 for n in counts.values())
    assert set(counts) == {r.email for r in readers}
    assert duplicates <= bound, f"{duplicates} duplicates"
    return duplicates


def statuses(issue: Issue) -> dict[str, int]:
    return dict(
        collections.Counter(Delivery.objects.filter(issue=issue).values_list("status", flat=True))
    )


def kill_other_backends(busy_with: str = "", timeout: float = 10.0) -> int:
    """pg_terminate_backend on every other connection to the test database; how many were killed.

    With `busy_with`, first wait until some connection is running a query naming it (a sender
    thread opens its connection only while it records a row), so the kill lands mid-work.
    """
    from django.db import connection

    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while busy_with and time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh view inside a transaction
            cursor.execute(
                f"SELECT count(*) {others} AND state = 'active' AND query LIKE %s",
                [f"%{busy_with}%"],
            )
            if cursor.fetchone()[0]:
                break
            time.sleep(0.005)
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(f"SELECT pg_terminate_backend(pid) {others}")
        return sum(1 for (killed,) in cursor.fetchall() if killed)


class Visitor:
    """A reader's browser: one keep-alive connection, so the same server thread (and its database
    and Redis connections) answers before and after a fault."""

    def __init__(self, base_url: str, paths: list[str]):
        self.base_url = base_url
        self.paths = paths
        self.session = requests.Session()

    def statuses(self) -> dict[str, int]:
        return {p: self.session.get(self.base_url + p, timeout=10).status_code for p in self.paths}

    def close(self):
        self.session.close()


@pytest.fixture
def visitor(live_server):
    from tests.fixtures_newsletter import make_note

    note = make_note(slug="fault-note", visibility="public")
    reader = Visitor(live_server.url, ["/", note.get_absolute_url(), "/feed/", "/healthz"])
    yield reader
    reader.close()


def connections_to(port: int) -> int:
    """Established TCP connections to this local port (Linux /proc/net/tcp), e.g. SMTP sessions."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as lines:
            next(lines)
            for line in lines:
                remote, state = line.split()[2:4]
                count += state == "01" and int(remote.rsplit(":", 1)[1], 16) == port
    return count
