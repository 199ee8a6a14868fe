"""Shared fixtures: real services (PostgreSQL, Redis, SMTP, a Celery worker) and Stripe signatures.

Where a service is missing, its tests skip with a reason — unless REQUIRE_SERVICES=1 (CI), where a
missing service fails the test instead.
"""

import os
import shutil

import pytest
from django.conf import settings
from django.db import connections

from tests.support.celery_worker import CeleryWorker
from tests.support.smtp import SMTPSink
from tests.support.stripe_signing import sign_stripe_payload  # noqa: F401  (re-exported)

pytest_plugins = [
    "tests.fixtures_notes",
    "tests.fixtures_newsletter",
    "tests.fixtures_billing",
]

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def missing_service(reason: str):
    """Skip for a developer without the service; fail in CI where it must be there."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def _redis_answers() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and settings.DATABASES["default"]["ENGINE"] != (
        "django.db.backends.postgresql"
    ):
        missing_service("PostgreSQL is not configured (set DATABASE_URL=postgres://...)")
    if item.get_closest_marker("redis") and not _redis_answers():
        missing_service("Redis is not configured or not answering (set REDIS_URL)")
    if item.get_closest_marker("browser"):
        if not shutil.which("chromium") and not os.path.exists("/usr/bin/chromium"):
            missing_service("Chromium is not installed (apt-get install chromium)")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (Redis keeps keys between runs)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a free port; Django's mail goes to it during the test."""
    sink = SMTPSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    yield sink
    sink.stop()


@pytest.fixture
def celery_worker(transactional_db, smtp_server):
    """A real `celery -A solo worker` process on the configured broker and the test database.

    It sends mail to `smtp_server`. Use `.kill()` (SIGKILL) and `.start()` to play a crash.
    Data the worker must see has to be committed, hence `transactional_db`.
    """
    worker = CeleryWorker(email_url=f"smtp://{smtp_server.host}:{smtp_server.port}")
    worker.purge()
    worker.start()
    yield worker
    worker.stop()
    worker.purge()


@pytest.fixture
def browser_page(live_server, monkeypatch):
    """A Playwright page in Debian's headless Chromium, pointed at the live test server.

    Use `browser_page.goto(live_server.url + "/")`. Playwright's sync API runs an event loop in
    this thread, so Django's async-safety guard is relaxed for the test's own ORM calls.
    """
    if not (shutil.which("chromium") or os.path.exists("/usr/bin/chromium")):
        missing_service("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        # The test's ORM calls under Playwright ran in another context with its own
        # connection: close it here, or PostgreSQL cannot drop the test database afterwards.
        connections.close_all()
        context.close()
        browser.close()
