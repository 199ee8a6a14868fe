import os
import subprocess
import sys

import pytest
from django.db import transaction

from newsletter.tasks import send_email


def _manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "solo.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_healthz_answers_ok_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_answers_503_when_the_broker_is_down(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "error"}


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={**env, "DJANGO_SETTINGS_MODULE": "solo.settings", "DEBUG": "false"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_deploy_check_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x" * 20 + "-production-secret-" + "y" * 20,
        SECURE_SSL_REDIRECT="true",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pages_carry_a_strict_content_security_policy(client, db):
    response = client.get("/healthz")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_smtp_server_fixture_receives_real_mail(smtp_server, settings):
    send_email("reader@example.com", "Hello", "Plain body", "<p>HTML body</p>")
    (received,) = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["reader@example.com"]
    assert received.message["Subject"] == "Hello"


def test_a_real_celery_worker_sends_queued_mail(celery_worker, smtp_server):
    with transaction.atomic():
        transaction.on_commit(lambda: send_email.delay("worker@example.com", "Queued", "Body"))
    (received,) = smtp_server.wait_for(1, timeout=60)
    assert received.rcpt_tos == ["worker@example.com"]


@pytest.mark.postgres
def test_postgresql_keeps_connections_and_checks_their_health(settings):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0


@pytest.mark.redis
def test_redis_is_the_broker_and_the_cache_when_configured(settings):
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL
    assert "RedisCache" in settings.CACHES["default"]["BACKEND"]
