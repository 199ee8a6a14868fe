"""A real Celery worker process for tests, on the configured broker and the test database."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection


def test_database_url() -> str:
    """DATABASE_URL of the database the tests run on (pytest-django's test database)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.postgresql":
        user = db.get("USER") or "postgres"
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        host = db.get("HOST") or "127.0.0.1"
        port = db.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"
    return f"sqlite:///{Path(db['NAME']).resolve()}"


class CeleryWorker:
    # Run the worker under another command (e.g. `unshare ...`), which must exec the rest.
    command_prefix: list[str] = []

    def __init__(self, email_url: str, concurrency: int = 1, extra_env: dict | None = None):
        self.email_url = email_url
        self.concurrency = concurrency
        self.extra_env = extra_env or {}
        self.process: subprocess.Popen | None = None
        self.log_path = Path(settings.VAR_DIR) / f"test-worker-{os.getpid()}.log"

    def env(self) -> dict:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=test_database_url(),
            EMAIL_URL=self.email_url,
            SOLO_CELERY_EAGER="0",
            DJANGO_SETTINGS_MODULE="tests.settings",
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 60.0):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "w")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                *self.command_prefix,
                sys.executable,
                "-m",
                "celery",
                "-A",
                "solo",
                "worker",
                "--pool=prefork",
                f"--concurrency={self.concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so kill() reaches the pool's children too
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early:\n{self.log()}")
            if " ready." in self.log():
                return
            time.sleep(0.1)
        raise RuntimeError(f"Celery worker not ready after {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""

    def kill(self):
        """SIGKILL the worker and its pool: a crash, with no chance to clean up."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def purge(self):
        """Drop queued messages left by an earlier test."""
        if settings.REDIS_URL:
            import redis

            redis.Redis.from_url(settings.REDIS_URL).flushdb()
        else:
            folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
            shutil.rmtree(folder.parent, ignore_errors=True)
            for key in ("data_folder_in", "data_folder_out", "control_folder"):
                Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key]).mkdir(
                    parents=True, exist_ok=True
                )
